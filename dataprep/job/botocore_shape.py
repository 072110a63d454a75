"""The request body against the CreateModelCustomizationJob shape in botocore's own Bedrock service model.

This is the last line of defence (DP611): the model that ships inside botocore is what the AWS CLI and
SDKs send against, so a body it accepts has the right members, types, lengths, patterns and enums. botocore
is imported inside the functions, so `dataprep --help` and the other commands never load it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

from dataprep.job.request import JOB_FILE

# Request members mapped to the flag that sets them, so a shape error points at what to change.
_MEMBER_FLAGS = {"jobName": "--job-name", "customModelName": "--model-name", "roleArn": "--role-arn",
                 "customModelKmsKeyId": "--kms-key-id", "vpcConfig": "--vpc-subnet/--vpc-security-group",
                 "trainingDataConfig": "--s3-uri", "validationDataConfig": "--s3-uri",
                 "outputDataConfig": "--s3-uri", "hyperParameters": "--hyperparameter"}
# customizationConfig members (distillation teacher, RFT grader and hyperparameters) by the flag that sets them.
_CUSTOMIZATION_FLAGS = (("teacherModelIdentifier", "--teacher-model"),
                        ("maxResponseLengthForInference", "--max-response-length"),
                        ("lambdaArn", "--grader-lambda-arn"), ("hyperParameters", "--hyperparameter"))

# One (where, message) the service would refuse the body for.
Problems = Iterator[tuple[str, str]]


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
        flag = next((f for key, f in _CUSTOMIZATION_FLAGS if key in member), JOB_FILE) \
            if top == "customizationConfig" else _MEMBER_FLAGS.get(top, JOB_FILE)
        problems.append((flag, message))
    return problems


@cache
def _input_shape() -> Any:
    """The request shape from the Bedrock service model that ships inside botocore (no network)."""
    from botocore.session import get_session

    return get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape


def _limit_problems(value: Any, shape: Any, where: str) -> Problems:
    """Maximum lengths, patterns (matched whole, as the service does) and enums, recursively.

    A value of the wrong type for its shape is skipped here: ParamValidator has already reported it.
    """
    check = _LIMIT_CHECKS.get(shape.type_name)
    return check(value, shape, where) if check is not None else iter(())


def _structure_limits(value: Any, shape: Any, where: str) -> Problems:
    """Each member that is present, named by its dotted path."""
    if isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                yield from _limit_problems(value[name], member, f"{where}.{name}" if where else name)


def _list_limits(value: Any, shape: Any, where: str) -> Problems:
    """The item count, then each item."""
    if isinstance(value, list | tuple):
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            yield where, f"{where} has {len(value)} items; at most {meta['max']} are allowed"
        for index, item in enumerate(value):
            yield from _limit_problems(item, shape.member, f"{where}[{index}]")


def _map_limits(value: Any, shape: Any, where: str) -> Problems:
    """Each key against the key shape and each value against the value shape (hyperParameters)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _limit_problems(key, shape.key, f"{where} key {key!r}")
            yield from _limit_problems(item, shape.value, f"{where}.{key}")


def _string_limits(value: Any, shape: Any, where: str) -> Problems:
    """Maximum length, the whole-string pattern and the enum of one string member."""
    if isinstance(value, str):
        meta = shape.metadata
        if "max" in meta and len(value) > meta["max"]:
            yield where, f"{where} is {len(value)} characters; at most {meta['max']} are allowed"
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            yield where, f"{where} {value!r} does not match the API pattern {meta['pattern']}"
        if shape.enum and value not in shape.enum:
            yield where, f"{where} {value!r} is not one of {', '.join(shape.enum)}"


_LIMIT_CHECKS: dict[str, Callable[[Any, Any, str], Problems]] = {
    "structure": _structure_limits, "list": _list_limits, "map": _map_limits, "string": _string_limits}
