"""Property tests: no input file makes the validator raise or the CLI print a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dataprep.cli import app
from dataprep.errors import ProfileError, UsageError
from dataprep.findings import Finding
from dataprep.profiles import resolve_model
from dataprep.validate import validate_paths

MODELS = ["llama3-1-8b-instruct", "claude-3-haiku", "nova-micro", "titan-text-express"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=20,
)

# Records near the real shapes reach deeper into the checks than random values do.
roles = st.sampled_from(["user", "assistant", "system", "bot", ""])
turn = st.fixed_dictionaries({"role": roles, "content": json_values})
near_records = st.one_of(
    st.fixed_dictionaries({"prompt": json_values, "completion": json_values}),
    st.fixed_dictionaries({"prompt": st.text(), "completion": st.text()}),
    st.fixed_dictionaries({"input": st.text()}),
    st.fixed_dictionaries({"system": json_values, "messages": st.lists(turn, max_size=4)}),
    st.fixed_dictionaries({"schemaVersion": json_values, "messages": st.lists(turn, max_size=4)}),
)
lines = st.lists(st.one_of(json_values, near_records), max_size=8)

models = st.sampled_from([None, *MODELS])
tasks = st.sampled_from([None, "fine-tuning", "continued-pretraining"])
splits = st.sampled_from([None, "train", "validation"])


def _validate(data: bytes, model: str | None, task: str | None, split: str | None) -> list[Finding]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_bytes(data)
        profile = resolve_model(model) if model else None
        try:
            findings = validate_paths([path], profile, task, split)
        except (UsageError, ProfileError):
            # The documented refusal of a bad argument, e.g. a task the model does not offer.
            assume(task is not None)
            return []
    assert isinstance(findings, list)
    assert all(isinstance(f, Finding) for f in findings)
    return findings


def _jsonl(values: list[object]) -> bytes:
    return "".join(json.dumps(v, allow_nan=True) + "\n" for v in values).encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), model=models, task=tasks, split=splits)
def test_arbitrary_bytes_never_raise(
    data: bytes, model: str | None, task: str | None, split: str | None
) -> None:
    _validate(data, model, task, split)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=lines, model=models, task=tasks, split=splits)
def test_arbitrary_json_never_raise(
    values: list[object], model: str | None, task: str | None, split: str | None
) -> None:
    _validate(_jsonl(values), model, task, split)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=1000), lines.map(_jsonl)),
    model=st.sampled_from([*MODELS, "no-such-model"]),
    fmt=st.sampled_from(["text", "json", "github"]),
)
def test_cli_exit_codes_and_no_traceback(data: bytes, model: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_bytes(data)
        result = CliRunner().invoke(app, ["validate", str(path), "--model", model, "--format", fmt])
    output = result.output
    assert result.exit_code in {0, 1, 2}, (result.exit_code, output, result.exception)
    assert "Traceback" not in output, output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    if model == "no-such-model":
        assert result.exit_code == 2, output
