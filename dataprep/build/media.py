"""The media step: each image or video a surviving record shows, read once, named by its content, and judged.

Records come out of the importers with `Media.location` as written in the source: a local path (relative to
the source file), a `file://` or `data:` URI, or an `s3://` URI. Bedrock reads media from S3 only, so every
local object is read here once (streamed and hashed into a private cache: one copy per distinct object,
however many records show it), its `sha256` filled in and its `location` replaced by
`<--media-prefix><sha256>.<format>`, the URI the records will name; the write step copies the cached objects
of the records that reach a split into OUT as `media/<sha256>.<format>` and the manifest lists them for the
upload. `s3://` media are kept as they are, and so is a relative path in a record read from an s3:// RAW:
it names the object beside that file, which is in S3 already.

A record is rejected, never stripped of its media: DP235 when a local object is missing or unreadable,
DP236 when it is only on the web (dataprep does not download at run time), DP214 when the target format
takes no media (a text-only model), and the model's own media rules (`checks.media`: kinds, formats,
counts, S3 URIs) as `dataprep validate` applies them to the rendered record; DP217 when the dataset would
mix images and video (the smaller kind goes, so the outcome does not depend on input order).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import posixpath
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from dataprep import formats
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit
from dataprep.checks.duplicates import record_key
from dataprep.checks.media import MediaRules
from dataprep.checks.media_files import MediaLimits, judge, read_local
from dataprep.errors import UsageError
from dataprep.extras import require_media
from dataprep.formats.base import Canonical, Media
from dataprep.io.media_refs import scheme_of
from dataprep.io.write import umask
from dataprep.registry import rule

MISSING = "DP235"  # a local media object that is missing or cannot be read
REMOTE = "DP236"  # a media object on the web (http, https or another scheme): not fetched
MEDIA_DIR = "media"
# The formats whose records take no media at all: a record with an image cannot become one of them.
TEXT_ONLY = frozenset({formats.prompt_completion.NAME, formats.claude_messages.NAME, formats.pretraining.NAME,
                       formats.distillation.NAME, formats.distillation.SINGLE_TURN_NAME, formats.rft.NAME})
_DATA_URI = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*?);base64,(?P<payload>.*)", re.S)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Stored:
    """One distinct media object in the cache: its digest, size, declared format, and where the copy is."""

    sha256: str
    bytes: int
    format: str
    path: Path

    @property
    def name(self) -> str:
        """Its content-addressed name: `<sha256>.<format>`."""
        return f"{self.sha256}.{self.format}"


class Problem(Exception):
    """Why one media object cannot be used: a rule code and a reason (caught per record, never shown raw)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass
