"""Planted near-duplicates shared by the dedup and build tests: small edits of the kinds copies carry, and
the oracle that judges them (the string-shingle Jaccard, independent of the dedup stage's hashing)."""

from __future__ import annotations

import random
import re

from dataprep.text.dedup import normalise, shingles


def small_edit(text: str, kind: int, rng: random.Random) -> str:
    """One small edit: a changed word (0), lost punctuation (1), extra spacing (2), two words swapped (3)."""
    words = text.split(" ")
    i = rng.randrange(1, max(2, len(words) - 2))
    if kind == 0:
        words[i] = "zyxwv"
    elif kind == 1:
        return re.sub(r"[,.;:!?]", "", text)  # sentence punctuation, as a careless copy loses it
    elif kind == 2:
        words[i] = words[i] + "   \n "
    else:
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def oracle(a: str, b: str, ngram: int = 3) -> float:
    """True Jaccard of two texts' word n-gram sets, computed on strings (the stage hashes them)."""
    x, y = set(shingles(normalise(a), ngram)), set(shingles(normalise(b), ngram))
    return len(x & y) / len(x | y)
