"""Where a build keeps its units' rows: encoded once, held as bytes up to a budget, spilled to a file beyond it.

Why: as Python objects the rows are most of a large build's memory. At a million 1.06 KB records the units
held about 1.8 KB each (every row, turn, tuple and string is an object with its header), and after the
convert step most rows are read only once or twice more: by dedup, for its text, and by the write step for
the few thousand units that reach a split. So the convert workers send each row back encoded (`encode`), the
parent keeps the bytes without decoding them, and a unit decodes its row when a step asks (`decoded`).

Past `--memory-limit` bytes of encoded rows (default `default_budget()`), rows go to an anonymous spill file
(`tempfile.TemporaryFile`: unlinked at once, so no name appears and a killed build leaves nothing behind),
on OUT's file system rather than in `/tmp` (a RAM-backed tmpfs on many systems, where the spill would be
memory again). It stays open as long as a unit that points into it lives, so the `BuildResult` an API caller
keeps still shows its rows. The kernel's page cache, not the build's heap, then decides how much of the
spill is in memory.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dataprep.errors import UsageError
from dataprep.formats.base import Canonical


def encode(row: Canonical) -> bytes:
    """The bytes a row is stored as (in the convert workers, so the parent never builds the objects)."""
    return pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)


def decoded(held: Canonical | bytes | Stored) -> Canonical:
    """The row a unit holds, decoded when it is held encoded or spilled."""
    if isinstance(held, Canonical):
        return held
    if isinstance(held, bytes):
        row: Canonical = pickle.loads(held)  # bytes this build encoded itself
        return row
    return held.load()


def portable(held: Canonical | bytes | Stored) -> Canonical | bytes:
    """What a unit holds, as a worker process can be sent it: a spilled row read back as its bytes, never
    decoded here (`decoded` turns it into the row there)."""
    return held.read() if isinstance(held, Stored) else held


def release_freed() -> None:
    """Hand the memory of the rows a step let go back to the system (glibc's `malloc_trim`), where it can.

    An encoded row is a bytes object of about a kilobyte, which Python takes from the C heap. When a step drops
    most units (the walk's sampled-out rows go with their units), their rows are freed between rows that live
    on, and the heap keeps those pages: the process stays at its high-water mark for the rest of the build.
    At 100k records 180 of 430 MiB came back at the write step (#17). A no-op where the C library has none.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def default_budget() -> int:
    """1/64 of the machine's memory, at least 64 MiB: spilled rows are read back through the page cache, which
    the kernel fills from free memory anyway, so a small share of the heap costs little and bounds the most."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        total = 0
    return max(64 << 20, total // 64)


class RowStore:
    """Encoded rows: held in memory up to `budget` bytes, appended to an anonymous spill file beyond it."""

    def __init__(self, folder: Path | None = None, budget: int | None = None) -> None:
        """`folder` is where a spill file goes (OUT's parent, for a build; None: the system's temporary folder),
        made only when the budget (None: `default_budget()`) is first exceeded."""
        self.folder = folder if folder is not None else Path(tempfile.gettempdir())
        self.budget = default_budget() if budget is None else budget
        self.held = 0  # bytes of encoded rows held in memory
        self.spilled = 0  # bytes written to the spill file
        self._fd: int | None = None

    def add(self, blobs: Sequence[bytes]) -> list[bytes | Stored]:
        """What each unit holds for these encoded rows, in order: the bytes while the budget lasts, else a
        `Stored` handle into the spill file (all of a call's overflow in one write). Raises UsageError (exit 2)
        naming the folder when the spill cannot be written."""
        out: list[bytes | Stored] = []
        spill: list[bytes] = []
        for blob in blobs:
            if not spill and self.held + len(blob) <= self.budget:
                self.held += len(blob)
                out.append(blob)
            else:
                spill.append(blob)
        if spill:
            out += self._spill(spill)
        return out

    def _spill(self, blobs: list[bytes]) -> list[Stored]:
        at = self.spilled
        try:
            if self._fd is None:
                self._file = tempfile.TemporaryFile(dir=self.folder)  # noqa: SIM115 - closed with the store
                self._fd = self._file.fileno()
            view = memoryview(b"".join(blobs))
            while view:  # os.write may write less than asked
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            raise UsageError(f"cannot write the build's row spill (a temporary file in {self.folder}, for the "
                             f"records over --memory-limit {self.budget:,} bytes): {exc.strerror or exc}; free space "
                             "there, raise --memory-limit or build into an OUT on another file system; nothing was "
                             "written") from None
        handles = []
        for blob in blobs:
            handles.append(Stored(self, at, len(blob)))
            at += len(blob)
        self.spilled = at
        return handles

    def read(self, at: int, size: int) -> bytes:
        """The encoded bytes of the spilled row at `at`."""
        assert self._fd is not None, "a Stored handle exists only once the spill file does"
        data = os.pread(self._fd, size, at)
        if len(data) != size:
            raise OSError(f"the build's row spill file was cut short ({len(data)} of {size} bytes at {at})")
        return data

    def load(self, at: int, size: int) -> Canonical:
        """The spilled row at `at`."""
        row: Canonical = pickle.loads(self.read(at, size))  # bytes this build wrote itself, a moment ago
        return row


@dataclass(frozen=True, slots=True)
class Stored:
    """Where one row is in a RowStore."""

    store: RowStore
    at: int
    size: int

    def load(self) -> Canonical:
        return self.store.load(self.at, self.size)

    def read(self) -> bytes:
        return self.store.read(self.at, self.size)
