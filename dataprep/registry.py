"""The rule registry: stable codes, default severities and the text that explains each check.

The registry is data (`rules/checks.toml`) so that the CLI, the docs and the report all quote the same
words, and so that a project can re-grade or ignore codes without touching code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from dataprep.findings import Finding, Severity
from dataprep.resources import rules_dir

ACTIONS = ("drop", "fix", "warn")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    action: str
    summary: str
    explanation: str
    fix: str
    # The modules that emit the code or act on it; `tests/test_registry.py` checks this against the source.
    emitted_by: tuple[str, ...] = ()
    # Registered for an issue that will implement it, and emitted nowhere yet (`dataprep rules` says so).
    planned: bool = False


@cache
def registry() -> Mapping[str, Rule]:
    """All rules by code, loaded once from `rules/checks.toml`."""
    with (rules_dir() / "checks.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    rules = {}
    for code, entry in raw.items():
        action = entry["action"]
        if action not in ACTIONS:
            raise ValueError(f"rules/checks.toml [{code}]: action {action!r} is not one of {ACTIONS}")
        rules[code] = Rule(
            code=code,
            name=entry["name"],
            severity=Severity.parse(entry["severity"]),
            action=action,
            summary=entry["summary"],
            explanation=entry["explanation"],
            fix=entry["fix"],
            emitted_by=tuple(entry.get("emitted_by", ())),
            planned=entry.get("status") == "planned",
        )
    return rules


def rule(code: str) -> Rule:
    try:
        return registry()[code]
    except KeyError:
        raise KeyError(f"no rule {code!r} in rules/checks.toml") from None


@dataclass(frozen=True)
class RulePolicy:
    """A project's view of the registry: codes to ignore and severities to override."""

    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def severity_of(self, code: str) -> Severity:
        return self.severity.get(code, rule(code).severity)

    def add(self, into: list[Finding], path: str, line: int, col: int, code: str, message: str) -> None:
        """Append a finding graded by this policy to `into`, unless the code is ignored."""
        if not self.ignored(code):
            into.append(Finding(path, line, col, code, self.severity_of(code), message))

    def ignored(self, code: str) -> bool:
        """True for a code the project ignores, by itself or by a prefix (`DP4` ignores every DP4xx)."""
        return code in self.ignore or any(len(p) < len(code) and code.startswith(p) for p in self.ignore)


def check_codes(codes: Iterable[str], where: str) -> None:
    """Reject unknown codes or prefixes in a config so typos do not silently disable nothing."""
    known = registry()
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ValueError(f"{where}: unknown rule code {code!r}; `dataprep rules` lists them")
