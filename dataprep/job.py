"""`dataprep job`: turn a built folder into a checked CreateModelCustomizationJob request.

This is the last step before money is spent, so nothing is taken on trust: the manifest's hashes must
still match the files, the files are validated again against the profile, the hyperparameters must lie in
the model's documented ranges, the S3 URIs, role ARN and KMS key must have shapes the API accepts, and
the finished body is checked against the request shape in botocore's own Bedrock service model. Nothing
is uploaded and no AWS call is made; the caller prints the `aws` commands that do that.

The functions here are pure apart from reading the build folder and `write_request`; the typer command
lives in `job_cli.py` so that this module (and botocore) load only when `dataprep job` runs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from dataprep.errors import JobUsageError, ManifestError, NotReady, UnknownModelError
from dataprep.findings import Finding, Severity
from dataprep.manifest import MANIFEST_NAME, read_manifest, verify_outputs
from dataprep.profiles import HyperParameter, Profile, TaskSpec, resolve_model
from dataprep.registry import RulePolicy
from dataprep.validate import validate_paths

JOB_FILE = "job.json"
# The manifest outputs that go to Bedrock; test.jsonl is a held-out evaluation set and stays local.
UPLOADED = ("train", "validation")
OUTPUT_FOLDER = "output/"
# The dedicated flags for the common hyperparameters; every other one goes through --hyperparameter.
HYPERPARAMETER_FLAGS: Mapping[str, str] = {
    "epochCount": "--epochs",
    "batchSize": "--batch-size",
    "learningRate": "--learning-rate",
    "learningRateWarmupSteps": "--warmup-steps",
}
# Used only when no validation set is given (Cohere): a default sent next to a validation set would be noise.
_ONLY_WITHOUT_VALIDATION = ("evalPercentage",)
_TASK_TAG = {"FINE_TUNING": "ft", "CONTINUED_PRE_TRAINING": "cpt"}
_NAME_LIMIT = 63  # jobName and customModelName, from the botocore shape
_HASH_CHARS = 12
# Request members mapped to the flag that sets them, so a shape error points at what to change.
_MEMBER_FLAGS = {"jobName": "--job-name", "customModelName": "--model-name", "roleArn": "--role-arn",
                 "customModelKmsKeyId": "--kms-key-id", "vpcConfig": "--vpc-subnet/--vpc-security-group",
                 "trainingDataConfig": "--s3-uri", "validationDataConfig": "--s3-uri",
                 "outputDataConfig": "--s3-uri", "hyperParameters": "--hyperparameter"}

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

# Reports one problem with the request: (where, rule code, message); `where` is a flag or a file.
Add = Callable[[str, str, str], None]






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


@dataclass(frozen=True)
class Upload:
    """One local file and the S3 URI the request body names for it."""

    split: str
    path: Path
    s3_uri: str
    records: int
    tokens: int


@dataclass(frozen=True)
class Setting:
    """One hyperparameter as sent: the API wants every value as a string."""

    name: str
    value: str
    is_default: bool


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

    @property
    def ready(self) -> bool:
        return not any(f.severity == Severity.ERROR for f in self.findings)

    @property
    def epochs(self) -> int | None:
        value = next((s.value for s in self.settings if s.name == "epochCount"), None)
        return None if value is None else int(value)

    @property
    def billed_tokens(self) -> int | None:
        """Bedrock bills training as tokens in the training data x epochs (User Guide, custom models)."""
        train = next(u for u in self.uploads if u.split == "train")
        return None if self.epochs is None else train.tokens * self.epochs


# --------------------------------------------------------------------------------------------------------
# The manifest and the profile


def manifest_problems(manifest: Mapping[str, Any]) -> list[str]:
    """What the manifest lacks for a job request; checked before any entry is read so nothing raises."""
    problems = []
    profile = manifest.get("profile")
    if not isinstance(profile, dict) or not all(isinstance(profile.get(k), str) for k in ("id", "task", "format")):
        problems.append("[profile] needs string id, task and format")
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or not isinstance(outputs.get("train"), dict):
        return [*problems, "[outputs] lists no train file"]
    for name, entry in outputs.items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("file", "sha256")):
            problems.append(f"[outputs.{name}] needs string file and sha256")
        elif name in UPLOADED and not all(_is_count(entry.get(k)) for k in ("records", "tokens")):
            problems.append(f"[outputs.{name}] needs whole-number records and tokens")
    return problems


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def load_manifest(out: Path) -> dict[str, Any]:
    """The build's manifest, or NotReady (DP601) when there is none or it lacks what a request needs.

    DP601 is not subject to `ignore` in the config: without these entries there is no body to build.
    """
    where = str(out / MANIFEST_NAME)
    try:
        manifest = read_manifest(out)
    except ManifestError as exc:
        raise NotReady([Finding(where, 0, 0, "DP601", Severity.ERROR, str(exc).removeprefix(f"{where}: "))]) from None
    problems = manifest_problems(manifest)
    if problems:
        raise NotReady([Finding(where, 0, 0, "DP601", Severity.ERROR, f"{p}; rebuild the folder with `dataprep build`")
                        for p in problems])
    return manifest


def choose_profile(manifest: Mapping[str, Any], model: str | None, extra_files: Sequence[Path] = ()) -> Profile:
    """The build's profile; a `--model` that names another one is a usage error, not a silent switch."""
    built_id = manifest["profile"]["id"]
    try:
        built = resolve_model(built_id, extra_files)
    except UnknownModelError:
        raise JobUsageError(f"the folder was built for profile {built_id!r}, which is not loaded; pass the "
                            "--profile-file the build used") from None
    if model is not None:
        wanted = resolve_model(model, extra_files)
        if wanted.id != built.id:
            raise JobUsageError(f"--model {model} is {wanted.id}, but the folder was built for {built.id}; "
                                f"drop --model, or rebuild with `dataprep build RAW OUT --model {wanted.id}`")
    return built


