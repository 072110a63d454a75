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
_ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"
# ASCII as bytes: case folded (A-Z to a-z is all casefold does to ASCII), and punctuation and every separator
# str.split() knows (U+0009-U+000D, U+001C-U+001F) made a space, in one table lookup per byte; collapsing the
# runs of spaces then gives the words joined as splitting the text would (without a bytes object a word).
_SPACES = bytes([*range(0x09, 0x0E), *range(0x1C, 0x20)])
_ASCII_TABLE = bytes.maketrans(
    bytes(range(ord("A"), ord("Z") + 1)) + _ASCII_PUNCT.encode() + _SPACES,
    bytes(range(ord("a"), ord("z") + 1)) + b" " * (len(_ASCII_PUNCT) + len(_SPACES)),
)
# In text that is not all ASCII the regex decides, and it also takes ASCII controls for punctuation.
_CONTROLS = bytes([*range(0x09), *range(0x0E, 0x1C), 0x7F])
_MIXED_TABLE = bytes.maketrans(
    bytes(range(ord("A"), ord("Z") + 1)) + _ASCII_PUNCT.encode() + _SPACES + _CONTROLS,
    bytes(range(ord("a"), ord("z") + 1)) + b" " * (len(_ASCII_PUNCT) + len(_SPACES) + len(_CONTROLS)),
)
_RUN = re.compile(b"  +")
_ASCII_BYTES = bytes(range(128))
# Text whose non-ASCII characters are at most this share of its UTF-8 bytes takes the bytes path.
_MOSTLY_ASCII = 0.25


def normalise(text: str) -> str:
    """Return the form that is hashed and shingled: NFC, casefolded, punctuation gone, whitespace collapsed.

    Punctuation becomes a space rather than nothing so that ``end.Start`` still splits into two words;
    differences of case, Unicode composition, spacing or punctuation then never hide a duplicate. Text that
    is ASCII, or mostly so, is folded as UTF-8 bytes through one translate table, its few distinct non-ASCII
    characters replaced one by one (a fifth of the time the character regex takes); other text pays for it.
    """
    if text.isascii():
        return _RUN.sub(b" ", text.encode("ascii").translate(_ASCII_TABLE)).strip(b" ").decode("ascii")
    text = unicodedata.normalize("NFC", text)
    folded = _mostly_ascii(text)
    if folded is not None:
        return folded
    return " ".join(_PUNCT.sub(" ", text.casefold()).split())


def _mostly_ascii(text: str) -> str | None:
    """`normalise` of an NFC text by bytes, or None when too much of it is non-ASCII (or it cannot be encoded).

    Per distinct non-ASCII character: its casefold replaces it (casefold works character by character, never
    yields an ASCII capital, and what it yields it leaves alone, so the replacements cannot interfere), then
    each one the regex counts as punctuation or whitespace (not `isalnum`, not `_`; or `isspace`) becomes a
    space. UTF-8 is self-synchronising, so replacing one character's bytes never touches another's.
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return None
    residue = data.translate(None, _ASCII_BYTES)
    if len(residue) > _MOSTLY_ASCII * len(data):
        return None
    present: set[str] = set()
    for char in set(residue.decode("utf-8")):
        fold = char.casefold()
        if fold != char:
            data = data.replace(char.encode("utf-8"), fold.encode("utf-8"))
        present.update(c for c in fold if not c.isascii())
    for char in present:
        if char.isspace() or not (char.isalnum() or char == "_"):
            data = data.replace(char.encode("utf-8"), b" ")
    return _RUN.sub(b" ", data.translate(_MIXED_TABLE)).strip(b" ").decode("utf-8")
