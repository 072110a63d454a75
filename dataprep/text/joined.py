"""Many texts searched as one: their UTF-8 joined, and which of them hold a byte string.

The detectors' pre-filters (`secrets.families`, `pii.hint`) are a handful of substring tests, each about a
microsecond on a record; the Python call around each test costs as much again. A ledger of a million
originals is masked by running each test once over a few thousand records joined, then mapping the rare
hits back to their records (#17: masking was most of a 1M build's write stage). One text is the case of one.

The texts are joined by a newline. A needle must not hold a newline, nor in a mapped image (`translate`)
the byte a newline maps to, so no hit spans two texts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Joined:
    """The texts' UTF-8 (lone surrogates kept), a newline between each two, and where each begins."""

    data: bytes
    starts: tuple[int, ...]

    @classmethod
    def of(cls, texts: Sequence[str]) -> Joined:
        return cls.of_bytes([text.encode("utf-8", "surrogatepass") for text in texts])

    @classmethod
    def of_bytes(cls, parts: Sequence[bytes]) -> Joined:
        starts, at = [], 0
        for part in parts:
            starts.append(at)
            at += len(part) + 1
        return cls(b"\n".join(parts), tuple(starts))

    def subset(self, indices: Sequence[int]) -> Joined:
        """The texts at `indices` (sorted, distinct) joined alone: a test that only some texts need is run on
        their bytes, not on all of them nor once a text. All of them: this one, not a copy."""
        if len(indices) == len(self.starts):
            return self
        return Joined.of_bytes([self.text(index) for index in indices])

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, index: int) -> bytes:
        """The bytes of one text."""
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.data)
        return self.data[self.starts[index]:end]

    def holding(self, needle: bytes, image: bytes | None = None) -> set[int]:
        """The indices of the texts that hold `needle` in `image` (`data` mapped byte for byte; `data` itself
        by default). One search from each hit to the next text's start: the cost is the bytes, not the texts."""
        haystack = self.data if image is None else image
        found: set[int] = set()
        at = haystack.find(needle)
        if at < 0 or len(self.starts) == 1:
            return found if at < 0 else {0}
        while at >= 0:
            index = bisect_right(self.starts, at) - 1
            found.add(index)
            if index + 1 == len(self.starts):
                break
            at = haystack.find(needle, self.starts[index + 1])
        return found

    def holding_any(self, needles: Sequence[bytes], image: bytes | None = None) -> set[int]:
        """The indices of the texts that hold one of `needles` in `image` (`holding` of each, joined)."""
        if len(self.starts) == 1:  # one text: stop at the first needle found
            haystack = self.data if image is None else image
            return {0} if any(needle in haystack for needle in needles) else set()
        return set().union(*(self.holding(needle, image) for needle in needles))
