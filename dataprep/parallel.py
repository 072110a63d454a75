"""Ordered, bounded parallel map over chunks on two worker processes.

The per-record stages are Python string work, so threads would serialise on the GIL. Workers get their
chunk pickled and are forked from a fresh server process rather than from the build: a child forked from
the build inherits its heap and copies every page it touches (reference counts, GC headers, reused free
blocks), which at a million records cost gigabytes (measured: tree memory 8.2 GiB for a 5.3 GiB parent).
At most `window` chunks are in flight, so the parent never materialises every chunk at once, and results
come back in input order, so the outcome does not depend on scheduling. Because results arrive a chunk at a
time, a caller advances its progress bar per chunk (`Advance`), so a stage's bar moves while workers run.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS = 2


class Advance(Protocol):
    """Moves a stage's bar on by `n` items done; `total` replaces the bar's total once it is known."""

    def __call__(self, n: int, total: int | None = None) -> None: ...


# A named part of a stage with its own bar: `phase(label, total)` is a context yielding its `Advance`.
Phase = Callable[[str, int], AbstractContextManager[Advance]]


def no_advance(n: int, total: int | None = None) -> None:
    """The `Advance` of work that shows no progress."""


@contextmanager
def no_phase(label: str, total: int) -> Iterator[Advance]:
    """The `Phase` of work that shows no progress."""
    yield no_advance


def one_malloc_arena() -> None:
    """Make this process and the workers it starts allocate from one glibc malloc arena (`M_ARENA_MAX` 1).

    glibc gives each thread that allocates its own arena, and freed memory stays in the arena it came from:
    the build's threads (the executors' result threads, token counting, the progress bar) left a 200k-record
    build at 1,250 MB peak instead of 996 MB with one arena (#17), for no measurable speed. Called by the
    `dataprep build` command only, before it starts a thread (the library leaves a caller's process as it
    is); the variable reaches the workers, whose glibc reads it at start-up. A value the user set is kept,
    and a C library without `mallopt` (macOS, musl) is left alone.
    """
    value = os.environ.setdefault("MALLOC_ARENA_MAX", "1")
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    if value.isdigit():
        mallopt(_M_ARENA_MAX, int(value))


_M_ARENA_MAX = -8  # glibc's malloc.h


def ordered_map(fn: Callable[[T], R], chunks: Iterable[T], window: int = 4) -> Iterator[R]:
    """`fn` over `chunks` on two processes, results in order, at most `window` chunks submitted at a time."""
    # For the pool's whole life: a forkserver pool starts a worker when a task finds none idle, at any submit.
    with without_main_script(), ProcessPoolExecutor(WORKERS, mp_context=process_context(),
                                                    initializer=end_with_parent) as pool:
        pending: deque[Future[R]] = deque()
        for chunk in chunks:
            with interrupt_deferred():  # a submit may start a worker
                pending.append(pool.submit(fn, chunk))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def end_with_parent() -> None:
    """Worker initializer: the worker ends when the process that started it does, however the build ended.

    A pool worker waits on its task queue, of which it holds a write end too, so the build's death closes
    nothing it waits on; and each forkserver worker holds a copy of the pipe whose end tells the server the
    build is gone. So when the build died without shutting its pool down (killed by the out-of-memory
    killer, or interrupted while the pool was starting a worker) the server and its workers lived on, holding
    the caller's stdout and stderr: a CI step never returned. The worker closes its copy of that pipe, so the
    server exits when the build does, and asks Linux for SIGTERM when its parent (the server, or the build
    under spawn) exits. Elsewhere there is no such call and the worker is left as the standard library has it.
    """
    from multiprocessing import forkserver

    server = forkserver._forkserver  # private: no public name reaches the fd
    if server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    parent = os.getppid()
    try:
        prctl = ctypes.CDLL(None).prctl
    except (OSError, AttributeError):
        return
    prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def process_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: workers fork from a small, fresh server process with the stage modules
    preloaded, not from the build's own heap, so they neither inherit nor copy the parent's gigabytes."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dataprep.build.convert", "dataprep.text.dedup", "dataprep.text.language"])
    from multiprocessing import forkserver

    with sigint_ignored(), without_main_script():  # the server imports its preload before it protects itself from ^C
        forkserver.ensure_running()
    return context


@contextmanager
def without_main_script() -> Iterator[None]:
    """Child processes started without the user's script: by default the forkserver, each worker it forks and
    each spawned process import `__main__`'s file again, so a script that calls `dataprep.build()` at module
    level (no `if __name__ == "__main__":` guard, as in a notebook exported to a file) would build again inside
    every child and break the pool. dataprep's children run dataprep's own functions, never the script's.
    While it is hidden, `__main__.__file__` is absent for the caller's other threads too."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


@contextmanager
def interrupt_deferred() -> Iterator[None]:
    """A Ctrl-C during the block takes effect at its end, so it cannot cut a worker's start in half.

    The pool starts a worker inside `submit`. Interrupted there, the worker exists but the pool does not know
    it, so shutting the pool down neither ends nor waits for it; the build then exits, removing the pool's
    semaphores, while that worker is still reading its start-up data, and it printed a FileNotFoundError
    traceback after `dataprep: interrupted` (seen in 1 of 36 interrupts). The signal is noted and raised
    again once the block is done; in a thread other than the main one no signal arrives, and nothing is done.
    """
    noted: list[int] = []
    with _sigint(lambda signum, _frame: noted.append(signum)):
        yield
    if noted:
        signal.raise_signal(signal.SIGINT)


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while a child process starts: a started interpreter keeps an ignored SIGINT ignored, so
    the terminal's Ctrl-C (sent to the whole process group) reaches only the build, which ends its children,
    instead of printing a KeyboardInterrupt traceback from a child that was still importing."""
    with _sigint(signal.SIG_IGN):
        yield


@contextmanager
def _sigint(handler: Callable[[int, FrameType | None], object] | int) -> Iterator[None]:
    """SIGINT handled by `handler` within, as before after. In a thread other than the main one signals
    cannot be set, and none reach it: the block runs as it is."""
    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
