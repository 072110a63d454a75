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

from dataprep.checks.content import printable, without_invisible
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
# The words that name a marker in a sentence about it, as the last word before it (read on the 16 characters that
# end the text before the marker: no word here is that long, so the cut cannot make a word boundary).
_NAMING_WORD = re.compile(r"\b(?:with|emits?|and|or|token|marker|as|like|by|is|writes?|outputs?|returns?|appends?|"
                          r"adds?|uses?|then|in)\Z")

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
        stripped = without_invisible(text)
        if stripped != text:
            fixes.add(INVISIBLE_CHARS)
            text = stripped
    if END_TOKEN not in off and (body := text.rstrip()).endswith(_END_LITERALS) and not _not_a_marker(body):
        fixes.add(END_TOKEN)
        text = without_end_markers(text)
    if WHITESPACE not in off:
        tidy = tidy_whitespace(text)
        if tidy != text:
            fixes.add(WHITESPACE)
            text = tidy
    return text


def _not_a_marker(body: str) -> bool:
    """Not an appended marker: a `</s>` that closes a strikethrough the text opens (`<s>old</s>`), or a marker
    the sentence names ("the model emits </s>", "wraps it in [INST] and [/INST]"). `body` is the text without
    its trailing whitespace, and ends with a marker."""
    if body.endswith("</s>") and "<s>" in body:
        return True
    marker = _marker_ending(body, len(body))
    before = body[: len(body) - len(marker)]
    last = before.rstrip()
    return len(last) < len(before) and _NAMING_WORD.search(last[-16:]) is not None


def without_end_markers(text: str) -> str:
    """The text without the run of end-of-sequence markers that ends it, and the whitespace around them.

    Read from the end, a marker at a time: no marker ends with another, so each step has one choice. (A
    pattern anchored at the text's end was tried from every position of the text: 10 us a T0 text, #17.)
    """
    body = end = len(text.rstrip())
    while text.endswith(_END_LITERALS, 0, end):
        end = len(text[: end - len(_marker_ending(text, end))].rstrip())
    return text if end == body else text[:end]


def _marker_ending(text: str, end: int) -> str:
    """The marker `text[:end]` ends with (the caller knows it ends with one, from one C test of them all). No
    marker ends with another, so it is the first found."""
    return next(marker for marker in _END_LITERALS if text.endswith(marker, 0, end))


def tidy_whitespace(text: str) -> str:
    """Line ends unified; prose lines' trailing and inner runs of spaces, blank runs and the edges trimmed.

    The text's edges (blank lines around it, the first line's indent, the last line's trailing spaces) are
    trimmed too, except where they belong to a fenced or indented block.

    Most texts need no line-by-line pass (#17: 44 us a T0 text, a tenth of the build's CPU): a text with no CR,
    tab, double space, space before a line end or two blank lines in a row changes only at its edges, and not
    at all when it has no edge to trim; edges of line ends only (T0's prompts end with one) go whole, and a
    single line's edges are its own.
    """
    if not any(mark in text for mark in _INSIDE_MARKS):
        stripped = text.strip()
        if stripped == text or stripped == text.strip("\n"):
            return stripped
        if "\n" not in text and not FENCE.match(text):
            return text.strip(" \t") if stripped else ""
    return _tidy_lines(text)


# What tidying can change inside a text; without any of them only the edges can change.
_INSIDE_MARKS = ("\r", "\t", "  ", " \n", "\n\n\n")


def _tidy_lines(text: str) -> str:
    """`tidy_whitespace` line by line: the rules themselves (the shortcuts above give the same text). A line is
    classified (`_Kinds`) only when tidying would change it or it is an edge: most lines of a text have nothing
    to tidy, whatever their kind."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    kinds = _Kinds(lines, text)
    out: list[tuple[str, int]] = []
    blanks = 0
    for i, line in enumerate(lines):
        if (line and line[-1] not in " \t" and "  " not in line and "\t" not in line) or kinds[i]:
            out.append((line, i))
            blanks = 0
            continue
        line = line.rstrip(" \t")
        if "  " in line or "\t" in line:
            line = _INNER_SPACES.sub(" ", line)
        blanks = blanks + 1 if not line else 0
        if blanks < 2:
            out.append((line, i))
    while out and not out[0][0].strip():
        out.pop(0)
    while out and not out[-1][0].strip():
        out.pop()
    if not out:
        return ""
    if kinds[out[0][1]] != BLOCK:
        out[0] = (out[0][0].lstrip(" \t"), out[0][1])
    if kinds[out[-1][1]] != BLOCK:
        out[-1] = (out[-1][0].rstrip(" \t"), out[-1][1])
    return "\n".join(line for line, _ in out)


BLOCK, LINE = "block", "line"  # whitespace kept: a fenced or indented block's line; a code-like or table line


class _Kinds:
    """Per line, why its whitespace is meaning ("" for prose): BLOCK (fenced, indented) or LINE (code-like, or
    a table row: spaced like the line beside it). Worked out per line when asked, and remembered."""

    def __init__(self, lines: list[str], text: str) -> None:
        self.lines = lines
        self.fenced = _fenced(lines) if "```" in text or "~~~" in text else None
        self.several: bool | None = None  # more than one non-blank line: a lone indented line is an edge
        self.base: dict[int, str] = {}

    def __getitem__(self, i: int) -> str:
        return self._base(i) or (LINE if self._aligned(i) and (self._aligned(i - 1) or self._aligned(i + 1)) else "")

    def _base(self, i: int) -> str:
        found = self.base.get(i)
        if found is None:
            found = self.base[i] = self._classify(self.lines[i], i)
        return found

    def _classify(self, line: str, i: int) -> str:
        if self.fenced is not None and self.fenced[i]:
            return BLOCK
        if line.strip() and _INDENTED.match(line):
            if self.several is None:
                self.several = sum(1 for each in self.lines if each.strip()) > 1
            if self.several:
                return BLOCK
        if _CODE_CHARS.search(line) and (("'" not in line and "\u2019" not in line)
                                         or _CODE_CHARS.search(_WORD_APOSTROPHE.sub("", line))):
            return LINE
        return ""

    def _aligned(self, i: int) -> bool:
        """Inner runs of spaces in a prose line: a table's row when the line beside it has them too."""
        if not 0 <= i < len(self.lines):
            return False
        line = self.lines[i]
        return ("  " in line or "\t" in line) and not self._base(i) and _INNER_SPACES.search(line) is not None


def _fenced(lines: list[str]) -> list[bool]:
    """Per line, whether it is a fence or inside a fenced block."""
    inside, fenced = False, []
    for line in lines:
        if FENCE.match(line):
            inside = not inside
            fenced.append(True)
        else:
            fenced.append(inside)
    return fenced


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
