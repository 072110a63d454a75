"""Reserved keywords (DP212): strings whose presence in a record makes the model's customization job fail.

One implementation for `validate` and `build`. Which keywords, and whether case matters, come from the model
profile (`reserved_keywords`, `reserved_keywords_case_sensitive`); which turns are read is each provider's
documented scope:

- Amazon Nova (NOVA-PREP #12): "If a user prompt or system prompt starts with any of these keywords, or has these
  keywords anywhere in the prompt, your training job will fail". The system prompt and the user turns are read;
  assistant answers are not (an answer saying "AI Assistant:" or `class User:` is fine).
- Anthropic Claude 3 Haiku (Bedrock's validator, S-HAIKU): `"\\nHuman:"` and `"\\nAssistant:"` in the system
  prompt or any message.

A keyword that starts with a letter matches only at a token boundary (`ecosystem:` is not `System:`,
`ChatBot:` is not `Bot:`). The finding quotes the text as written, with where it is (turn, line, column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dataprep.formats.base import Canonical
from dataprep.profiles import Profile

PROMPTS, ALL_TURNS = "prompts", "all"
# Providers whose documented rule covers every turn; every other provider's covers prompts only.
_ALL_TURN_PROVIDERS = frozenset({"Anthropic"})

CODE = "DP212"  # a reserved keyword in a text


@dataclass(frozen=True, slots=True)
class Match:
    """One keyword occurrence: the text as written, and where (a 1-based line and column inside `where`)."""

    written: str
    where: str
    line: int
    column: int


def _pattern(keywords: Iterable[str], case_sensitive: bool) -> re.Pattern[str] | None:
    parts = []
    for keyword in sorted(set(keywords), key=len, reverse=True):
        boundary = r"(?<![\w])" if keyword[:1].isalnum() else ""
        parts.append(boundary + re.escape(keyword))
    if not parts:
        return None
    return re.compile("|".join(parts), 0 if case_sensitive else re.IGNORECASE)


def find_keyword(text: str, pattern: re.Pattern[str], where: str) -> Match | None:
    """The first occurrence of a keyword in one text, or None."""
    found = pattern.search(text)
    if found is None:
        return None
    start = found.start()
    line_start = text.rfind("\n", 0, start) + 1
    # A keyword with a leading newline (Haiku's) is located at the word after the newline.
    offset = len(found.group()) - len(found.group().lstrip("\n"))
    if offset:
        line_start, start = start + offset, start + offset
    return Match(found.group(), where, text.count("\n", 0, start) + 1, start - line_start + 1)


def scoped_texts(row: Canonical, scope: str) -> list[tuple[str, str]]:
    """(where, text) of every text the scope covers: the system prompt and user turns, or every turn."""
    if row.text is not None:
        return [("text", row.text)]
    out = [("system prompt", row.system)] if row.system else []
    counts: dict[str, int] = {}
    for turn in row.turns:
        counts[turn.role] = counts.get(turn.role, 0) + 1
        if scope == ALL_TURNS or turn.role == "user":
            out.append((f"{turn.role} turn {counts[turn.role]}", turn.text))
    return out


@dataclass(frozen=True)
class ReservedKeywords:
    """A model's reserved keywords and the turns they apply to, picklable for the build's worker processes."""

    model: str
    keywords: tuple[str, ...] = ()
    case_sensitive: bool = True
    scope: str = PROMPTS
    _compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", _pattern(self.keywords, self.case_sensitive))

    @classmethod
    def of(cls, profile: Profile) -> ReservedKeywords:
        scope = ALL_TURNS if profile.provider in _ALL_TURN_PROVIDERS else PROMPTS
        return cls(profile.name, profile.reserved_keywords, profile.reserved_keywords_case_sensitive, scope)

    def match(self, row: Canonical) -> Match | None:
        """The first keyword in the texts the model's rule covers, or None."""
        if self._compiled is None:
            return None
        for where, text in scoped_texts(row, self.scope):
            found = find_keyword(text, self._compiled, where)
            if found is not None:
                return found
        return None

    def problem(self, row: Canonical) -> tuple[str, str] | None:
        """("DP212", message) when a text the rule covers holds one of the reserved keywords."""
        found = self.match(row)
        if found is None:
            return None
        return CODE, (f"reserved keyword {found.written!r} in the text; {self.model} jobs fail "
                         f"on it ({found.where}, line {found.line}, column {found.column})")
