"""The media objects themselves (DP225-DP229): one implementation that `validate --media-root` and the build call.

`checks.media` judges what a record says about its images and videos; this module reads the objects it
points at, when the user asks for it (`dataprep validate --media-root DIR` with local copies laid out as
`DIR/bucket/key`, or `--media-root s3` for the objects themselves), and the build's media step calls
`inspect` on the local files it copies:

- DP225: the object is missing, cut off or unreadable (the URI and where it was looked for are named);
- DP226: its real format (Pillow for images, the container's magic bytes for video) is not the declared one;
- DP227: an image over the model's bytes, side, total-pixel or aspect-ratio limit;
- DP228: a video over the model's bytes or duration limit (the container's duration, read by PyAV);
- DP229: Llama 3.2 Vision, the record's text tokens plus its images' tokens (the User Guide's estimate,
  1,601 per 560-pixel tile, at most 2 x 2 tiles) over the per-record token budget.

Objects are read lazily and once per run (cached by location): Pillow reads an image's header, never its
pixels; PyAV reads a video's container header and index, never its frames; an S3 object is read in ranged
GETs of the parts these need, so a big video is never fetched whole. Pillow and PyAV are the `[media]` extra.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from dataprep.profiles import Profile, TaskSpec

Problem = tuple[str, str]  # (rule code, message)
S3 = "s3"  # `--media-root s3`: the objects are read from S3 itself

IMAGE_KEYS = ("max_image_bytes", "min_image_side_px", "max_image_side_px", "max_image_pixels", "max_aspect_ratio")
VIDEO_KEYS = ("max_video_bytes", "max_video_seconds")
# Pillow's format names in Bedrock's `format` spelling.
_PIL_FORMATS = MappingProxyType({"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"})
_TAIL = 4096  # bytes read from an image's end to see that it is whole
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_TILE, _TILE_TOKENS = 560, 1601  # Llama 3.2 Vision: a tile's side in pixels and its tokens


@dataclass(frozen=True)
class MediaLimits:
    """A model's limits on media objects (the profile's media quotas) and its image-token budget, if any."""

    model: str = "this model"
    quotas: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    token_budget: int | None = None  # Llama 3.2 Vision: usable tokens per record, its images' tokens included

    @classmethod
    def of(cls, profile: Profile, spec: TaskSpec | None = None) -> MediaLimits:
        """The limits of `profile`'s `spec` (its default task without one).

        Images cost tokens on a Llama-tokenized model that takes images (Llama 3.2 11B and 90B Vision).
        """
        spec = spec if spec is not None else profile.task()
        quotas = {key: value for key in (*IMAGE_KEYS, *VIDEO_KEYS) if (value := spec.quota(key)) is not None}
        budget = spec.quota("max_tokens_per_record")
        vision = profile.tokenizer == "llama3" and "image" in profile.media and budget is not None
        return cls(profile.id, MappingProxyType(quotas), profile.token_limit(budget) if vision and budget else None)


@dataclass(frozen=True)
class Facts:
    """What one object is: its bytes, real format, pixel size or duration, or why it could not be read."""

    size: int
    format: str | None = None  # Bedrock's spelling; None when not recognised
    width: int = 0
    height: int = 0
    seconds: float | None = None
    unreadable: str | None = None


def image_tokens(width: int, height: int) -> int:
    """Llama 3.2 Vision's image tokens (User Guide): min(2, max(H // 560, 1)) * min(2, max(W // 560, 1)) * 1601."""
    return min(2, max(height // _TILE, 1)) * min(2, max(width // _TILE, 1)) * _TILE_TOKENS


def inspect(path: Path, kind: str, declared_format: str | None, rules: MediaLimits) -> list[Problem]:
    """Every problem of one local media file (the build's media step calls this on what it copies)."""
    return judge(read_local(path, kind), kind, declared_format, rules, str(path))


def read_local(path: Path, kind: str) -> Facts:
    """The facts of a local file (DP225's reason when it is missing or unreadable)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return read(handle, size, kind)
    except FileNotFoundError:
        return Facts(0, unreadable=f"not found at {path}")
    except OSError as exc:
        return Facts(0, unreadable=f"cannot be read: {exc.strerror or exc}")


def read(handle: BinaryIO, size: int, kind: str) -> Facts:
    """The facts of one object from a seekable binary handle of `size` bytes; only the parts needed are read."""
    head = handle.read(64)
    if kind == "image":
        return _image(handle, size, head)
    handle.seek(0)
    return _video(handle, size, head)


def judge(facts: Facts, kind: str, declared: str | None, rules: MediaLimits, name: str) -> list[Problem]:
    """DP225-DP228 for one object, named `name` in the messages."""
    if facts.format is not None and declared is not None and facts.format != declared:
        what = "an image" if facts.format in _PIL_FORMATS.values() else "a video"
        return [("DP226", f"{name} is {what} in {facts.format} format, not {declared!r} as the record declares "
                          f"(its block's format, or an image-ref's suffix); declare {facts.format!r} or convert the "
                          "file")]
    if facts.unreadable is not None:
        return [("DP225", f"{name}: {facts.unreadable}")]
    over = _image_over(facts, rules) if kind == "image" else _video_over(facts, rules)
    if not over:
        return []
    code = "DP227" if kind == "image" else "DP228"
    return [(code, f"{name}: {'; '.join(over)} ({rules.model}'s limits)")]


def _image_over(facts: Facts, rules: MediaLimits) -> list[str]:
    """Each image limit the object is over, said with its value and the limit."""
    q, over = rules.quotas, []
    if "max_image_bytes" in q and facts.size > q["max_image_bytes"]:
        over.append(f"{facts.size:,} bytes, over {q['max_image_bytes']:,}")
    sides = (("width", facts.width), ("height", facts.height))
    low, high = q.get("min_image_side_px", 0), q.get("max_image_side_px")
    over += [f"{side} {px} px, under {low}" for side, px in sides if px < low]
    over += [f"{side} {px:,} px, over {high:,}" for side, px in sides if high is not None and px > high]
    pixels = facts.width * facts.height
    if "max_image_pixels" in q and pixels > q["max_image_pixels"]:
        over.append(f"{pixels:,} pixels in all, over {q['max_image_pixels']:,}")
    short, long = sorted((facts.width, facts.height))
    ratio = q.get("max_aspect_ratio")
    if ratio is not None and short > 0 and long > ratio * short:
        over.append(f"aspect ratio {facts.width}:{facts.height}, beyond 1:{ratio} to {ratio}:1")
    return over


def _video_over(facts: Facts, rules: MediaLimits) -> list[str]:
    q, over = rules.quotas, []
    if "max_video_bytes" in q and facts.size > q["max_video_bytes"]:
        over.append(f"{facts.size:,} bytes, over {q['max_video_bytes']:,}")
    if "max_video_seconds" in q and facts.seconds is not None and facts.seconds > q["max_video_seconds"]:
        over.append(f"{facts.seconds:.1f} seconds long, over {q['max_video_seconds']}")
    return over


def _image(handle: BinaryIO, size: int, head: bytes) -> Facts:
    """Format and size from the header (Pillow, pixels never decoded), then whether the file is whole."""
    from PIL import Image, UnidentifiedImageError

    handle.seek(0)
    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # nothing is decoded: no bomb to guard against
    try:
        with Image.open(handle) as image:
            fmt, (width, height) = _PIL_FORMATS.get(image.format or ""), image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        other = _video_format(head)
        return Facts(size, other, unreadable=None if other else "not an image Pillow can read (cut off, or "
                     "another kind of file)")
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if fmt is None:
        return Facts(size, image.format.lower() if image.format else None, width, height)
    cut = _cut_off(handle, size, fmt, head)
    return Facts(size, fmt, width, height, unreadable=f"cut off: {cut}" if cut else None)


def _cut_off(handle: BinaryIO, size: int, fmt: str, head: bytes) -> str | None:
    """Why an image's bytes stop before its format's end (None when whole); reads only its last bytes."""
    if fmt == "webp":
        declared = int.from_bytes(head[4:8], "little") + 8
        return f"the RIFF header says {declared:,} bytes, the file has {size:,}" if size < declared else None
    handle.seek(max(size - _TAIL, 0))
    tail = handle.read(_TAIL)
    if fmt == "png" and not tail.endswith(_PNG_END):
        return "no IEND chunk at the end of the PNG"
    if fmt == "jpeg" and b"\xff\xd9" not in tail:
        return "no end-of-image marker (FF D9) at the end of the JPEG"
    if fmt == "gif" and not tail.rstrip(b"\x00").endswith(b";"):
        return "no trailer byte (3B) at the end of the GIF"
    return None


def _video_format(head: bytes) -> str | None:
    """mp4, mov, mkv or webm from the container's first bytes (ISO BMFF `ftyp` brand, Matroska DocType)."""
    if head[4:8] == b"ftyp":
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head else "mkv" if b"matroska" in head else None
    return None


def _video(handle: BinaryIO, size: int, head: bytes) -> Facts:
    """Format from the magic bytes; duration from the container (PyAV reads its header and index, no frames)."""
    import av

    fmt = _video_format(head)
    if fmt is None:
        image = next((name for magic, name in _IMAGE_MAGIC if head.startswith(magic)), None)
        return Facts(size, image, unreadable=None if image else "not an mp4, mov, mkv or webm container")
    try:
        with av.open(handle, mode="r") as container:
            seconds = _seconds(container)
    except (av.error.FFmpegError, OSError, ValueError, EOFError) as exc:
        why = getattr(exc, "strerror", None) or exc
        return Facts(size, fmt, unreadable=f"the {fmt} container cannot be read ({why}): cut off, or not {fmt}")
    if seconds is None:
        return Facts(size, fmt, unreadable=f"the {fmt} container states no duration")
    return Facts(size, fmt, seconds=seconds)


_IMAGE_MAGIC = ((b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"RIFF", "webp"))


def _seconds(container: Any) -> float | None:
    """The container's duration in seconds, else its longest stream's."""
    import av

    if container.duration:
        return float(container.duration) / av.time_base
    spans = [float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base]
    return max(spans, default=None)


class S3Object(io.RawIOBase):
    """An S3 object as a seekable read-only file: each read is a ranged GET of the blocks it needs.

    Pillow and PyAV read only headers, an index and a tail, so an object is never downloaded whole.
    """

    _BLOCK = 256 << 10

    def __init__(self, s3: Any, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self.s3, self.bucket, self.key, self.size = s3, bucket, key, size
        self.position = 0
        self.blocks: dict[int, bytes] = {}
        self.fetched = 0  # bytes GET so far: what a check cost in transfer

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(base + offset, 0)
        return self.position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self.size - self.position)
        done = 0
        for chunk in self._chunks(self.position, wanted):
            view[done:done + len(chunk)] = chunk
            done += len(chunk)
        self.position += done
        return done

    def _chunks(self, start: int, length: int) -> Iterator[bytes]:
        end = start + length
        while start < end:
            index = start // self._BLOCK
            block = self._block(index)
            offset = start - index * self._BLOCK
            piece = block[offset:offset + end - start]
            if not piece:
                return
            yield piece
            start += len(piece)

    def _block(self, index: int) -> bytes:
        if index not in self.blocks:
            if len(self.blocks) >= 8:
                self.blocks.pop(next(iter(self.blocks)))
            first = index * self._BLOCK
            last = min(first + self._BLOCK, self.size) - 1
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={first}-{last}")["Body"]
            self.blocks[index] = body.read()
            self.fetched += len(self.blocks[index])
        return self.blocks[index]


def media_refs(value: Any) -> Iterator[tuple[str, str | None, str]]:
    """(kind, declared format, location) of each image and video a record refers to, in order.

    Conversation records: every well-formed image/video block (a malformed one is DP215's). Image-caption
    records (F5): the record's `image-ref`, whose format is its key's suffix (`formats.image_caption`).
    """
    if not isinstance(value, dict):
        return
    ref = value.get("image-ref")
    if isinstance(ref, str):
        from dataprep.formats.image_caption import image_format

        yield "image", image_format(ref), ref
    messages = value.get("messages")
    for message in messages if isinstance(messages, list) else ():
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else ():
            for kind in ("image", "video"):
                spec = block.get(kind) if isinstance(block, dict) else None
                source = spec.get("source") if isinstance(spec, dict) else None
                where = source.get("s3Location") if isinstance(source, dict) else None
                uri = where.get("uri") if isinstance(where, dict) else None
                fmt = spec.get("format") if isinstance(spec, dict) else None
                if isinstance(uri, str) and isinstance(fmt, str):
                    yield kind, fmt, uri


class MediaObjects:
    """Where the objects are (a local root laid out as bucket/key, or S3) and what was read of each, once a run."""

    def __init__(self, root: Path | str) -> None:
        self.root = root
        self.cache: dict[tuple[str, str], tuple[Facts, str]] = {}
        self._s3: Any = None

    def facts(self, location: str, kind: str, base: Path) -> tuple[Facts, str]:
        """The object's facts and its name for messages; a relative location is relative to `base`."""
        key = (location, kind)
        if key not in self.cache:
            self.cache[key] = self._read(location, kind, base)
        return self.cache[key]

    def _read(self, location: str, kind: str, base: Path) -> tuple[Facts, str]:
        if not location.startswith("s3://"):
            return read_local(base / location, kind), location
        bucket, _, key = location.removeprefix("s3://").partition("/")
        if self.root == S3:
            return self._read_s3(bucket, key, kind), location
        path = Path(self.root) / bucket / key
        return read_local(path, kind), location

    def _read_s3(self, bucket: str, key: str, kind: str) -> Facts:
        """HEAD, then only the ranges the readers ask for; a missing object is DP225, any other failure one line."""
        from dataprep.errors import UsageError
        from dataprep.io.s3 import calling, client, reason

        uri = f"s3://{bucket}/{key}"
        if self._s3 is None:
            self._s3 = client("--media-root s3")  # without botocore: one line naming the [s3] extra
        from botocore.exceptions import ClientError

        try:
            size = int(self._s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NoSuchBucket"):
                return Facts(0, unreadable="no such object in S3 (or no such bucket)")
            raise UsageError(f"--media-root s3: {uri}: {reason(exc)}") from None
        with calling(f"--media-root s3: {uri}"):
            return read(S3Object(self._s3, bucket, key, size), size, kind)  # type: ignore[arg-type]


@dataclass
class _Pending:
    line: int
    text: str  # the record's JSON line, to find each location's column
    refs: list[tuple[str, str | None, str]]
    tokens_of: str  # the record's text, whose tokens DP229 adds to its images'


class FileMedia:
    """The media of one file's records, inspected when the file ends (their text tokens counted together)."""

    def __init__(self, objects: MediaObjects, limits: MediaLimits, base: Path, tokenizer: str | None,
                 emit: Any) -> None:
        self.objects, self.limits, self.base, self.tokenizer, self.emit = objects, limits, base, tokenizer, emit
        self.pending: list[_Pending] = []

    def add(self, line: int, text: str, value: Any, record_text: str) -> None:
        """One checked record; kept only when it refers to media."""
        refs = list(media_refs(value))
        if refs:
            self.pending.append(_Pending(line, text, refs, record_text))

    def finish(self) -> None:
        """DP225-DP228 per object reference, then DP229 per record on a model whose images cost tokens."""
        images: list[tuple[_Pending, int]] = []
        for item in self.pending:
            tokens = 0
            for kind, declared, location in item.refs:
                facts, name = self.objects.facts(location, kind, self.base)
                col = item.text.find(location) + 1
                for code, message in judge(facts, kind, declared, self.limits, name):
                    self.emit(item.line, max(col, 1), code, message)
                if kind == "image" and facts.width and facts.height:
                    tokens += image_tokens(facts.width, facts.height)
            if tokens:
                images.append((item, tokens))
        self._tokens(images)
        self.pending = []

    def _tokens(self, images: list[tuple[_Pending, int]]) -> None:
        """DP229: text tokens + image tokens over the budget (a record over it on text alone is DP305's)."""
        budget = self.limits.token_budget
        # A token is never shorter than one UTF-8 byte: a record whose bytes and image tokens fit is not counted.
        images = [(item, tokens) for item, tokens in images if budget is not None
                  and len(item.tokens_of.encode()) + tokens > budget]
        if budget is None or not images or self.tokenizer is None:
            return
        from dataprep.tokens import counter

        counts = counter(self.tokenizer).count([item.tokens_of for item, _ in images]).tolist()
        for (item, tokens), text in zip(images, counts, strict=True):
            if text <= budget < text + tokens:
                self.emit(item.line, 1, "DP229", f"{text:,} text tokens + {tokens:,} image tokens = "
                          f"{text + tokens:,}; {self.limits.model} allows {budget:,} per record, images included "
                          "(each image costs 1,601 tokens per 560-pixel tile, up to 2 x 2 tiles): shorten the text, "
                          "use fewer or smaller images")
