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

import contextlib
import json
import os
import pickle
import select
import signal
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from dataprep.io.jsonl import RawRecord

T = TypeVar("T")
L = TypeVar("L")
R = TypeVar("R")
WORKERS = 2
# Checks one record: `check(record, format, emit=...)`, reporting through `emit`; returns what is kept of it.
Check = Callable[..., Any]

def usable() -> bool:
    """True when forking is safe and can pay: fork exists, two CPUs, and no other thread is running."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= WORKERS and threading.active_count() == 1


_HEADER = struct.Struct("<Q")  # each message on a pipe: its length, then its pickle
_READ = 1 << 16  # a pipe's default capacity (os.read allocates the whole size first)


def ordered_map(fn: Callable[[T], R], chunks: Iterable[tuple[T, L]], window: int = 4) -> Iterator[tuple[L, R]]:
    """(local, fn(sent)) for each (sent, local) of `chunks`, in order; `sent` goes to a worker, `local` stays.

    `fn` runs in `WORKERS` processes forked when this generator starts (chunk k goes to worker k mod 2, so
    each worker's results come back in its chunks' order); closing the generator ends them. The parent has
    no thread: it writes without blocking and reads whatever is ready (`select`), so neither side can wait
    on the other with a full pipe, and the parent's reading of the file never waits for a lock.
    """
    workers = [_Worker(fn) for _ in range(WORKERS)]
    pending: deque[tuple[L, _Worker]] = deque()
    try:
        for index, (sent, local) in enumerate(chunks):
            worker = workers[index % WORKERS]
            worker.send(sent)
            pending.append((local, worker))
            _pump(workers, block=False)
            if len(pending) >= window:
                done, owner = pending.popleft()
                yield done, _next_result(owner, workers)
        while pending:
            done, owner = pending.popleft()
            yield done, _next_result(owner, workers)
    finally:
        for worker in workers:
            worker.close()


def _next_result(worker: _Worker, workers: list[_Worker]) -> Any:
    """The worker's next result, moving every pipe on while it is not there yet."""
    while not worker.results:
        _pump(workers, block=True)
    failed, value = worker.results.popleft()
    if failed:
        raise RuntimeError(f"a validate worker failed:\n{value}")
    return value


def _pump(workers: list[_Worker], block: bool) -> None:
    """Write what each worker can take and read what each has sent; wait for one of them when `block`."""
    writers = [w.tasks for w in workers if w.out]
    readers = [w.answers for w in workers]
    readable, writable, _ = select.select(readers, writers, [], None if block else 0)
    for worker in workers:
        if worker.tasks in writable:
            worker.write()
        if worker.answers in readable:
            worker.read()


class _Worker:
    """One forked process: chunks in on one pipe, `(failed, result)` out on another, each a framed pickle."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        """Fork the worker; in the child this serves until the task pipe closes, then exits."""
        task_r, self.tasks = os.pipe()
        self.answers, answer_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.tasks)
            os.close(self.answers)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C stops the parent, which ends the workers
            os._exit(_serve(fn, task_r, answer_w))  # no atexit handler, no flush of the parent's buffers
        os.close(task_r)
        os.close(answer_w)
        os.set_blocking(self.tasks, False)
        self.out = bytearray()
        self.inbox = bytearray()
        self.results: deque[tuple[bool, Any]] = deque()

    def send(self, chunk: Any) -> None:
        """Queue a chunk for the worker (written as its pipe takes it)."""
        data = pickle.dumps(chunk, pickle.HIGHEST_PROTOCOL)
        self.out += _HEADER.pack(len(data))
        self.out += data

    def write(self) -> None:
        """As much of the queued bytes as the pipe takes now."""
        try:
            written = os.write(self.tasks, self.out)
        except BlockingIOError:
            return
        del self.out[:written]

    def read(self) -> None:
        """What the worker has sent; each complete message becomes a result."""
        data = os.read(self.answers, _READ)
        if not data:
            raise RuntimeError("a validate worker ended before sending its results")
        self.inbox += data
        while len(self.inbox) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.inbox)
            if len(self.inbox) < _HEADER.size + size:
                break
            self.results.append(pickle.loads(self.inbox[_HEADER.size:_HEADER.size + size]))
            del self.inbox[:_HEADER.size + size]

    def close(self) -> None:
        """End the worker (done, or abandoned mid-file) and reap it."""
        os.close(self.tasks)
        os.close(self.answers)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)


def _serve(fn: Callable[[Any], Any], tasks: int, answers: int) -> int:
    """The worker's loop: read a chunk, send `(False, fn(chunk))` or `(True, traceback)`; 0 at end of input."""
    with os.fdopen(tasks, "rb") as source, os.fdopen(answers, "wb") as sink:
        while header := source.read(_HEADER.size):
            chunk = pickle.loads(source.read(_HEADER.unpack(header)[0]))
            try:
                answer: tuple[bool, Any] = (False, fn(chunk))
            except Exception:  # a bug in a check: the parent raises it with this traceback
                import traceback

                answer = (True, traceback.format_exc())
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
            sink.write(_HEADER.pack(len(data)))
            sink.write(data)
            sink.flush()
    return 0


# A record's findings, as `emit` arguments (line, col, code, message[, end_col]), and what its check returned.
Found = list[tuple[Any, ...]]
_CHUNK = 32  # records a worker checks at a time: 32 and 64 run as fast; 32 halves the memory in flight
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