# --------------------------------------------------------------------------------------------------------
# Planning


def plan_job(request: JobRequest, manifest: Mapping[str, Any], profile: Profile,
             policy: RulePolicy | None = None) -> JobPlan:
    """Check everything and build the body; the findings say what stops the request and how to fix it."""
    policy = policy or RulePolicy()
    findings: list[Finding] = []

    def add(where: str, code: str, message: str) -> None:
        policy.add(findings, where, 0, 0, code, message)

    built = manifest["profile"]
    spec = _task_spec(profile, built, add)
    outputs = manifest["outputs"]
    _check_hashes(request.out, outputs, add)
    _check_model_status(profile, add)
    prefix = s3_prefix(request.s3_uri, add)
    uploads = _uploads(request.out, outputs, prefix, spec, profile, add)
    has_validation = any(u.split == "validation" for u in uploads)
    settings = resolve_hyperparameters(spec, profile, request.hyperparameters, has_validation, add)
    check_role_arn(request.role_arn, add)
    if request.kms_key_id is not None:
        check_kms_key(request.kms_key_id, add)
    check_vpc(request.subnet_ids, request.security_group_ids, add)
    findings.extend(_data_findings(uploads, profile, spec, settings, policy))

    body = build_body(request, profile, spec, prefix, uploads, settings, outputs["train"]["sha256"])
    # The shape check is the last line of defence (names, lengths); after a request error it would
    # only repeat that error in the API's words, so it runs on an otherwise clean request.
    if not any(f.severity == Severity.ERROR and f.code.startswith("DP6") for f in findings):
        for where, message in request_shape_problems(body):
            add(where, "DP611", message)
    return JobPlan(profile, spec, body, uploads, settings, findings,
                   token_counts_exact=bool(built.get("token_counts_exact")),
                   local_only=[outputs["test"]["file"]] if "test" in outputs else [])


