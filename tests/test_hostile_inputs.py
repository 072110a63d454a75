"""Hostile inputs: files that are valid JSON but not UTF-8-safe, not files at all, or built to be slow.

Every case runs the real command line (in process, `catch_exceptions=False`, so a traceback fails the test;
a FIFO in a subprocess with a timeout, so a blocked read fails instead of hanging) on real files, and checks
that the mistake is a rule-coded finding or a one-line usage error, that the build's accounting holds
(input records = train + validation + test + rejected), and that the readers stay linear.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dataprep.cli import app
from dataprep.errors import BuildError
from dataprep.io import decode
from dataprep.io.jsonl import read_jsonl
from dataprep.io.read import OriginalLines, check_unchanged, read_sources
from dataprep.registry import RulePolicy

MODEL = "claude-3-haiku"
CLI = [sys.executable, "-c", "from dataprep.cli import main; main()"]
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


def good(n: int, tag: str = "r") -> bytes:
    """N distinct, clean prompt/completion records."""
    return b"".join(json.dumps({"prompt": f"Question {tag} {i}: what is {i} plus {i}?",
                                "completion": f"The answer is {2 * i}."}).encode() + b"\n" for i in range(n))


def invoke(*args: str | Path) -> Result:
    """The real CLI in process; a traceback propagates and fails the test."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def build(raw: Path | list[Path], out: Path) -> Result:
    inputs = raw if isinstance(raw, list) else [raw]
    result = invoke("build", *inputs, out, "--model", MODEL, "-q", "--no-report")
    assert result.exit_code in (0, 1, 2), result.output
    return result


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def accounted(out: Path) -> dict[str, Any]:
    """The manifest, after checking every input record is in exactly one output file."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    total = sum(len(lines(out / f"{s}.jsonl")) for s in ("train", "validation", "test", "rejected"))
    assert total == manifest["counts"]["input_records"] == sum(i["records"] for i in manifest["inputs"])
    return manifest


def rejected_codes(out: Path) -> dict[int, str]:
    return {r["line"]: r["code"] for r in lines(out / "rejected.jsonl")}


def validate(*paths: Path) -> list[dict[str, Any]]:
    result = invoke("validate", *paths, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- valid JSON, not safe to use

HOSTILE_LINES = {
    "lone-surrogate": (b'{"prompt": "caf\\ud800", "completion": "x"}', "DP102"),
    "lone-surrogate-key": (b'{"prompt": "a", "completion": "b", "\\udfff": 1}', "DP102"),
    "deep-array": (b'{"prompt": ' + b"[" * 100_000 + b"]" * 100_000 + b', "completion": "x"}', "DP104"),
    "deep-object": (b'{"a": ' * 50_000 + b"1" + b"}" * 50_000, "DP104"),
    "moderately-deep": (b'{"prompt": ' + b"[" * 500 + b"]" * 500 + b', "completion": "x"}', "DP104"),
    "huge-integer": (b'{"prompt": "a", "completion": "b", "n": ' + b"9" * 5000 + b"}", "DP104"),
    "float-overflow": (b'{"prompt": "a", "completion": "b", "n": 1e999}', "DP109"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LINES))
def test_hostile_jsonl_line_is_a_finding_in_validate_and_a_ledger_entry_in_build(tmp_path: Path, name: str) -> None:
    line, code = HOSTILE_LINES[name]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40) + line + b"\n" + good(3, "b"))
    assert (41, code) in {(f["line"], f["code"]) for f in validate(raw / "data.jsonl")}
    build(raw, tmp_path / "out")
    accounted(tmp_path / "out")
    assert rejected_codes(tmp_path / "out")[41] == code


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize("name", ["lone-surrogate", "deep-array", "huge-integer"])
def test_hostile_value_in_a_json_array_or_single_object(tmp_path: Path, name: str, suffix: str) -> None:
    line, code = HOSTILE_LINES[name]
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [json.loads(r) for r in good(40).splitlines()]
    array = ("[" + ",\n".join(json.dumps(r) for r in records) + ",\n").encode() + line + b"\n]\n"
    (raw / f"array{suffix}").write_bytes(array)
    (raw / "single.json").write_bytes(line)
    build(raw, tmp_path / "out")
    accounted(tmp_path / "out")
    ledger = lines(tmp_path / "out" / "rejected.jsonl")
    assert {(Path(r["source"]).name, r["code"]) for r in ledger} >= {(f"array{suffix}", code), ("single.json", code)}


def test_decoder_reports_surrogate_and_depth_without_recursing() -> None:
    decoder = decode.StrictDecoder()
    ok = decode.parse_line('{"a": "\\ud83d\\ude00", "b": ' + "[" * 99 + "]" * 99 + "}", decoder)  # 100 deep
    assert ok["a"] == "\U0001F600"  # a surrogate pair is one character, not a defect
    for text, code in (('{"a": "\\ud800"}', "DP102"), ("[" * 101 + "]" * 101, "DP104"), ("[" * 10**6, "DP104")):
        with pytest.raises(decode.DefectError) as raised:
            decode.parse_line(text, decoder)
        assert raised.value.code == code


# --------------------------------------------------------------------------- paths that are not files


def _subprocess(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh interpreter with a timeout: a read blocked on a FIFO fails the test, not the run."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_jsonl_never_blocks(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40))
    os.mkfifo(raw / "pipe.jsonl")
    checked = _subprocess("validate", raw, "--format", "json")
    assert checked.returncode == 1, checked.stderr
    found = json.loads(checked.stdout)
    assert [(Path(f["path"]).name, f["code"]) for f in found if f["code"] == "DP115"] == [("pipe.jsonl", "DP115")]
    assert "FIFO" in next(f["message"] for f in found if f["code"] == "DP115")
    built = _subprocess("build", raw, tmp_path / "out", "--model", MODEL, "-q", "--no-report")
    assert built.returncode in (0, 1), built.stderr
    assert [Path(i["path"]).name for i in accounted(tmp_path / "out")["inputs"]] == ["data.jsonl"]
    named = _subprocess("build", raw / "pipe.jsonl", tmp_path / "out2", "--model", MODEL, "-q", "--no-report")
    assert named.returncode == 2 and "FIFO" in named.stderr and "Traceback" not in named.stderr


def test_device_named_on_the_command_line(tmp_path: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    found = validate(Path("/dev/null"))
    assert [f["code"] for f in found if f["code"] == "DP115"] == ["DP115"]
    result = build(Path("/dev/null"), tmp_path / "out")
    assert result.exit_code == 2 and "character device" in result.output


def test_folder_named_jsonl(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "nested.jsonl").mkdir(parents=True)
    (raw / "nested.jsonl" / "inner.jsonl").write_bytes(good(40))
    (raw / "top.jsonl").write_bytes(good(5, "t"))
    found = validate(raw)
    assert ("nested.jsonl", "DP115") in {(Path(f["path"]).name, f["code"]) for f in found}
    build(raw, tmp_path / "out")
    assert sorted(Path(i["path"]).name for i in accounted(tmp_path / "out")["inputs"]) == ["inner.jsonl", "top.jsonl"]


@pytest.mark.skipif(ROOT_USER, reason="root reads files whatever their permissions; the FIFO and folder cases "
                    "cover the unreadable paths a root run can make")
def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "locked").mkdir(parents=True)
    (raw / "locked" / "hidden.jsonl").write_bytes(good(3, "h"))
    (raw / "data.jsonl").write_bytes(good(40))
    (raw / "secret.jsonl").write_bytes(good(3, "s"))
    os.chmod(raw / "secret.jsonl", 0)
    os.chmod(raw / "locked", 0)
    try:
        assert ("secret.jsonl", "DP115") in {(Path(f["path"]).name, f["code"]) for f in validate(raw)}
        build(raw, tmp_path / "out")
        accounted(tmp_path / "out")
        ledger = {(Path(r["source"]).name, r["code"]) for r in lines(tmp_path / "out" / "rejected.jsonl")}
        assert ("secret.jsonl", "DP115") in ledger
        skipped = read_sources([raw], RulePolicy()).skipped
        assert [(Path(s.path).name, s.code) for s in skipped] == [("locked", "DP115")]
    finally:
        os.chmod(raw / "secret.jsonl", 0o644)
        os.chmod(raw / "locked", 0o755)


def test_symlink_loops_read_each_real_file_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "z" / "b").mkdir(parents=True)
    (raw / "data.jsonl").write_bytes(good(40))
    for i in range(6):  # six links back to the top: a naive walk is exponential, then stops at ELOOP
        (raw / "z" / "b" / f"up{i}").symlink_to(raw)
    (raw / "z" / "same.jsonl").symlink_to(raw / "data.jsonl")
    (raw / "z" / "broken.jsonl").symlink_to(raw / "missing.jsonl")
    outcome = read_sources([raw], RulePolicy())
    assert [Path(i.path).name for i in outcome.inputs] == ["data.jsonl"]
    assert {Path(s.path).name: s.code for s in outcome.skipped} == {
        "broken.jsonl": "DP115", "same.jsonl": "DP116", **{f"up{i}": "DP116" for i in range(6)}}
    build(raw, tmp_path / "out")
    assert accounted(tmp_path / "out")["counts"]["input_records"] == 40
    result = build(raw / "z" / "broken.jsonl", tmp_path / "out2")
    assert result.exit_code == 2 and "no such file" in result.output


# --------------------------------------------------------------------------- what is not data in RAW


def test_documentation_files_are_skipped_and_listed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40))
    for name in ("README.md", "readme.txt", "LICENSE.txt", "Changelog.md", "SOURCE.md", "source.MD"):
        (raw / name).write_text("# About this dataset\n\nNot a record.\n", encoding="utf-8")
    (raw / "notes.md").write_text("A real text document.\n", encoding="utf-8")
    outcome = read_sources([raw], RulePolicy())
    assert sorted(Path(i.path).name for i in outcome.inputs) == ["data.jsonl", "notes.md"]
    assert sorted(Path(s.path).name for s in outcome.skipped if s.code == "DP116") == sorted(
        ["README.md", "readme.txt", "LICENSE.txt", "Changelog.md", "SOURCE.md", "source.MD"])
    assert {f.code for f in outcome.findings} == {"DP116"}
    build(raw, tmp_path / "out")
    assert sorted(Path(i["path"]).name for i in accounted(tmp_path / "out")["inputs"]) == ["data.jsonl", "notes.md"]


def test_a_build_never_reads_its_own_outputs(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40) + good(2))  # two duplicates: the ledger is not empty
    build(raw, tmp_path / "out")
    first = accounted(tmp_path / "out")
    shutil.copytree(tmp_path / "out", raw / "previous")  # an earlier build's OUT folder, now inside RAW
    (raw / "previous" / ".dataprep-leftover").mkdir()  # and a staging folder an interrupted build left
    (raw / "previous" / ".dataprep-leftover" / "train.jsonl").write_bytes(good(3, "x"))
    (raw / "previous" / "extra.jsonl").write_bytes(good(3, "extra"))  # not an output: read
    outcome = read_sources([raw], RulePolicy())
    assert sorted(Path(s.path).name for s in outcome.skipped) == ["lineage.jsonl", "manifest.json",
                                                                   "rejected.jsonl", "train.jsonl",
                                                                   "validation.jsonl"]
    build(raw, tmp_path / "out2")
    second = accounted(tmp_path / "out2")
    assert [Path(i["path"]).name for i in second["inputs"]] == ["data.jsonl", "extra.jsonl"]
    assert second["counts"]["input_records"] == first["counts"]["input_records"] + 3


# --------------------------------------------------------------------------- inputs are what was read


def test_input_digest_is_of_the_bytes_parsed(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(good(5))
    outcome = read_sources([path], RulePolicy())
    assert outcome.inputs[0].sha256 == hashlib.sha256(good(5)).hexdigest()
    assert outcome.inputs[0].unchanged() is None
    check_unchanged(outcome.inputs)
    path.write_bytes(good(5).replace(b"Question", b"Puzzle!!"))  # same size
    os.utime(path, ns=(outcome.inputs[0].identity.mtime_ns,) * 2)  # and same mtime: only the hash tells
    with pytest.raises(BuildError, match=r"data\.jsonl changed during the build"):
        check_unchanged(outcome.inputs)


def test_ledger_original_is_never_read_from_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(good(5))
    read_sources([path], RulePolicy())
    with OriginalLines(str(path)) as back:
        assert back.line(2).startswith('{"prompt": "Question r 1')
    path.write_bytes(good(5, "other"))
    with pytest.raises(BuildError, match="changed during the build"), OriginalLines(str(path)) as back:
        back.line(2)
    path.write_bytes(good(5) + good(1, "appended"))  # the lines asked for are the same: the rest of the file is not
    with pytest.raises(BuildError, match="changed during the build"), OriginalLines(str(path)) as back:
        assert back.line(2).startswith('{"prompt": "Question r 1')


@pytest.mark.parametrize("rejects", [True, False], ids=["ledger-read-back", "nothing-rejected"])
def test_build_stops_when_an_input_changes_while_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         rejects: bool) -> None:
    """With a duplicate the ledger's read-back notices; with nothing rejected only the check before publish can."""
    from dataprep.build import pipeline

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40) + (good(1) if rejects else b""))
    real = pipeline.media.run  # the step after convert, which reads the input as it converts

    def read_then_edit(*args: Any, **kwargs: Any) -> Any:
        (raw / "data.jsonl").write_bytes(good(41, "edited"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.media, "run", read_then_edit)
    result = build(raw, tmp_path / "out")
    assert result.exit_code == 1 and "data.jsonl changed during the build" in result.output
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_build_stops_when_an_input_is_deleted_while_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ledger reads a rejected line back from its file: a file gone by then is one line, exit 1, OUT untouched."""
    from dataprep.build import pipeline

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40) + good(1))  # the last line duplicates the first: it is rejected
    real = pipeline.media.run  # the step after convert, which reads the input as it converts

    def read_then_delete(*args: Any, **kwargs: Any) -> Any:
        (raw / "data.jsonl").unlink()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.media, "run", read_then_delete)
    result = build(raw, tmp_path / "out")
    assert result.exit_code == 1 and "data.jsonl changed during the build (it can no longer be read" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- CSV


def test_csv_repeated_header_column_is_dp117(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "data.jsonl").write_bytes(good(40))
    (raw / "qa.csv").write_text("prompt,completion,completion\nq1,a1,b1\nq2,a2,b2\n", encoding="utf-8")
    build(raw, tmp_path / "out")
    accounted(tmp_path / "out")
    ledger = [(Path(r["source"]).name, r["line"], r["code"]) for r in lines(tmp_path / "out" / "rejected.jsonl")]
    assert [e for e in ledger if e[0] == "qa.csv"] == [("qa.csv", 2, "DP117"), ("qa.csv", 3, "DP117")]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_csv_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [("prompt", "completion")] + [(f"What is {i}, or {i}; really?", f"It is {i}.") for i in range(30)]
    text = "".join(delimiter.join(f'"{c}"' if "," in c or ";" in c else c for c in row) + "\n" for row in rows)
    path = tmp_path / "qa.csv"
    path.write_text(text, encoding="utf-8")
    records = read_sources([path], RulePolicy()).records
    assert [r.code for r in records] == [None] * 30
    assert records[3].row is not None and records[3].row.turns[0].text == "What is 3, or 3; really?"


def test_comma_csv_whose_texts_hold_semicolons_stays_comma(tmp_path: Path) -> None:
    path = tmp_path / "qa.csv"
    path.write_text("prompt,completion\n" + "".join(f"a;b;c {i},x;y {i}\n" for i in range(20)), encoding="utf-8")
    records = read_sources([path], RulePolicy()).records
    assert records[0].row is not None and records[0].row.turns[1].text == "x;y 0"


# --------------------------------------------------------------------------- linear on pathological input


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = decode.StrictDecoder.decode_at

    def counting(self: decode.StrictDecoder, text: str, pos: int) -> Any:
        calls[0] += 1
        return real(self, text, pos)

    monkeypatch.setattr(decode.StrictDecoder, "decode_at", counting)
    return calls


@pytest.mark.parametrize("kind", ["cut-off-outside-string", "cut-off-inside-string", "pretty-printed"])
def test_jsonl_parse_attempts_are_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    records = [{"prompt": f"q {i}", "completion": f"a {i}"} for i in range(2000)]
    if kind == "pretty-printed":
        text = "".join(json.dumps(r, indent=2) + "\n" for r in records)
    else:
        cut = (lambda s: s[:-1] + ",") if kind == "cut-off-outside-string" else (lambda s: s[:12])
        text = "".join((cut(json.dumps(r)) if i % 2 else json.dumps(r)) + "\n" for i, r in enumerate(records))
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    calls = _count_decodes(monkeypatch)
    result = read_jsonl(path, RulePolicy())
    physical = text.count("\n")
    assert calls[0] <= 2 * physical, (calls[0], physical)  # quadratic would be ~1,000 per line
    if kind == "pretty-printed":
        assert len(result.bad_lines) == physical and {c for c, _ in result.bad_lines.values()} == {"DP107"}
    else:
        assert len(result.records) == 1000 and len(result.bad_lines) == 1000


def test_pretty_printed_layouts_still_found(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"prompt": "a",\n "completion": "b"}\n'  # closed on its last line
                    '{\n\t"prompt": "c",\n\t"completion": [\n\t\t1\n\t]\n}\n'  # tabs, a nested array
                    '{"prompt": "e", "completion": "f"}\n', encoding="utf-8")
    result = read_jsonl(path, RulePolicy())
    assert [(f.line, f.code) for f in result.findings] == [(1, "DP107"), (3, "DP107")]
    assert [r.line for r in result.records] == [9]
