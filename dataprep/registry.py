"""The rule registry: stable codes, default severities and the text that explains each check.

The registry is data (`rules/checks.toml`) so that the CLI, the docs and the report all quote the same
words, and so that a project can re-grade or ignore codes without touching code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
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


# The page every rule is documented on, one anchor per code (`dataprep rules --output-format markdown` writes it).
RULES_PAGE = "docs/rules.md"


@cache
def docs_base() -> str:
    """The installed package's `Documentation` project URL (ending in `/`), or "" when it names none."""
    from importlib import metadata

    try:
        urls = metadata.metadata("dataprep").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return ""
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip().rstrip("/") + "/"
    return ""


def doc_url(code: str) -> str:
    """A rule's documentation: its anchor on the rules page, absolute when the package names its docs URL."""
    return f"{docs_base()}{RULES_PAGE}#{code.lower()}"


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
    """A project's view of the registry: codes to ignore and severities to override, then the command line's
    `--select`, `--extend-select` and `--ignore` on top (the one place a code is switched off).

    Codes and prefixes (`DP4` is every DP4xx) work alike. The config's `ignore` is the first layer; the command
    line is the second, as in ruff: `--select` replaces the set of codes the config leaves on, `--extend-select`
    adds to it, `--ignore` removes from it, and within the command line the most specific selector wins (a tie
    goes to `--ignore`), so `--select DP4 --ignore DP410` is every DP4xx but DP410.
    """

    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    select: frozenset[str] | None = None  # None: every code the config leaves on
    extend_select: frozenset[str] = frozenset()
    cli_ignore: frozenset[str] = frozenset()
    # Every emitted finding asks `ignored`: the answer per code is kept (codes are few, findings many).
    _known: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)

    def severity_of(self, code: str) -> Severity:
        return self.severity.get(code, rule(code).severity)

    def add(self, into: list[Finding], path: str, line: int, col: int, code: str, message: str,
            end_col: int = 0) -> None:
        """Append a finding graded by this policy to `into`, unless the code is ignored."""
        if not self.ignored(code):
            into.append(Finding(path, line, col, code, self.severity_of(code), message, end_col))

    def ignored(self, code: str) -> bool:
        """True for a code switched off: by the config's `ignore`, or by the command line's selection."""
        known = self._known.get(code)
        if known is None:
            known = self._known[code] = self._switched_off(code)
        return known

    def _switched_off(self, code: str) -> bool:
        chosen = max((len(p) for p in (self.select or frozenset()) | self.extend_select if _covers(p, code)),
                     default=-1)
        dropped = max((len(p) for p in self.cli_ignore if _covers(p, code)), default=-1)
        if chosen > dropped:
            return False
        if dropped >= 0 or self.select is not None:
            return True
        return code in self.ignore or any(len(p) < len(code) and code.startswith(p) for p in self.ignore)

    def selecting(self, select: Iterable[str] | None = None, extend_select: Iterable[str] = (),
                  ignore: Iterable[str] = ()) -> RulePolicy:
        """This policy with the command line's selection on top; raises ValueError for an unknown code."""
        chosen = {"select": select, "extend-select": extend_select, "ignore": ignore}
        given = {flag: [c.strip().upper() for c in codes] for flag, codes in chosen.items() if codes is not None}
        for flag, codes in given.items():
            check_codes(codes, f"--{flag}")
        return replace(self, select=frozenset(given["select"]) if "select" in given else None,
                       extend_select=frozenset(given["extend-select"]), cli_ignore=frozenset(given["ignore"]))


def _covers(prefix: str, code: str) -> bool:
    """A selector names the code itself or a prefix of it (`DP4`, `DP41`)."""
    return code.startswith(prefix)


def check_codes(codes: Iterable[str], where: str) -> None:
    """Reject unknown codes or prefixes in a config so typos do not silently disable nothing."""
    known = registry()
    for code in codes:
        if not any(k.startswith(code) for k in known):
            raise ValueError(f"{where}: unknown rule code {code!r}; `dataprep rules` lists them")
