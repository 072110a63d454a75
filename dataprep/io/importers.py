"""Importers: a raw record in a known shape converted to the canonical row, or its problems reported.

`dataprep build` accepts the shapes people actually have: alpaca, dolly, question/answer, OpenAI
messages, ShareGPT and plain text besides Bedrock's own formats (which convert through their format
module's own check, so a Bedrock record imports exactly as `dataprep validate` checks it). Which shape a
record is in is decided by the one detector, `dataprep.formats.shapes.detect`; here each shape's fields are
read into a `Canonical` row, and every problem is reported through `emit` with its rule code. Texts are
kept exactly as found: cleaning is a later stage that counts its changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from dataprep.checks.media import MediaRules
from dataprep.formats import MODULES, base, conversation, image_caption, shapes
from dataprep.formats.base import Canonical, Emit, Media, Turn, check_roles, require_str
from dataprep.io import media_refs, trees

Convert = Callable[[dict[str, Any], Emit], Canonical | None]

_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                   "chatgpt": "assistant", "bing": "assistant", "bard": "assistant", "model": "assistant",
                   "system": "system"}
_OPENAI_SYSTEM_ROLES = frozenset({"system", "developer"})
# Anthropic's HH-RLHF transcripts: "\n\nHuman: ...\n\nAssistant: ..." (the space after the colon is optional).
_HH_TURN = re.compile(r"\n\n(Human|Assistant):[ ]?")
_HH_ROLES = {"Human": "user", "Assistant": "assistant"}
HH_SIDES = ("chosen", "rejected")
_OASST_ROLES = {"prompter": "user", "assistant": "assistant"}
# (role, text, where) for one message or turn; role or text None when its problem is already reported.
_Entry = tuple[str | None, str | None, str]
# The media lists a record can carry beside its text (LLaMA-Factory, TRL), by kind.
_MEDIA_LISTS = {"image": "images", "video": "videos"}
# A Bedrock conversation record imports with every media kind; the model's own rules apply in the media step.
_ANY_MEDIA = MediaRules.kinds(("image", "video"))


def _optional(obj: dict[str, Any], key: str, where: str, emit: Emit) -> str | None:
    """An optional text field: '' when absent or null, None after reporting a wrong type."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        emit("DP204", f"{where}: {key!r} must be a string, found {type(value).__name__}", key)
        return None
    return value


def _required(obj: dict[str, Any], key: str, where: str, emit: Emit, *, allow_empty: bool = False) -> str | None:
    """A required text field; a null cell (CSV/Parquet/JSON null) counts as empty, not as a wrong type."""
    if key in obj and obj[key] is None:
        emit("DP205", f"{where}: {key!r} is empty (null)", key)
        return None
    return require_str(obj, key, where, emit, allow_empty=allow_empty)


def _pair(system: str | None, user: str, assistant: str) -> Canonical:
    """One exchange, with the system prompt when there is a non-empty one."""
    return Canonical(system=system or None, turns=(Turn("user", user), Turn("assistant", assistant)))


def _with_context(text: str, context: str) -> str:
    """The instruction followed by its context (alpaca's input, dolly's context) when there is any."""
    return f"{text}\n\n{context}" if context.strip() else text


