"""The plan of one job: every check run in order, the body built, and what the command prints about it.

`plan_job` is the only place that knows the order of the checks (folder, S3 layout, hyperparameters,
identifiers, the data itself, then botocore's shape) and which files are uploaded; `summary_lines` and
`aws_commands` describe the finished plan in the terms a reviewer checks before submitting.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dataprep.findings import Finding, Severity
from dataprep.io.remote import is_s3, shown
from dataprep.job.botocore_shape import request_shape_problems
from dataprep.job.customization import check_customization, customization_config, split_rft_settings
from dataprep.job.folder import check_hashes, check_model_status, task_spec
from dataprep.job.hyperparameters import Setting, resolve_hyperparameters
from dataprep.job.identifiers import check_kms_key, check_role_arn, check_vpc, s3_prefix
from dataprep.job.media_bucket import check_media_bucket
from dataprep.job.problems import Add
from dataprep.job.request import JobRequest, Upload, build_body
from dataprep.manifest import Manifest, Outputs
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy
from dataprep.validate import validate_paths

# The manifest outputs that go to Bedrock; test.jsonl is a held-out evaluation set and stays local.
UPLOADED = ("train", "validation")


@dataclass(frozen=True)
class MediaUpload:
    """The media objects the records name, uploaded before the splits: OUT's `media/` folder and its S3 prefix."""

    folder: Path
    prefix: str
    objects: int
    bytes: int


@dataclass
class JobPlan:
    """The request body plus everything the summary shows; `ready` is False while any finding is an error."""

    profile: Profile
    spec: TaskSpec
    body: dict[str, Any]
    uploads: list[Upload]
    settings: list[Setting]
    findings: list[Finding]
    token_counts_exact: bool
    local_only: list[str]
    media: MediaUpload | None = field(default=None)

    @property
    def ready(self) -> bool:
        """Whether job.json may be written: no finding is an error."""
        return not any(f.severity == Severity.ERROR for f in self.findings)

    @property
    def epochs(self) -> int | None:
        """epochCount as sent, if the model takes one: the multiplier of the billed tokens (None for `Auto`, a
        number the service picks)."""
        value = next((s.value for s in self.settings if s.name == "epochCount"), None)
        return int(value) if value is not None and value.isdigit() else None

    @property
    def billed_tokens(self) -> int | None:
        """Bedrock bills training as tokens in the training data x epochs (User Guide, custom models).

        Said of fine-tuning and continued pre-training; distillation (teacher inference too) and RFT (sampled
        answers) are billed otherwise, so no estimate is given for them, nor for the image models (image-caption
        records: images, not text tokens, are what they train on).
        """
        train = next(u for u in self.uploads if u.split == "train")
        if self.epochs is None or self.spec.customization_type not in ("FINE_TUNING", "CONTINUED_PRE_TRAINING") \
                or self.spec.format == "image-caption":
            return None
        return train.tokens * self.epochs


def plan_job(request: JobRequest, manifest: Manifest, profile: Profile,
             policy: RulePolicy | None = None) -> JobPlan:
    """Check everything and build the body; the findings say what stops the request and how to fix it."""
    policy = policy or RulePolicy()
    findings: list[Finding] = []

    def add(where: str, code: str, message: str) -> None:
        policy.add(findings, where, 0, 0, code, message)

    built, outputs = manifest["profile"], manifest["outputs"]
    spec = task_spec(profile, built, add)
    check_hashes(request.out, outputs, add)
    media = _media(request.out, manifest, add)
    check_model_status(profile, add)
    prefix = s3_prefix(request.s3_uri, add)
    uploads = _uploads(request.out, outputs, prefix, spec, profile, add)
    if profile.media_same_bucket:
        check_media_bucket(uploads, prefix, profile.name, add)
    has_validation = any(u.split == "validation" for u in uploads)
    given, extras = split_rft_settings(request.hyperparameters, spec)
    settings = resolve_hyperparameters(spec, profile, given, has_validation, add)
    check_customization(request, profile, spec, extras, add)
    check_role_arn(request.role_arn, add)
    if request.kms_key_id is not None:
        check_kms_key(request.kms_key_id, add)
    check_vpc(request.subnet_ids, request.security_group_ids, add)
    findings.extend(_data_findings(uploads, profile, spec, settings, policy))

    body = build_body(request, profile, spec, prefix, uploads, settings, outputs["train"]["sha256"],
                      customization_config(request, spec, settings, extras))
    # The shape check is the last line of defence (names, lengths); after a request error it would
    # only repeat that error in the API's words, so it runs on an otherwise clean request.
    if not any(f.severity == Severity.ERROR and f.code.startswith("DP6") for f in findings):
        for where, message in request_shape_problems(body):
            add(where, "DP611", message)
    return JobPlan(profile, spec, body, uploads, settings, findings, token_counts_exact=built["token_counts_exact"],
                   local_only=[outputs["test"]["file"]] if "test" in outputs else [], media=media)


def _media(out: Path, manifest: Manifest, add: Add) -> MediaUpload | None:
    """The build's media objects: each local copy checked against its sha256 (DP602), as the splits are.

    An s3:// OUT's media were uploaded by the build itself (verified by S3's checksums), so only a local OUT's
    copies are read here.
    """
    listed = manifest.get("media") or []
    if not listed:
        return None
    if not is_s3(shown(out)):
        check_hashes(out, {m["file"]: {"file": m["file"], "sha256": m["sha256"], "bytes": m["bytes"], "records": 0}
                           for m in listed}, add)
    prefix = listed[0]["uri"].removesuffix(listed[0]["file"].rsplit("/", 1)[-1])
    return MediaUpload(out / listed[0]["file"].rsplit("/", 1)[0], prefix, len(listed), sum(m["bytes"] for m in listed))


