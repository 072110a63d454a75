"""Text-quality heuristics: pre-training text not worth training on (DP412), answers cut off (DP408).

Shared rule implementations (`dataprep.checks`); the build's screen step acts on them.
"""

from __future__ import annotations

_MIN_WORDS = 20
_MIN_LETTER_SHARE = 0.5
_MAX_REPEATED_LINES = 0.3
_TRUNCATION_MIN_WORDS = 30


def text_problem(text: str) -> str | None:
    """Why pre-training text is not worth training on (too short, mostly symbols, repeated lines), or None."""
    words = len(text.split())
    if words < _MIN_WORDS:
        return f"only {words} words (at least {_MIN_WORDS} expected in pre-training text)"
    visible = sum(not c.isspace() for c in text)
    letters = sum(c.isalpha() for c in text)
    if visible and letters / visible < _MIN_LETTER_SHARE:
        return f"only {letters / visible:.0%} of the visible characters are letters (mostly symbols or numbers)"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 10:
        repeated = 1 - len(set(lines)) / len(lines)
        if repeated > _MAX_REPEATED_LINES:
            return f"{repeated:.0%} of the lines repeat other lines (boilerplate or a scraping loop)"
    return None


def looks_truncated(answer: str) -> bool:
    """A long answer that stops on a letter or comma rather than an end of sentence, list or code block."""
    tail = answer.rstrip()
    return len(tail.split()) >= _TRUNCATION_MIN_WORDS and (tail[-1].isalpha() or tail[-1] == ",")
