"""Pipeline stages of `dataprep build`: each takes rows and returns kept rows plus findings."""
