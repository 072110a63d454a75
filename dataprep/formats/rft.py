"""Reinforcement fine-tuning records (F7): OpenAI chat-completions prompts with the grader's reference answer.

{"messages": [{"role": "system" | "user" | "assistant", "content": str}, ...], "reference_answer": any,
 "id": str (optional), "tools": [...] (optional), any other field the grader Lambda reads}

The model is not shown an answer to imitate: it answers the prompt, and a grader (a Lambda function) scores
the answer against `reference_answer` (any JSON value) and any extra fields, which are passed through, so no
key is unknown. RFT is text only: `content` is a string (a list of parts is refused, DP204). A system message
comes first and only once, and there is a user message (DP233); `reference_answer` is required (DP232);
`tools`, when present, are OpenAI function tools with unique names (DP234). Sources: Bedrock User Guide
rft-prepare-data.html, rft-prepare-data-open-weight.html, nova-rft.html ("Text only"); AWS's Nova dataset
validator (RFTDatasetSample).
"""

from __future__ import annotations

import json
from typing import Any

from dataprep.formats.base import Canonical, Emit, Turn, check_keys, require_messages, require_str

NAME = "rft"
REFERENCE = "reference_answer"
_ROLES = ("system", "user", "assistant")
_MESSAGE_KEYS = frozenset({"role", "content", "name"})


def check(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """The record's canonical row (the reference answer as the last, assistant, turn), or None after reporting."""
    messages = require_messages(obj, "RFT record", emit)
    reference = _reference(obj, emit)
    if "tools" in obj:
        _tools(obj["tools"], emit)
    if messages is None:
        return None
    parsed = [_message(m, f"message {n}", emit) for n, m in enumerate(messages, 1)]
    _order([p[0] if p is not None else None for p in parsed], emit)
    if reference is None or not parsed or any(p is None for p in parsed):
        return None
    pairs = [p for p in parsed if p is not None]
    system = "\n".join(text for role, text in pairs if role == "system") or None
    turns = tuple(Turn(role, text) for role, text in pairs if role != "system")
    return Canonical(system=system, turns=(*turns, Turn("assistant", reference)))


def _reference(obj: dict[str, Any], emit: Emit) -> str | None:
    """The reference answer as text (JSON for a structured one), or None after DP232."""
    value = obj.get(REFERENCE)
    if value is None or (isinstance(value, str | list | dict) and not value) or \
            (isinstance(value, str) and not value.strip()):
        found = "is missing" if REFERENCE not in obj else "is empty"
        emit("DP232", f"'{REFERENCE}' {found}; the grader scores each answer against it", REFERENCE
             if REFERENCE in obj else None)
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _message(message: Any, where: str, emit: Emit) -> tuple[str, str] | None:
    """(role, text) of one chat message, or None after reporting what is wrong with it."""
    if not isinstance(message, dict):
        emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
        return None
    check_keys(message, _MESSAGE_KEYS, where, emit)
    role = require_str(message, "role", where, emit)
    if role is not None and role not in _ROLES:
        emit("DP207", f"{where} has role {role!r}; RFT prompts use 'system', 'user' or 'assistant'", "role")
        role = None
    if isinstance(message.get("content"), list):
        emit("DP204", f"{where}: 'content' must be a string; reinforcement fine-tuning is text only", "content")
        return None
    text = require_str(message, "content", where, emit)
    return None if role is None or text is None else (role, text)


def _order(roles: list[str | None], emit: Emit) -> None:
    """DP233: a system message only first and once, and at least one user message to answer."""
    if any(role == "system" for role in roles[1:]):
        emit("DP233", "a system message must come first and only once", "messages")
    if "user" not in roles and all(role is not None for role in roles):
        emit("DP233", "no user message; an RFT record needs a prompt for the model to answer", "messages")


def _tools(tools: Any, emit: Emit) -> None:
    """DP234: `tools` is a list of OpenAI function tools, each named once."""
    if not isinstance(tools, list):
        emit("DP234", f"'tools' must be a list of function tools, found {type(tools).__name__}", "tools")
        return
    names: set[str] = set()
    for number, tool in enumerate(tools, 1):
        function = tool.get("function") if isinstance(tool, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(name, str) or not name:
            emit("DP234", f"tool {number} needs {{\"type\": \"function\", \"function\": {{\"name\": ...}}}}", "tools")
        elif name in names:
            emit("DP234", f"tool name {name!r} is defined twice; tool names must be unique", "tools")
        else:
            names.add(name)


def render(row: Canonical) -> dict[str, Any]:
    """The row as an RFT record: the turns before the last as messages, the last turn as `reference_answer`."""
    messages = [{"role": "system", "content": row.system}] if row.system else []
    messages += [{"role": t.role, "content": t.text} for t in row.turns[:-1]]
    return {"messages": messages, REFERENCE: row.turns[-1].text if row.turns else ""}
