"""The evidence behind a duplicate drop: the Jaccard to the kept record, a word-level diff, the distribution.

A reviewer asks "why is this one gone?". The report answers with the two records rendered the same way (the
canonical texts the dedup step compared, masked), the true Jaccard the dedup step measured between them,
and the words that differ — so a near-duplicate that is really a different question ("GPT-2" vs
"GPT-3") is visible at a glance. Diffs are of the masked texts, so a secret cannot leak through them.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

_CONTEXT = 6  # words of unchanged text kept on each side of a change
_MAX_OPS = 40  # diff pieces per pair; the rest is summarised as one elided piece
_BIN = 0.02  # width of a Jaccard bin in the distribution


def shown(value: float) -> float:
    """A Jaccard cut to three decimals for display: never rounded up to the threshold."""
    return math.floor(value * 1000 + 1e-9) / 1000


def word_diff(kept: str, dropped: str) -> list[list[str]]:
    """`[op, text]` pieces turning the kept text into the dropped one: `=` same, `-` only kept, `+` only dropped.

    Long unchanged runs keep `_CONTEXT` words each side and become `…` (op `~`), so a 2,000-word document
    that differs in one sentence shows that sentence, not the document.
    """
    a, b = kept.split(), dropped.split()
    pieces: list[list[str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pieces.extend(_context(a[i1:i2], first=not pieces, last=i2 == len(a) and j2 == len(b)))
            continue
        if i2 > i1:
            pieces.append(["-", " ".join(a[i1:i2])])
        if j2 > j1:
            pieces.append(["+", " ".join(b[j1:j2])])
    if len(pieces) > _MAX_OPS:
        hidden = len(pieces) - _MAX_OPS
        pieces = [*pieces[:_MAX_OPS], ["~", f"… {hidden:,} more difference(s)"]]
    return pieces


def _context(words: Sequence[str], first: bool, last: bool) -> list[list[str]]:
    """An unchanged run: whole when short, else its ends next to a change and `…` between."""
    head = 0 if first else _CONTEXT
    tail = 0 if last else _CONTEXT
    if len(words) <= head + tail + 1:
        return [["=", " ".join(words)]]
    out = [["=", " ".join(words[:head])]] if head else []
    out.append(["~", f"… {len(words) - head - tail:,} word(s) …"])
    if tail:
        out.append(["=", " ".join(words[-tail:])])
    return out


def distribution(values: Iterable[float], threshold: float) -> list[dict[str, Any]]:
    """Counts of Jaccard values in bins of `_BIN` from the threshold up to 1 (the last bin holds 1.0)."""
    start = math.floor(threshold / _BIN + 1e-9)
    top = math.ceil(1 / _BIN - 1e-9)
    counts = [0] * max(top - start, 1)
    for value in values:
        counts[min(max(int(value / _BIN + 1e-9) - start, 0), len(counts) - 1)] += 1
    return [{"from": round((start + i) * _BIN, 4), "to": round(min((start + i + 1) * _BIN, 1.0), 4), "count": n}
            for i, n in enumerate(counts)]
