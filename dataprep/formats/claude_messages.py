"""Anthropic Claude 3 Haiku records: {"system": str (optional), "messages": [{"role", "content": str}]}."""

from __future__ import annotations

from typing import Any

from dataprep.formats.base import (
    Canonical,
    Emit,
    Turn,
    check_keys,
    check_roles,
    message_roles,
    require_messages,
    require_role,
    require_str,
)

NAME = "claude-messages"
_KEYS = frozenset({"system", "messages"})
_MESSAGE_KEYS = frozenset({"role", "content"})


def check(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """The record's canonical row, or None; every problem is reported through `emit` with its rule code."""
    check_keys(obj, _KEYS, "Claude record", emit)
    system = None
    if "system" in obj:
        if not isinstance(obj["system"], str):
            emit("DP216", f"'system' must be a string for Claude 3 Haiku, found {type(obj['system']).__name__}",
                 "system")
            return None
        system = obj["system"] or None
    messages = require_messages(obj, "Claude record", emit)
    if messages is None:
        return None
    turns: list[Turn] = []
    ok = True
    for number, message in enumerate(messages, 1):
        where = f"message {number}"
        if not isinstance(message, dict):
            emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
            ok = False
            continue
        check_keys(message, _MESSAGE_KEYS, where, emit)
        role = require_role(message, where, emit)
        if isinstance(message.get("content"), list):
            emit("DP204", f"{where}: 'content' must be a string for Claude 3 Haiku, not a list of blocks", "content")
            ok = False
            continue
        content = require_str(message, "content", where, emit)
        if role is None or content is None:
            ok = False
            continue
        turns.append(Turn(role, content))
    check_roles(message_roles(messages), emit)
    return Canonical(system=system, turns=tuple(turns)) if ok and turns else None


def render(row: Canonical) -> dict[str, Any]:
    """The row as a Claude messages record: `system` when there is one, then `messages`."""
    out: dict[str, Any] = {}
    if row.system:
        out["system"] = row.system
    out["messages"] = [{"role": t.role, "content": t.text} for t in row.turns]
    return out
