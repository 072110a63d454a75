"""What makes two records "the same" (DP401, DP501) or nearly so (DP502), for validate and build alike.

One definition of a duplicate, shared by both commands:

- exact (DP401 within a file or build, DP501 between training and validation): `duplicate_key`, the hash
  of `dedup_text` (a record's texts, one per line) in the normal form of `dataprep.text.normal` (NFC, case
  folded, punctuation and whitespace removed). The build's dedup step hashes the same normal form of the
  same text, so a pair validate reports is a pair the build would merge.
- near (DP402 in the build, DP502 between training and validation): that normal form cut into word 3-gram
  shingles, MinHash LSH candidates, and a true Jaccard of the shingle sets at or above the threshold
  (`dataprep.text.dedup`); `near_overlap` runs it at the build's default threshold. That module pulls in
  numpy and datasketch, so it is imported only when there is a pair of files to compare.

`record_key` is a different thing: the content key a build places a record by (a seeded hash of it picks
the split) and sorts by. It ignores case, NFC form and whitespace, and changing it would move every
record of every build to another split, so it stays as it is.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence

from dataprep.formats.base import Canonical
from dataprep.text.normal import normalise


def record_key(row: Canonical) -> str:
    """Hash of the normalised texts: equal for records that differ only in case, NFC form or whitespace.

    A record that shows media is keyed by them too (`media_key`), so the same question about two images is
    two keys; a text-only record keeps the key it always had.
    """
    joined = "\x1f".join(map(_folded_words, row.texts()))
    media = media_key(row)
    return hashlib.blake2b((joined + (f"\x1e{media}" if media else "")).encode(), digest_size=16).hexdigest()


def media_key(row: Canonical) -> str:
    """What a record shows, in order: each media object's sha256 (its location before the build hashed it,
    or an s3:// one), '' for a text-only record. Two records are duplicates only when these are equal."""
    return " ".join(m.sha256 or m.location for m in row.all_media())


def _folded_words(text: str) -> str:
    """The text NFC, case folded, its words joined by one space: `record_key`'s form of one text.

    An ASCII text folds as it lowers, and is its own words joined when its only whitespace is single inner
    spaces (in ASCII only a space is printable whitespace): no split and join, the most of the key's cost (#17).
    """
    if not text.isascii():
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    text = text.lower()
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def duplicate_key(row: Canonical) -> str:
    """Hash of `dedup_text` in the normal form: equal for records that differ only in case, NFC form,
    whitespace or punctuation (DP401, DP501; the build's exact pass compares the same form)."""
    return hashlib.blake2b(normalise(dedup_text(row)).encode(), digest_size=16).hexdigest()


SAME = "same text after case, space and punctuation"


def overlap(train: Mapping[str, tuple[str, int]], validation: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(validation line, DP501 message) for each validation record whose `duplicate_key` is in `train`
    (key -> path, line); the message shows the pair, validation line ↔ training record."""
    for line, key in validation:
        if key in train:
            path, train_line = train[key]
            yield line, f"the same record is in the training file: line {line} ↔ {path}:{train_line} ({SAME})"


def dedup_text(row: Canonical) -> str:
    """The text near-duplicate detection compares for a record: its texts, one per line (build and validate).

    A record's media (an image-caption record's image, a chat turn's images) are part of it: the same caption on
    two images is two records, so their `media_key` follows the texts (rows without media compare exactly as
    before). The near pass also compares only records with equal media keys (`text.dedup`'s `groups`)."""
    media = media_key(row)
    return "\n".join([*row.texts(), media] if media else row.texts())


def jaccard_shown(value: float, threshold: float) -> str:
    """`Jaccard 0.87 ≥ 0.8` for a reason or a finding: cut, never rounded, so 0.996 is not shown as an exact
    copy's 1.00 and no value is shown below a threshold it passed (three decimals where two would be)."""
    cut = math.floor(value * 100 + 1e-9) / 100
    shown = f"{cut:.2f}" if cut >= threshold else f"{math.floor(value * 1000 + 1e-9) / 1000:.3f}"
    return f"Jaccard {shown} ≥ {threshold}"


def near_overlap(train: Sequence[tuple[str, int, str, str]],
                 validation: Sequence[tuple[int, str, str]]) -> Iterator[tuple[int, str]]:
    """(validation line, DP502 message) for each validation text that near-duplicates a training text.

    `train` holds (path, line, text, media), `validation` (line, text, media); texts are `dedup_text` of the
    records, media their `media_key` (near pairs only between records showing the same media). The message names
    the most similar training record and the true Jaccard of their shingle sets.
    """
    if not train or not validation:
        return
    from dataprep.text.dedup import DedupSettings, cross_duplicates

    settings = DedupSettings()
    media = [m for *_, m in train] + [m for *_, m in validation]
    found = cross_duplicates([t[2] for t in train], [v[1] for v in validation], settings, media if any(media) else None)
    for v, t, value in found:
        path, line = train[t][0], train[t][1]
        at = validation[v][0]
        yield at, (f"near-duplicate of the training record {path}:{line}: line {at} ↔ {path}:{line} "
                   f"({jaccard_shown(value, settings.threshold)})")
