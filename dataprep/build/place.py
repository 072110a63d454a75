"""The split walk: tokens, per-record limits, language filter and split, in one pass in seeded-hash order.

Records are offered to the split in the order of a seeded hash of their content key, so the capped splits
fill with a deterministic, uniformly random sample. The chunks of a continued pre-training document are
placed by their document's key (see `_document_keys`), as one block: a document whose chunks sat in train
and validation would leak its text into the validation loss. Tokenizing and language detection are the costly
per-record work, so they run batch by batch only on records that can still be placed; once the capped
splits are full the rest are sampled out (DP504) untouched. A record over a limit is DP305-DP308, a record
in a language `--lang` does not allow DP411; more training records than the quota without
`--max-train-records` stops the build (DP503).
"""

from __future__ import annotations

import numpy as np

from dataprep import formats
from dataprep.build.language import UNDETERMINED, languages, user_side
from dataprep.build.ledger import Ledger
from dataprep.build.model import BuildSettings, Unit
from dataprep.build.split import OverQuota, Placer, split_position
from dataprep.checks.content import excerpt
from dataprep.checks.limits import WARN_ONLY, RecordLimits
from dataprep.checks.quotas import MAX_TOTAL, SPLITS, TRAIN, VALIDATION, record_quota
from dataprep.errors import BuildError
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import rule
from dataprep.tokens import TokenCounter

_BATCH = 2048  # records tokenized (and language-detected) per step of the walk
_OVER_QUOTA = "DP503"


