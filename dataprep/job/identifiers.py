"""The shapes of the S3 URI, role ARN, KMS key and VPC ids a job request names (DP606-DP610).

botocore's service model checks some of these only loosely (or not at all), and the service refuses a bad
one only after the data is uploaded; these checks say, before anything is spent, which flag to fix and how.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dataprep.job.problems import Add

OUTPUT_FOLDER = "output/"  # under the S3 prefix: where Bedrock writes the job's output

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_KEY_SEGMENT = re.compile(r"[-!_*'().a-zA-Z0-9]+")
_ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+")
_KMS_ID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_KMS_ALIAS = r"alias/[a-zA-Z0-9/_-]+"
_KMS_KEY = re.compile(rf"{_KMS_ID}|{_KMS_ALIAS}|arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{{12}}:(key/{_KMS_ID}|{_KMS_ALIAS})")
# (flag, shape, example) of the two id lists in vpcConfig.
_VPC_IDS = {"subnet": ("--vpc-subnet", re.compile(r"subnet-[0-9a-f]{1,25}"), "subnet-0123456789abcdef0"),
            "security group": ("--vpc-security-group", re.compile(r"sg-[0-9a-f]{1,29}"), "sg-0123456789abcdef0")}


def s3_prefix(uri: str, add: Add) -> str:
    """The folder URI (ending in '/') the files go under; problems with the URI are reported (DP606/DP607)."""
    where = "--s3-uri"
    if not uri.startswith("s3://"):
        add(where, "DP606", f"{uri!r} is not an S3 URI; use s3://BUCKET/PREFIX/")
        return "s3://bucket/"
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    problems = _s3_problems(uri, bucket, key)
    for problem in problems:
        add(where, "DP606", problem)
    prefix = uri if uri.endswith("/") else uri + "/"
    if key and not key.endswith("/") and not problems:
        add(where, "DP607", f"{uri} does not end in '/'; it is used as the folder {prefix}: the files go to "
            f"{prefix}train.jsonl and the model output to {prefix}{OUTPUT_FOLDER}")
    return prefix


def _s3_problems(uri: str, bucket: str, key: str) -> list[str]:
    """What the Bedrock API would reject in an s3:// URI: the bucket name, empty segments, key characters."""
    problems = []
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or _IP_ADDRESS.fullmatch(bucket):
        problems.append(f"bucket name {bucket!r} is not valid: 3-63 lower-case letters, digits, dots and hyphens, "
                        "starting and ending with a letter or digit")
    segments = key.removesuffix("/").split("/") if key else []
    if "" in segments:
        problems.append(f"{uri!r} has an empty path segment ('//'); remove it")
    bad = sorted({c for s in segments for c in s if not _KEY_SEGMENT.fullmatch(c)})
    if bad:
        problems.append(f"the key prefix {key!r} has characters the Bedrock API rejects ({''.join(bad)!r}); "
                        "use only letters, digits and -!_*'().")
    return problems


def check_role_arn(arn: str, add: Add) -> None:
    """An IAM role ARN with an account id; a bare role name is the usual mistake."""
    if not _ROLE_ARN.fullmatch(arn):
        add("--role-arn", "DP608", f"{arn!r} is not an IAM role ARN; use arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME "
            "(a role Bedrock can assume, with s3:GetObject/ListBucket on the data and s3:PutObject on the output)")


def check_kms_key(key: str, add: Add) -> None:
    """A key id, key ARN, alias name or alias ARN, as customModelKmsKeyId accepts."""
    if not _KMS_KEY.fullmatch(key):
        add("--kms-key-id", "DP609", f"{key!r} is not a KMS key id, key ARN, alias/NAME or alias ARN "
            "(e.g. 1234abcd-12ab-34cd-56ef-1234567890ab or arn:aws:kms:REGION:ACCOUNT_ID:key/KEY_ID)")


def check_vpc(subnets: Sequence[str], groups: Sequence[str], add: Add) -> None:
    """vpcConfig needs subnets and security groups together, each id in its AWS shape."""
    if bool(subnets) != bool(groups):
        add("--vpc-subnet/--vpc-security-group", "DP610", "a VPC configuration needs at least one --vpc-subnet "
            "and one --vpc-security-group; pass both, or neither")
    for kind, ids in (("subnet", subnets), ("security group", groups)):
        flag, shape, example = _VPC_IDS[kind]
        for value in ids:
            if not shape.fullmatch(value):
                add(flag, "DP610", f"{value!r} is not a {kind} id (like {example})")
