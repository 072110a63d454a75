"""Reports people read after a build: report.json, a self-contained report.html and the GX suite.

Only the entry point lives here, with its heavy imports (great-expectations, matplotlib, pandas) inside it:
importing `dataprep.report` must stay as cheap as the `dataprep report` command that re-renders a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult

REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
EXPECTATIONS_JSON = "expectations.json"
NAMES = (REPORT_JSON, REPORT_HTML, EXPECTATIONS_JSON)


def write_reports(result: BuildResult, folder: Path) -> list[str]:
    """Write report.json, report.html and expectations.json into `folder` (the build's staging folder; the
    pipeline then renames them into OUT atomically). Returns the file names written."""
    from dataprep.io.write import dumps_pretty
    from dataprep.report import expectations
    from dataprep.report.build import build_report
    from dataprep.report.html import render

    outcome = expectations.check(result)
    report = build_report(result, outcome)
    (folder / EXPECTATIONS_JSON).write_text(dumps_pretty(expectations.suite_document(outcome)), encoding="utf-8",
                                            newline="\n")
    (folder / REPORT_JSON).write_text(dumps_pretty(report), encoding="utf-8", newline="\n")
    (folder / REPORT_HTML).write_text(render(report), encoding="utf-8", newline="\n")
    return list(NAMES)
