"""Cleaning keeps meaning (#12 item 3): whitespace in code and aligned tables is never touched, and a cleaning
rule switched off changes nothing.

`tests/data/oasst-code.jsonl` holds the ten real OpenAssistant answers (with their prompts) whose fenced code
the old cleaner rewrote (inner runs of spaces collapsed, trailing spaces and blank lines removed inside code).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import build, jsonl
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dataprep.formats.base import Canonical, Turn
from dataprep.text.clean import CODES, clean, clean_text

ROOT = Path(__file__).resolve().parents[1]
OASST_CODE = ROOT / "tests" / "data" / "oasst-code.jsonl"
FENCED = re.compile(r"```.*?```", re.DOTALL)


@pytest.mark.parametrize("text", [
    'echo "ID: $row[0]  Name: $row[1]"',  # #12: two spaces printed by the shell
    'print("The original string  is : " + test_str)',  # #12: two spaces printed by Python
    "Name      Age  City\nAlice     30   Paris\nBob       4    Rome",  # an aligned table
    "Steps:\n\n    for i in range(3):\n        print(i,  i * 2)\n\nDone.",  # an indented block
    "```\nx  =  1   \n\n\n\ny = 2\n```",  # a fenced block keeps its blank lines and trailing spaces
    "Use `a  b` here.",  # inline code
])
def test_code_and_tables_come_out_unchanged(text: str) -> None:
    fixes: set[str] = set()
    assert clean_text(text, fixes) == text
    assert fixes == set()


def test_prose_around_code_is_still_tidied() -> None:
    text = "Run this:  \n\n\n\n```sh\nls   -la  \n```\nIt lists  files.  "
    fixes: set[str] = set()
    assert clean_text(text, fixes) == "Run this:\n\n```sh\nls   -la  \n```\nIt lists files."
    assert fixes == {"DP414"}


@pytest.mark.parametrize("code", CODES)
def test_a_rule_switched_off_changes_nothing(code: str) -> None:
    samples = {"DP413": "Cafe\u0301", "DP404": "zero\u200bwidth", "DP414": "two  spaces ", "DP416": "Done.</s>",
               "DP419": "The personâ€™s house."}
    row = Canonical(turns=(Turn("user", "Say it."), Turn("assistant", samples[code])))
    assert code in clean(row, mojibake=True).fixes
    switched_off = clean(row, frozenset({code}), mojibake=True)
    assert switched_off.row == row and code not in switched_off.fixes


def _answers(path: Path) -> list[str]:
    return [r["messages"][-1]["content"][0]["text"] for r in jsonl(path)]


def test_build_keeps_real_code_byte_for_byte(tmp_path: Path) -> None:
    done = build(OASST_CODE, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    given = [FENCED.findall(r["completion"]) for r in jsonl(OASST_CODE)]
    out = _answers(tmp_path / "out" / "train.jsonl") + _answers(tmp_path / "out" / "validation.jsonl")
    assert len(out) >= 8
    for answer in out:
        blocks = FENCED.findall(answer)
        assert blocks and blocks in given  # every fenced block byte for byte as given


def test_ignore_dp414_in_the_config_keeps_every_space(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('ignore = ["DP414"]\n', encoding="utf-8")
    raw = tmp_path / "raw.jsonl"
    rows = [{"prompt": f"Question {i}?  ", "completion": f"Answer  {i}.\n\n\n\nEnd. "} for i in range(12)]
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answers = sorted(_answers(tmp_path / "out" / "train.jsonl") + _answers(tmp_path / "out" / "validation.jsonl"))
    assert answers == sorted(r["completion"] for r in rows)
    assert '"DP414"' not in (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")


def test_an_answer_that_was_only_an_end_token_says_so(tmp_path: Path) -> None:
    # T0's trec prompts: the completion is "<|endoftext|>" alone.
    rows = [{"prompt": f"What category best describes: question {i}?", "completion": f"Entity {i}<|endoftext|>"}
            for i in range(10)] + [{"prompt": "What category best describes: What city is Gotham?",
                                    "completion": "<|endoftext|>"}]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report").returncode == 0
    [entry] = jsonl(tmp_path / "out" / "rejected.jsonl")
    assert entry["code"] == "DP205" and "end-of-text token is removed" in entry["reason"]


# The end-of-sequence rule as it was first written (two patterns over the whole text): the reference the
# end-first reading in `clean` must agree with, whatever the text, its whitespace and its markers.
_MARKERS = ("<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>",
            "<end_of_turn>", "[/INST]", "###eos_token###", "</s>", "<eos>")
_REFERENCE_RUN = re.compile(r"(?:\s*(?:" + "|".join(map(re.escape, _MARKERS)) + r"))+\s*\Z")
_REFERENCE_NAMED = re.compile(r"\b(?:with|emits?|and|or|token|marker|as|like|by|is|writes?|outputs?|returns?|"
                              r"appends?|adds?|uses?|then|in)\s+\Z")


def _reference_end_cut(text: str) -> str:
    body = text.rstrip()
    if not body.endswith(_MARKERS):
        return text
    if body.endswith("</s>") and "<s>" in body:
        return text
    marker = max((m for m in _MARKERS if body.endswith(m)), key=len)
    if _REFERENCE_NAMED.search(body[: len(body) - len(marker)]):
        return text
    return _REFERENCE_RUN.sub("", text)


_PIECES = st.sampled_from([*_MARKERS, " ", "\n", "\t", "\u00a0", "\u3000", "\x1c", "\u2028", "word", "Done.",
                           "<s>", "emits", "with", "sandwith", "is", "this", "x", "ends", "é", "</", "|>"])


@hypothesis_settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_end_markers_are_cut_as_the_whole_text_patterns_cut_them(text: str) -> None:
    fixes: set[str] = set()
    off = frozenset(CODES) - {"DP416"}
    assert clean_text(text, fixes, off=off) == _reference_end_cut(text)
    assert ("DP416" in fixes) == (_reference_end_cut(text) != text)


@pytest.mark.parametrize(("text", "cut"), [
    ("Done.<|endoftext|>", "Done."),
    ("Done. </s> <|eot_id|>\n", "Done."),
    ("The model emits </s>", "The model emits </s>"),  # a sentence about the marker
    ("The model emits</s>", "The model emits"),  # no space: appended, not named
    ("It costs <s>$20</s>", "It costs <s>$20</s>"),  # a strikethrough
    ("Mix with </s>", "Mix with </s>"),
    ("A sandwith </s>", "A sandwith"),  # "with" inside a word names nothing
])
def test_end_marker_examples(text: str, cut: str) -> None:
    off = frozenset(CODES) - {"DP416"}
    assert clean_text(text, set(), off=off) == cut
