"""Text-quality heuristics: pre-training text not worth training on (DP412), answers cut off (DP408).

Shared rule implementations (`dataprep.checks`); the build's screen step acts on them.
"""

from __future__ import annotations

import re
from collections import Counter

_MIN_WORDS = 20
_MIN_LETTER_SHARE = 0.5
# Gopher's repetition thresholds (Rae et al. 2021, table A1; datatrove's GopherRepetitionFilter defaults): a
# text whose duplicated lines, or duplicated paragraphs, hold more than 20% of its characters.
_MAX_DUPLICATE_CHARS = 0.2
_MIN_COUNTED_CHARS = 30  # lines shorter than this ("}", "Note", "Yes") repeat in any document; not counted
# A line or paragraph said twice is a procedure shown for two tools (console and CLI tabs); boilerplate and
# scraping loops repeat it many times.
_MIN_REPEATS = 3
_FENCE = re.compile(r" {0,3}(```|~~~)")
_TRUNCATION_MIN_WORDS = 30


def text_problem(text: str, whole: bool = True) -> str | None:
    """Why a pre-training record is not worth training on, or None.

    Judged on the record the model reads (a chunk, after chunking), the way Gopher and datatrove judge web
    text: too few words (`whole` documents only: a document's last chunk may be short), mostly symbols, or
    repeated lines or paragraphs holding more than 20% of the characters. Code blocks are left out of the
    letter share and the repetition (a JSON example repeats `},` by nature), and so are short lines and lines
    without letters, which repeat in any document.
    """
    words = len(text.split())
    if whole and words < _MIN_WORDS:
        return f"only {words} words (at least {_MIN_WORDS} expected in pre-training text)"
    prose = _prose_lines(text)
    visible = sum(not c.isspace() for line in prose for c in line)
    letters = sum(c.isalpha() for line in prose for c in line)
    if visible >= _MIN_COUNTED_CHARS and letters / visible < _MIN_LETTER_SHARE:
        return f"only {letters / visible:.0%} of the visible characters outside code are letters (mostly symbols or " \
            "numbers)"
    size = sum(len(line.strip()) for line in text.splitlines())
    for unit, pieces in (("lines", prose), ("paragraphs", _paragraphs(prose))):
        share, example = _duplicated_share(pieces, size)
        if share > _MAX_DUPLICATE_CHARS:
            return f"{share:.0%} of the characters are in repeated {unit} (boilerplate or a scraping loop), " \
                f"e.g. {example[:80]!r}"
    return None


def _prose_lines(text: str) -> list[str]:
    """The text's lines outside fenced code blocks, stripped; blank lines kept (they end paragraphs)."""
    out: list[str] = []
    fenced = False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line.strip())
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    return [p for p in "\n".join(lines).split("\n\n") if p.strip()]


def _duplicated_share(pieces: list[str], size: int) -> tuple[float, str]:
    """The share of the text's `size` characters in pieces seen before (every repeat after the first), and
    the most repeated piece; short pieces and pieces without letters are not counted as repeats (the text's
    size, as in Gopher, counts everything, code included)."""
    counted = Counter(p for p in pieces if len(p) >= _MIN_COUNTED_CHARS and " | " not in p
                      and any(c.isalpha() for c in p))
    repeated = sum(len(p) * (n - 1) for p, n in counted.items() if n >= _MIN_REPEATS)
    if not repeated or not size:
        return 0.0, ""
    return repeated / size, counted.most_common(1)[0][0]


def looks_truncated(answer: str) -> bool:
    """A long answer that stops on a letter or comma rather than an end of sentence, list or code block."""
    tail = answer.rstrip()
    return len(tail.split()) >= _TRUNCATION_MIN_WORDS and (tail[-1].isalpha() or tail[-1] == ",")
