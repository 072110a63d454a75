"""`dataprep job`: turn a built folder into a checked CreateModelCustomizationJob request.

This is the last step before money is spent, so nothing is taken on trust: the manifest's hashes must
still match the files, the files are validated again against the profile, the hyperparameters must lie in
the model's documented ranges, the S3 URIs, role ARN and KMS key must have shapes the API accepts, and
the finished body is checked against the request shape in botocore's own Bedrock service model. Nothing
is uploaded and no AWS call is made; the caller prints the `aws` commands that do that.

One concern per module:
  folder          the build folder: manifest (DP601), profile (DP603, DP614), unchanged files (DP602)
  hyperparameters defaults, ranges and the API's string spelling (DP604, DP605, DP613)
  identifiers     S3 URI, role ARN, KMS key and VPC id shapes (DP606-DP610)
  request         JobRequest, the body, default names, writing job.json
  botocore_shape  the body against botocore's Bedrock service model (DP611; botocore loaded lazily)
  plan            the order of the checks, what is uploaded (DP612), the summary and the aws commands
  problems        the `add(where, code, message)` callback every check reports through

The functions are pure apart from reading the build folder and `write_request`; the typer command lives
in `dataprep/cli/job.py` so that this package (and botocore) load only when `dataprep job` runs. This
module re-exports what the command uses.
"""

from __future__ import annotations

from dataprep.errors import JobUsageError, NotReady
from dataprep.job.folder import choose_profile, load_manifest
from dataprep.job.plan import JobPlan, aws_commands, plan_job, summary_lines
from dataprep.job.request import JOB_FILE, JobRequest, write_request

__all__ = ["JOB_FILE", "JobPlan", "JobRequest", "JobUsageError", "NotReady", "aws_commands", "choose_profile",
           "load_manifest", "plan_job", "summary_lines", "write_request"]
