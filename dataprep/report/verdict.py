"""The verdict of a build, said once: ready or not, what was removed and why, what blocks, what to run next.

report.json holds it, report.html opens with it and the terminal summary ends with its headline, so the three
never disagree. A problem counts once: a great-expectations failure that restates an error finding of the
written files (the row-count expectation and DP304 "too few records", the token-length expectation and
DP305) is left in the expectations section, not counted again among the blockers. This module imports
nothing heavy: the CLI uses it without the report stack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.checks.content import mask
from dataprep.checks.quotas import SPLITS, VALIDATION
from dataprep.findings import Finding, Severity
from dataprep.registry import registry, rule

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult

BLOCKING_SHOWN = 100  # blockers listed in report.json (all are counted)
_TOP_REMOVED = 3
# Which rules already report what an expectation on a column checks (None: the row-count expectation), by
# the module that implements them or by rule name: codes are looked up in the registry, not repeated here.
_RESTATES: Mapping[str | None, tuple[str, ...]] = {
    None: ("dataprep.checks.quotas",), "tokens": ("dataprep.checks.limits",),
    "input_tokens": ("dataprep.checks.limits",), "output_tokens": ("dataprep.checks.limits",),
    "chars": ("dataprep.checks.limits",), "key": ("exact-duplicate", "train-validation-overlap"),
    "first_role": ("first-turn-not-user",), "last_role": ("last-turn-not-assistant",),
    "roles": ("roles-not-alternating",), "n_turns": ("too-few-messages",), "lang": ("language-not-allowed",),
}
# The next step of a ready build; OUT is the folder itself (the terminal names it).
_JOB_COMMAND = "dataprep job {out} --s3-uri s3://BUCKET/PREFIX/ --role-arn arn:aws:iam::ACCOUNT:role/ROLE"
_JOB_WHY = "write the checked CreateModelCustomizationJob request and the upload commands"


def output_findings(result: BuildResult) -> list[Finding]:
    """The self-check of the written splits (the reader's findings are about the inputs)."""
    inputs = {f.path for f in result.inputs}
    names = {f"{s}.jsonl" for s in SPLITS}
    return [f for f in result.findings if f.path not in inputs and Path(f.path).name in names]


def terminal_line(result: BuildResult, out: Path) -> tuple[bool, str, str]:
    """Ready, the headline and the next command for the terminal: report.json's verdict when the build wrote
    one (so the two say the same), else the verdict of the written files alone (`--no-report`)."""
    import json

    try:
        v = json.loads((out / "report.json").read_text(encoding="utf-8"))["verdict"]
    except (OSError, ValueError, KeyError, TypeError):
        v = verdict(result, output_findings(result), [])
    step = {"command": _JOB_COMMAND.format(out=out), "why": _JOB_WHY} if v["ready"] else v["next"]
    return v["ready"], v["headline"], f"next: {step['command']}  ({step['why']})"


def verdict(result: BuildResult, written: Sequence[Finding], failed: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The verdict from the written files' findings and the failed expectations (`failed`, already described:
    each has `code`, `where`, `message` and the expectation's `column`, None for the row count)."""
    errors = [f for f in written if f.severity >= Severity.ERROR]
    blocking = [{"code": f.code, "where": f"{Path(f.path).name}:{f.line}" if f.line else Path(f.path).name,
                 "message": mask(f.message)} for f in errors]
    codes = {f.code for f in errors}
    blocking += [{k: e[k] for k in ("code", "where", "message")} for e in failed
                 if not _restating(e.get("column")) & codes]
    warnings = [{"code": f.code, "where": f"{Path(f.path).name}:{f.line}", "message": mask(f.message)}
                for f in written if f.severity == Severity.WARNING][:BLOCKING_SHOWN]
    if result.settings.validation_fraction > 0 and not result.splits[VALIDATION]:
        warnings.insert(0, {"code": "validation", "where": "validation.jsonl", "message":
                            f"--validation-fraction {result.settings.validation_fraction} was asked for, but no "
                            "record landed in validation; the job will run without a validation set"})
    kept = sum(map(len, result.splits.values()))
    out: dict[str, Any] = {
        "ready": not blocking, "model": result.profile.id, "task": result.spec.task,
        "records_in": result.input_records, "units": result.units, "kept": kept, "removed": len(result.rejected),
        "removed_by": _removed_by(result), "blocking": blocking[:BLOCKING_SHOWN], "blocking_total": len(blocking),
        "warnings": warnings,
    }
    out["next"] = _next(out)
    out["headline"] = headline(out)
    return out


def _restating(column: str | None) -> set[str]:
    """The rule codes whose error already reports a failure of the expectation on `column`."""
    names = _RESTATES.get(column, ())
    return {code for code, r in registry().items() if r.name in names or set(r.emitted_by) & set(names)}


def _removed_by(result: BuildResult) -> list[dict[str, Any]]:
    """The rules that removed most, with their share of the units that entered the build."""
    total = result.units or 1
    return [{"code": code, "name": rule(code).name, "count": n, "share": round(100 * n / total, 1)}
            for code, n in sorted(Counter(r.code for r in result.rejected).items(), key=lambda kv: (-kv[1], kv[0]))
            [:_TOP_REMOVED]]


def _next(v: Mapping[str, Any]) -> dict[str, str]:
    """The command to run next: the job request when ready, else what fixes the first blocker."""
    if v["ready"]:
        return {"command": _JOB_COMMAND.format(out="OUT"), "why": f"{_JOB_WHY} for this folder (OUT)"}
    code = v["blocking"][0]["code"]
    if code.startswith("DP"):
        return {"command": f"dataprep rules {code}", "why": rule(code).fix}
    return {"command": "dataprep rules", "why": f"the expectation {code} failed on {v['blocking'][0]['where']}: "
                                                "fix the records it names and build again"}


def headline(v: Mapping[str, Any]) -> str:
    """One line: the verdict, records in and kept, the top removal reasons, the blockers."""
    target = f"{v['model']} {v['task']}"
    records = f"{v['records_in']:,} records in"
    if v["units"] != v["records_in"]:
        records += f" ({v['units']:,} after chunking)"
    share = 100 * v["removed"] / (v["units"] or 1)
    removed = f"{v['kept']:,} kept, {v['removed']:,} removed ({share:.1f}%)"
    if v["removed_by"]:
        removed += ": " + ", ".join(f"{r['code']} {r['name']} {r['count']:,}" for r in v["removed_by"])
    state = f"Ready for {target}" if v["ready"] else \
        f"Not ready for {target}: {v['blocking_total']:,} blocking problem(s)"
    return f"{state}. {records}, {removed}."
