"""dataprep: build and lint Amazon Bedrock model-customization datasets before upload."""

__version__ = "0.1.0"
