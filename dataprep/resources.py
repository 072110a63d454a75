"""Locate the data files that ship with dataprep (the `rules/` tree).

In a source checkout or editable install the rules live at the repository root (`rules/`); a built
wheel carries the same tree as `dataprep/_rules` (see `force-include` in pyproject.toml). Looking in
both places keeps one copy of the data in the repository and still works from an installed wheel.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def rules_dir() -> Path:
    """Return the directory holding `checks.toml` and `models/`."""
    for candidate in (_PACKAGE_DIR / "_rules", _PACKAGE_DIR.parent / "rules"):
        if (candidate / "models").is_dir():
            return candidate
    raise FileNotFoundError("dataprep's rules/ directory is missing from this installation; reinstall dataprep")
