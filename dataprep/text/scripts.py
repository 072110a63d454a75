"""Which writing system a text's letters are in, so that a script alone can settle its language.

A language model guesses; a script is a fact. Han, kana, Hangul, Thai, Greek, Hebrew and a few other scripts
are each used by one language (or one that matters for a `--lang` filter), so a text mostly in one of them
is that language whatever a detector says. Cyrillic, Arabic and Devanagari are shared by several languages:
the text is one of those, and a detector only chooses among them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

LATIN = "Latin"
# (first code point, last code point, script); sorted, non-overlapping.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, LATIN), (0x0061, 0x007A, LATIN), (0x00C0, 0x024F, LATIN),
    (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
    (0x08A0, 0x08FF, "Arabic"), (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"), (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
    (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"), (0x1780, 0x17FF, "Khmer"),
    (0x1E00, 0x1EFF, LATIN), (0x1F00, 0x1FFF, "Greek"), (0x3040, 0x309F, "Kana"), (0x30A0, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"), (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"),
    (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "Han"), (0xFF66, 0xFF9F, "Kana"), (0x20000, 0x2FA1F, "Han"),
)
_STARTS = [r[0] for r in _RANGES]
_NOT_ASCII_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
# Scripts written without spaces between words, or with one character a syllable: one of their letters
# weighs about as much as a word of Latin letters does in deciding what a mixed text is.
WIDE = frozenset({"Han", "Kana", "Hangul"})
_WIDE_WEIGHT = 3
# A script that one language writes; the rest are shared (see SHARED).
SINGLE = {"Han": "zh", "Kana": "ja", "Hangul": "ko", "Greek": "el", "Hebrew": "he", "Armenian": "hy",
          "Georgian": "ka", "Thai": "th", "Lao": "lo", "Khmer": "km", "Myanmar": "my", "Bengali": "bn",
          "Gurmukhi": "pa", "Gujarati": "gu", "Tamil": "ta", "Telugu": "te", "Kannada": "kn", "Malayalam": "ml"}
# A shared script: the languages a detector may choose among, the first one when it names another.
SHARED = {"Cyrillic": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"),
          "Arabic": ("ar", "fa", "ur", "ps", "ug", "ku"),
          "Devanagari": ("hi", "mr", "ne", "sa")}


def script_of(char: str) -> str | None:
    """The script of one letter, or None (digits, punctuation, symbols, scripts not listed)."""
    point = ord(char)
    i = bisect_right(_STARTS, point) - 1
    if i >= 0 and point <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


@dataclass(frozen=True, slots=True)
class Letters:
    """A text's letters by script: the weight of each, and the one that dominates."""

    weights: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.weights.values())

    @property
    def latin(self) -> int:
        return self.weights.get(LATIN, 0)

    def dominant(self) -> str | None:
        """The script with the most weight (Latin included); None without letters."""
        if not self.weights:
            return None
        return max(sorted(self.weights), key=lambda s: self.weights[s])


def letters(text: str) -> Letters:
    """Count the letters of `text` by script; CJK letters weigh `_WIDE_WEIGHT`.

    Counted without a Python step per character (#17: the language stage spent 60% of its time here, more
    than the detector): ASCII as bytes with everything but A-Z and a-z deleted, other text through
    `Counter`, each distinct character then classified once."""
    if text.isascii():
        n = len(text.encode("ascii").translate(None, _NOT_ASCII_LETTERS))
        return Letters({LATIN: n} if n else {})
    weights: dict[str, int] = {}
    for char, count in Counter(text).items():
        if not char.isalpha():
            continue
        script = script_of(char)
        if script is not None:
            weights[script] = weights.get(script, 0) + count * (_WIDE_WEIGHT if script in WIDE else 1)
    if weights.get("Han") and weights.get("Kana"):  # Japanese mixes kanji and kana
        weights["Kana"] += weights.pop("Han")
    return Letters(weights)
