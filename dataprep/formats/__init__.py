"""Bedrock record formats: detection, per-record checks and rendering, one module per format."""

from __future__ import annotations

from typing import Any

from dataprep.formats import claude_messages, conversation, pretraining, prompt_completion

MODULES = {m.NAME: m for m in (prompt_completion, pretraining, claude_messages, conversation)}


def detect(obj: dict[str, Any]) -> str | None:
    """The format a record is written in, from its keys and shapes; None when it is none of them."""
    if "schemaVersion" in obj:
        return conversation.NAME
    if "messages" in obj:
        messages = obj["messages"]
        if isinstance(obj.get("system"), list):
            return conversation.NAME
        if isinstance(messages, list) and any(
            isinstance(m, dict) and isinstance(m.get("content"), list) for m in messages
        ):
            return conversation.NAME
        return claude_messages.NAME
    if "prompt" in obj or "completion" in obj:
        return prompt_completion.NAME
    if "input" in obj:
        return pretraining.NAME
    return None
