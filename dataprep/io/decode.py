"""The one strict JSON decoder: duplicate keys (DP110) and NaN/Infinity (DP109) are defects, not values.

Python's `json` accepts both silently (the last duplicate wins, NaN becomes a float), and Bedrock's parser
does not, so every JSON text dataprep reads goes through this decoder: a JSONL line (`dataprep validate` and
`dataprep build` alike), an element of a JSON array and a whole single-object `.json` file. Keeping it in
one place is what makes one defect carry one rule code and one message on every path.

The decoder notes the first defect instead of raising, so that the array reader can step over a bad element
and read the next; `parse_line` turns the noted defect into the error a single line reports.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, NamedTuple


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


class StrictDecoder:
    """`raw_decode` that records the first duplicate key or NaN/Infinity (in parse order) and goes on.

    Not thread-safe (the noted defect is state): give each reader its own instance.
    """

    def __init__(self) -> None:
        """A decoder whose hooks note defects on this instance."""
        self.defect: Defect | None = None
        self._decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant)

    def decode_at(self, text: str, pos: int) -> tuple[Any, int, Defect | None]:
        """The value starting at `pos`, where it ends and its first defect; raises json.JSONDecodeError.

        After a JSONDecodeError, `self.defect` still holds any defect met before the syntax error.
        """
        self.defect = None
        value, end = self._decoder.raw_decode(text, pos)
        return value, end, self.defect

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
