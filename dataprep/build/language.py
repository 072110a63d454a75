"""The language step: each placed record's language, for the report (with `--lang`, for the DP411 filter).

Detection is costly, so it runs only on records that can reach an output: with `--lang` the split walk
calls `languages` per batch before placing; without it, this step labels what was placed.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.checks.quotas import SPLITS
from dataprep.parallel import Advance, no_advance
from dataprep.text import language


def languages(units: Sequence[Unit], detector: str, advance: Advance = no_advance) -> list[str]:
    """ISO 639-1 code (or `und`) per unit, from its text or all its turns; `advance` is told as chunks are done."""
    texts = [u.row.text if u.row.text is not None else " ".join(t.text for t in u.row.turns) for u in units]
    return language.detect_languages(texts, detector, advance)


def run(splits: dict[str, list[Unit]], detector: str, filtered: bool, ledger: Ledger) -> None:
    """Label every placed unit; nothing to do when the `--lang` filter already labelled them."""
    if filtered:
        return
    placed = [u for s in SPLITS for u in splits[s]]
    with ledger.stage("language", len(placed)) as stage:
        for unit, code in zip(placed, languages(placed, detector, stage.advance), strict=True):
            unit.lang = code
        stage.done(len(placed))
