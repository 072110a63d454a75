"""report.json: what a build did and whether its dataset is ready, as one versioned, documented document.

The report holds everything report.html shows (including the rules' explanations), so the page can be
re-rendered from the JSON alone. It holds no timings, absolute staging paths or run ids: the same inputs
and seed give a byte-identical report. Every text taken from a record (excerpts, reasons, finding messages)
goes through `content.mask` whatever --secrets, --pii and --ledger-originals say: a report is shared with
reviewers, and they need no credential or personal datum to judge a dataset.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.checks.content import mask, mask_texts
from dataprep.checks.duplicates import dedup_text
from dataprep.checks.quotas import SPLITS, TRAIN
from dataprep.findings import Finding, Severity
from dataprep.registry import rule
from dataprep.report import evidence, stats, verdict

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult, Rejected, Unit
    from dataprep.report.expectations import Outcome

REPORT_VERSION = 1
_EXCERPT = 300  # characters of a record shown in the report
_TOP_REASONS = 5  # reason patterns listed per rejected code
_EXAMPLES = 3  # examples per reason pattern and dropped members per duplicate cluster
_REASON_SLICE = 4_096  # ledger entries whose reasons are masked together
_CLUSTERS = 10  # duplicate clusters shown with examples
_FINDINGS = 100  # findings of the written files listed (all are counted)
_DEDUP_CODES = frozenset({"DP401", "DP402"})
# A reason with its record reference and numbers taken out, so reasons of one kind group together.
_RECORD_REF = re.compile(r"\S+:\d+(?: chunk \d+/\d+)?")
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


def build_report(result: BuildResult, outcome: Outcome) -> dict[str, Any]:
    """The report of one build whose manifest has been written; `outcome` is its GX run."""
    manifest = result.manifest
    written = verdict.output_findings(result)
    return {
        "report_version": REPORT_VERSION,
        "tool": manifest["tool"],
        "profile": {"name": result.profile.name, **manifest["profile"]},
        "verdict": _verdict(result, written, outcome),
        "settings": manifest["settings"],
        "inputs": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "records": f.records,
                    "shapes": dict(sorted(f.shapes.items())), **({"mapping": f.mapping} if f.mapping else {})}
                   for f in result.inputs],
        "skipped": manifest.get("skipped", []),
        "counts": manifest["counts"],
        "stages": [{"name": s.name, "records_in": s.records_in, "records_out": s.records_out}
                   for s in result.stages],
        "rules": _rules(result, written),
        "rejected": _rejected(result.rejected, result.settings.dedup.threshold),
        "splits": _splits(result),
        "duplicates": _duplicates(result),
        "quotas": stats.quota_gauges(result),
        "training_tokens": stats.training_tokens(result.spec, sum(map(stats.tokens, result.splits[TRAIN]))),
        "expectations": {"success": outcome.success, "evaluated": len(outcome.results),
                         "failed": sum(not r["success"] for r in outcome.results), "results": outcome.results},
        "findings": {"total": len(written), "by_severity": _by_severity(written),
                     "items": [_finding(f) for f in written[:_FINDINGS]]},
        "outputs": manifest["outputs"],
        **({"media": _media(manifest["media"], result.settings.media_prefix)} if manifest.get("media") else {}),
    }


def _media(listed: Sequence[Mapping[str, Any]], prefix: str | None) -> dict[str, Any]:
    """How many media objects the records show and their bytes (each counted once), and where they go."""
    return {"objects": len(listed), "bytes": sum(int(m["bytes"]) for m in listed), "prefix": prefix}


def _finding(f: Finding) -> dict[str, Any]:
    return {"file": Path(f.path).name, "line": f.line, "col": f.col, "code": f.code, "severity": str(f.severity),
            "message": mask(f.message)}


def _by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(str(f.severity) for f in findings)
    return {str(s): counts[str(s)] for s in sorted(Severity, reverse=True)}


def _verdict(result: BuildResult, written: list[Finding], outcome: Outcome) -> dict[str, Any]:
    """Ready only when the written files have no error and every expectation holds; each problem once."""
    failed = []
    for r in outcome.results:
        if not r["success"]:
            shown = ", ".join(f"{e['split']}.jsonl:{e['line']}" for e in r.get("unexpected", []))
            count = f"{r['unexpected_count']:,} of {r['element_count']:,} records" if "element_count" in r else \
                f"observed {r.get('observed_value')}"
            failed.append({"code": r["type"], "where": r["dataset"], "column": r["kwargs"].get("column"),
                           "message": f"{_describe(r)}: {count}" + (f" (e.g. {shown})" if shown else "")})
    return verdict.verdict(result, written, failed)


def _describe(result: dict[str, Any]) -> str:
    """An expectation in words, e.g. `row count at least 100` or `tokens at most 14400`."""
    kwargs = result["kwargs"]
    subject = kwargs.get("column", "row count")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if "value_set" in kwargs:
        return f"{subject} in {kwargs['value_set']}"
    if "regex" in kwargs:
        return f"{subject} matches {kwargs['regex']}"
    if low is not None or high is not None:
        bounds = f"at least {_number(low)}" if high is None else f"at most {_number(high)}" if low is None else \
            f"between {_number(low)} and {_number(high)}"
        return f"{subject} {bounds}"
    return f"{subject} {result['type'].removeprefix('expect_column_values_to_').replace('_', ' ')}"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _rules(result: BuildResult, written: list[Finding]) -> list[dict[str, Any]]:
    """Every rule the build used: what it dropped, fixed, warned and found, with its explanation."""
    output_ids = {id(f) for f in written}
    inputs = Counter(f.code for f in result.findings if id(f) not in output_ids)
    outputs = Counter(f.code for f in written)
    drops = result.drops
    codes = sorted(set(drops) | set(result.fixes) | set(result.warnings) | set(inputs) | set(outputs))
    out = []
    for code in codes:
        r = rule(code)
        out.append({"code": code, "name": r.name, "severity": str(r.severity), "action": r.action,
                    "dropped": drops[code], "fixed": result.fixes[code], "warned": result.warnings[code],
                    "input_findings": inputs[code], "output_findings": outputs[code],
                    "summary": r.summary, "explanation": r.explanation, "fix": r.fix})
    return out


def _shown(reasons: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each distinct reason masked, and the pattern it is grouped under. Most reasons repeat (a 1M build's
    990k DP504 entries share one) and nearly all hold nothing to mask, so they are masked after one
    pre-filter pass (`mask_texts`); masking each distinct one alone was 1.3 s of T0's 45k-entry report (#17)."""
    distinct = list(dict.fromkeys(reasons))
    return {reason: (masked, _NUMBER.sub("N", _RECORD_REF.sub("<record>", masked)))
            for reason, masked in zip(distinct, mask_texts(distinct), strict=True)}


