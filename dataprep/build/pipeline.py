"""`dataprep build`: raw files in, S3-ready splits out, every input record accounted for.

`build` below is the whole build, step by step; each step is a module of this package that owns its rule
codes and reasons, and reports what it decided to the ledger. A record that leaves the build goes to the
ledger (`rejected.jsonl`) with its source, line, rule code and the original record, and the build checks
`input units == train + validation + test + rejected` before it writes anything. OUT is checked and locked
first (`preflight`), and the write step publishes the whole set at once (`write`, `io.write.publish`).

The costly per-record work (tokens, language) runs last and only on records that can still reach an output
(see `place`): that is what keeps a 55k-record build with `--max-train-records 10000` inside a minute.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from dataprep.build import (
    captions,
    chunk,
    convert,
    dedup,
    holdout,
    language,
    media,
    place,
    preflight,
    quality,
    rows,
    write,
)
from dataprep.build.convert import ConvertContext
from dataprep.build.ledger import Ledger, Stage
from dataprep.build.model import BuildResult, BuildSettings, Cluster, Progress, Unit, no_progress
from dataprep.build.screen import QualityPolicy
from dataprep.checks.keywords import ReservedKeywords
from dataprep.checks.limits import RecordLimits
from dataprep.checks.media import MediaRules
from dataprep.checks.media_files import MediaLimits
from dataprep.checks.quotas import SPLITS, TEST, TRAIN, VALIDATION, record_quota
from dataprep.errors import BuildError, UsageError
from dataprep.io.read import SourceRecord, SourceStream
from dataprep.manifest import Stopped
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy
from dataprep.report.worker import report_writer
from dataprep.text import language as detectors
from dataprep.tokens import TokenCounter

_CODE = re.compile(r"DP\d{3}\b")  # the rule code a step's stop message starts with
# What records become units with: the convert context, the row store, the media context and media store.
Preparing = tuple[ConvertContext, rows.RowStore, media.MediaContext, media.MediaStore]


def build(paths: Sequence[Path], out: Path, profile: Profile, settings: BuildSettings,
          policy: RulePolicy | None = None, progress: Progress = no_progress, reports: bool = True) -> BuildResult:
    """Run every step and publish OUT; raises BuildError (data: exit 1) or UsageError/ProfileError (exit 2).

    OUT is checked and locked before any data is read (`preflight.claim`). A build that stops (every record
    rejected, or over the quota) still publishes its ledger, reports and manifest, then raises BuildError.
    `reports` False skips report.json, report.html and expectations.json (the benchmark measures their cost).
    """
    from dataprep.tokens import counter

    policy = policy or RulePolicy()
    spec = profile.task(settings.task)
    _check_settings(profile, spec, settings)
    limits, tokens = RecordLimits.of(profile, spec), counter(profile.tokenizer)
    with preflight.claim(paths, out, write.names(settings, reports)) as target, report_writer(reports) as reporter, \
            media.store() as cache:
        ledger = Ledger(progress)
        screening = QualityPolicy(settings.secrets, settings.pii, ReservedKeywords.of(profile), policy)
        context = ConvertContext(spec.format, profile.id, screening, not settings.keep_markdown, settings.fix_mojibake,
                                 keep_answers=settings.keep_answers)
        walk = place.Walk(profile, spec, settings, limits, tokens, ledger)
        shown = media.MediaContext(spec.format, MediaRules.of(profile, spec), MediaLimits.of(profile, spec),
                                   settings.media_prefix)
        store = rows.RowStore(target.real.parent, settings.memory_limit)  # a spill goes on OUT's file system
        prepare = (context, store, shown, cache)
        with ExitStack() as reading:
            read = _reading(paths, policy, settings, ledger, reading)
            units, clusters = _prepared(read, read.read_so_far, prepare, limits, tokens, walk, ledger)
        outcome, input_records = read.stream.outcome, read.stream.count
        held: list[Unit] = []
        aside = read.stream.aside_records
        if aside:
            held, held_clusters = _prepared([aside], lambda: len(aside), prepare, limits, tokens, walk, ledger)
            held, clusters = walk.check(holdout.order(held, settings.seed)), clusters + held_clusters
            units = holdout.remove_overlap(units, held, settings.dedup, ledger)
        splits, stopped = _place(walk, units, held, ledger, input_records, settings)
        result = BuildResult(profile, spec, settings, outcome.inputs, input_records,
                             input_records + ledger.extra_units, splits, ledger.rejected, ledger.stages, ledger.fixes,
                             ledger.warnings, list(outcome.findings), {}, tokens.name, clusters, outcome.skipped, store)
        with ledger.stage("write", len(write.names(settings, reports))) as stage:
            write.run(target, result, policy, reporter, stopped, stage.advance, cache)
    if stopped is not None:
        raise BuildError(f"{stopped['message']}. Wrote {_shown(out, result, reports)} (not ready), no splits")
    return result


class _Reading:
    """RAW (and the validation file) read as the convert step takes batches: the read stage, which ends
    when the last file has been read, while convert goes on with the batches in flight (#17)."""

    def __init__(self, stream: SourceStream, stage: Stage, ends: ExitStack) -> None:
        self.stream, self._stage, self._ends = stream, stage, ends

    def read_so_far(self) -> int:
        return self.stream.count

    def __iter__(self) -> Iterator[list[SourceRecord]]:
        yield from self.stream.batches(convert.CHUNK)
        self._stage.done(self.stream.count, records_in=len(self.stream.outcome.inputs))
        self._ends.close()


def _reading(paths: Sequence[Path], policy: RulePolicy, settings: BuildSettings, ledger: Ledger,
             ends: ExitStack) -> _Reading:
    """The read stage opened in `ends` and the stream it times; the validation file's records kept aside."""
    stage = ends.enter_context(ledger.stage("read", 0))
    extra = [Path(settings.validation_file)] if settings.validation_file else []
    stream = SourceStream([*paths, *extra], policy, settings.read, stage.advance,
                          aside=extra[0] if extra else None)
    return _Reading(stream, stage, ends)


def _prepared(batches: Iterable[list[SourceRecord]], read: Callable[[], int], prepare: Preparing,
              limits: RecordLimits, tokens: TokenCounter, walk: place.Walk,
              ledger: Ledger) -> tuple[list[Unit], list[Cluster]]:
    """Convert, clean, resolve media, chunk and deduplicate records into the units that can be placed (RAW's,
    or the validation file's); a duplicate cluster keeps a member that passes the walk's checks. `read` says
    how many records have been read so far."""
    context, store, shown, cache = prepare
    units = convert.run(batches, context, store, ledger, read)
    units = media.run(units, shown, cache, ledger)
    units = captions.run(units, context.target_format, walk.profile, ledger)
    units = chunk.run(units, context.target_format, limits, tokens, ledger)
    units = quality.run(units, context.target_format, context.quality.rules, ledger)
    rows.release_freed()  # the read batches and the rows of the records dropped so far
    return dedup.run(units, walk.settings.dedup, ledger, walk.eligible, (store.folder, store.budget))


def _place(walk: place.Walk, units: list[Unit], held: list[Unit], ledger: Ledger, input_records: int,
           settings: BuildSettings) -> tuple[dict[str, list[Unit]], Stopped | None]:
    """The split walk (the validation file's units, if any, are the validation split; `units` is emptied) and
    the language filter; a stop (over the quota, or no training record) instead of an exception, so the write
    step can still publish the ledger and the reports."""
    walk.placer.counts[VALIDATION] += len(held)  # a train + validation quota counts the validation file too
    try:
        splits = walk.run(units)
    except BuildError as exc:  # over the training quota: nothing is placed
        message = str(exc)
        code = _CODE.match(message)
        return {s: [] for s in SPLITS}, {"code": code.group(0) if code else "stopped", "message": message}
    finally:
        # Every unit is now in a split or the ledger: the list goes, and with it the rows of the units the
        # walk left out (DP504 keeps no row), most of the memory of a large build with a record cap.
        units.clear()
        rows.release_freed()
    splits[VALIDATION].extend(held)
    language.run(splits, settings.lang_detector, bool(settings.lang), ledger)
    ledger.check_accounting(input_records, sum(map(len, splits.values())))
    if splits[TRAIN]:
        return splits, None
    rejected = len(ledger.rejected)
    top = ", ".join(f"{code} x{n}" for code, n in Counter(r.code for r in ledger.rejected).most_common(3))
    counted = [f"{rejected:,} rejected" + (f" ({top})" if top else "")]
    counted += [f"{len(splits[s]):,} in {s}" for s in (VALIDATION, TEST) if splits[s]]
    units_note = f" ({input_records + ledger.extra_units:,} units after chunking)" if ledger.extra_units else ""
    hint = "`dataprep rules CODE` explains each code" if not splits[VALIDATION] and not splits[TEST] else \
        "add records, or lower --validation-fraction / --test-fraction"
    return splits, {"code": "DP304", "message": f"no training records are left: {input_records:,} records read"
                    f"{units_note}, {', '.join(counted)}; {hint}"}


def _shown(out: Path, result: BuildResult, reports: bool) -> str:
    """What a stopped build left in OUT, for its message."""
    written = [f"{out / 'rejected.jsonl'} ({len(result.rejected):,} records)"]
    return ", ".join([*written, *(["report.html", "report.json", "expectations.json"] if reports else []),
                      "manifest.json"])


def _check_settings(profile: Profile, spec: TaskSpec, settings: BuildSettings) -> None:
    """Refuse settings no build with this model could use, before any data is read."""
    if not 0 <= settings.validation_fraction < 1 or not 0 <= settings.test_fraction < 1 \
            or settings.validation_fraction + settings.test_fraction >= 1:
        raise UsageError("--validation-fraction and --test-fraction must be in [0, 1) and sum to less than 1")
    if settings.validation_fraction and not spec.validation_supported:
        raise UsageError(f"{profile.id} {spec.task} takes no validation dataset; pass --validation-fraction 0 "
                         "(use --test-fraction for a held-out set)")
    quota = record_quota(spec, TRAIN)
    if settings.max_train_records is not None:
        if settings.max_train_records < 1:
            raise UsageError("--max-train-records must be at least 1")
        if quota is not None and settings.max_train_records > quota:
            raise UsageError(f"--max-train-records {settings.max_train_records:,} is over the {profile.id} "
                             f"{spec.task} quota of {quota:,} training records")
    if settings.lang_detector not in detectors.DETECTORS:
        raise UsageError(f"--lang-detector must be one of {', '.join(detectors.DETECTORS)}")
