"""The clean stage: normalise text without changing what it says, and count every change by rule.

Bedrock trains on the bytes it is given, so invisible characters, mixed Unicode forms and ragged
whitespace become things the model learns. Each kind of change has its own rule code (DP413 NFC, DP404
invisible characters, DP414 whitespace, DP416 trailing end-of-text token) so the report can say how many
records each one touched: the build never rewrites content silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dataprep.checks.content import INVISIBLE, STRAY_JOINER, printable
from dataprep.formats.base import Canonical, Turn

_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_BLANK_RUNS = re.compile(r"\n{3,}")
# End-of-sequence markers other training stacks append to every completion.
_END_LITERALS = ("<|endoftext|>", "<|eot_id|>", "<|im_end|>", "<|end|>", "</s>", "<eos>")
_END_TOKENS = re.compile(r"(?:\s*(?:" + "|".join(map(re.escape, _END_LITERALS)) + r"))+\s*\Z")

NFC, INVISIBLE_CHARS, WHITESPACE, END_TOKEN = "DP413", "DP404", "DP414", "DP416"


@dataclass(frozen=True, slots=True)
class Cleaned:
    row: Canonical
    fixes: frozenset[str]  # rule codes of the changes made


def clean_text(text: str, fixes: set[str], *, final: bool = False) -> str:
    """The cleaned text; adds to `fixes` the code of every kind of change made.

    `final` marks the text the model learns to produce (the last answer, or pre-training text), the only
    place where a trailing end-of-text token is unambiguous and removed rather than flagged.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        fixes.add(WHITESPACE)
    if not text.isascii():
        normal = unicodedata.normalize("NFC", text)
        if normal != text:
            fixes.add(NFC)
            text = normal
    if not printable(text):
        stripped = STRAY_JOINER.sub("", INVISIBLE.sub("", text))
        if stripped != text:
            fixes.add(INVISIBLE_CHARS)
            text = stripped
    if final and text.rstrip().endswith(_END_LITERALS):
        cut = _END_TOKENS.sub("", text)
        if cut != text:
            fixes.add(END_TOKEN)
            text = cut
    tidy = text
    # Each regex runs only when a plain substring test says it can match: str methods run at C speed.
    if " \n" in tidy or "\t\n" in tidy:
        tidy = _TRAILING_SPACE.sub("", tidy)
    if "  " in tidy or "\t" in tidy:
        tidy = _INNER_SPACES.sub(" ", tidy)
    if "\n\n\n" in tidy:
        tidy = _BLANK_RUNS.sub("\n\n", tidy)
    tidy = tidy.strip()
    if tidy != text:
        fixes.add(WHITESPACE)
    return tidy


def clean(row: Canonical) -> Cleaned:
    """Clean every text of a canonical row."""
    fixes: set[str] = set()
    if row.text is not None:
        return Cleaned(Canonical(text=clean_text(row.text, fixes, final=True)), frozenset(fixes))
    system = clean_text(row.system, fixes) if row.system else None
    last = len(row.turns) - 1
    turns = tuple(Turn(t.role, clean_text(t.text, fixes, final=i == last)) for i, t in enumerate(row.turns))
    return Cleaned(Canonical(system=system or None, turns=turns), frozenset(fixes))
