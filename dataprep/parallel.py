"""Ordered, bounded parallel map over chunks on two worker processes.

The per-record stages are Python string work, so threads would serialise on the GIL. Workers get their
chunk pickled rather than reading the parent's objects through fork: a forked child that touches the
parent's records (reference counts, GC headers) copies every page it touches, which at a million records
cost gigabytes. At most `window` chunks are in flight, so the parent never materialises every chunk at once,
and results come back in input order, so the outcome does not depend on scheduling.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS = 2


def ordered_map(fn: Callable[[T], R], chunks: Iterable[T], window: int = 4) -> Iterator[R]:
    """`fn` over `chunks` on two processes, results in order, at most `window` chunks submitted at a time."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    gc.freeze()  # the children's garbage collector then leaves the inherited objects' pages alone
    try:
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            pending: deque[Future[R]] = deque()
            for chunk in chunks:
                pending.append(pool.submit(fn, chunk))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        gc.unfreeze()
