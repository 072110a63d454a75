"""The formats people read: `text` (one line per finding, then each rule's fix once), `concise` (the lines
only), `grouped` (by file, then by rule), the `--statistics` table and the `--max-per-rule` cap.

A finding about the whole file (no line) prints as `path: CODE message`, never as a made-up `:0:0`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from dataprep.cli.output import terminal_safe, text_line
from dataprep.findings import Finding
from dataprep.registry import doc_url, registry


def rule_name(code: str) -> str:
    """The rule's name in the registry (`missing-field`), or "" for a code it does not hold."""
    found = registry().get(code)
    return found.name if found is not None else ""


def concise(findings: Iterable[Finding]) -> list[str]:
    """`path:line:col: CODE message`, or `path: CODE message` for a whole-file finding."""
    return [text_line(f, bare_whole_file=True) for f in findings]


def text(findings: Sequence[Finding]) -> list[str]:
    """The concise lines, then once per rule that fired: its name, how to fix it and where it is documented."""
    lines = concise(findings)
    codes = sorted({f.code for f in findings})
    if codes:
        lines.append("")
    for code in codes:
        found = registry().get(code)
        if found is not None:
            lines.append(f"{code} {found.name}: {found.fix} [{doc_url(code)}]")
    return lines


def grouped(findings: Sequence[Finding]) -> list[str]:
    """A block per file, in it a heading per rule (`DP203 missing-field (error, 2)`), under it each place."""
    by_file: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in findings:
        by_file[finding.path][finding.code].append(finding)
    lines: list[str] = []
    for path, rules in by_file.items():
        lines.append(f"{terminal_safe(path)}:")
        for code, found in sorted(rules.items()):
            lines.append(f"  {code} {rule_name(code)} ({found[0].severity}, {len(found)})")
            lines.extend(f"    {_place(f)}{terminal_safe(f.message)}" for f in found)
        lines.append("")
    return lines[:-1]


def _place(finding: Finding) -> str:
    return "" if finding.whole_file else f"{finding.line}:{finding.col}: "


def cap(findings: Sequence[Finding], limit: int | None) -> tuple[list[Finding], Counter[str]]:
    """The first `limit` findings of each rule code (all with no limit), and how many of each were left out."""
    if limit is None:
        return list(findings), Counter()
    shown: Counter[str] = Counter()
    kept, more = [], Counter[str]()
    for finding in findings:
        if shown[finding.code] < limit:
            shown[finding.code] += 1
            kept.append(finding)
        else:
            more[finding.code] += 1
    return kept, more


def more_lines(more: Counter[str]) -> list[str]:
    """One line per capped rule: `… and 558 more DP208 findings`."""
    return [f"… and {n} more {code} finding{'s' if n != 1 else ''}" for code, n in sorted(more.items())]


def statistics(findings: Iterable[Finding]) -> list[str]:
    """`COUNT  CODE  severity  name`, most frequent first (ties by code), like `ruff --statistics`."""
    rows = counted(findings)
    width = max((len(str(n)) for _, n, _ in rows), default=1)
    return [f"{n:>{width}}  {code}  {severity:<7}  {rule_name(code)}" for code, n, severity in rows]


def counted(findings: Iterable[Finding]) -> list[tuple[str, int, str]]:
    """(code, count, severity) per rule code, most frequent first, ties by code."""
    counts: Counter[str] = Counter()
    severity: dict[str, str] = {}
    for finding in findings:
        counts[finding.code] += 1
        severity.setdefault(finding.code, str(finding.severity))
    return [(code, n, severity[code]) for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
