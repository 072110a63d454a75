"""Record keys held compactly, so validate's DP401/DP501 cost bytes per record, not a Python object each.

A dict of a million hex keys costs over 100 MB; here a key is the first 64 bits of `duplicate_key` in an
open-addressing table of two flat arrays (8-byte key, 4-byte line per slot, at most half full), about
24 bytes a record, in pure Python and answered as each record arrives (no sort, no numpy import).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

_START = 1 << 12  # slots of a new table; it doubles when half full


def short_key(key: str) -> int:
    """The first 64 bits of a hex `duplicate_key`, never 0 (0 marks an empty slot); collisions among 10^6
    records have odds of about 10^-7."""
    return int(key[:16], 16) or 1


class LineKeys:
    """The first line of every distinct key of one file, and the count of records added."""

    def __init__(self) -> None:
        """An empty table."""
        self._keys = array("Q", bytes(8 * _START))
        self._lines = array("I", bytes(4 * _START))
        self._used = 0
        self.count = 0

    def add(self, key: str, line: int) -> int | None:
        """Record `key` at `line`; the line of its first record when an earlier one had it, else None."""
        self.count += 1
        value = short_key(key)
        keys, mask = self._keys, len(self._keys) - 1
        slot = value & mask
        while True:
            found = keys[slot]
            if found == value:
                return self._lines[slot]
            if found == 0:
                break
            slot = (slot + 1) & mask
        keys[slot] = value
        self._lines[slot] = line
        self._used += 1
        if self._used * 2 > len(keys):
            self._grow()
        return None

    def _grow(self) -> None:
        """Twice the slots, every key placed again."""
        old_keys, old_lines = self._keys, self._lines
        size = len(old_keys) * 2
        self._keys, self._lines = array("Q", bytes(8 * size)), array("I", bytes(4 * size))
        mask = size - 1
        for value, line in zip(old_keys, old_lines, strict=True):
            if value:
                slot = value & mask
                while self._keys[slot]:
                    slot = (slot + 1) & mask
                self._keys[slot], self._lines[slot] = value, line

    def first_line(self, key: str) -> int | None:
        """The line of the first record with `key`, or None."""
        value = short_key(key)
        keys, mask = self._keys, len(self._keys) - 1
        slot = value & mask
        while (found := keys[slot]) != 0:
            if found == value:
                return self._lines[slot]
            slot = (slot + 1) & mask
        return None

    def items(self) -> Iterator[tuple[int, int]]:
        """(64-bit key, first line) of every distinct key, in table order."""
        for value, line in zip(self._keys, self._lines, strict=True):
            if value:
                yield value, line

    def __len__(self) -> int:
        return self.count
