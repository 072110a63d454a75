"""The Python API (#13 item 5): `dataprep.build` and `dataprep.validate` do what the commands do.

The commands are a thin layer over `dataprep.api`, so the API must write the same bytes as `dataprep build`
for the same inputs and settings (every file compared), whether it publishes into OUT itself or holds the
files until `.write(out)`. In-memory sources (lists of dicts, DataFrames, Datasets) name no temporary file
in any output. Before this API, `dir(dataprep)` was empty and a notebook had to call internals.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import FINETUNE, RAW, build, dataprep, jsonl, validate_json

import dataprep as dp
from dataprep.errors import BuildError, UsageError

SETTINGS = {"seed": 7, "validation_fraction": 0.2, "test_fraction": 0.1, "dedup_threshold": 0.8}
FLAGS = ["--seed", "7", "--validation-fraction", "0.2", "--test-fraction", "0.1", "--dedup-threshold", "0.8"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_api_writes_the_same_bytes_as_the_cli(tmp_path: Path) -> None:
    """CLI into A, `build(out=B)`, and `build().write(C)`: every file (reports included) byte-identical."""
    done = build(FINETUNE, tmp_path / "cli", "--model", "nova-micro", *FLAGS)
    assert done.returncode in (0, 1), done.stderr
    direct = dp.build(FINETUNE, model="nova-micro", out=tmp_path / "api", **SETTINGS)
    held = dp.build(FINETUNE, model="nova-micro", **SETTINGS)
    assert held.out is None and not (tmp_path / "later").exists()
    held.write(tmp_path / "later")
    cli = _files(tmp_path / "cli")
    assert {"train.jsonl", "validation.jsonl", "test.jsonl", "rejected.jsonl", "report.html",
            "manifest.json"} <= set(cli)
    assert _files(tmp_path / "api") == cli
    assert _files(tmp_path / "later") == cli
    assert direct.names == held.names == [*json.loads(cli["manifest.json"])["files"], "manifest.json"]


def test_the_result_holds_splits_ledger_findings_and_report(tmp_path: Path) -> None:
    out = dp.build(FINETUNE, model="nova-micro", out=tmp_path / "out", **SETTINGS)
    for split, frame in out.splits.items():  # a frame's structs carry every key of their column, as nulls
        assert _no_nulls(frame.to_dicts()) == jsonl(tmp_path / "out" / f"{split}.jsonl")
    assert set(out.splits) == {"train", "validation", "test"} and out.train.height > 0
    assert out.ledger.to_dicts() == jsonl(tmp_path / "out" / "rejected.jsonl")
    assert out.ledger.height > 0 and set(out.ledger["code"]) >= {"DP104"}  # broken.jsonl's bad lines
    assert out.report == json.loads((tmp_path / "out" / "report.json").read_text())
    assert out.ready is out.report["verdict"]["ready"]
    assert any(f.code == "DP116" for f in out.findings) or out.findings == out.result.findings
    page = out._repr_html_()
    assert page.startswith("<iframe srcdoc=") and "&lt;html" in page.lower()
    assert "nova-micro" in repr(out)


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    return [_no_nulls(v) for v in value] if isinstance(value, list) else value


def test_a_build_without_out_names_no_private_folder(tmp_path: Path) -> None:
    """A build held in memory ran in a private folder; neither its files nor its findings say where."""
    held = dp.build(FINETUNE, model="nova-micro", no_report=True)
    private = tempfile.gettempdir()
    assert all(private.encode() not in held.read_bytes(name) for name in held.names)
    assert all(not f.path.startswith(private) for f in held.findings)
    assert held.report is None and "<table>" in held._repr_html_()


def _records() -> list[dict[str, str]]:
    return [json.loads(line) for line in (RAW / "prompt-answer" / "gsm8k_prompt_answer.jsonl").read_text().splitlines()]


def test_records_in_memory_build_like_the_same_records_in_a_file(tmp_path: Path) -> None:
    """A list of dicts, a pandas and a polars DataFrame: the splits are the bytes the JSONL file gives; the
    ledger and lineage name `<records>` and the row, not a temporary file."""
    import pandas as pd
    import polars as pl

    rows = _records()
    rows[4] = {"prompt": rows[4]["prompt"], "answer": 42}  # a wrong type: rejected at row 5
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    from_file = dp.build(path, model="nova-micro", no_report=True, seed=3)
    listed = dp.build(rows, model="nova-micro", no_report=True, seed=3)
    for name in ("train.jsonl", "validation.jsonl"):
        assert listed.read_bytes(name) == from_file.read_bytes(name)
    [rejected] = listed.ledger.to_dicts()
    assert (rejected["source"], rejected["line"], rejected["code"]) == ("<records>", 5, "DP204")
    lineage = [json.loads(line) for line in listed.read_bytes("lineage.jsonl").splitlines()]
    assert {entry["source"] for entry in lineage} == {"<records>"}
    assert json.loads(listed.read_bytes("manifest.json"))["inputs"][0]["path"] == "<records>"
    clean = _records()
    expected = dp.build(clean, model="nova-micro", no_report=True).read_bytes("train.jsonl")
    for frame, name in ((pd.DataFrame(clean), "<pandas.DataFrame>"), (pl.DataFrame(clean), "<polars.DataFrame>")):
        built = dp.build(frame, model="nova-micro", no_report=True)
        assert built.read_bytes("train.jsonl") == expected
        assert json.loads(built.read_bytes("manifest.json"))["inputs"][0]["path"] == name


def test_a_datasets_dataset_builds_like_its_rows() -> None:
    datasets = pytest.importorskip("datasets")
    clean = _records()
    expected = dp.build(clean, model="nova-micro", no_report=True).read_bytes("train.jsonl")
    built = dp.build(datasets.Dataset.from_list(clean), model="nova-micro", no_report=True)
    assert built.read_bytes("train.jsonl") == expected
    split = datasets.DatasetDict({"train": datasets.Dataset.from_list(clean[:20]),
                                  "test": datasets.Dataset.from_list(clean[20:])})
    inputs = json.loads(dp.build(split, model="nova-micro", no_report=True).read_bytes("manifest.json"))["inputs"]
    assert [(i["path"], i["records"]) for i in inputs] == [("<datasets.DatasetDict:train>", 20),
                                                          ("<datasets.DatasetDict:test>", 10)]


def test_settings_are_the_build_flags_by_name() -> None:
    """One list of settings: `BuildFlags`, the command's options (bar RAW/OUT and how it prints) and the API's."""
    from dataclasses import fields

    import typer.main

    from dataprep.cli import app
    from dataprep.settings import BuildFlags

    command = typer.main.get_command(app).commands["build"]  # type: ignore[attr-defined]
    options = {p.name for p in command.params} - {"paths", "model", "quiet", "no_report", "profile_file", "config"}
    assert options == {f.name for f in fields(BuildFlags)}
    with pytest.raises(UsageError, match="did you mean 'validation_fraction'"):
        dp.build(FINETUNE, model="nova-micro", validaton_fraction=0.2)
    with pytest.raises(UsageError, match="--dedup-keep must be one of"):
        dp.build(FINETUNE, model="nova-micro", dedup_keep="best")
    from dataprep.api import defaults
    from dataprep.settings import build_defaults

    assert defaults()["seed"] == str(build_defaults()["seed"]) and "validation_fraction" in defaults()


def test_bad_sources_are_one_clear_error(tmp_path: Path) -> None:
    for source, message in (({"prompt": "a"}, "a single dict is not a source"), ([], "the source is empty"),
                            (3, "cannot read a int"), ([1, "a"], "holds paths or records")):
        with pytest.raises(UsageError, match=message):
            dp.build(source, model="nova-micro")
    with pytest.raises(UsageError, match="--model is required"):
        dp.build(FINETUNE)
    with pytest.raises(BuildError, match="no training records are left"):
        dp.build([{"prompt": "", "completion": ""}], model="nova-micro", no_report=True)


def test_write_refuses_a_file_it_does_not_own(tmp_path: Path) -> None:
    held = dp.build(_records(), model="nova-micro", no_report=True)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "train.jsonl").write_text("mine\n")
    with pytest.raises(UsageError, match="was not written by dataprep"):
        held.write(tmp_path / "out")
    assert (tmp_path / "out" / "train.jsonl").read_text() == "mine\n"
    held.write(tmp_path / "again")
    held.write(tmp_path / "again")  # its own earlier set is replaced
    assert (tmp_path / "again" / "train.jsonl").read_bytes() == held.read_bytes("train.jsonl")


def test_validate_returns_the_findings_the_command_prints(tmp_path: Path) -> None:
    bad = tmp_path / "train.jsonl"
    bad.write_text('{"prompt": "a", "completion": "b"}\nnot json\n{"prompt": 3, "completion": "c"}\n')
    _, printed = validate_json(bad, "--model", "nova-micro")
    found = dp.validate(bad, model="nova-micro")
    assert [f.as_dict() for f in found] == printed and printed
    rows = [json.loads(line) for line in (tmp_path / "train.jsonl").read_text().splitlines()[::2]]
    in_memory = dp.validate(rows, model="nova-micro", split="train")
    assert in_memory and {f.path for f in in_memory} == {"<records>"}
    assert any(f.line == 2 for f in in_memory)  # the second record given, `"prompt": 3`
    assert dp.validate(bad, model="nova-micro", ignore=["DP1", "DP2", "DP3"]) == []


def test_import_dataprep_is_light_and_build_is_callable_whatever_loaded_first() -> None:
    code = ("import sys, dataprep\n"
            "assert not {'polars', 'numpy', 'dataprep.api', 'dataprep.build'} & set(sys.modules), sorted(sys.modules)\n"
            "assert {'build', 'validate', 'BuildOutput'} <= set(dir(dataprep))\n"
            "import dataprep.build.pipeline, dataprep.validate as v\n"
            "assert callable(dataprep.build) and callable(dataprep.validate) and v.validate_paths\n"
            "from dataprep.build import model\n"
            "import inspect\n"
            "assert list(inspect.signature(dataprep.build).parameters)[:3] == ['source', 'model', 'out']\n"
            "print(dataprep.BuildOutput.__name__, dataprep.Severity.ERROR)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "BuildOutput"
    assert dataprep("--help").returncode == 0


def test_a_built_split_validates_clean_as_a_frame() -> None:
    """`validate(result.train)`: the frame's nulls (keys its structs have elsewhere) are not fields the records
    have; an explicit null in a list of dicts still is one."""
    built = dp.build(FINETUNE, model="nova-micro", no_report=True)
    assert "system" in built.train.columns and built.train["system"].null_count() > 0
    assert dp.validate(built.train, model="nova-micro", split="train") == []
    assert dp.validate(built.train.to_pandas(), model="nova-micro", split="train") == []
    rows = [json.loads(line) for line in built.read_bytes("train.jsonl").splitlines()]
    rows[1]["system"] = None
    assert [(f.line, f.code) for f in dp.validate(rows, model="nova-micro", split="train")] == [(2, "DP216")]


@pytest.mark.parametrize("reports", [False, True], ids=["no-report", "reports"])
def test_a_script_without_a_main_guard_builds_once(tmp_path: Path, reports: bool) -> None:
    """A notebook-style script (`dp.build(...)` at module level, no `if __name__ == "__main__":`) on enough
    records for the worker processes. The workers come from a forkserver, which by default imports the user's
    script again: the build ran a second time inside it, met its own lock and ended in a BrokenProcessPool
    traceback; the spawned report process imported it too. Children now start without the script (they run
    dataprep's functions, not the user's)."""
    rows = [json.loads(line) for line in (Path(__file__).parent / "data" / "toolformer-1000.jsonl")
            .read_text(encoding="utf-8").splitlines()]
    raw = tmp_path / "raw"
    raw.mkdir()
    with (raw / "data.jsonl").open("w", encoding="utf-8") as fh:
        for copy in range(6):  # 6,000 distinct records: past the convert and dedup steps' parallel thresholds
            for row in rows:
                fh.write(json.dumps({"prompt": f"[{copy}] {row['instruction']}", "completion": row["response"]}) + "\n")
    script = tmp_path / "notebook_style.py"
    script.write_text(f"import dataprep as dp\nprint('script ran')\nout = dp.build({str(raw)!r}, model='nova-micro', "
                      f"out={str(tmp_path / 'out')!r}, no_report={not reports})\nprint('kept', len(out.train))\n",
                      encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("script ran") == 1 and "kept" in done.stdout
    assert "Traceback" not in done.stderr
