"""Record keys and train/validation overlap (DP401 in validate, DP501, DP502): what makes two records "the same".

`record_key` is the content key of a record: equal for records that differ only in case, NFC form or
whitespace. `validate` reports a repeated key in a file as DP401 and a validation record whose key is in
the training file as DP501; the build places records by a seeded hash of the same key (so a record's split
follows its content, not its file position). The build's own exact-duplicate stage also ignores
punctuation (`dataprep.text.dedup.normalise`); making validate's DP401 use that definition too is the
dedup issue's work, because it changes which records validate reports.

DP502 (a validation record near-duplicating a training record) has one definition with the build's DP402:
`near_overlap` compares the same text of a record (`dedup_text`) with `dataprep.text.dedup`'s normalisation,
word 3-gram shingles, MinHash LSH and true-Jaccard verification at the build's default threshold. That
module pulls in numpy and datasketch, so it is imported only when there is a pair of files to compare.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence

from dataprep.formats.base import Canonical


def record_key(row: Canonical) -> str:
    """Hash of the normalised texts: equal for records that differ only in case, NFC form or whitespace."""
    joined = "\x1f".join(" ".join(_nfc(t).casefold().split()) for t in row.texts())
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def overlap(train: Mapping[str, tuple[str, int]], validation: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(validation line, DP501 message) for each validation record whose key is in `train` (key -> path, line)."""
    for line, key in validation:
        if key in train:
            path, train_line = train[key]
            yield line, f"the same record is in the training file ({path}:{train_line})"


def dedup_text(row: Canonical) -> str:
    """The text near-duplicate detection compares for a record: its texts, one per line (build and validate)."""
    return "\n".join(row.texts())


def near_overlap(train: Sequence[tuple[str, int, str]],
                 validation: Sequence[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(validation line, DP502 message) for each validation text that near-duplicates a training text.

    `train` holds (path, line, text), `validation` (line, text); texts are `dedup_text` of the records. The
    message names the most similar training record and the true Jaccard of their shingle sets.
    """
    if not train or not validation:
        return
    from dataprep.text.dedup import DedupSettings, cross_duplicates

    settings = DedupSettings()
    for v, t, value in cross_duplicates([text for _, _, text in train], [text for _, text in validation], settings):
        path, line, _ = train[t]
        yield validation[v][0], (f"near-duplicate of the training record {path}:{line} "
                                 f"(Jaccard {value:.2f} ≥ {settings.threshold})")
