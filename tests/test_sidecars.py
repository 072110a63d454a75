"""A committed build folder validates clean (#14 item 6): its ledger and lineage are not training data.

pre-commit passes every staged `.jsonl` one by one, so the sidecars are recognised per file, by name and
by the folder's dataprep manifest (whatever the file is called there), as well as in a folder argument.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import validate_json
from typer.testing import CliRunner

from dataprep.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "bedrock" / "prompt-completion" / "train.jsonl"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("build")
    raw, folder = base / "raw.jsonl", base / "out"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    raw.write_text("".join(lines + lines[:3]), encoding="utf-8")  # three duplicates: rejected.jsonl is not empty
    result = CliRunner().invoke(app, ["build", str(raw), str(folder), "--model", "llama3-1-8b-instruct",
                                      "--no-report"])
    assert result.exit_code == 0, result.output
    assert (folder / "rejected.jsonl").stat().st_size and (folder / "lineage.jsonl").stat().st_size
    return folder


def test_sidecars_passed_one_by_one_are_not_checked(out: Path) -> None:
    files = sorted(out.glob("*.jsonl"))
    assert {"rejected.jsonl", "lineage.jsonl"} <= {f.name for f in files}
    status, findings = validate_json(*files, "--model", "llama3-1-8b-instruct")
    assert not {f["path"] for f in findings} & {str(out / "rejected.jsonl"), str(out / "lineage.jsonl")}, findings
    assert status == 0, findings


def test_only_sidecars_is_a_clean_pass(out: Path) -> None:
    status, findings = validate_json(out / "rejected.jsonl", out / "lineage.jsonl")
    assert (status, findings) == (0, [])


def test_a_sidecar_renamed_in_the_manifest_is_recognised(out: Path, tmp_path: Path) -> None:
    folder = tmp_path / "renamed"
    shutil.copytree(out, folder)
    (folder / "rejected.jsonl").rename(folder / "dropped.jsonl")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"]["rejected"]["file"] = "dropped.jsonl"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    status, findings = validate_json(folder / "dropped.jsonl", folder / "train.jsonl")
    assert not [f for f in findings if f["path"].endswith("dropped.jsonl")], findings
    assert status == 0
    # Without a dataprep manifest the same file is data, and its ledger records are not clean training data.
    (folder / "manifest.json").unlink()
    _, plain = validate_json(folder / "dropped.jsonl")
    assert plain, "the ledger checked as data has findings"
