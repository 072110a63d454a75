"""The language step: each placed record's language, for the report (with `--lang`, for the DP411 filter).

Detection is costly, so it runs only on records that can reach an output: with `--lang` the split walk
calls `languages` per batch before placing; without it, this step labels what was placed.

A record's language is decided per message on the user side (the system prompt and the user turns, or the
text for pre-training): that is what a `--lang` filter is about, and an answer's code or quoted English
must not make a Chinese prompt English. Each message gets a code or `und` (`dataprep.text.language`); the
record takes the code with the most letters among its determined messages, `und` when none is determined
(kept by the filter, counted in the report's languages).
"""

from __future__ import annotations

from collections.abc import Sequence

from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.checks.quotas import SPLITS
from dataprep.parallel import Advance, no_advance
from dataprep.text import language, scripts

UNDETERMINED = language.UNKNOWN  # too little text to judge: the --lang filter keeps it


def languages(units: Sequence[Unit], detector: str, advance: Advance = no_advance) -> list[str]:
    """ISO 639-1 code (or `und`) per unit, from its user-side messages; `advance` is told when they are done."""
    owners: list[int] = []
    texts: list[str] = []
    for index, unit in enumerate(units):
        for text in user_side(unit):
            owners.append(index)
            texts.append(text)
    codes = language.detect_languages(texts, detector)
    weights: list[dict[str, int]] = [{} for _ in units]
    for owner, text, code in zip(owners, texts, codes, strict=True):
        if code != language.UNKNOWN:
            weights[owner][code] = weights[owner].get(code, 0) + max(scripts.letters(text).total, 1)
    advance(len(units))
    return [max(w, key=lambda c: w[c]) if w else language.UNKNOWN for w in weights]


def user_side(unit: Unit) -> list[str]:
    """The texts a record's language is judged on: its text, or its system prompt and user turns."""
    row = unit.row
    if row.text is not None:
        return [row.text]
    texts = [row.system] if row.system else []
    return texts + [t.text for t in row.turns if t.role == "user"]


def run(splits: dict[str, list[Unit]], detector: str, filtered: bool, ledger: Ledger) -> None:
    """Label every placed unit; nothing to do when the `--lang` filter already labelled them."""
    if filtered:
        return
    placed = [u for s in SPLITS for u in splits[s]]
    with ledger.stage("language", len(placed)) as stage:
        for unit, code in zip(placed, languages(placed, detector, stage.advance), strict=True):
            unit.lang = code
        stage.done(len(placed))
