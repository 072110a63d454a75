"""The dedup step (DP401 exact, DP402 near duplicates): one record per cluster reaches an output.

The algorithm (`dataprep.text.dedup`) finds exact duplicates on normalised text and near duplicates with
MinHash LSH verified by true Jaccard; this step decides what a cluster keeps (the member with the lowest
content key, so the choice does not depend on file order) and files every other member in the ledger with
the record it duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from dataprep.build.ledger import Ledger
from dataprep.build.model import Cluster, Rejected, Unit
from dataprep.text.dedup import DedupResult, DedupSettings, deduplicate


def run(units: list[Unit], settings: DedupSettings, ledger: Ledger) -> tuple[list[Unit], list[Cluster]]:
    """The kept units, and each cluster's kept unit with its rejected members (largest clusters first)."""
    # Content order, not input order: which member a cluster keeps must not depend on file order.
    units.sort(key=lambda u: (u.key, u.source, u.line, u.chunk))
    with ledger.stage("deduplicate", len(units)) as stage:
        result = deduplicate(_DedupTexts(units), settings)
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
            code, reason = _reason(index, rep, result, settings)
            members.setdefault(head, []).append(ledger.reject(unit, code, f"{reason}; that record is kept"))
        stage.done(len(kept))
    clusters = sorted(((units[h], m) for h, m in members.items()), key=lambda c: (-len(c[1]), c[0].key))
    return kept, clusters


def _reason(index: int, rep: Unit, result: DedupResult, settings: DedupSettings) -> tuple[str, str]:
    """The code and the evidence: the record kept in its place and, for a near duplicate, the Jaccard."""
    where = f"{rep.source}:{rep.line}" + (f" chunk {rep.chunk + 1}/{rep.chunks}" if rep.chunks > 1 else "")
    if result.exact_of[index] >= 0:
        return "DP401", f"duplicate of {where} (same text after case, space and punctuation)"
    return "DP402", f"near-duplicate of {where} (Jaccard {result.jaccard[index]:.2f} ≥ {settings.threshold})"


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
