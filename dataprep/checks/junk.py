"""Junk that exports and generators leave in SFT data: unfilled placeholders, mojibake, degenerate loops.

Shared by `validate` and `build` (through `checks.content.findings`, which passes its masking `excerpt`, so a
placeholder's surroundings show no secret); every finding quotes the text it matched, with its column in the
record's text, so a reader can judge it.

- DP418, a template placeholder left in an answer (`Dear {{name}},`): a model trained on it answers with
  `{{name}}`. Only outside code (fenced blocks, inline code), and not in a text about templating (Jinja,
  Handlebars, Ansible... use `{{ }}` as their syntax, and answers that teach them are right to show it).
- DP419, mojibake (`personâ€™s`, UTF-8 read as cp1252): detected by ftfy (a maintained library; its
  `fix_encoding` changes only mis-decoded text), reported; fixed only with `--fix-mojibake`.
- DP420, a degenerate repetition: one phrase repeated back to back many times, as a generation stuck in a
  loop writes it. Lists, tables and choruses repeat a structure with other words, or a line a few times
  apart: a loop here is at least `_MIN_REPEATS` exact repeats in a row covering `_MIN_LOOP_WORDS` words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterator

from dataprep.formats.base import Canonical

_CODE = re.compile(r"^ {0,3}(```|~~~).*?(^ {0,3}\1|\Z)|`[^`\n]+`", re.S | re.M)
_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][\w.\- ]{0,40}?\s*\}\}")
# Words that say the text is about a template language, where `{{ }}` is syntax to show, not a hole to fill.
_TEMPLATING = re.compile(r"(?i)\b(jinja2?|handlebars|mustache|liquid|ansible|twig|django|flask|vue(?:\.js)?|"
                         r"angular|helm|go templates?|template (?:syntax|engine|language|variable)s?|"
                         r"interpolat\w*|nunjucks|hugo|jekyll|svelte|ember|blade)\b|\{%")
# What UTF-8 becomes when read as Latin-1, cp1252 or cp1250 (all of the labelled set's fixable mojibake): a C1
# control, or a lead byte's character (Â Ã â Ĺ Ă ď ...) before a continuation byte's (U+0080-U+00BF, or what
# cp1252/cp1250 put at 0x80-0xBF: the euro sign, dashes, curly quotes, ™, Š Œ Ÿ, Ą Ľ Ś Ť Ź Ż Ł, caron and
# breve). Accented words ("ção", "naïve") do not match. ftfy (0.3 ms a text) runs only where this does; ftfy decides.
_LEAD = "\u00c0-\u00ff\u0102\u0103\u0106\u0107\u010c-\u0111\u0118-\u011b\u0139\u013a\u0143\u0144\u0147\u0148" \
    "\u0150\u0151\u0158\u0159\u0162\u0163\u016e-\u0171"
_CONTINUATION = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014" \
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\u0104\u0105\u013d\u013e\u015a\u015b\u015e" \
    "\u015f\u0164\u0165\u0179-\u017c\u0141\u0142\u02c7\u02d8\u02d9\u02db\u02dd"
# Written as one class and then the rest, not `[C1]|[lead][continuation]`: re skips ahead by a pattern's first
# class only when it is not an alternation (27 -> 7 us a non-ASCII text on T0, the same matches).
_MOJIBAKE_SHAPE = re.compile(f"[\u0080-\u009f{_LEAD}](?:(?<=[\u0080-\u009f])|[{_CONTINUATION}])")
CODES = frozenset({"DP418", "DP419", "DP420"})
_MIN_REPEATS = 5  # a phrase said five times in a row is a loop; three or four can be emphasis or a chant
_MANY_REPEATS = 8  # ... and eight times is one even when it is short ("Happening. Happening. ...")
_MIN_LOOP_WORDS = 40
_MAX_PERIOD = 60  # words in the repeated unit
_WORD = re.compile(r"\S+")
_PROBE, _PROBE_EVERY, _MAX_PROBES = 16, 50, 64
_MIN_LOOP_CHARS = 200
_MAX_UNIT_CHARS = 400  # about `_MAX_PERIOD` words
_PROBE_REPEATS = 3  # a probe inside a loop sees at least this many repeats ahead; the search then measures it


def findings(row: Canonical, excerpt: Callable[[str, int], str],
             codes: Container[str] = CODES) -> Iterator[tuple[str, str]]:
    """(code, message) for each kind of junk in the row: placeholders in the answer, mojibake, loops; a check
    whose code is not in `codes` does not run.

    `excerpt(text, at)` quotes the text around a position (`checks.content.excerpt`, which masks secrets and
    personal data; passed in because `checks.content` imports this module)."""
    if "DP418" in codes and row.text is None and row.turns and row.turns[-1].role == "assistant":
        answer = row.turns[-1].text
        found = placeholder_in(answer)
        if found is not None:
            yield "DP418", f"unfilled template placeholder {found.group()!r} at column {found.start() + 1} of the " \
                f"answer: {excerpt(answer, found.start())}"
    for text in row.texts() if "DP419" in codes else ():
        mojibake = mojibake_in(text)
        if mojibake is not None:
            yield "DP419", mojibake
            break
    for turn in row.turns if "DP420" in codes else ():  # pre-training text is judged per chunk (DP412)
        loop = loop_in(turn.text)
        if loop is not None:
            yield "DP420", loop
            break


def placeholder_in(answer: str) -> re.Match[str] | None:
    """The first unfilled `{{…}}` placeholder outside code (its match: code is blanked, so positions hold)."""
    if "{{" not in answer or _TEMPLATING.search(answer):
        return None
    return _PLACEHOLDER.search(without_code(answer))


def without_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked out (same length, so columns still hold)."""
    if "`" not in text and "~~~" not in text:
        return text
    return _CODE.sub(lambda m: " " * len(m.group()), text)