def _task_spec(profile: Profile, built: Mapping[str, Any], add: Add) -> TaskSpec:
    """The task the build was made for; a profile that changed since the build is reported (DP603)."""
    where = f"{MANIFEST_NAME} [profile]"
    spec = profile.tasks.get(built["task"])
    if spec is None:
        add(where, "DP603", f"built for task {built['task']!r}, which {profile.id} no longer offers "
            f"({', '.join(profile.tasks)}); rebuild the folder")
        spec = next(iter(profile.tasks.values()))
    if built["format"] != spec.format:
        add(where, "DP603", f"built as {built['format']} records, but {profile.id} {spec.task} takes {spec.format}; "
            "rebuild the folder with the current profile")
    base = built.get("base_model_id")
    if base is not None and base.lower() not in {n.lower() for n in (profile.base_model_id, *profile.aliases)}:
        add(where, "DP603", f"built for base model {base}, but the profile now names {profile.base_model_id}; "
            "rebuild the folder, or pass the --profile-file the build used")
    return spec


def _check_hashes(out: Path, outputs: Mapping[str, Any], add: Add) -> None:
    """Every output must still be the file the build wrote (DP602), test set and ledger included.

    The manifest is the job's audit record, and a test set changed after the split is no longer known to
    be held out.
    """
    for name, entry in outputs.items():
        path = str(out / entry["file"])
        for problem in verify_outputs(out, {"outputs": {name: entry}}):
            add(path, "DP602", problem.removeprefix(f"{path}: "))


def _check_model_status(profile: Profile, add: Add) -> None:
    if profile.legacy:
        add(profile.id, "DP614", f"{profile.name} is legacy and may not be offered for new jobs: "
            f"{profile.status_note or 'check the Bedrock console'}")
    elif not profile.base_model_id_verified:
        add(profile.id, "DP614", f"base model id {profile.base_model_id} was not confirmed in the Bedrock User "
            "Guide; check it in the console (Custom models) before submitting")


def _uploads(out: Path, outputs: Mapping[str, Any], prefix: str, spec: TaskSpec, profile: Profile,
             add: Add) -> list[Upload]:
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


# --------------------------------------------------------------------------------------------------------
# Hyperparameters


def resolve_hyperparameters(spec: TaskSpec, profile: Profile, given: Mapping[str, str], has_validation: bool,
                            add: Add) -> list[Setting]:
    """The hyperParameters map as sent: the user's values checked against the profile, defaults filled in."""
    accepted = spec.hyperparameters
    settings = []
    for name, text in given.items():
        where = HYPERPARAMETER_FLAGS.get(name, f"--hyperparameter {name}")
        hp = accepted.get(name)
        if hp is None:
            add(where, "DP605", f"{profile.name} {spec.task} takes no hyperparameter {name!r}; "
                f"it takes: {', '.join(accepted) or 'none'}")
            continue
        value = _parse(hp, text, where, add)
        if value is None:
            continue
        if not hp.min <= value <= hp.max:
            add(where, "DP604", f"{name} = {text} is out of range for {profile.name}: allowed {_show(hp.min)} to "
                f"{_show(hp.max)}, default {_default(hp)}")
            continue
        if name in _ONLY_WITHOUT_VALIDATION and has_validation:
            add(where, "DP613", f"{name} applies only when no validation dataset is given; Bedrock uses "
                "validation.jsonl instead, so drop the flag")
        settings.append(Setting(name, _text(value, hp), is_default=False))
    for name, hp in accepted.items():
        if name in given or (name in _ONLY_WITHOUT_VALIDATION and has_validation):
            continue
        if hp.default is None:
            add(f"--hyperparameter {name}", "DP605", f"{profile.name} has no default for {name}; "
                f"pass --hyperparameter {name}=VALUE ({_show(hp.min)} to {_show(hp.max)})")
            continue
        settings.append(Setting(name, _text(hp.default, hp), is_default=True))
    order = list(accepted)
    return sorted(settings, key=lambda s: order.index(s.name))


