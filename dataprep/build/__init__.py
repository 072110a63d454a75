"""`dataprep build`: raw files in, S3-ready splits out; `pipeline.build` runs the steps in order."""
