"""An ordered map on two worker processes forked from the caller, for `dataprep validate`'s per-record checks.

Validate's per-record checks (schema, keywords, content detectors, the duplicate key) are pure Python string
work, several times the cost of reading and parsing a line (#14 item 2), so on two cores they run in two
workers while the parent reads the file. The workers are forked from the caller after its imports and its
setup (model profile, compiled patterns, the file's majority format): nothing but each chunk's lines and
each chunk's results crosses a pipe, and `fn` may be a closure. Validate streams, so its heap is small and a
fork copies little; `dataprep.parallel` (a fresh forkserver) stays the build's choice, whose heap is large.

At most `window` chunks are in flight, so memory stays bounded, and results come back in input order, so
the findings do not depend on scheduling. A process with other threads is never forked (a thread holding a
lock at the fork would leave it locked in the child): `usable` says False and the caller runs serially.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from dataprep.formats.base import Canonical, Turn
from dataprep.io.jsonl import RawRecord

T = TypeVar("T")
L = TypeVar("L")
R = TypeVar("R")
WORKERS = 2
# Checks one record: `check(record, format, emit=...)`, reporting through `emit`; returns what is kept of it.
Check = Callable[..., Any]

_fn: Callable[[Any], Any] | None = None  # the worker's function, set in each child by `_init`


def usable() -> bool:
    """True when forking is safe and can pay: a fork start method, two CPUs, and no other thread running."""
    import multiprocessing
    import os

    return ("fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) >= WORKERS
            and threading.active_count() == 1)


def _init(fn: Callable[[Any], Any]) -> None:
    global _fn
    _fn = fn


def _run(chunk: Any) -> Any:
    assert _fn is not None
    return _fn(chunk)


def ordered_map(fn: Callable[[T], R], chunks: Iterable[tuple[T, L]], window: int = 4) -> Iterator[tuple[L, R]]:
    """(local, fn(sent)) for each (sent, local) of `chunks`, in order; `sent` goes to a worker, `local` stays.

    `fn` runs in processes forked when this generator starts; closing the generator ends them.
    """
    import multiprocessing

    from dataprep.parallel import sigint_ignored

    context = multiprocessing.get_context("fork")
    with sigint_ignored():  # the workers keep SIGINT ignored: a Ctrl-C stops the parent, which ends them
        pool = context.Pool(WORKERS, initializer=_init, initargs=(fn,))
    try:
        pending: deque[tuple[L, Any]] = deque()
        for sent, local in chunks:
            pending.append((local, pool.apply_async(_run, (sent,))))
            if len(pending) >= window:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
    finally:
        pool.terminate()
        pool.join()


# A record's findings, as `emit` arguments (line, col, code, message[, end_col]), and what its check returned.
Found = list[tuple[Any, ...]]
_CHUNK = 64  # records a worker checks at a time: large enough that the pipes cost little, small for memory
_MIN_BYTES = 2 << 20  # below about 2,000 records the fork costs more than the second core gives


def worth_forking(path: Path) -> bool:
    """True for a regular file large enough that two workers pay, when forking is safe (`usable`)."""
    try:
        big = path.is_file() and path.stat().st_size >= _MIN_BYTES
    except OSError:
        return False
    return big and usable()


def checked_records(pairs: Iterable[tuple[RawRecord, str | None]], check: Check, emit: Callable[..., None],
                    parallel: bool) -> Iterator[tuple[RawRecord, str | None, Any]]:
    """(record, format, `check`'s result) for each (record, format), in order, its findings emitted first.

    `check(record, format, emit=...)` reports through `emit` and returns what the caller keeps of the record. In
    parallel, the workers get each record's line text (already strictly parsed here, so `json.loads` gives
    the same value) and send back the findings and the result; the records stay here, and each record's
    findings are emitted here, in the order the check made them, just before the record is yielded.
    """
    if not parallel:
        for record, fmt in pairs:
            yield record, fmt, check(record, fmt, emit=emit)
        return
    for records, results in ordered_map(partial(_check_chunk, check), _chunks(pairs)):
        for (record, fmt), (found, kept) in zip(records, results, strict=True):
            for args in found:
                emit(*args)
            yield record, fmt, kept


def _chunks(pairs: Iterable[tuple[RawRecord, str | None]]) -> Iterator[tuple[list[tuple[int, str, str | None]],
                                                                              list[tuple[RawRecord, str | None]]]]:
    """(what a worker needs: line, text, format; the records themselves) per `_CHUNK` records."""
    it = iter(pairs)
    while chunk := list(islice(it, _CHUNK)):
        yield [(record.line, record.text, fmt) for record, fmt in chunk], chunk


def _check_chunk(check: Check, chunk: list[tuple[int, str, str | None]]) -> list[tuple[Found, Any]]:
    """In a worker: `check` over one chunk's records, each rebuilt from its line."""
    out = []
    for line, text, fmt in chunk:
        found: Found = []
        out.append((found, check(RawRecord(line, text, json.loads(text)), fmt, emit=_collector(found))))
    return out


def _collector(found: Found) -> Callable[..., None]:
    """An `emit` that keeps its arguments in `found`."""
    return lambda *args: found.append(args)


# A canonical row as plain values: pickling the frozen dataclasses themselves costs 19 us a record across the pipe.
Packed = tuple[Any, ...]


def pack_row(row: Canonical) -> Packed:
    """The row as (system, roles, texts, text), or (row,) when it shows media (rare: pickled as it is)."""
    if row.media or any(turn.media for turn in row.turns):
        return (row,)
    return row.system, tuple(t.role for t in row.turns), tuple(t.text for t in row.turns), row.text


def unpack_row(packed: Packed) -> Canonical:
    """The row `pack_row` packed."""
    if len(packed) == 1:
        return packed[0]  # type: ignore[no-any-return]
    system, roles, texts, text = packed
    return Canonical(system, tuple(map(Turn, roles, texts)), text)