def _parse(hp: HyperParameter, text: str, where: str, add: Add) -> float | None:
    """The number in `text`, or None after reporting why it is not one the hyperparameter takes."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        add(where, "DP605", f"{hp.name} must be a number, found {text!r}")
        return None
    if hp.type == "int" and value != value.to_integral_value():
        add(where, "DP605", f"{hp.name} must be a whole number, found {text!r}")
        return None
    return float(value)


def _text(value: float, hp: HyperParameter) -> str:
    """The string the API gets: whole numbers without a decimal point, floats without an exponent."""
    if hp.type == "int":
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def _show(value: float) -> str:
    return f"{value:g}"


def _default(hp: HyperParameter) -> str:
    return "none (must be set)" if hp.default is None else _show(hp.default)


# --------------------------------------------------------------------------------------------------------
# Shapes of S3 URIs, ARNs and ids


def s3_prefix(uri: str, add: Add) -> str:
    """The folder URI (ending in '/') the files go under; problems with the URI are reported (DP606/DP607)."""
    where = "--s3-uri"
    if not uri.startswith("s3://"):
        add(where, "DP606", f"{uri!r} is not an S3 URI; use s3://BUCKET/PREFIX/")
        return "s3://bucket/"
    bucket, _, key = uri.removeprefix("s3://").partition("/")
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
    for problem in problems:
        add(where, "DP606", problem)
    prefix = uri if uri.endswith("/") else uri + "/"
    if key and not key.endswith("/") and not problems:
        add(where, "DP607", f"{uri} does not end in '/'; it is used as the folder {prefix}: the files go to "
            f"{prefix}train.jsonl and the model output to {prefix}{OUTPUT_FOLDER}")
    return prefix


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


# --------------------------------------------------------------------------------------------------------
# The body


def default_name(profile: Profile, spec: TaskSpec, train_sha256: str) -> str:
    """`<profile>-<ft|cpt>-<sha256 prefix>`: the same build gives the same name, and it fits both name shapes.

    customModelName allows no dots and no doubled separators, so the profile id is reduced to letters,
    digits and single hyphens, and shortened so the whole name stays within 63 characters.
    """
    suffix = f"-{_TASK_TAG[spec.customization_type]}-{train_sha256[:_HASH_CHARS]}"
    stem = re.sub(r"[^0-9a-zA-Z]+", "-", profile.id)[: _NAME_LIMIT - len(suffix)].strip("-")
    return stem + suffix


def build_body(request: JobRequest, profile: Profile, spec: TaskSpec, prefix: str, uploads: list[Upload],
               settings: list[Setting], train_sha256: str) -> dict[str, Any]:
    """The CreateModelCustomizationJob input; optional members appear only when they were asked for."""
    name = default_name(profile, spec, train_sha256)
    body: dict[str, Any] = {
        "jobName": request.job_name or name,
        "customModelName": request.model_name or name,
        "roleArn": request.role_arn,
        "baseModelIdentifier": profile.base_model_id,
        "customizationType": spec.customization_type,
        "trainingDataConfig": {"s3Uri": next(u.s3_uri for u in uploads if u.split == "train")},
        "outputDataConfig": {"s3Uri": prefix + OUTPUT_FOLDER},
        "hyperParameters": {s.name: s.value for s in settings},
    }
    validators = [{"s3Uri": u.s3_uri} for u in uploads if u.split == "validation"]
    if validators:
        body["validationDataConfig"] = {"validators": validators}
    if request.kms_key_id is not None:
        body["customModelKmsKeyId"] = request.kms_key_id
    if request.subnet_ids or request.security_group_ids:
        body["vpcConfig"] = {"subnetIds": list(request.subnet_ids),
                             "securityGroupIds": list(request.security_group_ids)}
    return body


def request_shape_problems(body: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(where, message) for every way `body` breaks the botocore CreateModelCustomizationJob input shape.

    botocore's ParamValidator checks required members, unknown members, types and minimums; the service
    also enforces maximum lengths, patterns and enums, which the walker below adds.
    """
    from botocore.validate import ParamValidator

    shape = _input_shape()
    report = ParamValidator().validate(dict(body), shape)
    problems = [(JOB_FILE, line) for line in report.generate_report().splitlines() if line.strip()]
    for member, message in _limit_problems(body, shape, ""):
        top = re.split(r"[.\[ ]", member, maxsplit=1)[0]
        problems.append((_MEMBER_FLAGS.get(top, JOB_FILE), message))
    return problems


