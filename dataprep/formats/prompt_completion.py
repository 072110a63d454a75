"""Bedrock prompt/completion records (Titan, Llama 3.1, Cohere): {"prompt": str, "completion": str}."""

from __future__ import annotations

from typing import Any

from dataprep.formats.base import Canonical, Emit, Turn, check_keys, require_str

NAME = "prompt-completion"
_KEYS = frozenset({"prompt", "completion"})


def check(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """The record as one user/assistant exchange, or None after reporting the problem."""
    check_keys(obj, _KEYS, "prompt/completion record", emit)
    prompt = require_str(obj, "prompt", "prompt/completion record", emit)
    completion = require_str(obj, "completion", "prompt/completion record", emit)
    if prompt is None or completion is None:
        return None
    return Canonical(turns=(Turn("user", prompt), Turn("assistant", completion)))


def render(row: Canonical) -> dict[str, Any]:
    """One exchange maps directly; a multi-turn conversation is flattened into a labelled transcript prompt."""
    if len(row.turns) == 2 and not row.system:
        return {"prompt": row.turns[0].text, "completion": row.turns[1].text}
    # Single newlines between turns: "\n\nAssistant:" is Anthropic's own template marker (DP406).
    history = [row.system] if row.system else []
    history += [f"{t.role.capitalize()}: {t.text}" for t in row.turns[:-1]]
    return {"prompt": "\n".join(history), "completion": row.turns[-1].text}
