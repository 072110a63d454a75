"""Image-caption records (F5: Titan Image Generator G1, Nova Canvas, Titan Multimodal Embeddings G1).

{"image-ref": "s3://bucket/key.png", "caption": str}, the only two keys (others are DP206).

The image is the record: `image-ref` must be an S3 URI (DP220, the one shape check in `checks.media`) naming a
JPEG or PNG object, read from the key's suffix because the record declares no format (DP219 for an image
format the model does not take, DP224 for a name that is no image file). The caption's length in characters
is bounded per model (DP223: Titan Image Generator and Nova Canvas 3-1,024, Titan Multimodal Embeddings
0-2,560). The image's bytes, pixels and aspect ratio need the object itself (the media inspection's work).
Sources: Bedrock User Guide preparing-image-generation-data.html, titan-multiemb-models.html; Nova User
Guide fine-tune-prepare-data-creative-content.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dataprep.checks.media import format_ok, uri_ok
from dataprep.formats.base import Canonical, Emit, Media, check_keys, require_str

if TYPE_CHECKING:
    from dataprep.profiles import Profile

NAME = "image-caption"
IMAGE_REF, CAPTION = "image-ref", "caption"
KEYS = frozenset({IMAGE_REF, CAPTION})
_WHERE = "image-caption record"
# File name suffixes of the image formats Bedrock knows (the `format` values of its image blocks).
SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}
# Every image-caption model's guide page says JPEG or PNG; a profile's image_formats narrows or restates it.
_DEFAULT_FORMATS = ("png", "jpeg")


@dataclass(frozen=True)
class CaptionRules:
    """What one model takes in an image-caption record: image formats and the caption's length."""

    model: str = "the image-caption models"
    formats: tuple[str, ...] = _DEFAULT_FORMATS
    min_chars: int | None = None
    max_chars: int | None = None

    @classmethod
    def of(cls, profile: Profile) -> CaptionRules:
        """The rules of `profile`'s image-caption task (its default task when it has none)."""
        spec = next((s for s in profile.tasks.values() if s.format == NAME), profile.task())
        return cls(profile.id, profile.media_formats.get("image", _DEFAULT_FORMATS),
                   spec.quota("min_caption_chars"), spec.quota("max_caption_chars"))


def image_format(location: str) -> str | None:
    """The image format a file name or URI's suffix says (`jpeg` for .jpg), None for no image suffix."""
    name = location.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return SUFFIX_FORMATS.get(name[dot:].lower()) if dot > 0 else None


def check(obj: dict[str, Any], emit: Emit, rules: CaptionRules | None = None) -> Canonical | None:
    """The record as a caption with its image, or None after reporting what is wrong with it."""
    rules = rules or CaptionRules()
    check_keys(obj, KEYS, _WHERE, emit)
    ref = require_str(obj, IMAGE_REF, _WHERE, emit)
    fmt = _image(ref, rules, emit) if ref is not None else None
    caption = require_str(obj, CAPTION, _WHERE, emit, allow_empty=True)
    if caption is not None and not _caption_ok(caption, rules, emit):
        caption = None
    if ref is None or fmt is None or caption is None:
        return None
    return Canonical(text=caption, media=(Media("image", fmt, ref),))


def _image(ref: str, rules: CaptionRules, emit: Emit) -> str | None:
    """The image's format from its S3 key, or None after DP220 (not s3://bucket/key), DP224 or DP219."""
    if not uri_ok(ref, f"'{IMAGE_REF}'", _WHERE, emit, key=IMAGE_REF):
        return None
    fmt = image_format(ref)
    if fmt is None:
        emit("DP224", f"{_WHERE}: '{IMAGE_REF}' {ref[:80]!r} does not name an image file; the key must end in "
             f"{_suffixes(rules.formats)} ({' or '.join(f.upper() for f in rules.formats)})", IMAGE_REF)
        return None
    return fmt if format_ok("image", fmt, rules.formats, rules.model, _WHERE, emit, key=IMAGE_REF) else None


def _suffixes(formats: tuple[str, ...]) -> str:
    return ", ".join(s for s, f in SUFFIX_FORMATS.items() if f in formats)


def _caption_ok(caption: str, rules: CaptionRules, emit: Emit) -> bool:
    """DP223 when the caption is shorter or longer, in characters, than the model allows."""
    chars, low, high = len(caption), rules.min_chars, rules.max_chars
    if (low is None or chars >= low) and (high is None or chars <= high):
        return True
    bounds = f"{low or 0:,} to {high:,}" if high is not None else f"at least {low:,}"
    emit("DP223", f"{_WHERE}: the caption has {chars:,} characters; {rules.model} takes {bounds}: "
         f"{'describe the image in more words' if low is not None and chars < low else 'shorten it'}", CAPTION)
    return False


def render(row: Canonical) -> dict[str, Any]:
    """The row as an image-caption record: its image's location (an S3 URI after the build's media step)."""
    image = next((m for m in row.media if m.kind == "image"), None)
    caption = row.text if row.text is not None else "\n".join(row.texts())
    return {IMAGE_REF: image.location if image is not None else "", CAPTION: caption}
