"""Text-quality heuristics: pre-training text not worth training on (DP412), answers cut off (DP408).

Shared rule implementations (`dataprep.checks`); the build's screen step acts on them.
"""

from __future__ import annotations

import re
from collections import Counter

_MIN_WORDS = 20
_MIN_LETTER_SHARE = 0.5
_MAX_SYMBOL_LINES = 0.3  # Gopher drops documents whose lines are mostly bullets or ellipses; here: symbol-only lines
# Gopher's repetition thresholds (Rae et al. 2021, table A1; datatrove's GopherRepetitionFilter defaults): a
# text whose duplicated lines, or duplicated paragraphs, hold more than 20% of its characters.
_MAX_DUPLICATE_CHARS = 0.2
_MIN_COUNTED_CHARS = 30  # lines shorter than this ("}", "Note", "Yes") repeat in any document; not counted
# A line or paragraph said twice is a procedure shown for two tools (console and CLI tabs); boilerplate and
# scraping loops repeat it many times.
_MIN_REPEATS = 3
# A fenced code block opens and closes on a line starting with ``` or ~~~ (CommonMark allows 3 spaces before it);
# the cleaner (text.clean) keeps these blocks verbatim by the same test.
FENCE = re.compile(r" {0,3}(```|~~~)")
_STEP = re.compile(r"\d{1,3}\. ")
# `{`, `},`, `]);`: the punctuation lines of code or JSON, which a chunk cut inside a code block holds too.
_CODE_PUNCTUATION = re.compile(r"[\s{}\[\]();,:]+\Z")
_TRUNCATION_MIN_WORDS = 30
_MIN_LAST_LINE_WORDS = 8
# "- x", "* x", "• x", "3. x", "3) x", "IV. x", "B. x": a list or outline entry, complete without a stop.
_LIST_ITEM = re.compile(r"(?:[-*•+]|\d{1,3}[.)]|[IVXLC]{1,5}\.|[A-Z][.)])\s")


def text_problem(text: str, whole: bool = True) -> str | None:
    """Why a pre-training record is not worth training on, or None.

    Judged on the record the model reads (a chunk, after chunking), the way Gopher and datatrove judge web
    text: too few words (`whole` documents only: a document's last chunk may be short), mostly symbols or
    symbol-only lines, or repeated lines or paragraphs holding more than 20% of the characters. Code blocks
    are left out of the letter share and the repetition (a JSON example repeats `},` by nature), and so are
    short lines, lines without letters, table rows and numbered steps, which repeat in any document.
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
    written = [line for line in prose if line]
    symbols = sum(1 for line in written if not any(c.isalnum() for c in line) and not _CODE_PUNCTUATION.match(line))
    if len(written) >= 10 and symbols / len(written) > _MAX_SYMBOL_LINES:
        return f"{symbols} of {len(written)} lines outside code hold no letter or digit (symbol tables, separators)"
    size = sum(len(line.strip()) for line in text.splitlines())
    for unit, pieces in (("lines", _countable(prose)), ("paragraphs", _paragraphs(prose))):
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
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append(line.strip())
    return out


def _countable(lines: list[str]) -> list[str]:
    """The lines whose repeats are boilerplate: not the rows of a table (two or more ` | ` lines in a row; a
    reference page repeats `base_trial | The base trial…` in the table of every rule) and not numbered
    procedure steps (`1. Open your flow.`, written once per console, CLI and SDK tab). A lone ` | ` line,
    such as a scraped navigation bar, is counted."""
    def row(i: int) -> bool:
        return 0 <= i < len(lines) and " | " in lines[i]

    return [line for i, line in enumerate(lines)
            if not (row(i) and (row(i - 1) or row(i + 1))) and not _STEP.match(line)]


def _paragraphs(lines: list[str]) -> list[str]:
    return [p for p in "\n".join(lines).split("\n\n") if p.strip()]


def _duplicated_share(pieces: list[str], size: int) -> tuple[float, str]:
    """The share of the text's `size` characters in pieces seen before (every repeat after the first), and
    the most repeated piece; short pieces and pieces without letters are not counted as repeats (the text's
    size, as in Gopher, counts everything, code included)."""
    counted = Counter(p for p in pieces if len(p) >= _MIN_COUNTED_CHARS and any(c.isalpha() for c in p))
    repeated = sum(len(p) * (n - 1) for p, n in counted.items() if n >= _MIN_REPEATS)
    if not repeated or not size:
        return 0.0, ""
    return repeated / size, counted.most_common(1)[0][0]


def looks_truncated(answer: str) -> bool:
    """A long answer whose last line stops mid-sentence: on a letter or a comma, in a line of prose.

    What ends without a full stop and is whole (measured on benchmarks/evalsets/DP408.jsonl) is left out: a
    list item or outline entry, a short last line (a sign-off, a poem's line, a title, an item of a list
    without markers), a URL, and the line after a colon (the command or example it introduces).
    """
    tail = answer.rstrip()
    if len(tail.split()) < _TRUNCATION_MIN_WORDS or not (tail[-1].isalpha() or tail[-1] == ","):
        return False
    lines = tail.splitlines()
    last = lines[-1].strip()
    before = next((line.strip() for line in reversed(lines[:-1]) if line.strip()), "")
    return not (_LIST_ITEM.match(last) or len(last.split()) < _MIN_LAST_LINE_WORDS or "://" in last.split()[-1]
                or before.endswith(":"))
