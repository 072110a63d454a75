"""bedrock-conversation-2024 records (Nova, Llama 3.2): Converse-shaped messages with content blocks.

{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": str}],
 "messages": [{"role": "user", "content": [{"text": str} | {"image": ...} | {"video": ...}]}, ...]}
"""

from __future__ import annotations

from typing import Any

from dataprep.checks.media import BLOCKS, TOOL_CONFIG, MediaRules, RecordBlocks
from dataprep.formats.base import (
    Canonical,
    Emit,
    Media,
    Turn,
    check_keys,
    check_roles,
    message_roles,
    require_messages,
    require_role,
    require_str,
)

NAME = "bedrock-conversation"
SCHEMA_VERSION = "bedrock-conversation-2024"
_KEYS = frozenset({"schemaVersion", "system", "messages", TOOL_CONFIG})
_MESSAGE_KEYS = frozenset({"role", "content"})


def check(obj: dict[str, Any], emit: Emit, media: tuple[str, ...] | MediaRules = ()) -> Canonical | None:
    """The record's canonical row, or None; `media` is the model's MediaRules (or just the kinds it takes)."""
    check_keys(obj, _KEYS, "conversation record", emit)
    blocks = RecordBlocks(media if isinstance(media, MediaRules) else MediaRules.kinds(media), emit)
    if TOOL_CONFIG in obj:
        blocks.tools(f"'{TOOL_CONFIG}'", TOOL_CONFIG)
    version = obj.get("schemaVersion")
    if version is None:
        emit("DP213", f"'schemaVersion' is missing; set it to {SCHEMA_VERSION!r}", None)
    elif not isinstance(version, str):
        emit("DP204", f"'schemaVersion' must be a string, found {type(version).__name__}", "schemaVersion")
    elif version != SCHEMA_VERSION:
        emit("DP213", f"'schemaVersion' is {version!r}; Bedrock's examples use {SCHEMA_VERSION!r}", "schemaVersion")
    system = _system(obj, emit) if "system" in obj else None
    messages = require_messages(obj, "conversation record", emit)
    if messages is None:
        return None
    turns: list[Turn] = []
    ok = system is not False
    for number, message in enumerate(messages, 1):
        turn = _message(message, f"message {number}", emit, blocks)
        if turn is None:
            ok = False
        else:
            turns.append(turn)
    check_roles(message_roles(messages), emit)
    blocks.finish()
    if not ok or not turns:
        return None
    return Canonical(system=system or None, turns=tuple(turns))


def _system(obj: dict[str, Any], emit: Emit) -> str | bool:
    """The system text, or False after reporting a malformed `system`."""
    blocks = obj["system"]
    if not isinstance(blocks, list):
        emit("DP216", f"'system' must be a list of {{\"text\": ...}} blocks, found {type(blocks).__name__}", "system")
        return False
    if len(blocks) > 1:
        emit("DP216", f"'system' has {len(blocks)} blocks; use a single {{\"text\": ...}} block", "system")
    texts = []
    for block in blocks:
        text = require_str(block, "text", "system block", emit) if isinstance(block, dict) else None
        if text is None:
            if not isinstance(block, dict):
                emit("DP216", "each 'system' block must be an object {\"text\": ...}", "system")
            return False
        texts.append(text)
    return "\n".join(texts)


def _message(message: Any, where: str, emit: Emit, blocks: RecordBlocks) -> Turn | None:
    """One message as a turn (its text blocks joined), or None after reporting what is wrong with it."""
    if not isinstance(message, dict):
        emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
        return None
    check_keys(message, _MESSAGE_KEYS, where, emit)
    role = require_role(message, where, emit)
    content = message.get("content")
    if content is None:
        emit("DP203", f"{where}: required field 'content' is missing", None)
        return None
    if not isinstance(content, list):
        emit("DP204", f"{where}: 'content' must be a list of blocks like [{{\"text\": ...}}], "
             f"found {type(content).__name__}", "content")
        return None
    if not content:
        emit("DP205", f"{where}: 'content' is an empty list", "content")
        return None
    texts = []
    media: list[Media] = []
    for block in content:
        text = _block(block, where, role, emit, blocks)
        if text is None:
            return None
        texts.append(text)
        media.extend(_media(block))
    if role is None:
        return None
    return Turn(role, "\n".join(t for t in texts if t), tuple(media))


def _media(block: dict[str, Any]) -> list[Media]:
    """The image or video of a block `RecordBlocks` accepted (its format and S3 URI checked), else nothing."""
    kind = next((k for k in ("image", "video") if k in block), None)
    if kind is None:
        return []
    spec = block[kind]
    location = spec["source"]["s3Location"]
    return [Media(kind, spec["format"], location["uri"], bucket_owner=location.get("bucketOwner"))]


def _block(block: Any, where: str, role: str | None, emit: Emit, blocks: RecordBlocks) -> str | None:
    """The block's text ('' for a valid media block), or None after reporting a bad block."""
    if not isinstance(block, dict) or (len(block) != 1 and "type" not in block):
        emit("DP215", f"{where}: each content block must be an object with exactly one of text, image or video",
             "content")
        return None
    kinds = [k for k in block if k != "type"]
    kind = kinds[0] if len(kinds) == 1 else None
    if kind == "text":
        return require_str(block, "text", f"{where} text block", emit)
    if kind in BLOCKS:
        return blocks.block(kind, block[kind], where, role)
    emit("DP215", f"{where}: unknown content block with keys {sorted(block)}; use text, image or video", "content")
    return None


def render(row: Canonical) -> dict[str, Any]:
    """The row as a bedrock-conversation-2024 record: per turn its text block, then its image or video blocks.

    Text first, media after it, as in the Bedrock User Guide's image-text example (Llama 3.2 Vision) and the
    Nova fine-tuning examples; a turn with media and no text has only its media blocks.
    """
    out: dict[str, Any] = {"schemaVersion": SCHEMA_VERSION}
    if row.system:
        out["system"] = [{"text": row.system}]
    out["messages"] = [{"role": t.role, "content": _content(t)} for t in row.turns]
    return out


def _content(turn: Turn) -> list[dict[str, Any]]:
    """A turn's blocks: its text (unless a media turn has none), then one block per image or video."""
    blocks: list[dict[str, Any]] = [{"text": turn.text}] if turn.text or not turn.media else []
    blocks += [{m.kind: {"format": m.format, "source": {"s3Location": _s3_location(m)}}} for m in turn.media]
    return blocks


def _s3_location(media: Media) -> dict[str, str]:
    """The block's s3Location: the URI, and the bucket owner's account when the source named one."""
    location = {"uri": media.location}
    if media.bucket_owner is not None:
        location["bucketOwner"] = media.bucket_owner
    return location
