"""Reports written by a process that starts with the build, so their imports cost no wall time.

great-expectations, pandas and matplotlib take ~2.2 s to import and a GX context more to make: on a small
build that was most of the time reports added (a 5-record build took 4.7 s with reports, 1.2 s without).
A child process started when the build starts pays that on the other core while the pipeline runs, then
receives the finished `BuildResult` (one pickle, so the identities the report relies on hold) and writes the
three files into the staging folder. The files are the same bytes as written in-process: the child calls the
same `write_reports`. If the child cannot start or dies, the reports are written in-process instead.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from dataprep.build.model import BuildResult


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    """Profiles hold read-only mappings (MappingProxyType), which pickle does not take: send them as dicts."""
    return _proxy, (dict(proxy),)


def _proxy(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


ForkingPickler.register(MappingProxyType, _reduce_proxy)


class RemoteTraceback(Exception):
    """The traceback of an exception raised in the report process, chained to it for the crash log."""

    def __str__(self) -> str:
        return str(self.args[0])


def _warm() -> None:
    """Import what the reports use and make the GX context (cached per process)."""
    from dataprep.report import charts, expectations

    expectations._batches()
    charts.warm()


def _serve(conn: Connection) -> None:
    """The child: warm up, then write the reports for the one result it is sent (None: nothing to write)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends this process
    _no_tqdm_semaphore()
    with suppress(Exception):
        _warm()  # a failure here is raised again, with its traceback, by the job below
    try:
        job = conn.recv()
    except EOFError:  # the build ended (or was killed) before its reports were needed
        return
    if job is None:
        return
    from dataprep.report import write_reports

    try:
        conn.send(("ok", write_reports(*job)))
    except Exception as exc:  # sent back to the parent, which raises it as if raised there
        _send_error(conn, exc)


def _no_tqdm_semaphore() -> None:
    """tqdm (imported by GX) makes a multiprocessing lock on its first bar: a named semaphore that this child,
    ended by `terminate`, would leave to the resource tracker, which then warns at the build's exit. GX's bars
    are off, and this process writes no bar, so it needs no cross-process lock."""
    with suppress(ImportError):
        from tqdm.std import TqdmDefaultWriteLock

        TqdmDefaultWriteLock.mp_lock = None


def _send_error(conn: Connection, exc: Exception) -> None:
    """The exception itself when it pickles (an OSError keeps its errno and filename), else its text."""
    trace = traceback.format_exc()
    try:
        conn.send(("error", exc, trace))
    except Exception:
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), trace))


class ReportWriter:
    """`writer(result, folder)` writes the reports, in the child started by `__init__` when there is one."""

    def __init__(self) -> None:
        import multiprocessing

        from dataprep.parallel import sigint_ignored

        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        try:
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True, name="dataprep-report")
            with sigint_ignored():  # inherited through exec: a Ctrl-C while the child starts up prints nothing
                self._process.start()
            child.close()
        except OSError:  # no processes here (a limit, a sandbox): write in-process
            self.close()

    def __call__(self, result: BuildResult, folder: Path) -> list[str]:
        from dataprep.report import write_reports

        reply = self._ask(result, folder)
        if reply is None:
            return write_reports(result, folder)
        if reply[0] == "ok":
            names: list[str] = reply[1]
            return names
        error: Exception = reply[1]
        error.__cause__ = RemoteTraceback(reply[2])
        raise error

    def _ask(self, result: BuildResult, folder: Path) -> tuple[Any, ...] | None:
        """The child's reply, or None when there is no child or it died before replying."""
        if self._conn is None:
            return None
        try:
            self._conn.send((result, folder))
            reply: tuple[Any, ...] = self._conn.recv()
        except (EOFError, OSError):
            self.close()
            return None
        return reply

    def close(self) -> None:
        """End the child (it may still be importing) and release the pipe."""
        if self._process is not None and self._process.pid is not None:  # started
            if self._conn is not None and not self._conn.closed:
                self._conn.close()  # a child still waiting for its job sees EOF and returns
            self._process.join(timeout=0.5)
            if self._process.is_alive():  # still importing: nothing of it is needed
                self._process.terminate()
                self._process.join()
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._process = self._conn = None


# The child `started_early` made, waiting for the build's `report_writer` to take it.
_early: list[ReportWriter] = []


@contextmanager
def started_early(enabled: bool) -> Iterator[None]:
    """Start the report child now, before the command imports the pipeline (polars, numpy: ~1.4 s), so the
    child's warm-up (great-expectations alone imports in 2-4 s) has that much more of the build to hide in;
    the build's `report_writer` takes it. A child nobody took (the build stopped first) is ended here."""
    if not enabled:
        yield
        return
    _early.append(ReportWriter())
    try:
        yield
    finally:
        while _early:
            _early.pop().close()


@contextmanager
def report_writer(enabled: bool) -> Iterator[ReportWriter | None]:
    """A `ReportWriter` for the length of a build that writes reports (the one `started_early` made, if
    any); None when it writes none."""
    if not enabled:
        yield None
        return
    writer = _early.pop() if _early else ReportWriter()
    try:
        yield writer
    finally:
        writer.close()
