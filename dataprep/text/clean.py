"""The clean stage: normalise text without changing what it says, and count every change by rule.

Bedrock trains on the bytes it is given, so invisible characters, mixed Unicode forms and ragged
whitespace become things the model learns. Each kind of change has its own rule code (DP413 NFC, DP404
invisible characters, DP414 whitespace, DP416 end-of-sequence marker ending a turn, DP419 mojibake when
`--fix-mojibake` asks) so the report can say how many
records each one touched: the build never rewrites content silently. A code switched off (the config's
`ignore`, or a `--select` that leaves it out) changes nothing.

Whitespace is meaning in code and in aligned tables: `print("a  b")` prints two spaces, and a column of
figures lines up on them. So DP414 rewrites only prose lines: never a line inside a fenced block, an indented
line, a line that looks like code (quotes, brackets, operators, `$`, backticks) or a line of an aligned table
(two or more neighbouring lines with inner runs of spaces), and blank lines inside a fence are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dataprep.checks.content import INVISIBLE, STRAY_JOINER, printable
from dataprep.checks.junk import fix_mojibake
from dataprep.checks.text_quality import FENCE
from dataprep.formats.base import Canonical, Turn

_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")
_INDENTED = re.compile(r"(?: {4}|\t)")
# Characters prose rarely holds and code, shell and templates do; an apostrophe inside a word is prose.
_CODE_CHARS = re.compile(r"[\"'`$=;{}\[\]<>|\\()]")
_WORD_APOSTROPHE = re.compile(r"(?<=\w)['\u2019](?=\w)")
# End-of-sequence markers other training stacks append to every turn (ChatML, Llama 2 and 3, Gemma, Phi,
# GPT-2, SentencePiece, and the `###eos_token###` of exported GPT-J/Alpaca data).
_END_LITERALS = ("<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>",
                 "<end_of_turn>", "[/INST]", "###eos_token###", "</s>", "<eos>")
# The words that name a marker in a sentence about it, right before it.
_NAMED = re.compile(r"\b(?:with|emits?|and|or|token|marker|as|like|by|is|writes?|outputs?|returns?|appends?|adds?|"
                    r"uses?|then|in)\s+\Z")
_END_TOKENS = re.compile(r"(?:\s*(?:" + "|".join(map(re.escape, _END_LITERALS)) + r"))+\s*\Z")

NFC, INVISIBLE_CHARS, WHITESPACE, END_TOKEN, MOJIBAKE = "DP413", "DP404", "DP414", "DP416", "DP419"
CODES = (NFC, INVISIBLE_CHARS, WHITESPACE, END_TOKEN, MOJIBAKE)  # the cleaning rules, each one can be switched off


@dataclass(frozen=True, slots=True)
class Cleaned:
    row: Canonical
    fixes: frozenset[str]  # rule codes of the changes made


def clean_text(text: str, fixes: set[str], *, off: frozenset[str] = frozenset(), mojibake: bool = False) -> str:
    """The cleaned text; adds to `fixes` the code of every kind of change made; codes in `off` change nothing.

    An end-of-sequence marker at the end of a turn (DP416) is removed: Bedrock adds the model's own, and a
    literal one would be learned as text. `mojibake` (`--fix-mojibake`) re-decodes mis-decoded text (DP419).
    """
    if mojibake and MOJIBAKE not in off:
        repaired = fix_mojibake(text)
        if repaired != text:
            fixes.add(MOJIBAKE)
            text = repaired
    if NFC not in off and not text.isascii():
        normal = unicodedata.normalize("NFC", text)
        if normal != text:
            fixes.add(NFC)
            text = normal
    if INVISIBLE_CHARS not in off and not printable(text):
        stripped = STRAY_JOINER.sub("", INVISIBLE.sub("", text))
        if stripped != text:
            fixes.add(INVISIBLE_CHARS)
            text = stripped
    if END_TOKEN not in off and text.rstrip().endswith(_END_LITERALS) and not _not_a_marker(text):
        cut = _END_TOKENS.sub("", text)
        if cut != text:
            fixes.add(END_TOKEN)
            text = cut
    if WHITESPACE not in off:
        tidy = tidy_whitespace(text)
        if tidy != text:
            fixes.add(WHITESPACE)
            text = tidy
    return text


def _not_a_marker(text: str) -> bool:
    """Not an appended marker: a `</s>` that closes a strikethrough the text opens (`<s>old</s>`), or a marker
    the sentence names ("the model emits </s>", "wraps it in [INST] and [/INST]")."""
    body = text.rstrip()
    if body.endswith("</s>") and "<s>" in body:
        return True
    marker = max((m for m in _END_LITERALS if body.endswith(m)), key=len)
    return _NAMED.search(body[: len(body) - len(marker)]) is not None


def tidy_whitespace(text: str) -> str:
    """Line ends unified; prose lines' trailing and inner runs of spaces, blank runs and the edges trimmed.

    The text's edges (blank lines around it, the first line's indent, the last line's trailing spaces) are
    trimmed too, except where they belong to a fenced or indented block.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    kinds = line_kinds(lines)
    out: list[tuple[str, str]] = []
    blanks = 0
    for line, kind in zip(lines, kinds, strict=True):
        if kind:
            out.append((line, kind))
            blanks = 0
            continue
        line = line.rstrip(" \t")
        if "  " in line or "\t" in line:
            line = _INNER_SPACES.sub(" ", line)
        blanks = blanks + 1 if not line else 0
        if blanks < 2:
            out.append((line, kind))
    while out and not out[0][0].strip():
        out.pop(0)
    while out and not out[-1][0].strip():
        out.pop()
    if not out:
        return ""
    if out[0][1] != BLOCK:
        out[0] = (out[0][0].lstrip(" \t"), out[0][1])
    if out[-1][1] != BLOCK:
        out[-1] = (out[-1][0].rstrip(" \t"), out[-1][1])
    return "\n".join(line for line, _ in out)


