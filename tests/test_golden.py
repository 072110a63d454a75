"""Golden outputs: the bytes a build writes and the findings validate prints, pinned.

A restructure must not change what users get. These builds and the `validate --format json` output over the
bad-input catalogue are compared with `tests/golden/*.json`; a deliberate change of output is re-pinned with
`DATAPREP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and the diff of the golden files reviewed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from catalogue import CASES

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("DATAPREP_UPDATE_GOLDEN") == "1"

# name -> (inputs relative to the repository, so the manifest's paths do not depend on it; build flags)
BUILDS = {
    "finetune-llama": (["sample_data/raw/finetune"], ["--model", "llama3-1-8b-instruct", "--lang", "en"]),
    "pretraining-titan": (["sample_data/raw/pretraining"], ["--model", "titan-text-express", "--task",
                                                             "continued-pretraining"]),
    "toolformer-nova-redact": (["tests/data/toolformer-1000.jsonl"], [
        "--model", "nova-micro", "--test-fraction", "0.1", "--secrets", "redact", "--pii", "redact", "--seed", "3",
        "--no-report"]),
    "toolformer-haiku-sample": (["tests/data/toolformer-1000.jsonl", "sample_data/raw/finetune/alpaca.json"], [
        "--model", "claude-3-haiku", "--max-train-records", "400", "--dedup-threshold", "0.6", "--no-report"]),
}


def _compare(name: str, found: object) -> None:
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert found == expected, f"{name}: output differs from {path.relative_to(ROOT)} (see module docstring)"


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_build_outputs_are_byte_identical_to_golden(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    inputs, flags = BUILDS[name]
    done = subprocess.run([sys.executable, "-c", "from dataprep.cli import main; main()", "build", *inputs, str(out),
                           "-q", *flags], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    hashes = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
    _compare(f"build-{name}", {"files": hashes, "stdout": done.stdout.replace(str(out), "OUT"), "codes": _codes(out)})


def _codes(out: Path) -> dict[str, int]:
    """How often each rule code acted in the build: ledger entries, plus fixes and warnings from report.json."""
    codes = Counter(json.loads(line)["code"] for line in (out / "rejected.jsonl").read_text("utf-8").splitlines())
    report = out / "report.json"
    if report.exists():
        for row in json.loads(report.read_text("utf-8"))["rules"]:
            codes[row["code"]] += row["fixed"] + row["warned"] + row["input_findings"] + row["output_findings"]
    return dict(sorted((code, n) for code, n in codes.items() if n))


def test_validate_json_over_the_catalogue_is_golden(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dataprep.cli import app

    runner = CliRunner()
    found = {}
    cwd = Path.cwd()
    for case, name, content, model, task, _code, _line in CASES:
        folder = tmp_path / case
        folder.mkdir()
        (folder / name).write_bytes(content)
        args = ["validate", name, "--format", "json"]
        args += ["--model", model] if model else []
        args += ["--task", task] if task else []
        os.chdir(folder)
        try:
            result = runner.invoke(app, args)
        finally:
            os.chdir(cwd)
        found[case] = {"exit": result.exit_code, "findings": json.loads(result.stdout)}
    _compare("validate-catalogue", found)
