"""The renderers of `validate --output-format`, one module per family, and the one entry point that picks one.

`human` (text, concise, grouped, statistics), `machine` (the versioned JSON document, json-lines), `ci` (GitHub
annotations, GitLab Code Quality, JUnit XML), `sarif` (SARIF 2.1.0 for code scanning). Each renderer returns
the whole of stdout as one string, so a command prints it once; nothing here reads files or decides a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dataprep.cli.formats import ci, human, machine, sarif
from dataprep.cli.output import OutputFormat
from dataprep.findings import Finding


@dataclass(frozen=True)
class Run:
    """What a renderer may say besides the findings: the model checked, the files checked, `--max-per-rule`."""

    model: str | None = None
    files: tuple[str, ...] = ()
    max_per_rule: int | None = None


def render(findings: Sequence[Finding], fmt: OutputFormat, run: Run | None = None) -> str:
    """The findings in `fmt`, the whole of stdout ("" when a line-per-finding format has nothing to say)."""
    run = run or Run()
    if fmt is OutputFormat.json:
        return machine.document(findings, run.model)
    if fmt is OutputFormat.json_lines:
        return machine.json_lines(findings)
    if fmt is OutputFormat.sarif:
        return sarif.document(findings)
    if fmt is OutputFormat.gitlab:
        return ci.gitlab(findings)
    if fmt is OutputFormat.junit:
        return ci.junit(findings, run.files)
    kept, more = human.cap(findings, run.max_per_rule)
    if fmt is OutputFormat.github:
        lines = ci.github(kept)
    elif fmt is OutputFormat.grouped:
        lines = human.grouped(kept)
    elif fmt is OutputFormat.concise:
        lines = human.concise(kept)
    else:
        lines = human.text(kept)
    return "".join(f"{line}\n" for line in [*lines, *human.more_lines(more)])


def statistics(findings: Sequence[Finding], fmt: OutputFormat) -> str:
    """`--statistics`: the count per rule code, most frequent first, as a table or (json formats) as JSON."""
    if fmt in (OutputFormat.json, OutputFormat.json_lines):
        return machine.statistics(findings, lines=fmt is OutputFormat.json_lines)
    return "".join(f"{line}\n" for line in human.statistics(findings))


# The formats `--statistics` can be printed in; the CI formats are documents of findings, not of counts.
STATISTICS_FORMATS = (OutputFormat.text, OutputFormat.concise, OutputFormat.grouped, OutputFormat.json,
                      OutputFormat.json_lines)
