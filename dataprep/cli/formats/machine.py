"""`--output-format json` and `json-lines`: findings for programs, in the versioned schema
`dataprep/cli/findings.schema.json` (`format_version` 1).

A finding object carries its rule's name and documentation URL, `line`/`col` as null for a finding about the
whole file, and `end_col` when the check knows where the matched text ends. The `--format json` of earlier
releases (a bare array of six-key objects, `output.json_document`) is kept for the old flag only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from dataprep import __version__
from dataprep.cli.formats.human import counted, rule_name
from dataprep.findings import Finding, Severity
from dataprep.registry import doc_url

FORMAT_VERSION = 1
SCHEMA = Path(__file__).resolve().parents[1] / "findings.schema.json"


def finding_object(finding: Finding) -> dict[str, object]:
    """One finding in schema version 1 (key order fixed: programs and people diff it)."""
    whole = finding.whole_file
    return {
        "path": finding.path,
        "line": None if whole else finding.line,
        "col": None if whole or finding.col <= 0 else finding.col,
        "end_col": finding.end_col if finding.end_col > 0 and not whole else None,
        "code": finding.code,
        "name": rule_name(finding.code),
        "severity": str(finding.severity),
        "message": finding.message,
        "url": doc_url(finding.code),
    }


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings, and how many of each severity (errors decide the exit status)."""
    counts = {str(s): 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
    for finding in findings:
        counts[str(finding.severity)] += 1
    return {"findings": len(findings), **counts}


def document(findings: Sequence[Finding], model: str | None) -> str:
    """The findings as one JSON document: version, tool, model checked, summary, findings."""
    body = {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "dataprep", "version": __version__},
        "model": model,
        "summary": summary(findings),
        "findings": [finding_object(f) for f in findings],
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def json_lines(findings: Iterable[Finding]) -> str:
    """One finding object per line (the schema's `finding`), nothing else: `grep`, `jq -c` and streams read it."""
    return "".join(json.dumps(finding_object(f), ensure_ascii=False) + "\n" for f in findings)


def statistics(findings: Iterable[Finding], *, lines: bool) -> str:
    """`--statistics` as JSON: a document with `statistics`, or one count object per line."""
    rows = [{"code": code, "name": rule_name(code), "severity": severity, "count": n}
            for code, n, severity in counted(findings)]
    if lines:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    body = {"format_version": FORMAT_VERSION, "tool": {"name": "dataprep", "version": __version__},
            "statistics": rows}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