def _instruction(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """alpaca (instruction, input, output) and dolly (instruction, context, response); GPTeacher mixes them
    (instruction, input, response), so the answer and context keys are whichever of the pair is present."""
    where = "instruction record"
    answer_key = "response" if "response" in obj and "output" not in obj else "output"
    context_key = "context" if "context" in obj else "input"
    instruction = _required(obj, "instruction", where, emit)
    context = _optional(obj, context_key, where, emit)
    answer = _required(obj, answer_key, where, emit)
    system = _optional(obj, "system", where, emit)
    if instruction is None or context is None or answer is None or system is None:
        return None
    return _pair(system, _with_context(instruction, context), answer)


def _qa(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """A question/answer pair under the first key pair of QA_KEYS that the record has."""
    question_key, answer_key = next(((q, a) for q, a in shapes.QA_KEYS if q in obj and a in obj),
                                    ("question", "answer"))
    where = f"{question_key}/{answer_key} record"
    question = _required(obj, question_key, where, emit)
    answer = _required(obj, answer_key, where, emit)
    system = _optional(obj, "system", where, emit)
    shown = _columns(obj, where, emit)
    if question is None or answer is None or system is None or shown is None:
        return None
    pair = _pair(system, question, answer)
    return Canonical(system=pair.system, turns=(Turn("user", question, tuple(shown)), pair.turns[1])) if shown \
        else pair


def _columns(obj: dict[str, Any], where: str, emit: Emit) -> list[Media] | None:
    """A Hugging Face image column (`image`: a feature or a path; `images`: a list of them), for the question."""
    found: list[Media] = []
    for key in ("image", "images"):
        if obj.get(key) is None:
            continue
        media = media_refs.references(obj[key], "image", where, emit)
        if media is None:
            return None
        found += media
    return found


def _text(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """Unlabelled text (a `text` field, or a whole .txt/.md document)."""
    text = _required(obj, "text", "text record", emit)
    return None if text is None else Canonical(text=text)


def _openai(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """OpenAI chat: leading system/developer messages become the system prompt; tool messages cannot be kept."""
    messages = base.require_messages(obj, "OpenAI chat record", emit)
    if messages is None:
        return None
    entries: list[_Entry] = []
    listed = _listed(obj, emit)
    if listed is None:
        return None
    parts = _Parts(listed.get("image", []))
    for number, message in enumerate(messages, 1):
        where = f"message {number}"
        parts.media.append([])
        if not isinstance(message, dict):
            emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
            entries.append((None, None, where))
            continue
        role = message.get("role")
        role = "system" if role in _OPENAI_SYSTEM_ROLES else role
        if role not in ("system", "user", "assistant"):
            emit("DP207", f"{where} has role {role!r}; only system, user and assistant messages can be imported "
                 "(tool calls and results have no place in a Bedrock text dataset)", "role")
            entries.append((None, None, where))
            continue
        if message.get("weight") == 0 and role == "assistant":
            emit("DP206", f"{where}: 'weight': 0 cannot be kept (Bedrock trains on every assistant turn); the turn "
                 "is trained on like the others", "weight")
        entries.append((role, _openai_content(message, where, role == "system", emit, parts), where))
    if parts.typed and parts.taken != len(parts.images):
        emit(media_refs.CODE, f"the messages have {parts.taken} image part(s) but 'images' lists "
             f"{len(parts.images)}; give one {{\"type\": \"image\"}} part per image", "images")
        return None
    return _placed(entries, [tuple(m) for m in parts.media], listed if not parts.typed else {}, "", emit)


class _Parts:
    """The images of one OpenAI/TRL record: the record's `images` list, taken in order by `{"type": "image"}`
    parts, and what each message shows."""

    def __init__(self, images: list[Media]) -> None:
        self.images = images
        self.taken = 0
        self.typed = False  # a {"type": "image"} part took from `images` (no placeholders then)
        self.media: list[list[Media]] = []

    def image(self, part: dict[str, Any], where: str, emit: Emit) -> Media | None:
        """An `image_url` part's image, or a TRL `image` part's next listed image; None after reporting."""
        if part.get("type") == "image_url":
            url = part.get("image_url")
            return media_refs.reference(url.get("url") if isinstance(url, dict) else url, "image", where, emit)
        self.typed = True
        self.taken += 1
        if self.taken > len(self.images):
            return None  # the count is reported once, when the record ends
        return self.images[self.taken - 1]


def _openai_content(message: dict[str, Any], where: str, is_system: bool, emit: Emit, parts: _Parts) -> str | None:
    """A message's text: a string, or text parts joined by newlines; image parts go to `parts.media`."""
    content = message.get("content")
    if not isinstance(content, list):
        return _required(message, "content", where, emit, allow_empty=is_system)
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("image_url", "image") and isinstance(part, dict):
            media = parts.image(part, where, emit)
            if media is not None:
                parts.media[-1].append(media)
            elif kind == "image_url":
                return None
            continue
        if kind != "text" or not isinstance(part.get("text"), str):
            emit("DP214", f"{where}: a {kind or 'malformed'} content part cannot be imported; only text and image "
                 "parts ({\"type\": \"text\", \"text\": ...}, {\"type\": \"image_url\", ...})", "content")
            return None
        texts.append(part["text"])
    text = "\n".join(texts)
    if not text.strip() and not is_system and not parts.media[-1]:
        emit("DP205", f"{where}: 'content' has no text", "content")
        return None
    return text


def _listed(obj: dict[str, Any], emit: Emit) -> dict[str, list[Media]] | None:
    """The record's `images` / `videos` lists (LLaMA-Factory, TRL) by kind; None after reporting a bad one."""
    found: dict[str, list[Media]] = {}
    for kind, key in _MEDIA_LISTS.items():
        if obj.get(key) is None:
            continue
        media = media_refs.references(obj[key], kind, f"'{key}':", emit)
        if media is None:
            return None
        found[kind] = media
    return found


def _placed(entries: list[_Entry], media: list[tuple[Media, ...]], listed: dict[str, list[Media]], system: str,
            emit: Emit) -> Canonical | None:
    """`_dialogue` once the listed images and videos are placed where the texts' placeholders are."""
    texts: list[str | None] = [text for _, text, _ in entries]
    roles = [role for role, _, _ in entries]
    for kind, items in listed.items():
        done = media_refs.placed(texts, roles, items, kind, emit)
        if done is None:
            return None
        texts, shown = done
        media = [(*m, *s) for m, s in zip(media, shown, strict=True)]
    entries = [(role, text, where) for (role, _, where), text in zip(entries, texts, strict=True)]
    return _dialogue(entries, system, emit, media)


def _sharegpt(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """ShareGPT: {"conversations": [{"from", "value"}]}; the speaker names vary by the tool that exported them."""
    conversations = obj.get("conversations")
    if not isinstance(conversations, list):
        emit("DP204", f"'conversations' must be a list, found {type(conversations).__name__}", "conversations")
        return None
    system = _optional(obj, "system", "ShareGPT record", emit)
    if system is None:
        return None
    listed = _listed(obj, emit)
    if listed is None:
        return None
    entries: list[_Entry] = []
    for number, turn in enumerate(conversations, 1):
        where = f"turn {number}"
        speaker = _required(turn, "from", where, emit) if isinstance(turn, dict) else None
        role = _SHAREGPT_ROLES.get(speaker) if speaker is not None else None
        if not isinstance(turn, dict):
            emit("DP204", f"{where} must be an object, found {type(turn).__name__}", "conversations")
        elif speaker is not None and role is None:
            emit("DP207", f"{where} is from {speaker!r}; use one of {', '.join(_SHAREGPT_ROLES)}", "from")
        if role is None:
            entries.append((None, None, where))
            continue
        entries.append((role, _required(turn, "value", where, emit, allow_empty=role == "system"), where))
    renamed: Emit = lambda c, m, k: emit(c, m.replace("'messages'", "'conversations'"), k)  # noqa: E731
    return _placed(entries, [() for _ in entries], listed, system, renamed)


def _dialogue(entries: list[_Entry], system: str, emit: Emit,
              media: list[tuple[Media, ...]] | None = None) -> Canonical | None:
    """Turns from (role, text, where) entries whose problems are already reported (role or text None), each
    with the media `media` gives it (aligned with `entries`).

    System entries are allowed only before the first user or assistant turn; Bedrock's formats have one
    system prompt and no way to place one mid-conversation. The order rules are the Bedrock formats' own.
    """
    systems = [system] if system.strip() else []
    turns: list[Turn] = []
    ok = True
    for index, (role, text, where) in enumerate(entries):
        if role == "system" and turns:
            emit("DP207", f"{where} is a system message after the conversation started; move it to the start",
                 "role")
            ok = False
        elif role is None or text is None:
            ok = False
        elif role == "system" and media and media[index]:
            emit("DP214", f"{where}: a system message shows media; images and video belong in user turns",
                 "role")
            ok = False
        elif role == "system":
            systems.extend([text] if text.strip() else [])
        else:
            turns.append(Turn(role, text, media[index] if media else ()))
    check_roles([t.role for t in turns], emit)
    if not ok or not turns:
        return None
    return Canonical(system="\n\n".join(systems) or None, turns=tuple(turns))


def _hh(obj: dict[str, Any], emit: Emit, side: str = "chosen") -> Canonical | None:
    """An HH-RLHF pair: the `chosen` (or, asked for, the `rejected`) transcript split into its turns."""
    where = "HH-RLHF record"
    transcript = _required(obj, side, where, emit)
    if transcript is None:
        return None
    parts = _HH_TURN.split(transcript)
    if parts[0].strip():
        emit("DP208", f"{where}: {side!r} starts with text before the first 'Human:' turn", side)
        return None
    entries: list[_Entry] = []
    for number, (speaker, text) in enumerate(zip(parts[1::2], parts[2::2], strict=True), 1):
        if not text.strip():
            emit("DP205", f"{where}: turn {number} ({speaker}) of {side!r} is empty", side)
            text = None
        entries.append((_HH_ROLES[speaker], text, f"turn {number}"))
    return _dialogue(entries, "", emit)


def _oasst(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """An OpenAssistant tree: its best-ranked path (a tree split into paths by the reader has only one)."""
    entries: list[_Entry] = []
    for number, message in enumerate(trees.best_path(obj["prompt"]), 1):
        where = f"message {number} of the tree"
        role = _OASST_ROLES.get(message.get("role"))  # type: ignore[arg-type]
        if role is None:
            emit("DP207", f"{where} has role {message.get('role')!r}; use prompter or assistant", "role")
        entries.append((role, _required(message, "text", where, emit) if role else None, where))
    return _dialogue(entries, "", emit)


def _captioned(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """An image file named beside its caption: the caption as the text, the file (relative to the captions file)
    as the record's image, which the build's media step reads, hashes and puts under --media-prefix."""
    where = "captioned image"
    column = next(k for k in shapes.IMAGE_COLUMNS if k in obj)
    value = obj[column]
    path = value.get("path") if isinstance(value, dict) else value  # a Hugging Face Image feature: its path
    if not isinstance(path, str) or not path.strip():
        emit("DP204", f"{where}: {column!r} must be the image's path (relative to the captions file), found "
             f"{type(value).__name__ if not isinstance(value, str) else 'an empty string'}", column)
        return None
    caption = _required(obj, next(k for k in shapes.CAPTION_COLUMNS if k in obj), where, emit, allow_empty=True)
    fmt = image_caption.image_format(path)
    if fmt is None:
        emit("DP224", f"{where}: {column!r} {path[:80]!r} does not name an image file; give its path with its "
             "suffix (.png, .jpg or .jpeg)", column)
        return None
    return None if caption is None else Canonical(text=caption, media=(Media("image", fmt, path),))


def converters(hh_side: str = "chosen") -> dict[str, Convert]:
    """Every shape `detect(obj, sources=True)` can name, with the function that converts it."""
    return {
        **{name: module.check for name, module in MODULES.items()},
        conversation.NAME: partial(conversation.check, media=_ANY_MEDIA),
        shapes.ALPACA: _instruction,
        shapes.DOLLY: _instruction,
        shapes.QA: _qa,
        shapes.OPENAI: _openai,
        shapes.SHAREGPT: _sharegpt,
        shapes.TEXT: _text,
        shapes.HH: partial(_hh, side=hh_side),
        shapes.OASST: _oasst,
        shapes.CAPTIONED: _captioned,
    }


# The converters with the default options (`--hh-side chosen`).
CONVERTERS: dict[str, Convert] = converters()