@cache
def _input_shape() -> Any:
    """The request shape from the Bedrock service model that ships inside botocore (no network)."""
    from botocore.session import get_session

    return get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape


def _limit_problems(value: Any, shape: Any, where: str) -> Iterator[tuple[str, str]]:
    """Maximum lengths, patterns (matched whole, as the service does) and enums, recursively."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from _limit_problems(value[name], member, f"{where}.{name}" if where else name)
    elif kind == "list" and isinstance(value, list | tuple):
        if "max" in meta and len(value) > meta["max"]:
            yield where, f"{where} has {len(value)} items; at most {meta['max']} are allowed"
        for index, item in enumerate(value):
            yield from _limit_problems(item, shape.member, f"{where}[{index}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from _limit_problems(key, shape.key, f"{where} key {key!r}")
            yield from _limit_problems(item, shape.value, f"{where}.{key}")
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            yield where, f"{where} is {len(value)} characters; at most {meta['max']} are allowed"
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            yield where, f"{where} {value!r} does not match the API pattern {meta['pattern']}"
        if shape.enum and value not in shape.enum:
            yield where, f"{where} {value!r} is not one of {', '.join(shape.enum)}"


# --------------------------------------------------------------------------------------------------------
# Output


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


def aws_commands(plan: JobPlan, job_file: Path) -> list[str]:
    """The upload commands, to exactly the URIs in the body, then the submit command."""
    uploads = [f"aws s3 cp {shlex.quote(str(u.path))} {shlex.quote(u.s3_uri)}" for u in plan.uploads]
    submit = f"aws bedrock create-model-customization-job --cli-input-json {shlex.quote(f'file://{job_file}')}"
    return [*uploads, submit]


def summary_lines(plan: JobPlan) -> list[str]:
    """What the request does, in the terms a reviewer checks: data, tokens, cost driver, hyperparameters."""
    how = "exact" if plan.token_counts_exact else f"{plan.profile.tokenizer} proxy count"
    lines = [f"{plan.profile.id} ({plan.profile.base_model_id}), {plan.spec.customization_type}"]
    lines += [f"  {u.split:<10} {u.records:>8,} records {u.tokens:>12,} tokens  -> {u.s3_uri}" for u in plan.uploads]
    lines += [f"  {name:<10} kept local (held-out evaluation, not uploaded)" for name in plan.local_only]
    train = next(u for u in plan.uploads if u.split == "train")
    if plan.billed_tokens is not None:
        lines.append(f"  billed training tokens (estimate): {train.tokens:,} x {plan.epochs} epochs = "
                     f"{plan.billed_tokens:,} ({how})")
    validation = sum(u.tokens for u in plan.uploads if u.split == "validation")
    lines.append(f"  validation tokens: {validation:,}")
    shown = ", ".join(f"{s.name}={s.value}{' (default)' if s.is_default else ''}" for s in plan.settings)
    lines.append(f"  hyperparameters: {shown or 'none'}")
    lines.append(f"  output: {plan.body['outputDataConfig']['s3Uri']}  job: {plan.body['jobName']}  "
                 f"model: {plan.body['customModelName']}")
    return lines
