"""The report process's cost (issue #16 item 4): what it imports, what it is sent, how it ends.

A small build waits for the report process, so what that process does is wall time. These tests pin the
three things that keep it short, each of which an earlier version did not: great-expectations' unused parts
(scipy.stats, altair, boto3) stay unimported through a whole report, the process is sent plain data (no type
of the build, whose modules import datasketch and scipy), and it ends by itself once it has answered.
`tests/test_report.py` checks that the reports it helps write are the bytes `write_reports` writes.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from dataprep.build.model import BuildResult, BuildSettings
from dataprep.build.pipeline import build
from dataprep.profiles import resolve_model
from dataprep.report import NAMES, expectations

ROOT = Path(__file__).resolve().parents[1]
FINETUNE = ROOT / "sample_data" / "raw" / "finetune"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    out = tmp_path_factory.mktemp("finetune") / "out"
    return build([FINETUNE], out, resolve_model("llama3-1-8b-instruct"), BuildSettings(), reports=False)


def test_gx_runs_the_suites_without_importing_what_they_never_use() -> None:
    """In a fresh interpreter: the suites run and pass with scipy.stats, altair and boto3 still stand-ins,
    and the first real use of one imports it (a deferred module is there when something needs it)."""
    script = f"""
import sys
from pathlib import Path
from dataprep.build.model import BuildSettings
from dataprep.build.pipeline import build
from dataprep.profiles import resolve_model
from dataprep.report import expectations
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    result = build([Path({str(FINETUNE)!r})], Path(tmp) / "out", resolve_model("llama3-1-8b-instruct"),
                   BuildSettings(), reports=False)
outcome = expectations.check(result)
assert outcome.results and outcome.success, outcome.results
deferred = {{n: type(sys.modules[n]).__name__ for n in ("scipy.stats", "altair", "boto3")}}
assert set(deferred.values()) == {{"_Deferred"}}, deferred
import altair
from scipy import stats
assert altair.Chart.__name__ == "Chart" and round(stats.entropy([0.5, 0.5]), 4) == 0.6931
assert type(sys.modules["altair"]).__name__ == type(sys.modules["scipy.stats"]).__name__ == "module"
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_module_that_is_not_installed_is_not_deferred() -> None:
    """An import GX guards (`try: import boto3`) must still fail where the module is missing."""
    expectations._defer("dataprep_no_such_module")
    assert "dataprep_no_such_module" not in sys.modules


def test_the_report_process_is_sent_plain_data(result: BuildResult) -> None:
    """The job names no type of the build (unpickling one imported the build's modules in the child: ~0.3 s)
    and running it gives what the in-process check gives."""
    found: set[str] = set()

    class Recording(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> type:
            found.add(module)
            cls: type = super().find_class(module, name)
            return cls

    job = Recording(io.BytesIO(pickle.dumps(expectations.job(result)))).load()
    assert found == {"dataprep.report.expectations"}
    assert expectations.run_job(job) == expectations.check(result)


def test_the_report_process_ends_by_itself_once_it_has_answered(result: BuildResult, tmp_path: Path) -> None:
    """Exit code 0, not the SIGTERM `close` sends a process still there after its grace: tearing down an
    interpreter that holds GX took longer than that, and the build waited for it."""
    from dataprep.report.worker import ReportWriter

    writer = ReportWriter()
    process = writer._process
    assert process is not None
    try:
        assert writer(result, tmp_path) == list(NAMES)
    finally:
        writer.close()
    assert process.exitcode == 0


def test_charts_drawn_ahead_of_the_outcome_are_the_ones_the_page_shows(result: BuildResult) -> None:
    """Within `charts.kept()` a chart asked for again with the same inputs is the SVG drawn first (the build
    draws the page's charts while GX validates); other inputs draw anew, and outside nothing is kept."""
    from dataprep.report import charts

    limit = {"usable": 900, "quota": 1000, "key": "max_tokens_per_record"}
    with charts.kept():
        first = charts.token_histogram("tokens-train", [1, 10, 100, 1000], [3, 5, 1], limit)
        assert charts.token_histogram("tokens-train", [1, 10, 100, 1000], [3, 5, 1], limit) is first
        other = charts.token_histogram("tokens-train", [1, 10, 100, 1000], [3, 5, 2], limit)
        assert other != first
    assert charts.token_histogram("tokens-train", [1, 10, 100, 1000], [3, 5, 1], limit) == first
    assert charts.token_histogram("tokens-train", [1, 10, 100, 1000], [3, 5, 1], limit) is not first


def test_the_charts_drawn_ahead_are_all_the_page_needs(result: BuildResult) -> None:
    """`worker._draw_charts` asks for the charts report.html shows with the inputs it shows them with: the
    page rendered afterwards within `charts.kept()` draws none of its own (if the page's inputs drift, the
    page stays right, as the charts are kept by their inputs, but the build would draw them twice)."""
    from dataprep.report import charts
    from dataprep.report.build import build_report
    from dataprep.report.html import render
    from dataprep.report.worker import _draw_charts

    with charts.kept():
        _draw_charts(result)
        drawn = dict(charts._kept[-1])
        render(build_report(result, expectations.check(result)))
        assert charts._kept[-1] == drawn
    assert len(drawn) == 1 + sum(1 for s in result.splits.values() if s)  # a histogram per split, the languages

