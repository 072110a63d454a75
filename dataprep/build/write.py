"""The write step: stage every output, check the splits with `validate`, then publish the set into OUT.

Outputs are S3-ready JSONL (`dataprep.io.write` fixes the bytes), the ledger with each rejected record's
original text, the lineage of every output line, the manifest, and the reports. The whole set is written to
a staging folder beside OUT and swapped in as one step (`io.write.publish`), so a reader of OUT sees the
previous complete set or this one, never a mix. A stopped build (`Stopped`: every record rejected, or over
the training quota) still publishes its ledger, reports and manifest — no splits — so the user can see why.
A file-system error while staging (disk full, file-size limit, permission) is one UsageError naming the
file; OUT is then untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from itertools import groupby, islice
from pathlib import Path
from typing import Any

import orjson

from dataprep import formats, parallel
from dataprep.build import media as media_step
from dataprep.build.model import BuildResult, BuildSettings, LedgerFields, Rejected, ledger_dicts
from dataprep.build.preflight import Target
from dataprep.checks.quotas import SPLITS, TEST, TRAIN, VALIDATION
from dataprep.errors import UsageError
from dataprep.findings import Finding, Severity
from dataprep.io.read import OriginalLines, check_unchanged
from dataprep.io.write import describe, dumps, dumps_pretty, publish, staging, write_jsonl, write_lines, write_text
from dataprep.manifest import MANIFEST_NAME, Stopped, build_manifest, digest, owned_files
from dataprep.parallel import Advance, no_advance
from dataprep.registry import RulePolicy
from dataprep.report import NAMES as REPORT_NAMES
from dataprep.report.worker import ReportWriter
from dataprep.validate import validate_paths

# Every file a build can write into OUT.
OUTPUTS = ("train.jsonl", "validation.jsonl", "test.jsonl", "rejected.jsonl", "lineage.jsonl", *REPORT_NAMES,
           MANIFEST_NAME)


def names(settings: BuildSettings, reports: bool) -> tuple[str, ...]:
    """The files a build with these settings may write: OUT must not hold one of them that is not dataprep's."""
    fractions = {VALIDATION: settings.validation_fraction, TEST: settings.test_fraction}
    splits = [f"{s}.jsonl" for s in SPLITS if s == TRAIN or fractions[s] > 0]
    return (*splits, "rejected.jsonl", "lineage.jsonl", *(REPORT_NAMES if reports else ()), MANIFEST_NAME)


def run(target: Target, result: BuildResult, policy: RulePolicy, reports: ReportWriter | None,
        stopped: Stopped | None = None, advance: Advance = no_advance,
        media: media_step.MediaStore | None = None) -> list[Path]:
    """Stage every output, check the splits with `validate`, then swap the set into OUT.

    `reports` writes report.json, report.html and expectations.json (None: no reports). Returns the folders
    beside OUT that had to stay (a user's file that clashed with one in OUT). `advance` is told of each
    file staged (the reports as they come back, the manifest once the set is published). `media` holds the
    media objects the records show: those of the placed records are copied into `media/` and listed.
    """
    stage: Path | None = None
    try:
        with staging(target.real, owned_files) as stage:
            written = _write_data(stage, result, stopped)
            advance(len(written))
            if stopped is None:
                _self_check(stage, target.out, result, written, policy)
            else:
                result.findings.append(Finding(str(target.out / "train.jsonl"), 0, 0, stopped["code"],
                                               Severity.ERROR, stopped["message"]))
            result.manifest = dict(build_manifest(result, written, stopped))
            copied = _media(stage, result, media, stopped)
            if copied:
                result.manifest["media"] = copied
            files = [w["file"] for w in written.values()] + (_reports(reports, result, stage) if reports else [])
            advance(len(files) - len(written))
            result.manifest["files"] = {name: digest(stage / name).sha256 for name in files}
            result.manifest["files"].update((m["file"], m["sha256"]) for m in copied)
            write_text(stage / MANIFEST_NAME, dumps_pretty(result.manifest))
            check_unchanged(result.inputs)  # the set describes the bytes read: a file changed since stops it
            kept = publish(stage, target.real, target.owned, owned_files)
            advance(1)
            return kept
    except OSError as exc:
        raise UsageError(f"cannot write {describe(exc, stage, target.out)}; {target.out} is unchanged") from None


