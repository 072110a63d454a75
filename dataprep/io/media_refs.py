"""Image and video references as source datasets write them, read into `Media` objects for the importers.

Real multimodal chat data points at its images in a few ways, and this module reads each of them once:

- a string: a local path (relative to the source file), a `file://` URI, a `data:image/…;base64,` URI, an
  `s3://` URI (kept as is), or an `http(s)://` URL, which is refused (DP236): the build reads no network;
- a Hugging Face `datasets` Image feature as stored in Parquet/Arrow, `{"bytes": …, "path": …}`: the bytes,
  when there are any, become a `data:` URI (the media step stores them), else the path is used;
- LLaMA-Factory's `images` / `videos` lists, whose entries the text places with `<image>` / `<video>`
  placeholders (`placed`), and the TRL vision format's `{"type": "image"}` parts, which take the record's
  `images` in order.

The format is Bedrock's spelling (`jpeg`, not `jpg`), from the data URI's type, the file's suffix, or the
bytes' magic number; an unknown one is kept as found, for the model's rules to refuse (DP219).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from dataprep.formats.base import Emit, Media
from dataprep.formats.image_caption import SUFFIX_FORMATS

CODE = "DP236"  # a reference the build cannot use: on the web, or not where the text says
PLACEHOLDERS = {"image": "<image>", "video": "<video>"}
_SUFFIXES = {**{suffix: ("image", fmt) for suffix, fmt in SUFFIX_FORMATS.items()},
             ".mp4": ("video", "mp4"), ".mov": ("video", "mov"), ".mkv": ("video", "mkv"), ".webm": ("video", "webm")}
_MAGIC = ((b"\x89PNG", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"))
_DATA = re.compile(r"data:(?P<kind>image|video)/(?P<sub>[\w.+-]+)[^,]*;base64,", re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


def scheme_of(location: str) -> str:
    """A media location's URI scheme in lower case ('s3', 'file', 'data', 'https'), '' for a plain path."""
    return urlparse(location).scheme.lower() if _SCHEME.match(location) else ""


def reference(value: Any, kind: str, where: str, emit: Emit) -> Media | None:
    """One reference (a string or an Image feature dict) as a Media object, or None after reporting it."""
    if isinstance(value, dict) and ("bytes" in value or "path" in value):
        return _feature(value, kind, where, emit)
    if not isinstance(value, str) or not value.strip():
        emit(CODE, f"{where}: an {kind} reference must be a path, a file://, data: or s3:// URI, or an image "
             f"feature {{\"bytes\", \"path\"}}; found {type(value).__name__}", None)
        return None
    text = value.strip()
    data = _DATA.match(text)
    if data is not None:
        sub = data.group("sub").lower()
        return Media(data.group("kind").lower(), "jpeg" if sub == "jpg" else sub, text)
    scheme = scheme_of(text)
    if scheme == "data":
        emit(CODE, f"{where}: the {kind} data: URI ({text[:40]}...) is not data:image/...;base64, or "
             "data:video/...;base64,: its type and bytes cannot be told", None)
        return None
    if scheme not in ("", "file", "s3"):
        emit(CODE, f"{where}: the {kind} {text[:80]!r} is on the web ({scheme}), and dataprep downloads nothing "
             "at build time", None)
        return None
    name = unquote(urlparse(text).path) if scheme else text
    return _by_suffix(text, name, kind)


def _by_suffix(location: str, name: str, kind: str) -> Media:
    """A Media at `location` whose kind and format its file name's suffix tells (as found, if unknown)."""
    suffix = PurePosixPath(name).suffix.lower()
    found_kind, fmt = _SUFFIXES.get(suffix, (kind, suffix.lstrip(".") or "unknown"))
    return Media(found_kind, fmt, location)


def _feature(value: dict[str, Any], kind: str, where: str, emit: Emit) -> Media | None:
    """A `datasets` Image feature: its bytes as a data: URI (format from the magic number or the path)."""
    data, path = value.get("bytes"), value.get("path")
    if isinstance(data, bytes | bytearray) and data:
        fmt = next((f for magic, f in _MAGIC if data.startswith(magic)), None)
        if fmt is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            fmt = "webp"
        if fmt is None and isinstance(path, str):
            fmt = _by_suffix(path, path, kind).format
        fmt = fmt or "unknown"
        return Media(kind, fmt, f"data:{kind}/{fmt};base64,{base64.b64encode(bytes(data)).decode('ascii')}")
    if isinstance(path, str) and path.strip():
        return reference(path, kind, where, emit)
    emit(CODE, f"{where}: the {kind} feature has neither bytes nor a path", None)
    return None


def references(values: Any, kind: str, where: str, emit: Emit) -> list[Media] | None:
    """A record's `images` / `videos` list (or one reference) as Media objects; None after reporting."""
    items = values if isinstance(values, list) else [values]
    found = [reference(v, kind, f"{where} {kind} {i}", emit) for i, v in enumerate(items, 1)]
    return None if any(m is None for m in found) else [m for m in found if m is not None]


def placed(texts: Sequence[str | None], roles: Sequence[str | None], media: Sequence[Media], kind: str,
           emit: Emit) -> tuple[list[str | None], list[list[Media]]] | None:
    """LLaMA-Factory's placeholders: each `<image>` in the texts takes the next image and is removed.

    A text with no placeholder at all puts every image on the first user turn (how LLaMA-Factory reads such
    records); a count that differs from the list is reported (DP236), as LLaMA-Factory refuses it too.
    """
    token = PLACEHOLDERS[kind]
    counts = [t.count(token) if t else 0 for t in texts]
    shown: list[list[Media]] = [[] for _ in texts]
    if not any(counts):
        first = next((i for i, r in enumerate(roles) if r == "user"), None)
        if first is not None:
            shown[first] = list(media)
        return list(texts), shown
    if sum(counts) != len(media):
        emit(CODE, f"the text has {sum(counts)} {token} placeholder(s) but the record lists {len(media)} "
             f"{kind}(s); give one {token} per {kind}, where it is shown", None)
        return None
    at = 0
    for i, count in enumerate(counts):
        shown[i], at = list(media[at : at + count]), at + count
    cleaned = [_without(t, token) if t else t for t in texts]
    return cleaned, shown


def _without(text: str, token: str) -> str:
    """The text with its placeholders removed, and the blank they leave at its edges."""
    return re.sub(r"[ \t]*" + re.escape(token) + r"[ \t]*\n?", " ", text).strip()