class MediaStore:
    """The build's cache of media objects: each local file or data URI read once, keyed by what it is."""

    folder: Path
    objects: dict[tuple[str, str], Stored] = field(default_factory=dict)  # (sha256, format) -> object
    _seen: dict[str, Stored | Problem] = field(default_factory=dict)  # resolved path or data URI digest -> outcome
    _judged: dict[tuple[str, str, str], list[tuple[str, str]]] = field(default_factory=dict)

    def inspect(self, stored: Stored, kind: str, limits: MediaLimits, shown: str) -> None:
        """`checks.media_files` on the cached copy (format, size, pixels, duration), once per object and kind."""
        key = (stored.sha256, stored.format, kind)
        if key not in self._judged:
            require_media(f"a record's local {kind}: the media step", kind)
            self._judged[key] = judge(read_local(stored.path, kind), kind, stored.format, limits, shown)
        for code, message in self._judged[key]:
            raise Problem(code, message)

    def local(self, path: Path, fmt: str, shown: str) -> Stored:
        """The stored copy of a local file (read and hashed on first use); Problem when it cannot be read."""
        key = f"{os.path.realpath(path)}\0{fmt}"
        if key not in self._seen:
            try:
                with path.open("rb") as fh:
                    self._seen[key] = self._store(iter(lambda: fh.read(_BLOCK), b""), fmt)
            except IsADirectoryError:
                self._seen[key] = Problem(MISSING, f"{shown} is a folder, not a media file")
            except FileNotFoundError:
                self._seen[key] = Problem(MISSING, f"{shown} does not exist")
            except OSError as exc:
                self._seen[key] = Problem(MISSING, f"{shown} cannot be read ({exc.strerror or exc})")
        return _outcome(self._seen[key])

    def data(self, uri: str, fmt: str) -> Stored:
        """The stored copy of a `data:…;base64,` URI's bytes; Problem when it does not decode."""
        key = hashlib.sha256(uri.encode("utf-8", "surrogatepass")).hexdigest() + f"\0{fmt}"
        if key not in self._seen:
            match = _DATA_URI.fullmatch(uri)
            try:
                payload = base64.b64decode(match.group("payload"), validate=True) if match else b""
            except (binascii.Error, ValueError):
                payload = b""
            self._seen[key] = self._store(iter([payload]), fmt) if payload else \
                Problem(MISSING, f"a data: URI ({uri[:40]}...) with no base64 bytes (data:image/png;base64,...)")
        return _outcome(self._seen[key])

    def _store(self, blocks: Iterator[bytes], fmt: str) -> Stored:
        """Stream the bytes into the cache, hashing them; one file per distinct (sha256, format)."""
        sha, size = hashlib.sha256(), 0
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".part-")
        os.fchmod(fd, 0o666 & ~umask())  # mkstemp's 0600 would make OUT's copies private
        with os.fdopen(fd, "wb") as out:
            for block in blocks:
                sha.update(block)
                size += len(block)
                out.write(block)
        digest = sha.hexdigest()
        stored = self.objects.get((digest, fmt))
        if stored is not None:
            os.unlink(temp)
            return stored
        stored = Stored(digest, size, fmt, self.folder / f"{digest}.{fmt}")
        os.replace(temp, stored.path)
        self.objects[(digest, fmt)] = stored
        return stored


def _outcome(found: Stored | Problem) -> Stored:
    if isinstance(found, Problem):
        raise found
    return found


@contextmanager
def store() -> Iterator[MediaStore]:
    """A cache folder for the build's media objects, removed when the build ends (published or not)."""
    with tempfile.TemporaryDirectory(prefix="dataprep-media-") as folder:
        yield MediaStore(Path(folder))


@dataclass(frozen=True)
class MediaContext:
    """What the step judges by: the target format, the model's media rules, and where local media will be."""

    target_format: str
    rules: MediaRules
    limits: MediaLimits
    prefix: str | None  # --media-prefix, s3://bucket/prefix/ (ends with '/')


def run(units: list[Unit], context: MediaContext, media: MediaStore, ledger: Ledger) -> list[Unit]:
    """Resolve, store and judge every record's media; records without media pass untouched (no stage at all)."""
    if not any(u.media for u in units):
        return units
    kept: list[Unit] = []
    with ledger.stage("media", len(units)) as stage:
        for unit in units:
            stage.advance(1)
            if unit.media:
                try:
                    unit.row = _resolved(unit, context, media)
                    unit.key = record_key(unit.row)
                except Problem as problem:
                    ledger.reject(unit, problem.code, f"{problem.reason}. {rule(problem.code).fix}")
                    continue
            kept.append(unit)
        kept = _one_kind(kept, context, ledger)
        stage.done(len(kept))
    return kept


def _resolved(unit: Unit, context: MediaContext, media: MediaStore) -> Canonical:
    """The row with every media object at its S3 URI and hashed; Problem for the first that cannot be."""
    row = unit.row
    _check_target(row, context)
    base = Path(unit.source).parent

    def located(item: Media) -> Media:
        beside = _beside_remote(unit.source, item.location)
        if beside is not None:  # a relative path in an s3:// RAW names the object beside it: already in S3
            return replace(item, location=beside)
        stored = _read(item, base, unit, context, media)
        if stored is None:
            return item
        return replace(item, location=f"{context.prefix}{stored.name}", sha256=stored.sha256)

    out = replace(row, media=tuple(map(located, row.media)),
                  turns=tuple(replace(t, media=tuple(map(located, t.media))) for t in row.turns))
    if context.target_format == formats.conversation.NAME:
        _check_rules(out, context.rules)
    return out