class Walk:
    """The split walk of one build: its settings, limits and tokenizer, and the ledger it reports to."""

    def __init__(self, profile: Profile, spec: TaskSpec, settings: BuildSettings, limits: RecordLimits,
                 counter: TokenCounter, ledger: Ledger) -> None:
        self.profile, self.spec, self.settings, self.limits = profile, spec, settings, limits
        self.counter, self.ledger = counter, ledger
        quota = record_quota(spec, TRAIN)
        cap = settings.max_train_records if settings.max_train_records is not None else quota
        self.placer = Placer(settings.validation_fraction, settings.test_fraction, record_quota(spec, VALIDATION),
                             cap, settings.max_train_records is not None, spec.quota(MAX_TOTAL))
        self.splits: dict[str, list[Unit]] = {s: [] for s in SPLITS}
        # A chunked document (source, line): how many of its chunks reach the walk, and the split its first chose.
        self.doc_chunks: dict[tuple[str, int], int] = {}
        self.documents: dict[tuple[str, int], str | None] = {}
        # One string for every DP504 entry: a capped build of a million records files ~900k of them (~120 MB
        # as separate copies, held from the walk to the ledger's write).
        self._sampled_reason = f"left out by the --max-train-records {settings.max_train_records or 0:,} sample " \
                               f"(seed {settings.seed}); raise the number to keep it"

    def run(self, units: list[Unit]) -> dict[str, list[Unit]]:
        """Place every unit or file it in the ledger; raises BuildError over the training quota."""
        keys = _document_keys(units)
        for unit in units:
            unit.position = split_position(keys.get((unit.source, unit.line), unit.key), self.settings.seed)
            if unit.chunks > 1:
                self.doc_chunks[unit.source, unit.line] = self.doc_chunks.get((unit.source, unit.line), 0) + 1
        # A document's chunks share a position: keep them together and in document order.
        units.sort(key=lambda u: (u.position, keys.get((u.source, u.line), u.key), u.chunk))
        pending: list[Unit] = []
        with self.ledger.stage("tokens, limits, split", len(units)) as stage:
            try:
                for unit in units:
                    if self.placer.full(unit.position):
                        self._sampled_out(unit)
                        continue
                    pending.append(unit)
                    if len(pending) >= _BATCH:
                        self._place_batch(pending)
                        stage.advance(len(pending))
                        pending = []
                self._place_batch(pending)
            except OverQuota:
                raise BuildError(self._over_quota_message(len(units))) from None
            stage.advance(len(units))
            stage.done(sum(map(len, self.splits.values())))
        return self.splits

    def eligible(self, units: list[Unit]) -> list[bool]:
        """Whether each unit passes the per-record checks of the walk (limits, `--lang`), measuring it once.

        The dedup step asks this of the members of each duplicate cluster, so that the record a cluster keeps
        is one that can reach an output; the walk then files the ones that fail, without measuring again.
        """
        self._measure(units)
        return [self._problem(unit)[0] is None for unit in units]

    def check(self, units: list[Unit]) -> list[Unit]:
        """The units that pass the per-record checks; the others are filed (the user's validation file)."""
        self._measure(units)
        return [unit for unit in units if not self._rejected(unit)]

    def _measure(self, units: list[Unit]) -> None:
        """Tokens (and the language, with --lang) of the units not measured yet."""
        todo = [u for u in units if not u.measured]
        if not todo:
            return
        inputs = self.counter.count([u.row.input_text() for u in todo])
        outputs = self.counter.count([u.row.output_text() for u in todo]) if self.spec.format != \
            formats.pretraining.NAME else np.zeros(len(todo), dtype=np.int64)
        if self.settings.lang:
            for unit, code in zip(todo, languages(todo, self.settings.lang_detector), strict=True):
                unit.lang = code
        for unit, n_in, n_out in zip(todo, inputs.tolist(), outputs.tolist(), strict=True):
            unit.input_tokens, unit.output_tokens, unit.measured = n_in, n_out, True

    def _place_batch(self, batch: list[Unit]) -> None:
        if not batch:
            return
        self._measure(batch)
        for unit in batch:
            if self._rejected(unit):
                continue
            split = self._split(unit)
            if split is None:
                self._sampled_out(unit)
            else:
                self.splits[split].append(unit)

    def _split(self, unit: Unit) -> str | None:
        """The placer's split for a record; a document's later chunks follow its first chunk's split."""
        if unit.chunks <= 1:
            return self.placer.place(unit.position)
        doc = (unit.source, unit.line)
        if doc in self.documents:
            split = self.documents[doc]
            if split is not None:
                self.placer.follow(split)
        else:
            split = self.documents[doc] = self.placer.place(unit.position, self.doc_chunks[doc])
        return split

    def _rejected(self, unit: Unit) -> bool:
        """File the unit when it is over a limit (DP305-DP308) or in a language --lang does not allow (DP411)."""
        drop, warnings = self._problem(unit)
        self.ledger.warnings.update(warnings)
        if drop is not None:
            self.ledger.reject(unit, *drop)
            return True
        return False

    def _problem(self, unit: Unit) -> tuple[tuple[str, str] | None, list[str]]:
        """(code, reason) of the check a measured unit fails, or None; and the warn-only codes it has."""
        problems = self.limits.token_problems(unit.input_tokens, unit.output_tokens)
        drop = next((p for p in problems if p[0] not in WARN_ONLY), None) or self.limits.char_problem(unit.row.texts())
        if drop is not None:
            return (drop[0], f"{drop[1]}. {rule(drop[0]).fix}"), []
        warnings = [code for code, _ in problems if code in WARN_ONLY]
        if self.settings.lang and unit.lang != UNDETERMINED and unit.lang.split("-")[0] not in self.settings.lang:
            said = next((t for t in user_side(unit) if t.strip()), "")
            return ("DP411", f"detected language {unit.lang!r} ({self.settings.lang_detector}) in "
                    f"{excerpt(said, 0)}; --lang allows {', '.join(self.settings.lang)}"), warnings
        return None, warnings

    def _sampled_out(self, unit: Unit) -> None:
        self.ledger.reject(unit, "DP504", self._sampled_reason)

    def _over_quota_message(self, candidates: int) -> str:
        """Which quota is full (the training quota, or train + validation for models with a total one)."""
        quota = record_quota(self.spec, TRAIN)
        key, what = ("max_train_records", "training") if quota is not None else \
            (MAX_TOTAL, "training + validation")
        limit = quota if quota is not None else self.spec.quota(MAX_TOTAL)
        return (f"{_OVER_QUOTA} more than {limit:,} {what} records remain after cleaning and deduplication "
                f"({candidates:,} candidates); the {self.profile.name} {self.spec.task} quota ({key}) "
                f"is {limit:,}. Pass --max-train-records N to keep a deterministic sample of N (the rest go to "
                f"rejected.jsonl as DP504), or raise the quota with --profile-file if your account has a higher one.")


def _document_keys(units: list[Unit]) -> dict[tuple[str, int], str]:
    """(source, line) -> the key a chunked document is placed by: that of its first chunk still in the build.

    A content key, not the source and line, so that a document's split follows its text as a record's
    does (renaming or reordering input files moves nothing). Dedup may have dropped the first chunk; the
    first surviving one then stands in, which is still decided by content alone.
    """
    first: dict[tuple[str, int], Unit] = {}
    for unit in units:
        if unit.chunks > 1:
            seen = first.setdefault((unit.source, unit.line), unit)
            if unit.chunk < seen.chunk:
                first[unit.source, unit.line] = unit
    return {doc: unit.key for doc, unit in first.items()}
