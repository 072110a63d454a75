"""Split long continued pre-training documents into chunks that fit the model's per-record limit.

Bedrock rejects a pre-training record over the model's token limit, and cutting a document at an arbitrary
token teaches the model text that starts and ends mid-thought. So a document is split at the most natural
boundary that makes the pieces fit: paragraphs (blank lines) first, then lines, then sentence ends, then
whitespace between words. Only a single "word" longer than the limit (a URL, a base64 blob) is cut inside,
because nothing else can make it fit. Pieces are packed greedily back into chunks as large as the limit
allows, so the model still sees long contexts.

Token counts are taken in batches (the counter runs tiktoken on two threads) and, because the tokens of a
concatenation are not exactly the sum of its parts' tokens, every packed chunk is counted again and split
further if the estimate was short.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

Count = Callable[[Sequence[str]], np.ndarray]

# Boundaries from the most to the least natural; each separator stays attached to the piece before it, so
# the pieces of a text always concatenate back to exactly that text.
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraphs: one or more blank lines
    re.compile(r"\n\s*"),  # lines
    re.compile(r"(?<=[.!?])[ \t]+"),  # sentence ends followed by a space
    re.compile(r"\s+"),  # words
)
# A code point is at most 4 UTF-8 bytes and byte-level BPE needs at most one token per byte.
_MIN_TOKENS = 4


def chunk_text(text: str, max_tokens: int, count: Count, max_chars: int | None = None) -> list[str]:
    """`text` split into chunks of at most `max_tokens` tokens (by `count`) and `max_chars` characters.

    A text that already fits comes back unchanged as `[text]`. Otherwise the chunks, in order, hold every
    word of the text; whitespace at chunk edges is dropped.
    """
    if max_tokens < _MIN_TOKENS or (max_chars is not None and max_chars < 1):
        raise ValueError(f"chunk limits too small: max_tokens must be >= {_MIN_TOKENS}, max_chars >= 1")
    limits = _Limits(max_tokens, max_chars or len(text) + 1, count)
    if limits.fit([text])[0]:
        return [text]
    groups = _verified(_pack(_atoms(text, 0, limits), limits), limits)
    chunks = ("".join(piece for piece, _ in group).strip() for group in groups)
    return [chunk for chunk in chunks if chunk]


Piece = tuple[str, int]  # a text and its token count


class _Limits:
    """Both limits and the batched token counter, so every check counts many texts in one call."""

    def __init__(self, max_tokens: int, max_chars: int, count: Count) -> None:
        self.max_tokens, self.max_chars, self._count = max_tokens, max_chars, count

    def tokens(self, texts: Sequence[str]) -> list[int]:
        return self._count(texts).tolist() if texts else []

    def fits(self, text: str, tokens: int) -> bool:
        return tokens <= self.max_tokens and len(text) <= self.max_chars

    def fit(self, texts: Sequence[str]) -> list[bool]:
        return [self.fits(t, n) for t, n in zip(texts, self.tokens(texts), strict=True)]


def _atoms(text: str, level: int, limits: _Limits) -> list[Piece]:
    """`text` (too long) as consecutive pieces that each fit, cut at boundary `level` or, where a piece is
    still too long, at the next finer one; the pieces concatenate back to `text`."""
    if level == len(_BOUNDARIES):
        return _hard_cut(text, limits)
    parts = _parts(text, _BOUNDARIES[level])
    if len(parts) == 1:
        return _atoms(text, level + 1, limits)
    out: list[Piece] = []
    for part, n in zip(parts, limits.tokens(parts), strict=True):
        out.extend([(part, n)] if limits.fits(part, n) else _atoms(part, level + 1, limits))
    return out


def _parts(text: str, boundary: re.Pattern[str]) -> list[str]:
    """`text` cut after each separator; the parts concatenate back to `text`."""
    cuts = [m.end() for m in boundary.finditer(text) if 0 < m.end() < len(text)]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True) if a < b]


def _hard_cut(word: str, limits: _Limits) -> list[Piece]:
    """A single word longer than the limits, cut at character positions into pieces that fit.

    The first cut width comes from the word's characters per token; pieces that still do not fit (tokens
    are uneven along a blob) are cut again at half the width.
    """
    width = len(word) * limits.max_tokens // max(limits.tokens([word])[0], 1)
    return _cut(word, max(1, min(limits.max_chars, width)), limits)


def _cut(word: str, width: int, limits: _Limits) -> list[Piece]:
    pieces = [word[i:i + width] for i in range(0, len(word), width)]
    out: list[Piece] = []
    for piece, n in zip(pieces, limits.tokens(pieces), strict=True):
        out.extend([(piece, n)] if limits.fits(piece, n) else _cut(piece, max(1, width // 2), limits))
    return out


def _pack(pieces: list[Piece], limits: _Limits) -> list[list[Piece]]:
    """Consecutive pieces grouped while their summed tokens and characters stay within the limits."""
    groups: list[list[Piece]] = []
    group: list[Piece] = []
    tokens = chars = 0
    for piece, n in pieces:
        if group and (tokens + n > limits.max_tokens or chars + len(piece) > limits.max_chars):
            groups.append(group)
            group, tokens, chars = [], 0, 0
        group.append((piece, n))
        tokens += n
        chars += len(piece)
    if group:
        groups.append(group)
    return groups


def _verified(groups: list[list[Piece]], limits: _Limits) -> list[list[Piece]]:
    """Groups whose joined text really fits; BPE merges across a join can make a group one token longer than
    its pieces' sum, so each group is counted as a whole and one that is over is split in halves."""
    fit = limits.fit(["".join(piece for piece, _ in group) for group in groups])
    out: list[list[Piece]] = []
    for group, ok in zip(groups, fit, strict=True):
        if ok or len(group) == 1:  # a single piece was counted on its own and fits
            out.append(group)
        else:
            half = len(group) // 2
            out.extend(_verified([group[:half], group[half:]], limits))
    return out
