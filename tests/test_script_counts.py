"""`scripts.letters` counts as its definition says, one character at a time, on real and generated text.

The shipped function counts without a Python step per character (ASCII as bytes, other text through a
Counter); the oracle below is the definition written plainly. Both must give the same weights, in the
same order (the order of first occurrence), on every text.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.text import scripts

EVALSETS = Path(__file__).resolve().parents[1] / "benchmarks" / "evalsets"


def oracle(text: str) -> dict[str, int]:
    weights: dict[str, int] = {}
    for char in text:
        script = scripts.script_of(char) if char.isalpha() else None
        if script is not None:
            weights[script] = weights.get(script, 0) + (3 if script in scripts.WIDE else 1)
    if weights.get("Han") and weights.get("Kana"):
        weights["Kana"] += weights.pop("Han")
    return weights


def _same(text: str) -> bool:
    got, want = scripts.letters(text).weights, oracle(text)
    return got == want and list(got) == list(want)


_MIXED = "abcXYZ 1.,\u00e9\u4e2d\u3042\u30a2\ud55c\u0416\u05d0\u0905\u0e01\u00df\u1e9e\u0130"  # many scripts


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.text(alphabet=_MIXED, max_size=80))
def test_generated_texts_count_as_defined(text: str) -> None:
    assert _same(text)


def test_the_language_sets_count_as_defined() -> None:
    texts = [json.loads(line)["text"] for path in sorted(EVALSETS.glob("DP411*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(texts) > 500 and sum(not t.isascii() for t in texts) > 100  # many scripts, not only English
    assert [t for t in texts if not _same(t)] == []
