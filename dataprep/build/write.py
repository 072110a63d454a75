"""The write step: stage every output, check the splits with `validate`, then publish them into OUT.

Outputs are S3-ready JSONL (`dataprep.io.write` fixes the bytes), the ledger with each rejected record's
original text, the lineage of every output line, the manifest, and the reports. Everything is written to a
staging folder first and moved into place only when complete, manifest last, so a failed build never
leaves a half-written set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dataprep import formats
from dataprep.build.model import BuildResult, Rejected
from dataprep.checks.quotas import SPLITS, TRAIN, VALIDATION
from dataprep.findings import Finding
from dataprep.io.read import original_lines
from dataprep.io.write import dumps_pretty, publish, staging, write_jsonl
from dataprep.manifest import MANIFEST_NAME, build_manifest, digest
from dataprep.registry import RulePolicy
from dataprep.report import NAMES as REPORT_NAMES
from dataprep.validate import validate_paths

# Every file a build can write: what a new build does not write is removed as stale.
OUTPUTS = ("train.jsonl", "validation.jsonl", "test.jsonl", "rejected.jsonl", "lineage.jsonl", *REPORT_NAMES,
           MANIFEST_NAME)


def run(out: Path, result: BuildResult, policy: RulePolicy, reports: bool) -> None:
    """Stage every output, check the splits with `validate`, then move them into OUT (manifest last)."""
    render = formats.MODULES[result.spec.format].render
    _fill_originals(result.rejected)
    written: dict[str, dict[str, Any]] = {}
    with staging(out) as stage:
        for split in SPLITS:
            units = result.splits[split]
            if not units and split != TRAIN:
                continue
            name = f"{split}.jsonl"
            write_jsonl(stage / name, (render(u.row) for u in units))
            written[split] = {"file": name, **asdict(digest(stage / name)),
                              "tokens": sum(u.input_tokens + u.output_tokens for u in units)}
        order = {s: i for i, s in enumerate(dict.fromkeys(f.path for f in result.inputs))}
        ledger = sorted(result.rejected, key=lambda r: (order.get(r.source, len(order)), r.source, r.line, r.chunk))
        write_jsonl(stage / "rejected.jsonl", (r.as_dict() for r in ledger))
        written["rejected"] = {"file": "rejected.jsonl", **asdict(digest(stage / "rejected.jsonl"))}
        write_jsonl(stage / "lineage.jsonl", _lineage(result))
        written["lineage"] = {"file": "lineage.jsonl", **asdict(digest(stage / "lineage.jsonl"))}
        checked = [stage / written[s]["file"] for s in (TRAIN, VALIDATION) if s in written]
        for finding in validate_paths(checked, result.profile, result.spec.task, None, policy):
            result.findings.append(Finding(str(out / Path(finding.path).name), finding.line, finding.col,
                                           finding.code, finding.severity, finding.message))
        result.manifest = build_manifest(result, written)
        (stage / MANIFEST_NAME).write_text(dumps_pretty(result.manifest), encoding="utf-8", newline="\n")
        names = [w["file"] for w in written.values()]
        if reports:
            from dataprep.report import write_reports

            names += write_reports(result, stage)
        names.append(MANIFEST_NAME)
        publish(stage, out, names, stale=[n for n in OUTPUTS if n not in names])


def _fill_originals(ledger: list[Rejected]) -> None:
    """Read back the JSONL lines of rejected records, one pass over each file that has any."""
    wanted: dict[str, list[Rejected]] = {}
    for entry in ledger:
        if entry.original is None:
            wanted.setdefault(entry.source, []).append(entry)
    for source, entries in wanted.items():
        lines = original_lines(source, {e.line for e in entries})
        for entry in entries:
            entry.original = lines.get(entry.line, "")


def _lineage(result: BuildResult) -> Iterator[dict[str, Any]]:
    """One line per output record: where it is, where it came from, and what the build measured."""
    for split in SPLITS:
        for index, unit in enumerate(result.splits[split], start=1):
            entry: dict[str, Any] = {"split": split, "line": index, "source": unit.source,
                                     "source_line": unit.line}
            if unit.chunks > 1:
                entry["chunk"], entry["chunks"] = unit.chunk, unit.chunks
            entry.update(lang=unit.lang, input_tokens=unit.input_tokens, output_tokens=unit.output_tokens,
                         cluster_size=unit.cluster_size)
            yield entry
