"""What a build holds for the records it rejects (#17): the ledger is written from the source, not from memory.

At a million records with `--max-train-records 10000`, 99% of the records end in the ledger. Before, the write
step read every rejected JSONL line back into its entry before writing (about a gigabyte of text at 1M) and
every entry kept its unit's canonical row (another gigabyte or more): together most of the build's peak. Now a
JSONL line is read back while its ledger line is written, and only a dropped duplicate keeps its row, which
the report renders beside the kept record. These tests build a real corpus through the API and look at what
the result holds and what `rejected.jsonl` says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import LLAMA, TOOLFORMER, jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

import dataprep as dp

_DEDUP = {"DP401", "DP402"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Toolformer's 1,000 real records, with 30 exact copies and one line that is not JSON."""
    raw = tmp_path_factory.mktemp("raw")
    lines = TOOLFORMER.read_text(encoding="utf-8").splitlines()
    (raw / "data.jsonl").write_text("\n".join([*lines, *lines[:30], "{not json"]) + "\n", encoding="utf-8")
    return raw


@pytest.mark.parametrize("workers", [False, True], ids=["in-process", "on-workers"])
@pytest.mark.parametrize("originals", ["full", "masked", "none"])
def test_rejected_lines_are_read_back_as_written_and_rows_kept_only_as_evidence(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, originals: str, workers: bool) -> None:
    """Both ways of writing the ledger: in this process, and (past `_PARALLEL_LEDGER` entries, lowered here for
    a 1,031-record corpus) masked and encoded on the two workers from lines read back as chunks are sent."""
    from dataprep.build import write

    if workers:
        monkeypatch.setattr(write, "_PARALLEL_LEDGER", 100)
        monkeypatch.setattr(write, "_LEDGER_CHUNK", 64)
    out = tmp_path / "out"
    built = dp.build(corpus, model=LLAMA, out=out, max_train_records=100, ledger_originals=originals,
                     no_report=True)
    rejected = built.result.rejected
    codes = {r.code for r in rejected}
    assert {"DP401", "DP504"} <= codes, codes
    # Nothing was collected in memory: the parsed JSONL lines stay unread on their entries (a line the reader
    # could not parse keeps its text from the start).
    assert {r.code for r in rejected if r.original is not None} == {"DP104"}
    # Only the dedup step's members hold their rows (the report's evidence).
    assert all((r.row is not None) == (r.code in _DEDUP) for r in rejected)
    source = (corpus / "data.jsonl").read_text(encoding="utf-8").splitlines()
    ledger = jsonl(out / "rejected.jsonl")
    assert len(ledger) == len(rejected)
    for entry in ledger:
        line = source[entry["line"] - 1]
        if originals == "none":
            assert entry["original"] is None
        elif originals == "full" or entry["code"] == "DP104":
            assert entry["original"] == line
        else:  # masked: the same record, re-encoded (no secret in this corpus to mask)
            assert json.loads(entry["original"]) == json.loads(line)


def test_the_report_still_shows_dropped_duplicates_beside_their_kept_record(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    dp.build(corpus, model=LLAMA, out=out, max_train_records=100)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    examples = report["duplicates"]["examples"]
    assert examples and all(m["excerpt"] for e in examples for m in e["dropped"])
    assert all(m["excerpt"] == e["kept"]["excerpt"] for e in examples for m in e["dropped"] if m["code"] == "DP401")


# The ledger's lines are encoded by orjson (#17); they must be the bytes `dumps` wrote, whatever the text.
_LEDGER_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)


@settings(max_examples=800, deadline=None)
@given(_LEDGER_TEXT, st.integers(min_value=1, max_value=2**63 - 1), _LEDGER_TEXT, st.one_of(st.none(), _LEDGER_TEXT))
def test_a_ledger_line_is_encoded_as_dumps_encodes_it(source: str, line: int, reason: str,
                                                      original: str | None) -> None:
    from dataprep.build.write import _ledger_line
    from dataprep.io.write import dumps

    entry = {"source": source, "line": line, "code": "DP504", "rule": "sampled-out", "reason": reason,
             "original": original}
    assert _ledger_line(entry) == dumps(entry)


def test_a_ledger_line_with_a_lone_surrogate_is_still_written() -> None:
    from dataprep.build.write import _ledger_line
    from dataprep.io.write import dumps

    entry = {"source": "a.jsonl", "line": 3, "original": '{"prompt": "\ud83d"}'}
    assert _ledger_line(entry) == dumps(entry)