def _uploads(out: Path, outputs: Outputs, prefix: str, spec: TaskSpec, profile: Profile, add: Add) -> list[Upload]:
    """The files Bedrock reads, in upload order; a validation file the model cannot take is left out."""
    uploads = []
    for split in UPLOADED:
        entry = outputs.get(split)
        if entry is None:
            continue
        path = out / entry["file"]
        if split == "validation" and not spec.validation_supported:
            add(str(path), "DP612", f"{profile.name} {spec.task} takes no validation dataset; the file is not "
                "uploaded and the request has no validationDataConfig")
            continue
        uploads.append(Upload(split, path, prefix + path.name, entry["records"], entry["tokens"]))
    return uploads


def _data_findings(uploads: list[Upload], profile: Profile, spec: TaskSpec, settings: list[Setting],
                   policy: RulePolicy) -> list[Finding]:
    """`dataprep validate` on the files as they will be uploaded, with the batch-size token limit settled.

    validate cannot know the job's batchSize, so it reports the lower batched token limit (DP311) as a
    warning; here the batch size is known: above the threshold the limit applies (error), else it does not.
    """
    paths = [u.path for u in uploads if u.path.is_file()]  # a missing file is already a DP602
    findings = validate_paths(paths, profile, spec.task, policy=policy) if paths else []
    threshold = spec.quota("batched_above_batch_size")
    batch = next((int(s.value) for s in settings if s.name == "batchSize"), None)
    if threshold is None or batch is None:
        return findings
    if batch <= threshold:
        return [f for f in findings if f.code != "DP311"]
    return [replace(f, severity=Severity.ERROR, message=f"{f.message}; batchSize {batch} is above {threshold}, "
                    "so this limit applies: lower --batch-size or shorten the record")
            if f.code == "DP311" else f for f in findings]


def aws_commands(plan: JobPlan, job_file: Path) -> list[str]:
    """The upload commands, to exactly the URIs in the body, then the submit command."""
    uploads = [f"aws s3 cp {shlex.quote(str(u.path))} {shlex.quote(u.s3_uri)}" for u in plan.uploads]
    if plan.media is not None:  # first: no record may name an object that is not there yet
        uploads.insert(0, f"aws s3 cp --recursive {shlex.quote(str(plan.media.folder))}/ "
                       f"{shlex.quote(plan.media.prefix)}")
    submit = f"aws bedrock create-model-customization-job --cli-input-json {shlex.quote(f'file://{job_file}')}"
    return [*uploads, submit]


def _customization_lines(body: dict[str, Any]) -> list[str]:
    """The teacher of a distillation job and the grader of an RFT job, as the body names them."""
    config = body.get("customizationConfig", {})
    teacher = config.get("distillationConfig", {}).get("teacherModelConfig")
    if teacher is not None:
        longest = teacher.get("maxResponseLengthForInference")
        return [f"  teacher: {teacher['teacherModelIdentifier']}"
                + (f" (answers up to {longest:,} tokens)" if longest is not None else "")]
    grader = config.get("rftConfig", {}).get("graderConfig", {}).get("lambdaGrader")
    return [f"  grader: {grader['lambdaArn']}"] if grader is not None else []


def summary_lines(plan: JobPlan) -> list[str]:
    """What the request does, in the terms a reviewer checks: data, tokens, cost driver, hyperparameters."""
    how = "exact" if plan.token_counts_exact else f"{plan.profile.tokenizer} proxy count"
    lines = [f"{plan.profile.id} ({plan.profile.base_model_id}), {plan.spec.customization_type}"]
    lines += [f"  {u.split:<10} {u.records:>8,} records {u.tokens:>12,} tokens  -> {u.s3_uri}" for u in plan.uploads]
    lines += [f"  {name:<10} kept local (held-out evaluation, not uploaded)" for name in plan.local_only]
    if plan.media is not None:
        lines.append(f"  {'media':<10} {plan.media.objects:>8,} objects {plan.media.bytes:>12,} bytes   -> "
                     f"{plan.media.prefix}")
    train = next(u for u in plan.uploads if u.split == "train")
    if plan.billed_tokens is not None:
        lines.append(f"  billed training tokens (estimate): {train.tokens:,} x {plan.epochs} epochs = "
                     f"{plan.billed_tokens:,} ({how})")
    validation = sum(u.tokens for u in plan.uploads if u.split == "validation")
    lines.append(f"  validation tokens: {validation:,}")
    shown = ", ".join(f"{s.name}={s.value}{' (default)' if s.is_default else ''}" for s in plan.settings)
    rft = plan.body.get("customizationConfig", {}).get("rftConfig", {})
    typed = ", ".join(f"{k}={v}" for k, v in rft.get("hyperParameters", {}).items())
    lines.append(f"  hyperparameters: {typed or shown or 'none'}{' (the rest: the service defaults)' if rft else ''}")
    lines += _customization_lines(plan.body)
    lines.append(f"  output: {plan.body['outputDataConfig']['s3Uri']}  job: {plan.body['jobName']}  "
                 f"model: {plan.body['customModelName']}")
    return lines