def _beside_remote(source: str, location: str) -> str | None:
    """The s3:// URI a relative path of a record read from an s3:// RAW names; None for anything else."""
    if not source.startswith("s3://") or scheme_of(location) or location.startswith("/"):
        return None
    bucket, _, key = source.removeprefix("s3://").partition("/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(key), location))
    return None if joined.startswith("..") or joined == "." else f"s3://{bucket}/{joined}"


def _check_target(row: Canonical, context: MediaContext) -> None:
    """DP214 for media the target format cannot hold: the record would lose its image."""
    turn_media = any(t.media for t in row.turns)
    fmt = context.target_format
    if fmt in TEXT_ONLY or (turn_media and fmt != formats.conversation.NAME) \
            or (row.media and fmt == formats.conversation.NAME):
        kinds = sorted({m.kind for m in row.all_media()})
        raise Problem("DP214", f"the record shows {' and '.join(kinds)} media but {context.rules.model} records "
                      f"({fmt}) take text only; the record is not built without them: choose a multimodal model "
                      "(nova-lite, nova-pro, llama3-2-11b-instruct, llama3-2-90b-instruct) or drop the media")


def _read(item: Media, base: Path, unit: Unit, context: MediaContext, media: MediaStore) -> Stored | None:
    """The stored object of a local or data: media object; None for an s3:// one; Problem otherwise."""
    location = item.location
    scheme = scheme_of(location)
    if scheme == "s3":
        return None
    if scheme not in ("", "file", "data"):
        raise Problem(REMOTE, f"{item.kind} {location[:80]!r} is on the web ({scheme}); dataprep reads no "
                      "network at build time")
    if context.prefix is None:
        raise UsageError(f"{unit.source}:{unit.line} has a local {item.kind} ({location[:60]}); give --media-prefix "
                         "s3://BUCKET/PREFIX/ (the S3 folder its copy will be uploaded to), or set media-prefix "
                         "in [tool.dataprep]")
    if scheme == "data":
        stored, shown = media.data(location, item.format), f"{item.kind} {location[:30]}..."
    else:
        path = Path(unquote(urlparse(location).netloc + urlparse(location).path)) if scheme == "file" else \
            base / location
        shown = f"{item.kind} {str(path)[:120]!r}"
        stored = media.local(path, item.format, shown)
    media.inspect(stored, item.kind, context.limits, shown)
    return stored



def _check_rules(row: Canonical, rules: MediaRules) -> None:
    """The model's media rules on the record as it will be written (the validator's own check)."""
    found: list[tuple[str, str]] = []
    formats.conversation.check(formats.conversation.render(row), lambda c, m, _k: found.append((c, m)), rules)
    for code, message in found:
        if rule(code).action == "drop":
            raise Problem(code, message)


def _one_kind(units: list[Unit], context: MediaContext, ledger: Ledger) -> list[Unit]:
    """DP217 across records: images and video never share a dataset; the kind fewer records show goes."""
    kinds = [frozenset(m.kind for m in u.row.all_media()) & {"image", "video"} if u.media else frozenset()
             for u in units]
    counts = Counter(kind for found in kinds for kind in found)
    if context.target_format != formats.conversation.NAME or len(counts) < 2:
        return units
    keep = "video" if counts["video"] > counts["image"] else "image"
    drop = "image" if keep == "video" else "video"
    kept = []
    for unit, found in zip(units, kinds, strict=True):
        if drop in found:
            ledger.reject(unit, "DP217", f"the record shows {drop}s but {counts[keep]:,} other records show "
                          f"{keep}s; a dataset holds text with images or text with video, never both. "
                          f"{rule('DP217').fix}")
        else:
            kept.append(unit)
    return kept


def copy_into(stage: Path, objects: dict[tuple[str, str], Stored], units: Iterator[Unit]) -> list[Stored]:
    """Copy the objects the placed `units` show into `stage/media/`, once each; returned in name order."""
    used = {(m.sha256, m.format) for u in units if u.media for m in u.row.all_media() if m.sha256 is not None}
    wanted = sorted((objects[key] for key in used if key in objects), key=lambda s: s.name)
    if wanted:
        (stage / MEDIA_DIR).mkdir(exist_ok=True)
    for stored in wanted:
        target = stage / MEDIA_DIR / stored.name
        try:
            os.link(stored.path, target)
        except OSError:  # another file system, or no hard links: a copy
            shutil.copyfile(stored.path, target)
    return wanted
