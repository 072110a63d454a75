"""Reserved keywords (DP212): strings whose presence in a record makes the model's customization job fail.

One implementation for `validate` and `build`; which keywords, and whether case matters, come from the
model profile (`reserved_keywords`, `reserved_keywords_case_sensitive`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dataprep.profiles import Profile


def reserved_keyword(texts: Iterable[str], keywords: tuple[str, ...], case_sensitive: bool) -> str | None:
    """The first reserved keyword found in the texts, or None."""
    if not keywords:
        return None
    fold = (lambda s: s) if case_sensitive else str.casefold
    for text in texts:
        folded = fold(text)
        for keyword in keywords:
            if fold(keyword) in folded:
                return keyword
    return None


@dataclass(frozen=True)
class ReservedKeywords:
    """A model's reserved keywords, picklable for the build's worker processes."""

    model: str
    keywords: tuple[str, ...] = ()
    case_sensitive: bool = True

    @classmethod
    def of(cls, profile: Profile) -> ReservedKeywords:
        return cls(profile.name, profile.reserved_keywords, profile.reserved_keywords_case_sensitive)

    def problem(self, texts: Iterable[str]) -> tuple[str, str] | None:
        """("DP212", message) when a text holds one of the reserved keywords."""
        keyword = reserved_keyword(texts, self.keywords, self.case_sensitive)
        if keyword is None:
            return None
        return "DP212", f"reserved keyword {keyword!r} in the text; {self.model} jobs fail on it"
