"""The one strict JSON decoder: duplicate keys (DP110) and NaN/Infinity (DP109) are defects, not values.

Python's `json` accepts both silently (the last duplicate wins, NaN becomes a float), and Bedrock's parser
does not, so every JSON text dataprep reads goes through this decoder: a JSONL line (`dataprep validate` and
`dataprep build` alike), an element of a JSON array and a whole single-object `.json` file. Keeping it in
one place is what makes one defect carry one rule code and one message on every path.

The decoder notes the first defect instead of raising, so that the array reader can step over a bad element
and read the next; `parse_line` turns the noted defect into the error a single line reports.

Valid JSON that Python or UTF-8 cannot carry is a defect too, never an exception later in the build: an
integer longer than Python converts (DP104), a number that overflows to infinity (DP109), a value nested
deeper than `MAX_DEPTH` (DP104; the C scanner would raise RecursionError, and every recursive step after it
too) and a lone surrogate escape such as `"\\ud800"` (DP102: a valid JSON string no UTF-8 file can hold, so
it would crash the writer or the hasher).
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from typing import Any, NamedTuple

# Far deeper than any record format (a Bedrock conversation is 6 levels), far shallower than the recursion
# limit, so everything downstream (json.dumps, schema checks) can recurse over a value safely.
MAX_DEPTH = 100
# A \\u escape in the D800-DFFF range: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class Defect(NamedTuple):
    """A rule code, its message and the 1-based column it points at."""

    code: str
    message: str
    col: int = 1


class DefectError(Exception):
    """A JSON text that is not strictly valid, with the rule code that says how."""

    def __init__(self, defect: Defect) -> None:
        """The defect's code, message and column, as attributes the readers report."""
        super().__init__(defect.message)
        self.code, self.message, self.col = defect


class TooDeepError(json.JSONDecodeError):
    """Nesting too deep for the C scanner (it raised RecursionError): valid or not, where it ends is unknown."""


class StrictDecoder:
    """`raw_decode` that records the first duplicate key or NaN/Infinity (in parse order) and goes on.

    Not thread-safe (the noted defect is state): give each reader its own instance.
    """

    def __init__(self) -> None:
        """A decoder whose hooks note defects on this instance."""
        self.defect: Defect | None = None
        self._decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant,
                                         parse_int=self._int, parse_float=self._float)

    def decode_at(self, text: str, pos: int) -> tuple[Any, int, Defect | None]:
        """The value starting at `pos`, where it ends and its first defect; raises json.JSONDecodeError.

        After a JSONDecodeError, `self.defect` still holds any defect met before the syntax error. Nesting
        too deep for the C scanner is reported as a JSONDecodeError too: where the value ends is unknown.
        """
        self.defect = None
        try:
            value, end = self._decoder.raw_decode(text, pos)
        except RecursionError:
            raise TooDeepError(f"nested deeper than {MAX_DEPTH} levels", text, pos) from None
        if self.defect is None:
            self.defect = _value_defect(text, pos, end, value)
        return value, end, self.defect

    def _int(self, digits: str) -> int:
        """An integer; one longer than Python converts is noted and read as 0 (the record is dropped anyway)."""
        if len(digits.lstrip("-")) > _MAX_DIGITS:
            if self.defect is None:
                self.defect = Defect("DP104", f"invalid JSON for Bedrock: an integer of {len(digits):,} digits; "
                                     "write it as a string")
            return 0
        return int(digits)

    def _float(self, literal: str) -> float:
        """A float; one that overflows to infinity is noted, as it would be written back as `Infinity`."""
        value = float(literal)
        if not math.isfinite(value) and self.defect is None:
            self.defect = Defect("DP109", f"the number {literal[:40]} overflows to infinity; use a smaller number")
        return value

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        """An object from its key/value pairs, noting the first key given twice."""
        obj = dict(pairs)
        if len(obj) != len(pairs) and self.defect is None:
            dup = next(key for key, n in Counter(key for key, _ in pairs).items() if n > 1)
            self.defect = Defect("DP110", f"key {dup!r} appears more than once in this object")
        return obj

    def _constant(self, name: str) -> float:
        """NaN, Infinity or -Infinity: noted, because JSON has no such values."""
        if self.defect is None:
            self.defect = Defect("DP109", f"{name} is not valid JSON; use null or a number")
        return float(name)


_MAX_DIGITS = sys.get_int_max_str_digits() or 4300


def _value_defect(text: str, start: int, end: int, value: Any) -> Defect | None:
    """DP104 for a value nested deeper than MAX_DEPTH, DP102 for a lone surrogate; cheap for ordinary values.

    The bracket count bounds the depth and the escape pattern gates the surrogate test, so the walk and the
    trial encoding run only for the rare text that could fail them.
    """
    if text.count("[", start, end) + text.count("{", start, end) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        return Defect("DP104", f"invalid JSON for Bedrock: nested deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text, start, end):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            return Defect("DP102", f"the escape \\u{ord(exc.object[exc.start]):04x} is a lone surrogate, "
                          "which is not UTF-8 text")
    return None


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:  # one level past the limit is enough to know
            stack.extend((child, level + 1) for child in children)
    return deepest


def skip_ws(text: str, pos: int) -> int:
    """The first position at or after `pos` that is not JSON whitespace."""
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def parse_line(text: str, decoder: StrictDecoder) -> Any:
    """One line holding exactly one JSON value; raise DefectError with its rule code on any defect.

    A defect met before a syntax error wins, as it comes first in the text: a reader that stopped at the
    first problem would have reported it.
    """
    try:
        value, end, defect = decoder.decode_at(text, skip_ws(text, 0))
    except TooDeepError as exc:
        raise DefectError(Defect("DP104", f"invalid JSON for Bedrock: {exc.msg}", exc.colno)) from None
    except json.JSONDecodeError as exc:
        if decoder.defect is not None:
            raise DefectError(decoder.defect) from None
        if exc.msg.startswith("Invalid control character"):
            raise DefectError(Defect("DP111", f"raw control character U+{ord(text[exc.pos]):04X} inside a string",
                                     exc.colno)) from None
        raise DefectError(Defect("DP104", f"invalid JSON: {exc.msg}", exc.colno)) from None
    if defect is not None:
        raise DefectError(defect)
    end = skip_ws(text, end)
    if end != len(text):
        raise DefectError(Defect("DP104", "invalid JSON: extra data after the value (two records on one line?)",
                                 end + 1))
    return value


def is_document(text: str, decoder: StrictDecoder) -> bool:
    """True when `text` is one JSON value and nothing else (defects allowed): a complete pretty-printed object."""
    try:
        _, end, _ = decoder.decode_at(text, skip_ws(text, 0))
    except ValueError:  # as json.loads would: a syntax error, or an integer too long to convert
        return False
    return skip_ws(text, end) == len(text)
