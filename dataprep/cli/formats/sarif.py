"""`--output-format sarif`: SARIF 2.1.0, the log GitHub code scanning and other viewers upload.

Valid against the OASIS schema (tests/test_output_formats.py checks it). Each rule that fired is described
once (id, name, short and full description, help, helpUri to its documentation anchor, default level); each
result names its rule, level, message and place. GitHub needs a `startLine` in every region, so a finding
about the whole file is placed at line 1 and marked `properties.wholeFile`. `partialFingerprints` carries the
same stable hash as the GitLab report, so an alert is tracked across runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from dataprep import __version__
from dataprep.cli.formats.ci import fingerprints
from dataprep.findings import Finding, Severity
from dataprep.registry import doc_url, registry

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(code: str) -> dict[str, object]:
    """A reportingDescriptor for one rule, from `rules/checks.toml`."""
    found = registry()[code]
    return {
        "id": code,
        "name": found.name,
        "shortDescription": {"text": found.summary},
        "fullDescription": {"text": found.explanation},
        "help": {"text": found.fix, "markdown": f"{found.fix}\n\n[{code} {found.name}]({doc_url(code)})"},
        "helpUri": doc_url(code),
        "defaultConfiguration": {"level": _LEVEL[found.severity]},
    }


def _location(finding: Finding) -> dict[str, object]:
    region: dict[str, int] = {"startLine": max(finding.line, 1)}
    if not finding.whole_file and finding.col > 0:
        region["startColumn"] = finding.col
        if finding.end_col > finding.col:
            region["endColumn"] = finding.end_col
    return {"physicalLocation": {"artifactLocation": {"uri": _uri(finding.path)}, "region": region}}


def _uri(path: str) -> str:
    """A relative URI reference for a path (`/` separators, `%`-escaped), as code scanning resolves it."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~", errors="surrogateescape")


def document(findings: Sequence[Finding]) -> str:
    """One run of the `dataprep` driver with the rules that fired and one result per finding."""
    codes = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for finding, print_ in zip(findings, fingerprints(findings), strict=True):
        result: dict[str, object] = {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(finding)],
            "partialFingerprints": {"dataprepFinding/v1": print_},
        }
        if finding.whole_file:
            result["properties"] = {"wholeFile": True}
        results.append(result)
    driver = {"name": "dataprep", "version": __version__, "semanticVersion": __version__,
              "rules": [_rule(code) for code in codes]}
    log = {"$schema": SCHEMA_URI, "version": "2.1.0",
           "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}]}
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"
