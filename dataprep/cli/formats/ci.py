"""The formats CI systems read: GitHub Actions annotations, GitLab Code Quality JSON, JUnit XML.

GitLab matches a finding across pipelines by its `fingerprint`, so it is a hash of what the finding is (file,
rule, message, and which repeat of that triple it is), never of the run. JUnit has one testcase per checked
file and one `<failure>` per finding in it; a clean file is a passing testcase.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence

from dataprep.cli.output import github_line, terminal_safe
from dataprep.findings import Finding, Severity

# GitLab's Code Quality severities are info, minor, major, critical and blocker.
_GITLAB_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def github(findings: Iterable[Finding]) -> list[str]:
    """One `::error file=…,line=…::` workflow command per finding (`output.github_line`, the one renderer)."""
    return [github_line(f) for f in findings]


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """A stable id per finding: sha256 of path, code, message and the repeat number of that triple."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for finding in findings:
        key = (finding.path, finding.code, finding.message)
        seen[key] += 1
        raw = "\x1f".join([*key, str(seen[key])]).encode("utf-8", "surrogateescape")
        out.append(hashlib.sha256(raw).hexdigest())
    return out


def gitlab(findings: Sequence[Finding]) -> str:
    """A GitLab Code Quality report (a JSON array), for `artifacts: reports: codequality`."""
    from dataprep.cli.formats.human import rule_name

    issues = [{
        "description": f"{f.code} {f.message}",
        "check_name": f"{f.code} {rule_name(f.code)}".strip(),
        "fingerprint": print_,
        "severity": _GITLAB_SEVERITY.get(f.severity, "info"),
        "location": {"path": f.path, "lines": {"begin": max(f.line, 1)}},
    } for f, print_ in zip(findings, fingerprints(findings), strict=True)]
    return json.dumps(issues, ensure_ascii=False, indent=1) + "\n"


def junit(findings: Sequence[Finding], files: Sequence[str] = ()) -> str:
    """JUnit XML: a testsuite of one testcase per file (given or with findings), a failure per finding."""
    import xml.etree.ElementTree as ET

    by_file: dict[str, list[Finding]] = {name: [] for name in files}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    failed = sum(bool(v) for v in by_file.values())
    suites = ET.Element("testsuites", name="dataprep validate", tests=str(len(by_file)), failures=str(failed))
    suite = ET.SubElement(suites, "testsuite", name="dataprep validate", tests=str(len(by_file)),
                          failures=str(failed), errors="0", skipped="0")
    for path, found in by_file.items():
        case = ET.SubElement(suite, "testcase", name=terminal_safe(path), classname="dataprep.validate")
        for f in found:
            where = terminal_safe(path) if f.whole_file else f"{terminal_safe(path)}:{f.line}:{f.col}"
            failure = ET.SubElement(case, "failure", type=f.code, message=terminal_safe(f"{f.code} {f.message}"))
            failure.text = f"{where}: {f.code} ({f.severity}) {terminal_safe(f.message)}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
