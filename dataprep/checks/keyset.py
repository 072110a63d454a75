"""Record keys held compactly (8 bytes a record), so validate's DP401/DP501 stay constant-memory per record.

A dict of a million hex keys costs over 100 MB; the keys here are the first 64 bits of `duplicate_key`
in an `array`, with the record's line beside it (4 bytes). Duplicates are found once the file is read:
with a dict for ordinary files, with numpy's sort for very large ones (when numpy is installed), so a small
validate never pays numpy's import.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

_NUMPY_FROM = 200_000  # records; below this a dict pass is cheaper than importing numpy


def short_key(key: str) -> int:
    """The first 64 bits of a hex `duplicate_key`: a collision among 10^6 records has odds of about 10^-7."""
    return int(key[:16], 16)


class LineKeys:
    """The (key, line) of every checked record of one file, in file order."""

    def __init__(self) -> None:
        """Empty arrays: 8 bytes a key, 4 bytes a line."""
        self.keys = array("Q")
        self.lines = array("I")

    def add(self, key: str, line: int) -> None:
        """One checked record."""
        self.keys.append(short_key(key))
        self.lines.append(line)

    def __len__(self) -> int:
        return len(self.keys)

    def duplicates(self) -> Iterator[tuple[int, int]]:
        """(line, the line of its first copy) for each record whose key an earlier record has, in file order."""
        if len(self.keys) >= _NUMPY_FROM:
            try:
                yield from self._sorted_duplicates()
                return
            except ImportError:
                pass
        first: dict[int, int] = {}
        for key, line in zip(self.keys, self.lines, strict=True):
            seen = first.setdefault(key, line)
            if seen != line:
                yield line, seen

    def _sorted_duplicates(self) -> Iterator[tuple[int, int]]:
        """The same pairs from a stable sort of the keys (numpy), without a Python object per record."""
        import numpy as np

        keys = np.frombuffer(self.keys, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        repeat = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1  # positions whose key equals the one before
        if not len(repeat):
            return
        lines = np.frombuffer(self.lines, dtype=np.uint32)
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        group_start = starts[np.searchsorted(starts, repeat, side="right") - 1]
        pairs = sorted(zip(lines[order[repeat]].tolist(), lines[order[group_start]].tolist(), strict=True))
        yield from pairs

    def index(self) -> dict[int, int]:
        """key -> the line of its first record (for DP501 against a validation file)."""
        first: dict[int, int] = {}
        for key, line in zip(self.keys, self.lines, strict=True):
            first.setdefault(key, line)
        return first
