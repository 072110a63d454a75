"""The one definition of "the same text" for duplicates: the normal form build and validate both compare.

`dataprep build` (DP401 exact, DP402 near, DP501/DP502 against a validation file) and `dataprep validate`
(DP401, DP501, DP502) must agree on what a duplicate is, so the normal form is written once, here, in a
module light enough for validate to import at start-up (the MinHash machinery of `dedup` is not).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise"]

_PUNCT = re.compile(r"[^\w\s]+")
_ASCII_PUNCT = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"})


def normalise(text: str) -> str:
    """Return the form that is hashed and shingled: NFC, casefolded, punctuation gone, whitespace collapsed.

    Punctuation becomes a space rather than nothing so that ``end.Start`` still splits into two words;
    differences of case, Unicode composition, spacing or punctuation then never hide a duplicate. ASCII
    text (most of it) takes a translate-table fast path; only other text pays for NFC and the regex.
    """
    if text.isascii():
        return " ".join(text.casefold().translate(_ASCII_PUNCT).split())
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())