BLOCK, LINE = "block", "line"  # whitespace kept: a fenced or indented block's line; a code-like or table line


def line_kinds(lines: list[str]) -> list[str]:
    """Per line, why its whitespace is meaning ("" for prose): BLOCK (fenced, indented) or LINE (code-like, table)."""
    kinds = [""] * len(lines)
    fenced = False
    several = sum(1 for line in lines if line.strip()) > 1  # a lone indented line is an edge, not a block
    for i, line in enumerate(lines):
        if FENCE.match(line):
            kinds[i] = BLOCK
            fenced = not fenced
        elif fenced or (several and line.strip() and _INDENTED.match(line)):
            kinds[i] = BLOCK
        elif _CODE_CHARS.search(_WORD_APOSTROPHE.sub("", line)):
            kinds[i] = LINE
    aligned = [not k and _INNER_SPACES.search(line) is not None for line, k in zip(lines, kinds, strict=True)]
    for i, is_aligned in enumerate(aligned):
        if is_aligned and ((i > 0 and aligned[i - 1]) or (i + 1 < len(aligned) and aligned[i + 1])):
            kinds[i] = LINE
    return kinds


def clean(row: Canonical, off: frozenset[str] = frozenset(), mojibake: bool = False) -> Cleaned:
    """Clean every text of a canonical row; the rule codes in `off` are switched off and change nothing;
    `mojibake` re-decodes mis-decoded text (only when the user asks: `--fix-mojibake`)."""
    fixes: set[str] = set()
    if row.text is not None:
        return Cleaned(Canonical(text=clean_text(row.text, fixes, off=off, mojibake=mojibake), media=row.media),
                       frozenset(fixes))
    system = clean_text(row.system, fixes, off=off, mojibake=mojibake) if row.system else None
    turns = tuple(Turn(t.role, clean_text(t.text, fixes, off=off, mojibake=mojibake), t.media) for t in row.turns)
    return Cleaned(Canonical(system=system or None, turns=turns, media=row.media), frozenset(fixes))
