"""What a build leaves in OUT: the reports and their counts, `--no-report`, and outputs of an older build.

A build publishes its files into OUT and deletes the outputs of an earlier build that it does not write
again (a stale test.jsonl or report.html would describe another dataset); anything else in OUT is the
user's and stays. report.json counts what each rule dropped, fixed and warned.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import TOOLFORMER, build, jsonl, read_json, summary_rules

NOVA = "nova-micro"  # no minimum beyond 8 training records, so a small corpus builds
REPORTS = ("report.json", "report.html", "expectations.json")
FAST = ("--lang-detector", "fasttext")
# Two long answers cut off mid-sentence (DP408: warned, kept).
TRUNCATED = [
    {"prompt": "Describe how a bill becomes law.", "completion":
        "A bill is drafted, then introduced and sent to a committee, which studies it and may amend it before the "
        "full chamber debates and votes on the text, and then the other chamber does the same and"},
    {"prompt": "Explain photosynthesis briefly.", "completion":
        "Plants capture light with chlorophyll in their leaves and use that energy to turn water and carbon dioxide "
        "into sugar, while releasing oxygen as a by-product of the reaction, which happens in the"},
]


def rule_counts(report: dict[str, Any], code: str) -> dict[str, int]:
    entry = next((r for r in report["rules"] if r["code"] == code), None)
    return {k: entry[k] for k in ("dropped", "fixed", "warned")} if entry else {"dropped": 0, "fixed": 0, "warned": 0}


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A build with reports and a test split: 60 records whose answers end a sentence, plus TRUNCATED."""
    folder = tmp_path_factory.mktemp("reported")
    raw = folder / "raw.jsonl"
    base = [line for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["response"].rstrip().endswith(".")][:60]
    raw.write_text("\n".join([*base, *map(json.dumps, TRUNCATED)]) + "\n", encoding="utf-8")
    out = folder / "out"
    done = build(raw, out, "--model", NOVA, "--test-fraction", "0.2", *FAST)
    assert done.returncode == 0, done.stderr
    return raw, out, done.stderr


def test_reports_are_written_and_count_the_truncated_answers(reported: tuple[Path, Path, str]) -> None:
    _, out, stderr = reported
    for name in (*REPORTS, "test.jsonl"):
        assert (out / name).is_file(), name
    report = read_json(out / "report.json")
    assert rule_counts(report, "DP408") == {"dropped": 0, "fixed": 0, "warned": len(TRUNCATED)}
    assert summary_rules(stderr)["DP408"] == {"dropped": 0, "fixed": 0, "warned": len(TRUNCATED)}
    # A warning keeps the record: both are in a split, neither is in the ledger.
    kept = [e for e in jsonl(out / "lineage.jsonl") if e["source_line"] > 60]
    assert len(kept) == len(TRUNCATED)
    assert not [r for r in jsonl(out / "rejected.jsonl") if r["line"] > 60]
    assert report["counts"] == read_json(out / "manifest.json")["counts"]


def test_a_second_build_removes_stale_outputs_and_keeps_the_users_files(reported: tuple[Path, Path, str],
                                                                        tmp_path: Path) -> None:
    raw, first, _ = reported
    out = tmp_path / "out"
    shutil.copytree(first, out)
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    (out / "extra").mkdir()
    (out / "extra" / "train.jsonl").write_text("not dataprep's\n", encoding="utf-8")
    done = build(raw, out, "--no-report", "--model", NOVA, *FAST)  # no reports, no test split this time
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["train.jsonl", "validation.jsonl", "rejected.jsonl", "lineage.jsonl", "manifest.json", "notes.txt", "extra"])
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (out / "extra" / "train.jsonl").read_text(encoding="utf-8") == "not dataprep's\n"
    manifest = read_json(out / "manifest.json")
    assert "test" not in manifest["outputs"] and manifest["counts"]["test"] == 0
    # The summary accounts for every input line.
    counts = manifest["counts"]
    summary = re.search(r"([\d,]+) records in = ([\d,]+) written \+ ([\d,]+) rejected", done.stderr)
    assert summary, done.stderr
    n_in, written, rejected = (int(g.replace(",", "")) for g in summary.groups())
    assert n_in == counts["units"] == len(raw.read_text(encoding="utf-8").splitlines())
    assert written == counts["train"] + counts["validation"] and rejected == counts["rejected"]
