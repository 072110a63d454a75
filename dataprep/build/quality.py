"""The pre-training quality step (DP412): each record the model will read is judged after chunking.

A long document becomes several records (`chunk`), and Bedrock trains on each one alone; judging the whole
document dropped good documents for a repeated table in one corner, and kept a chunk that is nothing but a
scraping loop because the rest of its document was fine. So the heuristics (`dataprep.checks.text_quality`)
run per unit, here, after the chunk step; a dropped chunk is filed with its document's source, line and
chunk number. Fine-tuning records pass through untouched.
"""

from __future__ import annotations

from dataprep import formats
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.checks.text_quality import text_problem
from dataprep.registry import RulePolicy, rule

CODE = "DP412"


def run(units: list[Unit], target_format: str, policy: RulePolicy, ledger: Ledger) -> list[Unit]:
    """The pre-training units worth training on; the others go to the ledger under DP412."""
    if target_format != formats.pretraining.NAME or policy.ignored(CODE):
        return units
    kept: list[Unit] = []
    with ledger.stage("text quality", len(units)) as stage:
        for unit in units:
            problem = text_problem(unit.row.text or "", whole=unit.chunks == 1)
            if problem is None:
                kept.append(unit)
            else:
                ledger.reject(unit, CODE, f"{problem}. {rule(CODE).fix}")
            stage.advance(1)
        stage.done(len(kept))
    return kept
