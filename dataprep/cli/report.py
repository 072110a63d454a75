"""`dataprep report OUT`: re-render report.html from OUT/report.json, e.g. after upgrading dataprep.

Module-level imports stay light (typer, pathlib): the CLI imports this module on every start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataprep.cli.output import fail_usage


def report(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="A build's output folder (holding report.json).",
                                        show_default=False)],
) -> None:
    """Re-render OUT/report.html from OUT/report.json. Exit 0 done, 2 no readable report.json."""
    import json

    from dataprep.report import REPORT_HTML, REPORT_JSON
    from dataprep.report.build import REPORT_VERSION
    from dataprep.report.html import render

    source = out / REPORT_JSON
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail_usage(f"{source}: no such file; run `dataprep build RAW... {out} --model ID` first")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail_usage(f"{source}: cannot read it as JSON ({exc})")
    version = document.get("report_version") if isinstance(document, dict) else None
    if version != REPORT_VERSION:
        fail_usage(f"{source}: report_version {version!r}; this dataprep renders version {REPORT_VERSION} "
              "(rebuild with this version)")
    try:
        page = render(document)
    except (KeyError, TypeError, ValueError) as exc:
        fail_usage(f"{source}: not a complete report (missing or wrong {exc}); rebuild to write a new one")
    (out / REPORT_HTML).write_text(page, encoding="utf-8", newline="\n")
    typer.echo(f"wrote {out / REPORT_HTML}")

