"""Continued pre-training records (Titan Text): {"input": str}, the only field."""

from __future__ import annotations

from typing import Any

from dataprep.formats.base import Canonical, Emit, check_keys, require_str

NAME = "pretraining"
_KEYS = frozenset({"input"})


def check(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """The record's text as an unlabelled row, or None after reporting the problem."""
    check_keys(obj, _KEYS, "continued pre-training record", emit)
    text = require_str(obj, "input", "continued pre-training record", emit)
    return None if text is None else Canonical(text=text)


def render(row: Canonical) -> dict[str, Any]:
    """The row's text; a labelled row becomes its texts joined by blank lines."""
    return {"input": row.text if row.text is not None else "\n\n".join(row.texts())}
