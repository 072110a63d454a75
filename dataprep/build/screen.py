"""The screen step's decisions: per cleaned record, keep, redact, warn or drop (secrets, PII, content rules).

The checks themselves live in `dataprep.checks.content` so that `validate` and `build` agree on what is wrong;
this module adds what only a build does: act on a finding according to the rule's action and the
project's policy (secrets and personal data can be dropped, redacted or only reported), plus the
truncated-answer warning (DP408). Pre-training text quality (DP412) is judged per chunk, after chunking
(`build/quality.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dataprep.build.model import Action
from dataprep.checks import content
from dataprep.checks.keywords import ReservedKeywords
from dataprep.checks.text_quality import looks_truncated
from dataprep.formats.base import Canonical, Turn
from dataprep.registry import RulePolicy, rule


@dataclass(frozen=True)
class QualityPolicy:
    """What to do with secrets (DP409) and personal data (DP410); reserved keywords of the target model."""

    secrets: Action = "drop"
    pii: Action = "warn"
    keywords: ReservedKeywords = field(default_factory=lambda: ReservedKeywords(""))
    rules: RulePolicy = field(default_factory=RulePolicy)


@dataclass(frozen=True, slots=True)
class Screened:
    row: Canonical
    drop: tuple[str, str] | None  # (code, reason) when the record goes to the ledger
    warnings: tuple[str, ...]  # codes reported but kept
    fixes: frozenset[str]  # codes of changes made (redactions)


def screen(row: Canonical, policy: QualityPolicy, suspect: bool = True) -> Screened:
    """Apply the content checks to one cleaned record. `suspect` False says the detectors' pre-filters ruled
    out a secret and personal data in every text of the row (`content.suspects`, run over a chunk of records):
    then neither detector runs nor redacts."""
    fixes: set[str] = set()
    if suspect and policy.secrets == "redact":
        row = _redact(row, content.redact_secrets, "DP409", fixes)
    if suspect and policy.pii == "redact":
        row = _redact(row, content.redact_pii, "DP410", fixes)
    warnings: list[str] = []
    for code, message in _findings(row, policy, _SCREENED if suspect else _CLEAR):
        if policy.rules.ignored(code):
            continue
        if _action(code, policy) == "drop":
            return Screened(row, (code, message), tuple(warnings), frozenset(fixes))
        warnings.append(code)
    return Screened(row, None, tuple(warnings), frozenset(fixes))


def _action(code: str, policy: QualityPolicy) -> str:
    if code == "DP409":
        return policy.secrets
    if code == "DP410":
        return policy.pii
    return rule(code).action


_SCREENED = content.CODES - {"DP404"}  # the clean stage fixed DP404 (invisible characters): not looked for again
_CLEAR = _SCREENED - content.PRIVATE_CODES  # a row the pre-filters cleared of secrets and personal data


def _findings(row: Canonical, policy: QualityPolicy, codes: frozenset[str]) -> list[tuple[str, str]]:
    found = list(content.findings(row, codes))
    keyword = policy.keywords.problem(row)
    if keyword is not None:
        found.append(keyword)
    if row.text is None and row.turns and looks_truncated(answer := row.turns[-1].text):
        found.append(("DP408", f"the answer ends mid-sentence: {content.excerpt(answer, len(answer.rstrip()))}"))
    # Drops before warnings, so a record is filed under its most serious problem.
    return sorted(found, key=lambda f: _rank(f[0], policy))


def _rank(code: str, policy: QualityPolicy) -> int:
    return 0 if _action(code, policy) == "drop" else 1


def _redact(row: Canonical, redactor: Callable[[str], tuple[str, int]], code: str, fixes: set[str]) -> Canonical:
    changed = 0

    def fix(text: str) -> str:
        nonlocal changed
        new, n = redactor(text)
        changed += n
        return new

    if row.text is not None:
        out = Canonical(text=fix(row.text), media=row.media)
    else:
        system = fix(row.system) if row.system else None
        out = Canonical(system=system, turns=tuple(Turn(t.role, fix(t.text), t.media) for t in row.turns),
                        media=row.media)
    if changed:
        fixes.add(code)
        return out
    return row
