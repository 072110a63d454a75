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


# ------------------------------------------------------------------------------------------- build

# JSON texts json.dumps cannot make: nesting past any limit, lone surrogates, integers past Python's digit
# limit, NaN and overflowing floats. Spliced into records as raw text.
hostile_json = st.sampled_from([
    "[" * 3000 + "]" * 3000, '{"a": ' * 2000 + "1" + "}" * 2000, '"\\ud800"', '"\\udfff x"', '"\\ud83d\\ude00"',
    "9" * 5000, "-" + "1" * 4400, "NaN", "Infinity", "1e999", "-1e400", '"\\u0000"', "[" * 150 + "]" * 150,
])
texts = st.text(max_size=40)
record_texts = st.one_of(
    st.builds(lambda p, c: json.dumps({"prompt": p, "completion": c}), texts, texts),
    st.builds(lambda i, o: json.dumps({"instruction": i, "input": "", "output": o}), texts, texts),
    st.builds(lambda h: '{"prompt": ' + h + ', "completion": "x"}', hostile_json),
    st.builds(lambda h: '{"prompt": "q", "completion": "a", "extra": ' + h + "}", hostile_json),
    hostile_json,
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
)


def _jsonl_file(items: list[str]) -> bytes:
    return "".join(f"{item}\n" for item in items).encode("utf-8", "surrogatepass")


def _array_file(items: list[str]) -> bytes:
    return ("[" + ",\n".join(items) + "]").encode("utf-8", "surrogatepass")


def _csv_file(rows: list[tuple[str, str]], delimiter: str, header: str) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def _parquet_file(rows: list[tuple[str, str]]) -> bytes:
    import io

    import polars as pl

    buffer = io.BytesIO()
    pl.DataFrame({"question": [r[0] for r in rows], "answer": [r[1] for r in rows]}).write_parquet(buffer)
    return buffer.getvalue()


safe_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
pairs = st.lists(st.tuples(safe_text, safe_text), max_size=6)
raw_files = st.one_of(
    st.tuples(st.just(".jsonl"), st.lists(record_texts, max_size=6).map(_jsonl_file)),
    st.tuples(st.just(".json"), st.lists(record_texts, max_size=6).map(_array_file)),
    st.tuples(st.just(".json"), record_texts.map(lambda t: t.encode("utf-8", "surrogatepass"))),
    st.tuples(st.just(".csv"), st.builds(_csv_file, pairs, st.sampled_from([",", ";", "\t", "|"]),
                                         st.sampled_from(["prompt,completion", "question,answer", "a,a"]))),
    st.tuples(st.just(".parquet"), pairs.map(_parquet_file)),
    st.tuples(st.sampled_from([".txt", ".md"]), safe_text.map(str.encode)),
    st.tuples(st.sampled_from([".jsonl", ".json", ".csv", ".parquet", ".txt", ".md"]), st.binary(max_size=300)),
)


def _count_lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(raw_files, min_size=1, max_size=4))
def test_build_never_raises_and_accounts_for_every_record(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        raw.mkdir()
        for i, (suffix, data) in enumerate(files):
            (raw / f"f{i}{suffix}").write_bytes(data)
        result = CliRunner().invoke(app, ["build", str(raw), str(out), "--model", "claude-3-haiku", "-q",
                                          "--no-report"], catch_exceptions=False)
        assert result.exit_code in {0, 1, 2}, result.output
        assert "Traceback" not in result.output
        if result.exit_code in {0, 1} and (out / "manifest.json").exists():
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            counts = manifest["counts"]
            assert counts["input_records"] == sum(i["records"] for i in manifest["inputs"])
            assert counts["units"] == sum(counts[n] for n in ("train", "validation", "test", "rejected"))
            assert counts["units"] >= counts["input_records"]
            if (out / "train.jsonl").exists():  # a build stopped before its splits writes only the ledger
                written = {n: _count_lines(out / f"{n}.jsonl") for n in ("train", "validation", "test", "rejected")}
                assert written == {n: counts[n] for n in written}
            else:
                assert _count_lines(out / "rejected.jsonl") == counts["rejected"]
