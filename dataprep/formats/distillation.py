"""Model-distillation input records (F6): bedrock-conversation prompts whose answer is optional.

A distillation job reads prompts, has the teacher model answer them and fine-tunes the student on the
answers, so a record is a prompt: the bedrock-conversation-2024 shape with `schemaVersion` required (DP231),
an optional system prompt, a user turn and, optionally, an assistant turn as the golden answer. Distillation
is text to text only, so image, video and tool blocks are refused (DP214, DP222). Anthropic and Meta
students take one user prompt per record (format `distillation-single-turn`, DP230); Amazon Nova students
take multi-turn conversations (format `distillation`). Sources: Bedrock User Guide
distillation-data-prep-option-1.html and distillation-prepare-datasets.html, AWS's distillation dataset
validator (aws-samples/amazon-bedrock-samples, custom-models/model_distillation/dataset-validation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dataprep.checks.media import BLOCKS, MediaRules, RecordBlocks
from dataprep.formats import conversation
from dataprep.formats.base import (
    Canonical,
    Emit,
    Turn,
    check_alternation,
    check_keys,
    check_user_first,
    message_roles,
    require_messages,
    require_role,
    require_str,
)

NAME = "distillation"
SINGLE_TURN_NAME = "distillation-single-turn"
# A distillation prompt is a bedrock-conversation-2024 record: the same version and the same rendering.
SCHEMA_VERSION = conversation.SCHEMA_VERSION
render = conversation.render
_KEYS = frozenset({"schemaVersion", "system", "messages"})
_MESSAGE_KEYS = frozenset({"role", "content"})
# Distillation is text to text: any non-text block is refused with this as the "model" that refuses it.
_TEXT_ONLY = MediaRules(model="distillation (text to text only)")


def check(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """A multi-turn distillation prompt (Nova students) as its canonical row, or None after reporting it."""
    return _check(obj, emit, single_turn=False)


def check_single_turn(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """A single-turn distillation prompt (Anthropic and Meta students), or None after reporting it."""
    return _check(obj, emit, single_turn=True)


def _check(obj: dict[str, Any], emit: Emit, *, single_turn: bool) -> Canonical | None:
    check_keys(obj, _KEYS, "distillation record", emit)
    _version(obj, emit)
    system = _system(obj["system"], emit) if "system" in obj else None
    messages = require_messages(obj, "distillation record", emit)
    if messages is None:
        return None
    blocks = RecordBlocks(_TEXT_ONLY, emit)
    turns = [_message(message, f"message {number}", emit, blocks) for number, message in enumerate(messages, 1)]
    check_order(message_roles(messages), emit, single_turn=single_turn)
    if system is False or not turns or any(t is None for t in turns):
        return None
    return Canonical(system=system or None, turns=tuple(t for t in turns if t is not None))


def _version(obj: dict[str, Any], emit: Emit) -> None:
    """DP231: distillation requires `schemaVersion` (AWS's validator refuses a record without it)."""
    version = obj.get("schemaVersion")
    if version != SCHEMA_VERSION:
        found = "is missing" if version is None else f"is {version!r}"
        emit("DP231", f"'schemaVersion' {found}; a distillation record must set it to {SCHEMA_VERSION!r}",
             "schemaVersion" if version is not None else None)


def _system(value: Any, emit: Emit) -> str | bool:
    """The system text of a one-block `system` list, or False after reporting a malformed one."""
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        emit("DP216", "'system' must be a list of one {\"text\": ...} block", "system")
        return False
    text = require_str(value[0], "text", "system block", emit)
    return False if text is None else text


def _message(message: Any, where: str, emit: Emit, blocks: RecordBlocks) -> Turn | None:
    """One message as a turn, its text blocks joined; None after reporting what is wrong with it."""
    if not isinstance(message, dict):
        emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
        return None
    check_keys(message, _MESSAGE_KEYS, where, emit)
    role = require_role(message, where, emit)
    content = message.get("content")
    if not isinstance(content, list) or not content:
        emit("DP204", f"{where}: 'content' must be a non-empty list of {{\"text\": ...}} blocks", "content")
        return None
    texts = []
    for block in content:  # the first bad block is reported; the message is unusable after it
        text = _block(block, where, role, emit, blocks)
        if text is None:
            return None
        texts.append(text)
    return None if role is None else Turn(role, "\n".join(t for t in texts if t))


def _block(block: Any, where: str, role: str | None, emit: Emit, blocks: RecordBlocks) -> str | None:
    """The text of a text block; a media or tool block is refused (text to text only), anything else is DP215."""
    kinds = [k for k in block if k != "type"] if isinstance(block, dict) else []
    if kinds == ["text"]:
        return require_str(block, "text", f"{where} text block", emit)
    if len(kinds) == 1 and kinds[0] in BLOCKS:
        blocks.block(kinds[0], block[kinds[0]], where, role)
        return None
    emit("DP215", f"{where}: each content block must be one {{\"text\": ...}} object (distillation is text only)",
         "content")
    return None


def check_order(roles: Sequence[str | None], emit: Emit, *, single_turn: bool) -> None:
    """User first, alternating; the answer is optional, so a record may end with the user's prompt.

    A student that takes single-turn prompts only gets one user turn and at most one answer (DP230).
    """
    if not roles:
        emit("DP211", "'messages' is empty; a distillation record needs a user prompt", "messages")
        return
    check_user_first(roles, emit)
    check_alternation(roles, emit)
    if single_turn and (len(roles) > 2 or roles.count("user") > 1):
        emit("DP230", f"{len(roles)} messages; this student takes single-turn prompts only (one user prompt, "
             "optionally one assistant answer): split the conversation or pick a Nova student", "messages")


def prompt_only(row: Canonical) -> Canonical:
    """The row without its final answer: the prompt the teacher model answers."""
    if row.turns and row.turns[-1].role == "assistant":
        return Canonical(system=row.system, turns=row.turns[:-1])
    return row


@dataclass(frozen=True)
class Variant:
    """A second format name served by this module: the same record, checked with the single-turn rule."""

    NAME: str  # the attribute every format module exposes
    check: Callable[[dict[str, Any], Emit], Canonical | None]
    render: Callable[[Canonical], dict[str, Any]]


SINGLE_TURN = Variant(SINGLE_TURN_NAME, check_single_turn, render)
