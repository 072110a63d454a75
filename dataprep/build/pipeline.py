"""`dataprep build`: raw files in, S3-ready splits out, every input record accounted for.

read -> convert -> clean -> quality -> chunk -> dedup -> split order -> tokens/limits -> language -> write

A record that leaves the pipeline goes to the ledger (`rejected.jsonl`) with its source, line, rule code
and the original record; the build asserts `input units == train + validation + test + rejected` before it
writes anything (a chunked document is one input and as many units as chunks, each traceable to it).

The costly per-record stages (tokens, language) run last and only on records that can still reach an
output: records are offered to the split in seeded-hash order, and once the capped splits are full the rest
are sampled out (DP504) without being tokenized or language-detected. That is what keeps a 55k-record
build with `--max-train-records 10000` inside a minute on two cores.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, overload

import numpy as np

from dataprep import formats
from dataprep.build.convert import ConvertContext, convert_parallel
from dataprep.build.model import BuildResult, BuildSettings, Progress, Rejected, StageCount, Unit, no_progress
from dataprep.build.screen import QualityPolicy
from dataprep.build.split import SPLITS, TRAIN, VALIDATION, OverQuota, Placer, split_position
from dataprep.errors import BuildError, UsageError
from dataprep.findings import Finding
from dataprep.formats.base import Canonical
from dataprep.io.read import SourceRecord, original_lines, read_sources
from dataprep.io.write import dumps_pretty, publish, staging, write_jsonl
from dataprep.manifest import MANIFEST_NAME, build_manifest, digest
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy
from dataprep.report import NAMES as REPORT_NAMES
from dataprep.text import language as language_stage
from dataprep.text.chunk import chunk_text
from dataprep.text.dedup import deduplicate
from dataprep.checks.duplicates import record_key
from dataprep.validate import validate_paths

_BATCH = 2048  # records tokenized (and language-detected) per step of the split walk
_OUTPUTS = ("train.jsonl", "validation.jsonl", "test.jsonl", "rejected.jsonl", "lineage.jsonl", *REPORT_NAMES,
            MANIFEST_NAME)
_TOKEN_LIMITS = (("max_tokens_per_record", "DP305", "tokens in the record"),
                 ("max_input_tokens", "DP306", "input tokens"),
                 ("max_output_tokens", "DP307", "output tokens"))




def build(paths: Sequence[Path], out: Path, profile: Profile, settings: BuildSettings,
          policy: RulePolicy | None = None, progress: Progress = no_progress, reports: bool = True) -> BuildResult:
    """Run the whole pipeline and write OUT; raises BuildError (data) or UsageError/ProfileError (arguments).

    `reports` False skips report.json, report.html and expectations.json (the benchmark measures their cost).
    """
    policy = policy or RulePolicy()
    spec = profile.task(settings.task)
    _check_settings(profile, spec, settings)
    run = _Run(profile, spec, settings, policy, progress)
    start = time.perf_counter()
    read = read_sources(paths, policy)
    run.stages.append(StageCount("read", len(read.inputs), len(read.records), time.perf_counter() - start))
    input_records = len(read.records)
    units = run.convert(read.records)  # empties read.records: the raw rows would double a large build's memory
    units = run.chunk(units)
    units = run.dedup(units)
    splits = run.place(units)
    run.detect_languages(splits)
    total_units = input_records + run.extra_units
    placed = sum(len(v) for v in splits.values())
    if placed + len(run.ledger) != total_units:  # the "nothing lost" invariant: a bug if it ever fails
        raise AssertionError(f"accounting: {total_units} units in, {placed} placed + {len(run.ledger)} rejected")
    if not splits[TRAIN]:
        top = ", ".join(f"{code} x{n}" for code, n in Counter(r.code for r in run.ledger).most_common(3))
        raise BuildError(f"no training records are left: {input_records:,} read, all rejected ({top}); "
                         "`dataprep rules CODE` explains each code")
    result = BuildResult(profile, spec, settings, read.inputs, input_records, total_units, splits,
                         run.ledger, run.stages, run.fixes, run.warnings, list(read.findings), {},
                         run.token_name)
    result.clusters = run.clusters
    run.timed("write", lambda: _write(out, result, policy, reports))
    return result


def _check_settings(profile: Profile, spec: TaskSpec, settings: BuildSettings) -> None:


    if not 0 <= settings.validation_fraction < 1 or not 0 <= settings.test_fraction < 1 \
            or settings.validation_fraction + settings.test_fraction >= 1:
        raise UsageError("--validation-fraction and --test-fraction must be in [0, 1) and sum to less than 1")
    if settings.validation_fraction and not spec.validation_supported:
        raise UsageError(f"{profile.id} {spec.task} takes no validation dataset; pass --validation-fraction 0 "
                         "(use --test-fraction for a held-out set)")
    quota = spec.quota("max_train_records")
    if settings.max_train_records is not None:
        if settings.max_train_records < 1:
            raise UsageError("--max-train-records must be at least 1")
        if quota is not None and settings.max_train_records > quota:
            raise UsageError(f"--max-train-records {settings.max_train_records:,} is over the {profile.id} "
                             f"{spec.task} quota of {quota:,} training records")
    if settings.lang_detector not in language_stage.DETECTORS:
        raise UsageError(f"--lang-detector must be one of {', '.join(language_stage.DETECTORS)}")


class _DedupTexts(Sequence[str]):
    """The text dedup compares, per unit, joined on access: a million joined copies would double memory."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = units

    def __len__(self) -> int:
        return len(self.units)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> _DedupTexts: ...
    def __getitem__(self, index: int | slice) -> str | _DedupTexts:
        if isinstance(index, slice):
            return _DedupTexts(self.units[index])
        return "\n".join(self.units[index].row.texts())