def _rejected(rejected: Sequence[Rejected], threshold: float) -> dict[str, Any]:
    """Dropped records by code, their reasons (masked) grouped by kind, each with a few source:line examples;
    for a duplicate rule, the distribution of the Jaccard to the kept record. Reasons are masked a slice of
    the ledger at a time, so the masks held stay few whatever the ledger's size."""
    groups: dict[str, dict[str, list[tuple[Rejected, str]]]] = defaultdict(lambda: defaultdict(list))
    for start in range(0, len(rejected), _REASON_SLICE):
        part = rejected[start:start + _REASON_SLICE]
        shown = _shown([r.reason for r in part])
        for r in part:
            reason, pattern = shown[r.reason]
            groups[r.code][pattern].append((r, reason))
    by_code = []
    for code, patterns in sorted(groups.items(), key=lambda kv: (-sum(map(len, kv[1].values())), kv[0])):
        ranked = sorted(patterns.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        by_code.append({
            "code": code, "name": rule(code).name, "count": sum(len(v) for v in patterns.values()),
            "reasons": [{"pattern": pattern, "count": len(members),
                         "examples": [_where(m) | {"reason": reason} for m, reason in members[:_EXAMPLES]]}
                        for pattern, members in ranked[:_TOP_REASONS]],
            "other_reasons": sum(len(v) for _, v in ranked[_TOP_REASONS:]),
        })
        measured = [m.jaccard for members in patterns.values() for m, _ in members if m.jaccard is not None]
        if measured:
            by_code[-1]["jaccard"] = evidence.distribution(measured, threshold)
    return {"total": len(rejected), "by_code": by_code}


def _where(record: Unit | Rejected) -> dict[str, Any]:
    where: dict[str, Any] = {"source": record.source, "line": record.line}
    if record.chunks > 1:
        where["chunk"], where["chunks"] = record.chunk + 1, record.chunks
    return where


def _excerpt(text: str) -> str:
    """The start of a masked text: masked first, so a cut cannot leave half a secret the detectors miss."""
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def _splits(result: BuildResult) -> dict[str, Any]:
    """Per written split: file, records, token statistics and histogram, language mix."""
    limit = stats.record_limit(result.profile, result.spec)
    outputs = result.manifest["outputs"]
    present = {s: result.splits[s] for s in SPLITS if s in outputs}
    edges = stats.histogram_edges(present, limit["quota"] if limit else None)
    return {
        "token_limit": limit,
        "histogram_edges": edges,
        "by_split": {split: {"file": outputs[split]["file"], "records": len(units),
                             "tokens": stats.token_stats(units), "histogram": stats.histogram(units, edges),
                             "languages": stats.languages(units)}
                     for split, units in present.items()},
    }


def _duplicates(result: BuildResult) -> dict[str, Any]:
    """Cluster sizes, the DP402 Jaccard distribution, and the largest clusters with their evidence.

    Each shown member is rendered as the kept record is (the texts the dedup step compared, masked), with its
    true Jaccard to the kept record and a word-level diff against it.
    """
    placed = {id(u): s for s in SPLITS for u in result.splits[s]}
    heads = {(u.source, u.line, u.chunk) for u, _ in result.clusters[:_CLUSTERS] if id(u) not in placed}
    later = {(r.source, r.line, r.chunk): r.code for r in result.rejected
             if r.code not in _DEDUP_CODES and (r.source, r.line, r.chunk) in heads}
    threshold = result.settings.dedup.threshold
    near = [m.jaccard for _, members in result.clusters for m in members if m.code == "DP402" and m.jaccard is not None]
    examples = []
    for kept, members in result.clusters[:_CLUSTERS]:
        fate = placed.get(id(kept)) or f"rejected {later.get((kept.source, kept.line, kept.chunk), '')}".strip()
        raw = dedup_text(kept.row)
        examples.append({"size": len(members) + 1,
                         "kept": _where(kept) | {"fate": fate, "excerpt": _excerpt(mask(raw))},
                         "dropped": [_member(m, raw) for m in members[:_EXAMPLES]],
                         "more": max(len(members) - _EXAMPLES, 0)})
    drops = Counter(r.code for r in result.rejected if r.code in _DEDUP_CODES)
    sizes = Counter(len(members) + 1 for _, members in result.clusters)
    return {"clusters": len(result.clusters), "removed": sum(drops.values()), "exact": drops["DP401"],
            "near": drops["DP402"], "threshold": threshold,
            "sizes": [{"size": s, "clusters": n} for s, n in sorted(sizes.items())],
            "near_jaccard": evidence.distribution(near, threshold), "examples": examples}


def _member(member: Rejected, kept: str) -> dict[str, Any]:
    """A dropped member beside its kept record: same rendering, the Jaccard the dedup step measured, and the
    words that differ (between the masked texts, so no secret is quoted)."""
    where = _where(member) | {"code": member.code, "reason": mask(member.reason)}
    assert member.row is not None, "the dedup step keeps its members' rows (Ledger.reject evidence)"
    text = dedup_text(member.row)
    where["excerpt"] = _excerpt(mask(text))
    if member.jaccard is not None:
        where["jaccard"] = evidence.shown(member.jaccard)
    return where | {"diff": evidence.word_diff(mask(kept), mask(text))}
