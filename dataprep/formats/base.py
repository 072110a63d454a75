"""What every record format shares: the canonical row and the context a format check reports through.

Converters read a source shape into the canonical row; renderers write it in a target model's format.
Keeping the canonical row small (system, turns, or plain text) is what lets a prompt/completion source
feed a conversation model and the other way round without `if model == ...` branches in the stages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Media:
    """An image or video a record refers to.

    `location` is where it is as read (a local path, relative to the source file, or an `s3://` URI); the build's
    media step reads a local one, fills `sha256` and replaces `location` with its URI under `--media-prefix`, so
    a renderer only ever writes `location`.
    """

    kind: str  # "image" or "video"
    format: str  # png, jpeg, gif, webp / mov, mkv, mp4, webm (Bedrock's `format` values)
    location: str
    sha256: str | None = None
    bucket_owner: str | None = None  # the `bucketOwner` account of an s3:// object read from a record, kept as read

    def __reduce__(self) -> tuple[type[Media], tuple[str, str, str, str | None, str | None]]:
        return Media, (self.kind, self.format, self.location, self.sha256, self.bucket_owner)


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation; system text lives on the row, so the role is user or assistant."""

    role: str  # "user" or "assistant"
    text: str
    media: tuple[Media, ...] = ()  # images or video shown with this turn (user turns only, on Bedrock)

    def __reduce__(self) -> tuple[type[Turn], tuple[str, str, tuple[Media, ...]]]:
        return Turn, (self.role, self.text, self.media)


@dataclass(frozen=True, slots=True)
class Canonical:
    """A record independent of format: labeled (`turns`) or unlabeled (`text`), with any media it shows."""

    system: str | None = None
    turns: tuple[Turn, ...] = ()
    text: str | None = None
    media: tuple[Media, ...] = ()  # the record's own image (image-caption records: `text` is the caption)

    def __reduce__(self) -> tuple[type[Canonical], tuple[str | None, tuple[Turn, ...], str | None, tuple[Media, ...]]]:
        """Pickled as its fields (rows cross to the build's workers and back): a frozen dataclass's default
        pickling sets each field through object.__setattr__, 2-3x the cost (#17)."""
        return Canonical, (self.system, self.turns, self.text, self.media)

    def input_text(self) -> str:
        """Everything the model reads: system, all turns but the last, for labeled data; the text otherwise."""
        if self.text is not None:
            return self.text
        parts = [self.system] if self.system else []
        parts.extend(t.text for t in self.turns[:-1])
        return "\n".join(parts)

    def output_text(self) -> str:
        """The response the model learns to produce (empty for unlabeled text)."""
        return self.turns[-1].text if self.turns and self.text is None else ""

    def all_media(self) -> tuple[Media, ...]:
        """Every media object the record shows, in order: its own (an image-caption record's), then each turn's."""
        return (*self.media, *(m for t in self.turns for m in t.media))

    def texts(self) -> list[str]:
        """Every text field, for quality and keyword checks."""
        if self.text is not None:
            return [self.text]
        return ([self.system] if self.system else []) + [t.text for t in self.turns]


# A format check reports (code, message, key) through this; the key locates the column in the line.
Emit = Callable[[str, str, str | None], None]


def require_str(obj: dict[str, Any], key: str, where: str, emit: Emit, *, allow_empty: bool = False) -> str | None:
    """The string at obj[key], or None after reporting the missing/wrong-type/empty field."""
    if key not in obj:
        emit("DP203", f"{where}: required field {key!r} is missing", None)
        return None
    value = obj[key]
    if not isinstance(value, str):
        emit("DP204", f"{where}: {key!r} must be a string, found {type(value).__name__}", key)
        return None
    if not allow_empty and not value.strip():
        emit("DP205", f"{where}: {key!r} is empty", key)
        return None
    return value


def require_messages(obj: dict[str, Any], where: str, emit: Emit) -> list[Any] | None:
    """The `messages` list shared by both conversation formats, or None after reporting what is wrong."""
    messages = obj.get("messages")
    if messages is None:
        emit("DP203", f"{where}: required field 'messages' is missing", None)
        return None
    if not isinstance(messages, list):
        emit("DP204", f"'messages' must be a list, found {type(messages).__name__}", "messages")
        return None
    return messages


def require_role(message: dict[str, Any], where: str, emit: Emit) -> str | None:
    """The message's role if it is user or assistant, or None after reporting it."""
    role = require_str(message, "role", where, emit)
    if role is not None and role not in ("user", "assistant"):
        emit("DP207", f"{where} has role {role!r}; use 'user' or 'assistant' (system text goes in 'system')", "role")
        return None
    return role


def check_keys(obj: dict[str, Any], allowed: frozenset[str], where: str, emit: Emit) -> None:
    """DP206 for every key the format does not define: Bedrock rejects records with extra keys."""
    for key in obj:
        if key not in allowed:
            emit("DP206", f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})", key)


def message_roles(messages: list[Any]) -> list[str | None]:
    """Each message's role as written: 'user' or 'assistant', or None where it is missing or invalid.

    The order rules read the raw messages, not the turns that survived their own checks: a record whose
    second message has one bad block still has two messages and still ends with an assistant turn.
    """
    return [m.get("role") if isinstance(m, dict) and m.get("role") in _ROLES else None for m in messages]


_ROLES = ("user", "assistant")


def check_roles(roles: Sequence[str | None], emit: Emit) -> None:
    """Order rules shared by both conversation formats: user first, assistant last, alternating.

    A None role (missing or invalid, already reported as such) proves nothing about the order, so no order
    finding is made from it: the root cause is reported once, not restated as a structural problem.
    """
    if len(roles) < 2:
        emit("DP211", f"'messages' has {len(roles)} message(s); at least a user and an assistant turn are needed",
             "messages")
    check_user_first(roles, emit)
    if roles and roles[-1] is not None and roles[-1] != "assistant":
        emit("DP209", f"the last message has role {roles[-1]!r}; it must be 'assistant'", "messages")
    check_alternation(roles, emit)


def check_user_first(roles: Sequence[str | None], emit: Emit) -> None:
    """DP208: the first message is the user's (every conversation format, distillation prompts too)."""
    if roles and roles[0] is not None and roles[0] != "user":
        emit("DP208", f"the first message has role {roles[0]!r}; it must be 'user'", "messages")


def check_alternation(roles: Sequence[str | None], emit: Emit) -> None:
    """DP210 at the first two neighbouring messages of one role (a None role proves nothing)."""
    for index in range(1, len(roles)):
        if roles[index] is not None and roles[index] == roles[index - 1]:
            emit("DP210", f"messages {index} and {index + 1} both have role {roles[index]!r}; roles must alternate",
                 "messages")
            break