def _write_data(stage: Path, result: BuildResult, stopped: Stopped | None) -> dict[str, dict[str, Any]]:
    """The splits (none when stopped), the ledger and the lineage, with the digests the manifest records."""
    render = formats.MODULES[result.spec.format].render
    written: dict[str, dict[str, Any]] = {}
    for split in SPLITS if stopped is None else ():
        units = result.splits[split]
        if not units and split != TRAIN:
            continue
        name = f"{split}.jsonl"
        write_jsonl(stage / name, (render(u.row) for u in units))
        written[split] = {"file": name, **asdict(digest(stage / name)),
                          "tokens": sum(u.input_tokens + u.output_tokens for u in units)}
    order = {s: i for i, s in enumerate(dict.fromkeys(f.path for f in result.inputs))}
    ledger = sorted(result.rejected, key=lambda r: (order.get(r.source, len(order)), r.source, r.line, r.chunk))
    write_lines(stage / "rejected.jsonl", _ledger_lines(ledger))
    written["rejected"] = {"file": "rejected.jsonl", **asdict(digest(stage / "rejected.jsonl"))}
    write_jsonl(stage / "lineage.jsonl", _lineage(result) if stopped is None else ())
    written["lineage"] = {"file": "lineage.jsonl", **asdict(digest(stage / "lineage.jsonl"))}
    return written


def _media(stage: Path, result: BuildResult, media: media_step.MediaStore | None,
           stopped: Stopped | None) -> list[dict[str, Any]]:
    """The media objects of the placed records, copied into `media/` once each: the manifest's `media` list."""
    if media is None or stopped is not None or not media.objects:
        return []
    placed = (u for split in SPLITS for u in result.splits[split])
    prefix = result.settings.media_prefix or ""
    return [{"uri": f"{prefix}{s.name}", "sha256": s.sha256, "bytes": s.bytes,
             "file": f"{media_step.MEDIA_DIR}/{s.name}"} for s in media_step.copy_into(stage, media.objects, placed)]


def _self_check(stage: Path, out: Path, result: BuildResult, written: dict[str, dict[str, Any]],
                policy: RulePolicy) -> None:
    """`validate` over the staged train and validation files; findings name them under OUT."""
    checked = [stage / written[s]["file"] for s in (TRAIN, VALIDATION) if s in written]
    for finding in validate_paths(checked, result.profile, result.spec.task, None, policy):
        result.findings.append(Finding(str(out / Path(finding.path).name), finding.line, finding.col,
                                       finding.code, finding.severity, finding.message))


def _reports(writer: ReportWriter, result: BuildResult, stage: Path) -> list[str]:
    """report.json, report.html and expectations.json; a failed write names the report it was writing."""
    try:
        return writer(result, stage)
    except OSError as exc:
        if exc.filename is not None:
            raise
        begun = [stage / n for n in REPORT_NAMES if (stage / n).exists()]  # the one opened last failed
        failed = max(begun, key=lambda p: p.stat().st_mtime_ns) if begun else stage / REPORT_NAMES[0]
        raise OSError(exc.errno, exc.strerror, str(failed)) from exc


def _ledger_lines(ledger: Sequence[Rejected]) -> Iterator[str]:
    """The ledger's JSON lines, in order, made in chunks made as they are sent: the parent holds a few chunks
    in flight, never every original at once. Masking reads every original again (about 40 us an entry,
    masked and encoded, by `benchmarks/bench_ledger.py`), so a large ledger is masked and encoded on the two
    workers (#17)."""
    chunks = _chunked(_ledger_fields(ledger))
    parts = map(_encoded_chunk, chunks) if len(ledger) < _PARALLEL_LEDGER else \
        parallel.ordered_map(_encoded_chunk, chunks)
    return (line for part in parts for line in part)


def _ledger_fields(ledger: Sequence[Rejected]) -> Iterator[LedgerFields]:
    """Each entry's fields in the ledger's order (by source, then line): the JSONL lines the reader did not
    keep are read back as they are needed, one forward pass over each file that has any."""
    for source, group in groupby(ledger, key=lambda r: r.source):
        entries = list(group)
        if all(e.original is not None or e.originals == "none" for e in entries):
            yield from (e.fields() for e in entries)
            continue
        with OriginalLines(source) as lines:
            yield from (e.fields(lines.line(e.line) if e.original is None else None) for e in entries)


def _chunked(fields: Iterator[LedgerFields]) -> Iterator[list[LedgerFields]]:
    while chunk := list(islice(fields, _LEDGER_CHUNK)):
        yield chunk


def _encoded_chunk(entries: list[LedgerFields]) -> list[str]:
    return [_ledger_line(line) for line in ledger_dicts(entries)]


def _ledger_line(line: dict[str, Any]) -> str:
    """`dumps` of a ledger line, by orjson: its values are strings, integers and nulls, which orjson writes
    byte for byte as `dumps` does (compact, UTF-8, the same escapes), 5-7 times faster on a 1 KB original
    (1.6-2.5 against 12 us, #17). A lone surrogate, which orjson refuses, goes through `dumps`."""
    try:
        return orjson.dumps(line).decode()
    except TypeError:
        return dumps(line)


_PARALLEL_LEDGER = 4_000  # entries: below this, starting the workers costs more than they give
_LEDGER_CHUNK = 2_000


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
