"""`tidy_whitespace`'s shortcuts (#17) give the text its line-by-line rules give, on real and generated texts.

The oracle below is the rules written out eagerly, as they were before the shortcuts: every line classified
first, then tidied. The shipped function skips the pass for texts with nothing to tidy inside, and classifies
only the lines it would change; both must give the same text, byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.checks.text_quality import FENCE
from dataprep.text import clean

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _kinds(lines: list[str]) -> list[str]:
    kinds = [""] * len(lines)
    fenced = False
    several = sum(1 for line in lines if line.strip()) > 1
    for i, line in enumerate(lines):
        if FENCE.match(line):
            kinds[i] = clean.BLOCK
            fenced = not fenced
        elif fenced or (several and line.strip() and clean._INDENTED.match(line)):
            kinds[i] = clean.BLOCK
        elif clean._CODE_CHARS.search(clean._WORD_APOSTROPHE.sub("", line)):
            kinds[i] = clean.LINE
    aligned = [not k and clean._INNER_SPACES.search(line) is not None for line, k in zip(lines, kinds, strict=True)]
    for i, is_aligned in enumerate(aligned):
        if is_aligned and ((i > 0 and aligned[i - 1]) or (i + 1 < len(aligned) and aligned[i + 1])):
            kinds[i] = clean.LINE
    return kinds


def oracle(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    out: list[tuple[str, str]] = []
    blanks = 0
    for line, kind in zip(lines, _kinds(lines), strict=True):
        if kind:
            out.append((line, kind))
            blanks = 0
            continue
        line = clean._INNER_SPACES.sub(" ", line.rstrip(" \t"))
        blanks = blanks + 1 if not line else 0
        if blanks < 2:
            out.append((line, kind))
    while out and not out[0][0].strip():
        out.pop(0)
    while out and not out[-1][0].strip():
        out.pop()
    if not out:
        return ""
    if out[0][1] != clean.BLOCK:
        out[0] = (out[0][0].lstrip(" \t"), out[0][1])
    if out[-1][1] != clean.BLOCK:
        out[-1] = (out[-1][0].rstrip(" \t"), out[-1][1])
    return "\n".join(line for line, _ in out)


_PIECES = st.sampled_from([" ", "  ", "\t", "\n", "\n\n", "\r\n", "\r", "```", "~~~", "    ", "a", "word", "x = 1",
                           "it's", "don\u2019t", "|", "\u00a0", "\u3000", "{", "()", "-"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_PIECES, max_size=24).map("".join))
def test_generated_texts_tidy_as_the_rules_say(text: str) -> None:
    assert clean.tidy_whitespace(text) == oracle(text)


def _corpus_texts(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPORA.glob("*/*.jsonl"))[:40]:
        for line in path.read_text(encoding="utf-8").splitlines()[:200]:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            texts.extend(v for v in row.values() if isinstance(v, str))
    texts.extend(p.read_text(encoding="utf-8") for p in sorted(CORPORA.glob("*/doc_source/*.md"))[:300])
    return texts[:limit]


def test_real_texts_tidy_as_the_rules_say() -> None:
    texts = _corpus_texts(20_000)
    if not texts:
        pytest.skip("the shared corpora are absent")
    changed = [t for t in texts if clean.tidy_whitespace(t) != t]
    assert changed, "no real text needed tidying: the comparison below would prove little"
    assert [t for t in texts if clean.tidy_whitespace(t) != oracle(t)] == []
