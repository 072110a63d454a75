"""The user's own validation file (`--validation-file`): cleaned like RAW, and no training record duplicating it.

A validation set the user curated is worth more than a random share of RAW, but it only measures anything
if the model never trained on its records. So its records go through the same convert, chunk and dedup
steps as RAW's and the same per-record checks, become validation.jsonl whole, and every training unit
that is the same text (DP501: one normal form, `dataprep.text.normal`) or a near duplicate (DP502: the
shingles, LSH and true-Jaccard threshold of DP402) of one of its records is removed from train and filed
with the pair: training source:line ↔ validation source:line, and the Jaccard.
"""

from __future__ import annotations

from pathlib import Path

from dataprep.build.dedup import where
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.build.split import split_position
from dataprep.checks.duplicates import SAME, dedup_text, jaccard_shown, media_key
from dataprep.io.read import SourceRecord
from dataprep.text.dedup import DedupSettings, cross_duplicates


def split_records(records: list[SourceRecord], validation_file: str | None) -> list[SourceRecord]:
    """Take the validation file's records out of `records` (read with RAW) and return them."""
    if validation_file is None:
        return []
    target = Path(validation_file).resolve()
    ours = {source for source in {r.source for r in records} if Path(source).resolve() == target}
    held = [r for r in records if r.source in ours]
    records[:] = [r for r in records if r.source not in ours]
    return held


def remove_overlap(train: list[Unit], held: list[Unit], settings: DedupSettings, ledger: Ledger) -> list[Unit]:
    """The training units that duplicate no validation unit; the others are filed as DP501 or DP502."""
    if not train or not held:
        return train
    with ledger.stage("validation overlap", len(train)) as stage:
        media = [media_key(u.row) if u.media else "" for u in (*held, *train)]
        found = cross_duplicates([dedup_text(u.row) for u in held], [dedup_text(u.row) for u in train], settings,
                                 media if any(media) else None)
        stage.advance(len(train))
        dropped: set[int] = set()
        for t, v, value in found:
            unit, other = train[t], held[v]
            pair = f"{where(unit)} ↔ {where(other)}"
            if value >= 1.0 and _same(unit, other):
                reason = f"the same record is in the validation file: {pair} ({SAME})"
                ledger.reject(unit, "DP501", f"{reason}; the validation record is kept")
            else:
                reason = f"near-duplicate of the validation record {where(other)}: {pair} " \
                         f"({jaccard_shown(value, settings.threshold)})"
                ledger.reject(unit, "DP502", f"{reason}; the validation record is kept").jaccard = value
            dropped.add(t)
        kept = [u for i, u in enumerate(train) if i not in dropped]
        stage.done(len(kept))
    return kept


def _same(a: Unit, b: Unit) -> bool:
    from dataprep.text.normal import normalise

    return normalise(dedup_text(a.row)) == normalise(dedup_text(b.row))


def order(held: list[Unit], seed: int) -> list[Unit]:
    """The validation units in the order every split is written in: a seeded hash of their content (of its
    first chunk for a chunked document, whose chunks stay together and in order)."""
    first: dict[tuple[str, int], Unit] = {}
    for unit in held:
        seen = first.setdefault((unit.source, unit.line), unit)
        if unit.chunk < seen.chunk:
            first[unit.source, unit.line] = unit
    for unit in held:
        unit.position = split_position(first[unit.source, unit.line].key, seed)
    return sorted(held, key=lambda u: (u.position, first[u.source, u.line].key, u.source, u.line, u.chunk))
