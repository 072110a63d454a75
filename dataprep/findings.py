"""Findings: what a check says about one place in one file.

Every check in dataprep reports through this one type so that the linter output, the build ledger and
the report all point at the same `path:line:col` and carry a stable rule code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that `max()` over findings gives the worst one."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; use error, warning or info") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `line` and `col` are 1-based; 0 means the whole file.

    `end_col` is the 1-based column just past the matched text on `line` (the end of a key, a token, a field)
    when the check knows it, else 0; it is not part of the pinned `as_dict` (the `--format json` array).
    """

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str
    end_col: int = 0

    @property
    def whole_file(self) -> bool:
        """A finding about the file as a whole (a quota, a file name): it has no line to point at."""
        return self.line <= 0

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)
