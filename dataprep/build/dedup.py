"""The dedup step (DP401 exact, DP402 near duplicates): one record per cluster reaches an output.

The algorithm (`dataprep.text.dedup`) finds exact duplicates on normalised text and near duplicates with
MinHash LSH verified by true Jaccard; this step puts the units in the order a cluster offers its members
(`--dedup-keep`: content key by default, so what is kept does not depend on file order), asks the split
walk which members could pass its per-record checks (limits, `--lang`) so that the kept one is the first
that can, and files every dropped unit in the ledger with the *kept* record it duplicates and, for a near
duplicate, their true Jaccard: a reason a reviewer can check against the two records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import overload

import numpy as np

from dataprep.build.ledger import Ledger
from dataprep.build.model import Cluster, Rejected, Unit
from dataprep.build.rows import Stored, decoded, portable
from dataprep.checks.duplicates import dedup_text, jaccard_shown, media_key
from dataprep.formats.base import Canonical
from dataprep.text.dedup import DedupResult, DedupSettings, deduplicate
from dataprep.text.signatures import Spill

# Whether each unit could pass the checks after dedup (`place.Walk.eligible`).
Eligible = Callable[[list[Unit]], list[bool]]


def order(units: list[Unit], keep: str) -> None:
    """Sort `units` into the order a cluster offers its members in (`--dedup-keep`); ties by content key."""
    if keep == "first":
        return  # the order the reader and the convert step produced: input order
    if keep == "longest":
        units.sort(key=lambda u: (-len(dedup_text(u.row)), u.key, u.source, u.line, u.chunk))
        return
    # Content order, not input order: which member a cluster keeps must not depend on file order.
    units.sort(key=lambda u: (u.key, u.source, u.line, u.chunk))


def run(units: list[Unit], settings: DedupSettings, ledger: Ledger,
        eligible: Eligible | None = None, spill: Spill = None) -> tuple[list[Unit], list[Cluster]]:
    """The units that pass, and each cluster's kept unit with its rejected members (largest clusters first).

    A unit `eligible` refuses is never kept: it passes on (to be filed by its own check) unless it
    duplicates a kept unit. `spill` is where the signatures may wait on disk, past what budget.
    """
    order(units, settings.keep)
    with ledger.stage("deduplicate", len(units)) as stage:
        asked = None if eligible is None else \
            (lambda idx: np.asarray(eligible([units[i] for i in idx.tolist()]), dtype=bool))
        media = [media_key(u.row) if u.media else "" for u in units]
        texts = _DedupTexts([u.held for u in units])  # media ran before this step: what each holds is settled
        result = deduplicate(texts, settings, asked, stage.phase, media if any(media) else None, spill)
        stage.advance(len(units))
        kept: list[Unit] = []
        members: dict[int, list[Rejected]] = {}
        for index, unit in enumerate(units):
            head = int(result.cluster[index])
            if head == index:
                kept.append(unit)
                continue
            rep = units[head]
            rep.cluster_size += 1
            code, reason = _reason(index, units, result, settings)
            entry = ledger.reject(unit, code, f"{reason}; that record is kept", evidence=True)
            entry.jaccard = float(result.jaccard[index])
            members.setdefault(head, []).append(entry)
        stage.done(len(kept))
    clusters = sorted(((units[h], m) for h, m in members.items()), key=lambda c: (-len(c[1]), c[0].key))
    return kept, clusters


def _reason(index: int, units: Sequence[Unit], result: DedupResult, settings: DedupSettings) -> tuple[str, str]:
    """The code and the evidence: the record kept in its place and, for a near duplicate, the true Jaccard.

    An exact copy of a record that was itself dropped as a near duplicate names both: the copy it equals
    and the kept record, with the Jaccard they share (the copy's own, as the text is the same).
    """
    kept = where(units[int(result.cluster[index])])
    near = f"({jaccard_shown(float(result.jaccard[index]), settings.threshold)})"
    first = int(result.exact_of[index])
    if first < 0:
        return "DP402", f"near-duplicate of {kept} {near}"
    same = "(same text after case, space and punctuation)"
    if int(result.near_of[first]) < 0:  # a copy of the kept record itself
        return "DP401", f"duplicate of {kept} {same}"
    return "DP401", f"duplicate of {where(units[first])} {same}, itself a near-duplicate of {kept} {near}"


def where(unit: Unit) -> str:
    """source:line, and the chunk for a chunked document."""
    return f"{unit.source}:{unit.line}" + (f" chunk {unit.chunk + 1}/{unit.chunks}" if unit.chunks > 1 else "")


class _DedupTexts(Sequence[str]):
    """The text dedup compares, per unit, made from the row it holds on access: a million joined copies would
    double memory. `pick` gives a worker the rows as held (encoded), decoded where they are read (#17)."""

    def __init__(self, held: Sequence[Canonical | bytes | Stored]) -> None:
        self.held = held

    def __len__(self) -> int:
        return len(self.held)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> _DedupTexts: ...
    def __getitem__(self, index: int | slice) -> str | _DedupTexts:
        if isinstance(index, slice):
            return _DedupTexts(self.held[index])
        return dedup_text(decoded(self.held[index]))

    def pick(self, indices: Sequence[int]) -> _DedupTexts:
        """The texts at `indices` for a worker (`dedup.Portable`): a spilled row read back, not decoded."""
        return _DedupTexts([portable(self.held[i]) for i in indices])
