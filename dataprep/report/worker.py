"""Reports written with a process that starts with the build, so great-expectations' import costs no wall time.

great-expectations takes ~1.4 s to import with its unused parts deferred (2.3 s without), longer than a
small build's whole pipeline. A child process started when the build command starts imports it, with
pandas and a GX context, on the other core while the pipeline runs. It needs nothing of the build: the
build sends it `expectations.job(result)` (each split's columns and the suites' plan, plain data), and it
runs the suites, writes expectations.json into the staging folder and sends back the `Outcome`. While it
does, the build imports matplotlib and draws report.html's charts (it has nothing else to do then, and holds
everything report.json is made of), then writes report.json and report.html from the outcome.

Splitting the work this way keeps the child's path short: unpickling a whole `BuildResult` there imported
the build's modules again (datasketch and scipy.integrate among them, ~0.3 s), and matplotlib (~0.4 s) ran
after GX on the same core. The bytes are those `write_reports` writes in one process (the same functions
make them); if the child cannot start or dies, `write_reports` writes the three files in-process instead.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from dataprep.build.model import BuildResult
    from dataprep.report.expectations import Outcome


class RemoteTraceback(Exception):
    """The traceback of an exception raised in the report process, chained to it for the crash log."""

    def __str__(self) -> str:
        return str(self.args[0])


def _warm() -> None:
    """The child's warm-up: import great-expectations and make its context (cached per process)."""
    from dataprep.io.write import dumps_pretty  # noqa: F401  (expectations.json is written with it)
    from dataprep.report import expectations

    expectations._batches()


def _serve(conn: Connection) -> None:
    """The child: warm up, then run the one GX job it is sent, writing expectations.json (None: no job)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends this process
    _no_tqdm_semaphore()
    with suppress(Exception):
        _warm()  # a failure here is raised again, with its traceback, by the job below
    with suppress(EOFError, OSError):  # the build ended (or was killed) before it needed the reports or took them
        job = conn.recv()
        if job is not None:
            _answer(conn, *job)
    # Gone at once: the parent has all it needs, and tearing down an interpreter that holds GX takes ~0.5 s,
    # which the build waited for (its `close` joins this process).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _answer(conn: Connection, work: Any, folder: Path) -> None:
    """Run the suites and write expectations.json; send the outcome, or the exception with its traceback."""
    from dataprep.io.write import dumps_pretty
    from dataprep.report import EXPECTATIONS_JSON, expectations

    try:
        outcome = expectations.run_job(work)
        (folder / EXPECTATIONS_JSON).write_text(dumps_pretty(expectations.suite_document(outcome)), encoding="utf-8",
                                                newline="\n")
        conn.send(("ok", outcome))
    except Exception as exc:  # sent back to the parent, which raises it as if raised there
        _send_error(conn, exc)


def _draw_charts(result: BuildResult) -> None:
    """Draw report.html's charts (importing matplotlib) before GX's outcome is known: they show the build's
    written splits, which the outcome does not change, and within `charts.kept()` the page `_write_page`
    renders takes them as drawn. Their inputs are those `report.build` gives `report.html` (a chart asked
    for with other inputs is drawn then; tests/test_report_worker.py checks that none is)."""
    from dataprep.checks.quotas import SPLITS
    from dataprep.report import charts, stats

    limit = stats.record_limit(result.profile, result.spec)
    present = {s: result.splits[s] for s in SPLITS if s in result.manifest["outputs"]}
    edges = stats.histogram_edges(present, limit["quota"] if limit else None)
    for split, units in present.items():
        charts.token_histogram(f"tokens-{split}", edges, stats.histogram(units, edges), limit)
    charts.language_mix("languages", {split: stats.languages(units) for split, units in present.items()})


def _write_page(result: BuildResult, outcome: Outcome, folder: Path) -> list[str]:
    """report.json and report.html, after the child wrote expectations.json: as `write_reports` writes them."""
    from dataprep.io.write import dumps_pretty
    from dataprep.report import NAMES, REPORT_HTML, REPORT_JSON
    from dataprep.report.build import build_report
    from dataprep.report.html import render

    report = build_report(result, outcome)
    (folder / REPORT_JSON).write_text(dumps_pretty(report), encoding="utf-8", newline="\n")
    (folder / REPORT_HTML).write_text(render(report), encoding="utf-8", newline="\n")
    return list(NAMES)


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
    """`writer(result, folder)` writes the reports, with the child started by `__init__` when there is one."""

    def __init__(self) -> None:
        import multiprocessing

        from dataprep.parallel import sigint_ignored, without_main_script

        self._conn: Connection | None = None
        self._process: BaseProcess | None = None
        try:
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True, name="dataprep-report")
            # SIGINT ignored is inherited through exec: a Ctrl-C while the child starts up prints nothing.
            with sigint_ignored(), without_main_script():
                self._process.start()
            child.close()
        except OSError:  # no processes here (a limit, a sandbox): write in-process
            self.close()

    def __call__(self, result: BuildResult, folder: Path) -> list[str]:
        from dataprep.report import charts, expectations, write_reports

        if not self._send((expectations.job(result), folder)):
            return write_reports(result, folder)
        with charts.kept():
            with suppress(Exception):  # ahead of time only: a failure recurs, raised, on the page written below
                _draw_charts(result)  # while the child validates
            reply = self._receive()
            if reply is None:
                return write_reports(result, folder)
            if reply[0] == "ok":
                return _write_page(result, reply[1], folder)
        error: Exception = reply[1]
        error.__cause__ = RemoteTraceback(reply[2])
        raise error

    def _send(self, job: tuple[Any, ...]) -> bool:
        """Give the child its job; False when there is no child or it is gone."""
        if self._conn is None:
            return False
        try:
            self._conn.send(job)
        except OSError:
            self.close()
            return False
        return True

    def _receive(self) -> tuple[Any, ...] | None:
        """The child's reply, or None when it died before replying."""
        assert self._conn is not None
        try:
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
    child's warm-up (great-expectations imports in ~1.4 s) has that much more of the build to hide in;
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
