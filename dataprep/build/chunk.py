"""The chunk step (DP415): a continued pre-training document over the per-record limit becomes chunks.

Bedrock fails a job on a record over its token or character limit; a long document is still good
pre-training text, so instead of dropping it the build splits it on paragraph, line, sentence and finally
word boundaries (`dataprep.text.chunk`). Each chunk keeps its document's source and line, and counts as a
unit of its own in the accounting.
"""

from __future__ import annotations

from dataprep import formats
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.checks.duplicates import record_key
from dataprep.checks.limits import RecordLimits
from dataprep.formats.base import Canonical
from dataprep.text.chunk import chunk_text
from dataprep.tokens import TokenCounter


def run(units: list[Unit], target_format: str, limits: RecordLimits, counter: TokenCounter,
        ledger: Ledger) -> list[Unit]:
    """Chunk the pre-training documents that are over a limit; other formats pass through untouched."""
    if target_format != formats.pretraining.NAME:
        return units
    texts = [u.row.text or "" for u in units]
    over = _over_limit(texts, limits, counter)
    out: list[Unit] = []
    with ledger.stage("chunk", len(units)) as stage:
        for index, unit in enumerate(units):
            stage.advance(1)
            if index not in over:
                out.append(unit)
                continue
            text = texts[index]
            pieces = chunk_text(text, limits.smallest or len(text), counter.count, limits.max_chars)
            ledger.fixes["DP415"] += 1
            ledger.extra_units += len(pieces) - 1
            out.extend(Unit(unit.source, unit.line, i, len(pieces), unit.original, Canonical(text=piece),
                            record_key(Canonical(text=piece))) for i, piece in enumerate(pieces))
        stage.done(len(out))
    return out


def _over_limit(texts: list[str], limits: RecordLimits, counter: TokenCounter) -> set[int]:
    """Indices of the documents over the smallest token limit or the character quota."""
    limit = limits.smallest
    # A token is at least one byte, so only documents longer in bytes than the limit can be over it.
    suspects = [i for i, t in enumerate(texts) if limit is not None and len(t.encode()) > limit]
    over = {i for i, n in zip(suspects, counter.count([texts[i] for i in suspects]).tolist(), strict=True)
            if limit is not None and n > limit}
    if limits.max_chars is not None:
        over.update(i for i, t in enumerate(texts) if len(t) > limits.max_chars)
    return over
