"""The CreateModelCustomizationJob request body, its default names, and the job.json it is written to.

What the user asked for (`JobRequest`, unchecked) and the files that go to S3 (`Upload`) become the body
here and nowhere else, so the summary, the `aws` commands and the botocore check all see one body.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.job.hyperparameters import Setting
from dataprep.job.identifiers import OUTPUT_FOLDER
from dataprep.profiles import Profile, TaskSpec

JOB_FILE = "job.json"
_TASK_TAG = {"FINE_TUNING": "ft", "CONTINUED_PRE_TRAINING": "cpt", "DISTILLATION": "dist",
             "REINFORCEMENT_FINE_TUNING": "rft"}
# The jobs whose hyperParameters are the string map; the others carry theirs in customizationConfig, or none.
_STRING_HYPERPARAMETERS = ("FINE_TUNING", "CONTINUED_PRE_TRAINING")
_NAME_LIMIT = 63  # jobName and customModelName, from the botocore shape
_HASH_CHARS = 12


@dataclass(frozen=True)
class JobRequest:
    """What the user asked for; every string is still unchecked."""

    out: Path
    s3_uri: str
    role_arn: str
    hyperparameters: Mapping[str, str] = field(default_factory=dict)  # API name -> value as typed
    kms_key_id: str | None = None
    job_name: str | None = None
    model_name: str | None = None
    subnet_ids: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    teacher_model: str | None = None  # DISTILLATION: the teacher's model id, ARN or inference profile
    max_response_length: int | None = None  # DISTILLATION: maxResponseLengthForInference
    grader_lambda_arn: str | None = None  # REINFORCEMENT_FINE_TUNING: the grader Lambda function


@dataclass(frozen=True)
class Upload:
    """One local file and the S3 URI the request body names for it."""

    split: str
    path: Path
    s3_uri: str
    records: int
    tokens: int


def default_name(profile: Profile, spec: TaskSpec, train_sha256: str) -> str:
    """`<profile>-<ft|cpt>-<sha256 prefix>`: the same build gives the same name, and it fits both name shapes.

    customModelName allows no dots and no doubled separators, so the profile id is reduced to letters,
    digits and single hyphens, and shortened so the whole name stays within 63 characters.
    """
    suffix = f"-{_TASK_TAG[spec.customization_type]}-{train_sha256[:_HASH_CHARS]}"
    stem = re.sub(r"[^0-9a-zA-Z]+", "-", profile.id)[: _NAME_LIMIT - len(suffix)].strip("-")
    return stem + suffix


def build_body(request: JobRequest, profile: Profile, spec: TaskSpec, prefix: str, uploads: list[Upload],
               settings: list[Setting], train_sha256: str, customization: Mapping[str, Any] | None = None
               ) -> dict[str, Any]:
    """The CreateModelCustomizationJob input; optional members appear only when they were asked for.

    `customization` is the customizationConfig of a distillation or RFT job (`job.customization`); an RFT
    job's hyperparameters are inside it, typed, so such a body has no string hyperParameters map.
    """
    name = default_name(profile, spec, train_sha256)
    body: dict[str, Any] = {
        "jobName": request.job_name or name,
        "customModelName": request.model_name or name,
        "roleArn": request.role_arn,
        "baseModelIdentifier": profile.base_model_id,
        "customizationType": spec.customization_type,
        "trainingDataConfig": {"s3Uri": next(u.s3_uri for u in uploads if u.split == "train")},
        "outputDataConfig": {"s3Uri": prefix + OUTPUT_FOLDER},
    }
    if spec.customization_type in _STRING_HYPERPARAMETERS:
        body["hyperParameters"] = {s.name: s.value for s in settings}
    if customization is not None:
        body["customizationConfig"] = dict(customization)
    validators = [{"s3Uri": u.s3_uri} for u in uploads if u.split == "validation"]
    if validators:
        body["validationDataConfig"] = {"validators": validators}
    if request.kms_key_id is not None:
        body["customModelKmsKeyId"] = request.kms_key_id
    if request.subnet_ids or request.security_group_ids:
        body["vpcConfig"] = {"subnetIds": list(request.subnet_ids),
                             "securityGroupIds": list(request.security_group_ids)}
    return body


def write_request(path: Path, body: Mapping[str, Any]) -> None:
    """Write the body atomically (temp file + rename): a half-written job.json must never be submitted."""
    text = json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