def mojibake_in(text: str) -> str | None:
    """The first word ftfy would re-decode (UTF-8 read as another encoding), with its fix, or None."""
    fixed = _redecoded(text)
    if fixed is None:
        return None
    import ftfy

    at = next((i for i, (a, b) in enumerate(zip(text, fixed, strict=False)) if a != b), min(len(text), len(fixed)))
    word = next((m for m in _WORD.finditer(text) if m.start() <= at < m.end()), None)
    start, shown = (word.start(), word.group()[:40]) if word else (at, text[at:at + 10])
    right = ftfy.fix_encoding(shown)
    return f"mojibake (text decoded with the wrong encoding) at column {start + 1}: {shown!r}, which reads {right!r}"


def fix_mojibake(text: str) -> str:
    """The text re-decoded where ftfy finds mojibake (`--fix-mojibake`); unchanged elsewhere."""
    return _redecoded(text) or text


def _redecoded(text: str) -> str | None:
    """ftfy's re-decoding of the text when it finds mojibake, else None (ftfy only behind the shape filter)."""
    if text.isascii() or not _MOJIBAKE_SHAPE.search(text):
        return None
    import ftfy

    fixed = str(ftfy.fix_encoding(text))
    return None if fixed == text else fixed


def loop_in(text: str) -> str | None:
    """The phrase a text repeats back to back, how often and over how much of the text, or None."""
    if len(text) < _PROBE * _MIN_REPEATS:
        return None
    periodic = _periodic_windows(text)
    if not periodic:
        return None
    words = _WORD.findall(text)
    best = _longest_run(words) if len(words) >= _MIN_LOOP_WORDS // 5 else None
    if best is not None:
        start, period, repeats = best
        phrase = " ".join(words[start:start + period])
        share = period * repeats / len(words)
        return f"a phrase repeated {repeats} times in a row ({share:.0%} of the words, a generation stuck in a " \
            f"loop): {phrase[:80]!r}"
    return _character_loop(text, periodic)


def _periodic_windows(text: str) -> list[tuple[int, int]]:
    """(position, period) of probe windows that start a unit repeated back to back `_PROBE_REPEATS` times: what
    every loop has and ordinary text almost never. Windows are taken every `_PROBE_EVERY` characters (at most
    `_MAX_PROBES`); a loop two spacings long holds one whole. str.find and str.count run at C speed, so most
    texts cost microseconds and only these go on to the word and character searches."""
    step = max(_PROBE_EVERY, len(text) // _MAX_PROBES)
    found = []
    for at in range(0, len(text) - _PROBE * 2, step):
        window = text[at:at + _PROBE]
        again = text.find(window, at + 1, at + _MAX_UNIT_CHARS + _PROBE)
        if again > 0 and text.startswith(text[at:again] * _PROBE_REPEATS, at):
            found.append((at, again - at))
    return found


def _character_loop(text: str, periodic: list[tuple[int, int]]) -> str | None:
    """A unit of characters repeated back to back (`0000…`, `state isstate is…`): loops that do not fall on
    word boundaries, grown from each periodic window to its full extent."""
    best: tuple[int, str, int] | None = None
    for at, period in periodic:
        unit = text[at:at + period]
        start = at
        while start >= period and text[start - period:start] == unit:
            start -= period
        repeats = 1
        while text.startswith(unit, start + repeats * period):
            repeats += 1
        size = repeats * period
        layout = not any(c.isalnum() for c in unit) and size < _MIN_LOOP_CHARS  # a dotted leader, a short rule
        if _is_loop(size, repeats, _MIN_LOOP_CHARS) and not layout and (best is None or size > best[2]):
            best = (start, unit, size)
    if best is None:
        return None
    start, unit, size = best
    return f"{unit[:80]!r} repeated {size // len(unit)} times in a row ({size:,} characters at column {start + 1}, " \
        "a generation stuck in a loop)"


def _is_loop(size: int, repeats: int, long: int) -> bool:
    """Five repeats over a long stretch (`long` words or characters), or eight over a fifth of that."""
    return (repeats >= _MIN_REPEATS and size >= long) or (repeats >= _MANY_REPEATS and size >= long // 5)


def _longest_run(words: list[str]) -> tuple[int, int, int] | None:
    """(start, period, repeats) of the longest back-to-back repetition of a unit of up to `_MAX_PERIOD` words
    with at least `_MIN_REPEATS` repeats covering `_MIN_LOOP_WORDS` words; None when there is none.

    For each period p, word i equals word i+p along a loop; the longest stretch of such equalities, plus p,
    is the loop's length in words (numpy compares all positions of one period at once)."""
    import numpy as np

    ids: dict[str, int] = {}
    seq = np.fromiter((ids.setdefault(w, len(ids)) for w in words), dtype=np.int64, count=len(words))
    best: tuple[int, int, int] | None = None
    best_words = 0
    for period in range(1, min(_MAX_PERIOD, len(words) // _MIN_REPEATS) + 1):
        same = np.concatenate(([False], seq[period:] == seq[:-period], [False]))
        edges = np.flatnonzero(np.diff(same.astype(np.int8)))
        if not len(edges):
            continue
        starts, ends = edges[0::2], edges[1::2]
        longest = int(np.argmax(ends - starts))
        covered = int(ends[longest] - starts[longest]) + period
        if _is_loop(covered, covered // period, _MIN_LOOP_WORDS) and covered > best_words:
            best_words, best = covered, (int(starts[longest]), period, covered // period)
    return best

