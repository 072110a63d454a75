"""Content blocks beyond text in bedrock-conversation records: images, video, documents, reasoning, tools.

Which of them a model takes is profile data (`media`, `image_formats`, `video_formats`,
`reasoning_content`, the `max_images_per_record` / `max_videos_per_record` quotas); the rules are here
once, and `formats.conversation` calls them for every block it does not know as text:

- DP214: a media block outside a user turn, or of a kind the model does not take (Nova Micro and the
  text-only Llama models take none; no model's Bedrock fine-tuning takes documents);
- DP215: a media block without `format` or `source.s3Location.uri`;
- DP217: images and video in one record, or (`mixed_media`, per file) in different records;
- DP218: more images or videos in one record than the model's per-record limit;
- DP219: a declared `format` the model does not take (`format_ok`, which image-caption records call too);
- DP220: `s3Location.uri` not of the shape `s3://bucket/key`, or `bucketOwner` not a 12-digit account id
  (`uri_ok`, the one S3 URI shape check, also for an image-caption record's `image-ref`);
- DP221: `reasoningContent` outside an assistant turn, on a model without reasoning, or malformed;
- DP222: tool sections (`toolUse`, `toolResult`, `toolConfig`), which Bedrock fine-tuning does not support.

Only the record is read: whether the objects exist, their bytes and dimensions need the media themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataprep.formats.base import Emit
    from dataprep.profiles import Profile, TaskSpec

MEDIA_KINDS = ("image", "video", "document")
TOOL_KINDS = ("toolUse", "toolResult")
REASONING = "reasoningContent"
# Every block key besides text that this module judges.
BLOCKS = frozenset({*MEDIA_KINDS, *TOOL_KINDS, REASONING})
TOOL_CONFIG = "toolConfig"

# S3 bucket names: 3-63 characters of lower-case letters, digits, dots and hyphens, starting and ending with a
# letter or digit (the S3 naming rules); the key is everything after the first slash and must name an object.
_S3_URI = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<key>[^\s]*[^/\s])")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_PLURAL = {"image": "images", "video": "videos"}
_QUOTA = {"image": "max_images_per_record", "video": "max_videos_per_record"}


@dataclass(frozen=True)
class MediaRules:
    """What one model accepts beyond text: media kinds with their formats and per-record counts, reasoning."""

    model: str = "this model"
    formats: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    max_per_record: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    reasoning: bool = False

    @classmethod
    def of(cls, profile: Profile, spec: TaskSpec | None = None) -> MediaRules:
        """The rules of `profile` (per-record counts from `spec`, else its default task)."""
        spec = spec if spec is not None else profile.task()
        limits = {kind: n for kind, key in _QUOTA.items() if (n := spec.quota(key)) is not None}
        return cls(profile.id, MappingProxyType(dict(profile.media_formats)), MappingProxyType(limits),
                   profile.reasoning_content)

    @classmethod
    def kinds(cls, media: Iterable[str]) -> MediaRules:
        """Rules that know only which kinds are accepted, each with every format the Converse API has."""
        from dataprep.profiles import MEDIA_FORMATS

        return cls(formats=MappingProxyType({kind: MEDIA_FORMATS[kind] for kind in media}))


class RecordBlocks:
    """The non-text blocks of one record, judged one by one, then counted when the record ends."""

    def __init__(self, rules: MediaRules, emit: Emit) -> None:
        self.rules = rules
        self.emit = emit
        self.counts = {"image": 0, "video": 0}

    def block(self, kind: str, value: Any, where: str, role: str | None) -> str | None:
        """The text the block adds to its turn ('' for media), or None after reporting what is wrong."""
        if kind in TOOL_KINDS:
            self.tools(f"{where}: a {kind} block", kind)
            return None
        if kind == REASONING:
            return self._reasoning(value, where, role)
        if role != "user" or kind not in self.rules.formats:
            why = f"{kind} blocks are accepted only in user turns" if role != "user" else \
                f"{self.rules.model} does not accept {kind} blocks"
            self.emit("DP214", f"{where}: {why}", kind)
            return None
        if not self._media(kind, value, where):
            return None
        self.counts[kind] += 1
        return ""

    def tools(self, what: str, key: str) -> None:
        """DP222 for a tool section (a tool block, or the record's toolConfig at `key`)."""
        self.emit("DP222", f"{what}: tool use is not supported by Bedrock fine-tuning and can make the job "
                  "fail; remove the tool sections or write the calls as text", key)

    def finish(self) -> None:
        """Per-record counts once every block was seen: DP217 for images with video, DP218 above a limit."""
        images, videos = self.counts["image"], self.counts["video"]
        if images and videos:
            self.emit("DP217", f"the record has {images} image(s) and {videos} video(s); a record (and its "
                      "dataset) holds images or video, not both", "video")
        for kind, count in self.counts.items():
            limit = self.rules.max_per_record.get(kind)
            if limit is not None and count > limit:
                self.emit("DP218", f"the record has {count} {_PLURAL[kind]}; {self.rules.model} takes at most "
                          f"{limit} per record", kind)

    def _media(self, kind: str, value: Any, where: str) -> bool:
        spec = value if isinstance(value, dict) else {}
        source = spec.get("source")
        location = source.get("s3Location") if isinstance(source, dict) else None
        uri = location.get("uri") if isinstance(location, dict) else None
        fmt = spec.get("format")
        allowed = self.rules.formats[kind]
        if not isinstance(fmt, str) or not isinstance(uri, str):
            self.emit("DP215", f"{where}: {kind} block needs 'format' (one of {', '.join(allowed)}) and "
                      "'source': {'s3Location': {'uri': 's3://bucket/key'}}", kind)
            return False
        ok = format_ok(kind, fmt, allowed, self.rules.model, where, self.emit)
        return _location(location, where, self.emit) and ok

    def _reasoning(self, value: Any, where: str, role: str | None) -> str | None:
        if not self.rules.reasoning:
            problem = f"{self.rules.model} takes no reasoning content (Nova 2 Lite does)"
        elif role != "assistant":
            problem = "reasoning content belongs in assistant turns only"
        else:
            inner = value.get("reasoningText") if isinstance(value, dict) and len(value) == 1 else None
            text = inner.get("text") if isinstance(inner, dict) and set(inner) <= {"text", "signature"} else None
            if isinstance(text, str) and text.strip():
                return text
            problem = ("the block must be {\"reasoningContent\": {\"reasoningText\": {\"text\": \"...\"}}} "
                       "with non-empty text")
        self.emit("DP221", f"{where}: {problem}", REASONING)
        return None


def format_ok(kind: str, fmt: str, allowed: tuple[str, ...], model: str, where: str, emit: Emit,
              key: str = "format") -> bool:
    """DP219 when a media object's format (declared, or read from its name) is not one the model takes."""
    if fmt in allowed:
        return True
    emit("DP219", f"{where}: {kind} format {fmt!r} is not accepted by {model}; use one of {', '.join(allowed)}", key)
    return False


def uri_ok(uri: str, field: str, where: str, emit: Emit, key: str = "uri") -> bool:
    """DP220 when `uri` (the value of `field`, reported at `key`) is not `s3://bucket/key`."""
    if _S3_URI.fullmatch(uri) is not None:
        return True
    emit("DP220", f"{where}: {field} {uri[:80]!r} is not s3://bucket/key (a bucket name of 3-63 lower-case letters, "
         "digits, '.' or '-', then the object key)", key)
    return False


def _location(location: dict[str, Any], where: str, emit: Emit) -> bool:
    """DP220 when the S3 location is not `s3://bucket/key` or its bucketOwner is not an account id."""
    ok = uri_ok(location["uri"], "s3Location.uri", where, emit)
    owner = location.get("bucketOwner")
    if owner is not None and not (isinstance(owner, str) and _ACCOUNT_ID.fullmatch(owner)):
        emit("DP220", f"{where}: s3Location.bucketOwner {owner!r} is not a 12-digit AWS account id "
             "(write it as a string, or leave it out)", "bucketOwner")
        ok = False
    return ok


def _kinds(value: Any) -> set[str]:
    """The media kinds (image, video) a raw conversation record holds in any message."""
    kinds: set[str] = set()
    messages = value.get("messages") if isinstance(value, dict) else None
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, dict):
                kinds.update(k for k in ("image", "video") if k in block)
    return kinds


def mixed_media(records: Iterable[tuple[int, Any]]) -> list[tuple[int, str, str]]:
    """DP217 across records: (line, code, message) for the first record whose media kind differs from an earlier one.

    `records` are (line, parsed value) pairs of one file; a record holding both kinds is reported by its own
    check, not here.
    """
    first: dict[str, int] = {}
    for line, value in records:
        kinds = _kinds(value)
        if len(kinds) != 1:
            continue
        kind = kinds.pop()
        other = "video" if kind == "image" else "image"
        if other in first:
            return [(line, "DP217", f"line {line} has {_PLURAL[kind]} but line {first[other]} has {_PLURAL[other]}; a "
                     "dataset holds text with images or text with video, never both: split it into two datasets")]
        first.setdefault(kind, line)
    return []