class _Run:
    """The state of one build: the ledger, the counters and the stages' timings."""

    def __init__(self, profile: Profile, spec: TaskSpec, settings: BuildSettings, policy: RulePolicy,
                 progress: Progress) -> None:
        self.profile, self.spec, self.settings, self.policy, self.progress = profile, spec, settings, policy, progress
        self.ledger: list[Rejected] = []
        self.stages: list[StageCount] = []
        self.fixes: Counter[str] = Counter()
        self.warnings: Counter[str] = Counter()
        self.clusters: list[tuple[Unit, list[Rejected]]] = []
        self.extra_units = 0  # chunks beyond the first of each chunked document
        from dataprep.tokens import counter

        self.counter = counter(profile.tokenizer)
        self.token_name = self.counter.name
        self.limits = {k: profile.token_limit(v) for k, c, w in _TOKEN_LIMITS if (v := spec.quota(k))}
        batched = spec.quota("max_tokens_per_record_batched")
        self.batched_limit = profile.token_limit(batched) if batched else None
        self.max_chars = spec.quota("max_chars_per_record")

    def timed(self, name: str, step: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = step()
        self.stages.append(StageCount(name, 0, 0, time.perf_counter() - start))
        return value

    def reject(self, unit: Unit, code: str, reason: str) -> None:
        original = unit.original if unit.chunks == 1 else (unit.row.text or "")
        self.ledger.append(Rejected(unit.source, unit.line, unit.chunk, unit.chunks, code, reason, original))

    def _stage(self, name: str, records_in: int, start: float, records_out: int) -> None:
        self.stages.append(StageCount(name, records_in, records_out, time.perf_counter() - start))

    # -- convert, clean, quality --------------------------------------------------------------------------
    def convert(self, records: list[SourceRecord]) -> list[Unit]:
        """Convert, clean and check every record; empties `records` (the rows are replaced by cleaned ones)."""
        start = time.perf_counter()
        total = len(records)
        quality_policy = QualityPolicy(self.settings.secrets, self.settings.pii, self.profile.reserved_keywords,
                                       self.profile.reserved_keywords_case_sensitive, self.policy)
        where = [(r.source, r.line, r.original) for r in records]
        with self.progress("convert, clean, check", total) as advance:
            done = convert_parallel(records, ConvertContext(self.spec.format, self.profile.id, quality_policy))
            advance(total)
        records.clear()
        self.fixes.update(done.fixes)
        self.warnings.update(done.warnings)
        for index, code, reason in done.rejected:
            source, line, original = where[index]
            self.ledger.append(Rejected(source, line, 0, 1, code, reason, original))
        units = [Unit(*where[i][:2], 0, 1, where[i][2], row, key) for i, row, key in done.kept]
        self._stage("convert, clean, check", total, start, len(units))
        return units

    # -- chunk --------------------------------------------------------------------------------------------
    def chunk(self, units: list[Unit]) -> list[Unit]:
        """Split pre-training documents over the per-record limit into chunks (DP415)."""
        if self.spec.format != formats.pretraining.NAME:
            return units
        start = time.perf_counter()
        limit = min([*self.limits.values(), *([self.batched_limit] if self.batched_limit else [])], default=None)
        texts = [u.row.text or "" for u in units]
        # A token is at least one byte, so only documents longer in bytes than the limit can be over it.
        suspects = [i for i, t in enumerate(texts) if limit is not None and len(t.encode()) > limit]
        over = {i for i, n in zip(suspects, self.counter.count([texts[i] for i in suspects]).tolist(), strict=True)
                if limit is not None and n > limit}
        if self.max_chars is not None:
            over.update(i for i, t in enumerate(texts) if len(t) > self.max_chars)
        out: list[Unit] = []
        with self.progress("chunk", len(units)) as advance:
            for index, unit in enumerate(units):
                advance(1)
                if index not in over:
                    out.append(unit)
                    continue
                pieces = chunk_text(texts[index], limit or len(texts[index]), self.counter.count, self.max_chars)
                self.fixes["DP415"] += 1
                self.extra_units += len(pieces) - 1
                out.extend(Unit(unit.source, unit.line, i, len(pieces), unit.original, Canonical(text=piece),
                                record_key(Canonical(text=piece))) for i, piece in enumerate(pieces))
        self._stage("chunk", len(units), start, len(out))
        return out

    # -- dedup --------------------------------------------------------------------------------------------
    def dedup(self, units: list[Unit]) -> list[Unit]:
        """Exact then near duplicates; one record per cluster, the one with the lowest content key."""
        start = time.perf_counter()
        # Content order, not input order: which member a cluster keeps must not depend on file order.
        units.sort(key=lambda u: (u.key, u.source, u.line, u.chunk))
        with self.progress("deduplicate", len(units)) as advance:
            result = deduplicate(_DedupTexts(units), self.settings.dedup)
            advance(len(units))
        kept: list[Unit] = []
        members: dict[int, list[Rejected]] = {}
        for index, unit in enumerate(units):
            head = int(result.cluster[index])
            if head == index:
                kept.append(unit)
                continue
            rep = units[head]
            rep.cluster_size += 1
            where = f"{rep.source}:{rep.line}" + (f" chunk {rep.chunk + 1}/{rep.chunks}" if rep.chunks > 1 else "")
            if result.exact_of[index] >= 0:
                code, reason = "DP401", f"duplicate of {where} (same text after case, space and punctuation)"
            else:
                code, reason = "DP402", f"near-duplicate of {where} (Jaccard {result.jaccard[index]:.2f} ≥ " \
                    f"{self.settings.dedup.threshold})"
            self.reject(unit, code, f"{reason}; that record is kept")
            members.setdefault(head, []).append(self.ledger[-1])
        self.clusters = sorted(((units[h], m) for h, m in members.items()), key=lambda c: (-len(c[1]), c[0].key))
        self._stage("deduplicate", len(units), start, len(kept))
        return kept

    # -- split, tokens, limits, language ------------------------------------------------------------------
    def place(self, units: list[Unit]) -> dict[str, list[Unit]]:
        """Offer records in seeded-hash order; tokenize (and language-check) only what can still be placed."""
        start = time.perf_counter()
        spec, settings = self.spec, self.settings
        quota = spec.quota("max_train_records")
        cap = settings.max_train_records if settings.max_train_records is not None else quota
        placer = Placer(settings.validation_fraction, settings.test_fraction,
                        spec.quota("max_validation_records"), cap, settings.max_train_records is not None,
                        spec.quota("max_total_records"))
        for unit in units:
            unit.position = split_position(unit.key, settings.seed)
        units.sort(key=lambda u: (u.position, u.key))
        splits: dict[str, list[Unit]] = {s: [] for s in SPLITS}
        pending: list[Unit] = []
        with self.progress("tokens, limits, split", len(units)) as advance:
            try:
                for unit in units:
                    if placer.full(unit.position):
                        self._sampled_out(unit)
                        continue
                    pending.append(unit)
                    if len(pending) >= _BATCH:
                        self._place_batch(pending, placer, splits)
                        advance(len(pending))
                        pending = []
                self._place_batch(pending, placer, splits)
            except OverQuota:
                raise BuildError(self._over_quota_message(quota, len(units))) from None
            advance(len(units))
        self._stage("tokens, limits, split", len(units), start, sum(map(len, splits.values())))
        return splits

    def _sampled_out(self, unit: Unit) -> None:
        self.reject(unit, "DP504", f"left out by the --max-train-records {self.settings.max_train_records:,} "
                    f"sample (seed {self.settings.seed}); raise the number to keep it")

    def _over_quota_message(self, quota: int | None, candidates: int) -> str:
        return (f"more than {quota:,} training records remain after cleaning and deduplication ({candidates:,} "
                f"candidates); the {self.profile.name} {self.spec.task} quota (max_train_records) is {quota:,}. "
                f"Pass --max-train-records N to keep a deterministic sample of N (the rest go to rejected.jsonl "
                f"as DP504), or raise the quota with --profile-file if your account has a higher one.")

    def _place_batch(self, batch: list[Unit], placer: Placer, splits: dict[str, list[Unit]]) -> None:
        if not batch:
            return
        inputs = self.counter.count([u.row.input_text() for u in batch])
        outputs = self.counter.count([u.row.output_text() for u in batch]) if self.spec.format != \
            formats.pretraining.NAME else np.zeros(len(batch), dtype=np.int64)
        if self.settings.lang:
            for unit, code in zip(batch, self._languages(batch), strict=True):
                unit.lang = code
        for unit, n_in, n_out in zip(batch, inputs.tolist(), outputs.tolist(), strict=True):
            unit.input_tokens, unit.output_tokens = n_in, n_out
            problem = self._limit_problem(unit)
            if problem is not None:
                self.reject(unit, *problem)
                continue
            if self.settings.lang and unit.lang.split("-")[0] not in self.settings.lang:
                self.reject(unit, "DP411", f"detected language {unit.lang!r} ({self.settings.lang_detector}); "
                            f"--lang allows {', '.join(self.settings.lang)}")
                continue
            split = placer.place(unit.position)
            if split is None:
                self._sampled_out(unit)
            else:
                splits[split].append(unit)

    def _limit_problem(self, unit: Unit) -> tuple[str, str] | None:
        how = "exact" if self.counter.exact else f"{self.counter.name}, {self.profile.token_margin:.0%} margin"
        values = {"max_tokens_per_record": unit.input_tokens + unit.output_tokens,
                  "max_input_tokens": unit.input_tokens, "max_output_tokens": unit.output_tokens}
        for key, code, what in _TOKEN_LIMITS:
            limit = self.limits.get(key)
            if limit is not None and values[key] > limit:
                return code, (f"{values[key]:,} {what}; {self.profile.name} allows {self.spec.quota(key):,}, "
                              f"{limit:,} usable ({how}). Shorten the record or split it")
        chars = sum(map(len, unit.row.texts()))
        if self.max_chars is not None and chars > self.max_chars:
            return "DP308", f"{chars:,} characters; {self.profile.name} allows {self.max_chars:,} per record"
        if self.batched_limit is not None and unit.input_tokens + unit.output_tokens > self.batched_limit:
            self.warnings["DP311"] += 1
        return None

    def _languages(self, units: Sequence[Unit]) -> list[str]:
        texts = [u.row.text if u.row.text is not None else " ".join(t.text for t in u.row.turns) for u in units]
        return language_stage.detect_languages(texts, self.settings.lang_detector)

    def detect_languages(self, splits: dict[str, list[Unit]]) -> None:
        """Language of every placed record, for the report (with --lang it was needed earlier, to filter)."""
        if self.settings.lang:
            return
        start = time.perf_counter()
        placed = [u for s in SPLITS for u in splits[s]]
        with self.progress("language", len(placed)) as advance:
            for unit, code in zip(placed, self._languages(placed), strict=True):
                unit.lang = code
            advance(len(placed))
        self._stage("language", len(placed), start, len(placed))


# -- write ----------------------------------------------------------------------------------------------------
def _write(out: Path, result: BuildResult, policy: RulePolicy, reports: bool) -> None:
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
        publish(stage, out, names, stale=[n for n in _OUTPUTS if n not in names])


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
