"""Shared paths and helpers of the end-to-end tests.

Everything here drives dataprep through its real command line (a subprocess, so exit codes, stderr and the
files it writes are what is checked; `validate_json` runs the same typer app in process) and reads its
outputs from disk; nothing imports dataprep's internals, which a restructure may move. Test modules import
the helpers with `from conftest import ...`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typer.testing import Result

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
RAW = SAMPLE / "raw"
FINETUNE = RAW / "finetune"
PRETRAIN = RAW / "pretraining"
BEDROCK = SAMPLE / "bedrock"
TOOLFORMER = ROOT / "tests" / "data" / "toolformer-1000.jsonl"
RULES = ROOT / "rules"
LLAMA = "llama3-1-8b-instruct"
CLI = [sys.executable, "-c", "from dataprep.cli import main; main()"]


def dataprep(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `dataprep ARGS...` in a fresh interpreter and capture its exit code, stdout and stderr."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600,
                          env={**os.environ, "DATAPREP_RAISE_UNEXPECTED": "1"})  # the final guard is a bug


def build(raw: Path | list[Path], out: Path, *args: str | Path,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`dataprep build RAW... OUT -q ARGS...` (add `--no-report` unless the test reads the reports)."""
    inputs = raw if isinstance(raw, list) else [raw]
    return dataprep("build", *inputs, out, "-q", *args, cwd=cwd)


def validate_json(*args: str | Path) -> tuple[int, list[dict[str, Any]]]:
    """`dataprep validate ARGS... --format json` in process (the real typer app): the exit code and the findings.

    In process because validate is cheap and an interpreter start is not; pass absolute paths.
    """
    from typer.testing import CliRunner

    from dataprep.cli import app

    result = CliRunner().invoke(app, ["validate", *map(str, args), "--format", "json"])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    return result.exit_code, json.loads(result.stdout)


def jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def override(folder: Path, profile: str, task: str, quota: str, value: int) -> Path:
    """A user profile file (`--profile-file`) that changes one quota of a shipped profile."""
    path = folder / f"{profile}-{quota}.toml"
    path.write_text(f'id = "{profile}"\n\n[tasks.{task}.quotas.{quota}]\nvalue = {value}\n'
                    f'source = "test override"\ndate = 2026-11-23\n', encoding="utf-8")
    return path


def profile_file(folder: Path, profile: str, body: str, name: str = "override") -> Path:
    """A user profile file with `id = PROFILE` and the given TOML body (several overridden entries)."""
    path = folder / f"{profile}-{name}.toml"
    path.write_text(f'id = "{profile}"\n\n{body}', encoding="utf-8")
    return path


def summary_rules(stderr: str) -> dict[str, dict[str, int]]:
    """The build summary's rules table (printed to stderr): code -> dropped, fixed and warned counts."""
    rows = re.findall(r"^\s*[│|]\s*(DP\d{3})\s*[│|][^│|\n]*[│|]\s*([\d,]*)\s*[│|]\s*([\d,]*)\s*[│|]\s*([\d,]*)\s*[│|]",
                      stderr, flags=re.M)
    return {code: {k: int(v.replace(",", "") or 0) for k, v in zip(("dropped", "fixed", "warned"), counts, strict=True)}
            for code, *counts in rows}


def element_lines(path: Path) -> list[int]:
    """Start line of each record of a raw file, as the README says the reader numbers them.

    JSONL: every physical line; JSON array: the line where each element starts; CSV: the line where each data
    row starts (the header is line 1); Parquet: the 1-based row number; text and Markdown: one record, line 1.
    Computed here independently of dataprep, so a reader that numbers records wrongly fails the tests.
    """
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return [1]
    if suffix == ".parquet":
        import polars as pl

        return list(range(1, pl.read_parquet(path).height + 1))
    text = path.read_text(encoding="utf-8-sig")
    if suffix == ".csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
        starts, end = [], reader.line_num
        for _ in reader:
            starts.append(end + 1)
            end = reader.line_num
        return starts
    if suffix == ".json" and text.lstrip().startswith("["):
        decoder, pos, starts = json.JSONDecoder(), text.index("[") + 1, []
        while True:
            while text[pos] in " \t\r\n,":
                pos += 1
            if text[pos] == "]":
                return starts
            starts.append(text.count("\n", 0, pos) + 1)
            _, pos = decoder.raw_decode(text, pos)
    return list(range(1, len(text.splitlines()) + 1))


def invoke(*args: str | Path, cwd: Path) -> Result:
    """Run the real app in-process in `cwd` (config discovery starts there), stdout and stderr kept apart."""
    import pytest
    from typer.testing import CliRunner

    from dataprep.cli import app

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(app, [str(a) for a in args])
