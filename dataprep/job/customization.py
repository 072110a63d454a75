"""The `customizationConfig` of DISTILLATION and REINFORCEMENT_FINE_TUNING jobs: checked, then written.

A distillation job names its teacher model (and, optionally, the longest answer asked of it); a
reinforcement fine-tuning job names the Lambda function that grades each answer and takes its
hyperparameters typed inside `rftConfig`, not as the string map fine-tuning uses. What the user passed is
checked here (DP620 teacher, DP621 grader and RFT settings) before botocore's shape check sees the body.
Sources: the API reference (CreateModelCustomizationJob, DistillationConfig, TeacherModelConfig, RFTConfig,
LambdaGraderConfig, RFTHyperParameters) and botocore's bedrock 2023-04-20 service model; the guide's
distillation pages (teacher and student from the same provider).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dataprep.job.hyperparameters import Setting
from dataprep.job.problems import Add
from dataprep.profiles import Profile, TaskSpec, Teachers

DISTILLATION, RFT = "DISTILLATION", "REINFORCEMENT_FINE_TUNING"
# RFT settings with no range in the API (whole numbers) or an enum: checked here, not against the profile.
RFT_WHOLE = ("maxPromptLength", "inferenceMaxTokens")
RFT_EFFORT = "reasoningEffort"
EFFORTS = ("low", "medium", "high")
# The Region prefixes of cross-Region inference profile ids (us.anthropic..., eu.amazon..., global....).
_GEOS = frozenset({"us", "eu", "apac", "global", "us-gov", "jp", "au", "ca"})
_LAMBDA_ARN = re.compile(r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:"
                         r"[a-zA-Z0-9-_\.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?")


def split_rft_settings(given: Mapping[str, str], spec: TaskSpec) -> tuple[dict[str, str], dict[str, str]]:
    """(the values the profile's ranges check, the RFT-only values checked here); unchanged for other jobs."""
    if spec.customization_type != RFT:
        return dict(given), {}
    own = (*RFT_WHOLE, RFT_EFFORT)
    return ({k: v for k, v in given.items() if k not in own}, {k: v for k, v in given.items() if k in own})


def check_customization(request: Any, profile: Profile, spec: TaskSpec, extras: Mapping[str, str],
                        add: Add) -> None:
    """DP620 / DP621 for what a distillation or RFT job needs, and for those flags on any other job."""
    kind = spec.customization_type
    if spec.job_api != "create-model-customization-job":
        add("--model", "DP622", f"{profile.name} {spec.task} jobs are created through Bedrock's OpenAI-compatible "
            "fine-tuning API (upload the training file with purpose fine-tune, then create the job there), not "
            "CreateModelCustomizationJob: dataprep checked the data but writes no request body for it")
    if kind == DISTILLATION:
        _check_teacher(request.teacher_model, request.max_response_length, profile, spec, add)
    elif request.teacher_model is not None or request.max_response_length is not None:
        add("--teacher-model", "DP620", f"{profile.name} {spec.task} has no teacher model; "
            "--teacher-model and --max-response-length apply only to --task distillation builds")
    if kind == RFT:
        _check_grader(request.grader_lambda_arn, add)
        _check_rft_extras(extras, add)
    elif request.grader_lambda_arn is not None:
        add("--grader-lambda-arn", "DP621", f"{profile.name} {spec.task} has no grader; "
            "--grader-lambda-arn applies only to --task reinforcement-fine-tuning builds")


def _check_teacher(teacher: str | None, max_length: int | None, profile: Profile, spec: TaskSpec,
                   add: Add) -> None:
    """A teacher is named, from the student's provider and (where the profile records the guide's pairing)
    one the guide pairs with this student; the answer length, if set, is positive."""
    if teacher is None or not teacher.strip():
        add("--teacher-model", "DP620", f"a distillation job needs a teacher model: pass --teacher-model with a "
            f"larger {profile.provider} model id or inference profile the guide pairs with {profile.name}")
    else:
        provider, student = teacher_provider(teacher), profile.base_model_id.split(".", 1)[0].lower()
        if provider is not None and provider != student:
            add("--teacher-model", "DP620", f"teacher {teacher!r} is from provider {provider!r}, the student "
                f"{profile.name} from {student!r}; teacher and student must come from the same provider")
        elif spec.teachers is not None and provider is not None:  # an unreadable id is DP611, not this
            _check_pairing(teacher, profile, spec.teachers, add)
    if max_length is not None and max_length < 1:
        add("--max-response-length", "DP620", f"--max-response-length {max_length}: the longest answer asked of "
            "the teacher is a whole number of tokens above 0")


def _check_pairing(teacher: str, profile: Profile, teachers: Teachers, add: Add) -> None:
    """The teacher is one the guide's distillation table pairs with the student (any of its inference profiles)."""
    if not teachers.ids:
        add("--teacher-model", "DP620", f"the Bedrock User Guide pairs no teacher with {profile.name} today "
            f"(read {teachers.date}): {teachers.note}")
    elif teacher_model_id(teacher) not in teachers.ids:
        add("--teacher-model", "DP620", f"teacher {teacher!r} is not one the guide pairs with the student "
            f"{profile.name} (read {teachers.date}); use one of: {', '.join(teachers.ids)}")


def teacher_model_id(model: str) -> str:
    """The foundation-model id in a model id, foundation-model ARN or cross-Region inference profile id/ARN."""
    tail = re.split(r"foundation-model/|inference-profile/", model.strip())[-1]
    geo, dot, rest = tail.partition(".")
    return rest if dot and geo.lower() in _GEOS else tail


def teacher_provider(model: str) -> str | None:
    """The provider part of a model id, foundation-model ARN or inference profile id (None: not readable)."""
    head, dot, _ = teacher_model_id(model).partition(".")
    return head.lower() if dot and head else None


def _check_grader(arn: str | None, add: Add) -> None:
    """The grader Lambda's ARN, in the shape the API takes."""
    if arn is None or not arn.strip():
        add("--grader-lambda-arn", "DP621", "a reinforcement fine-tuning job needs a grader: pass "
            "--grader-lambda-arn arn:aws:lambda:REGION:ACCOUNT:function:NAME")
    elif len(arn) > 512 or not _LAMBDA_ARN.fullmatch(arn):
        add("--grader-lambda-arn", "DP621", f"{arn!r} is not a Lambda function ARN "
            "(arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION], at most 512 characters)")


def _check_rft_extras(extras: Mapping[str, str], add: Add) -> None:
    """maxPromptLength and inferenceMaxTokens are positive whole numbers; reasoningEffort is an enum."""
    for name, text in extras.items():
        where = f"--hyperparameter {name}"
        if name == RFT_EFFORT:
            if text not in EFFORTS:
                add(where, "DP621", f"{name} = {text!r}; it is one of {', '.join(EFFORTS)}")
        elif not text.strip().isdigit() or int(text) < 1:
            add(where, "DP621", f"{name} = {text!r}; it is a whole number of tokens above 0")


def customization_config(request: Any, spec: TaskSpec, settings: list[Setting],
                         extras: Mapping[str, str]) -> dict[str, Any] | None:
    """The body's customizationConfig (None for fine-tuning and continued pre-training)."""
    if spec.customization_type == DISTILLATION:
        teacher: dict[str, Any] = {"teacherModelIdentifier": request.teacher_model or ""}
        if request.max_response_length is not None:
            teacher["maxResponseLengthForInference"] = request.max_response_length
        return {"distillationConfig": {"teacherModelConfig": teacher}}
    if spec.customization_type != RFT:
        return None
    typed: dict[str, Any] = {s.name: _typed(s, spec) for s in settings}
    for name, text in extras.items():
        typed[name] = text if name == RFT_EFFORT else int(text) if text.strip().isdigit() else text
    config: dict[str, Any] = {"graderConfig": {"lambdaGrader": {"lambdaArn": request.grader_lambda_arn or ""}}}
    if typed:
        config["hyperParameters"] = dict(sorted(typed.items()))
    return {"rftConfig": config}


def _typed(setting: Setting, spec: TaskSpec) -> int | float:
    """An RFT hyperparameter as the API types it: int or float, not the fine-tuning string."""
    hp = spec.hyperparameters[setting.name]
    return int(setting.value) if hp.type == "int" else float(setting.value)
