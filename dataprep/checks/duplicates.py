"""Record keys and train/validation overlap (DP401 in validate, DP501): what makes two records "the same".

`record_key` is the content key of a record: equal for records that differ only in case, NFC form or
whitespace. `validate` reports a repeated key in a file as DP401 and a validation record whose key is in
the training file as DP501; the build places records by a seeded hash of the same key (so a record's split
follows its content, not its file position). The build's own exact-duplicate stage also ignores
punctuation (`dataprep.text.dedup.normalise`); making validate's DP401 use that definition too is the
dedup issue's work, because it changes which records validate reports.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

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
