"""Compressed inputs: `.gz`, `.bz2`, `.xz` (and `.zst` when the zstandard package is installed) to their bytes.

Datasets ship compressed (HH-RLHF as `.jsonl.gz`); reading one as if it were text gave hundreds of
"invalid UTF-8" findings. Every reader (the build's containers, validate's JSONL reader) decompresses here,
once, after the file was read and hashed, so the manifest's sha256 is the file's and line numbers are the
decompressed text's. Decompression is incremental with a ceiling on the output, so a small file that
inflates to gigabytes (a decompression bomb) stops at the ceiling with a message instead of exhausting
memory; a stream cut off before its end keeps what was decompressed and says where it stops; corrupt data
is a message, never a traceback. Concatenated streams (`cat a.gz b.gz`) are read through, as gzip does.

Kept free of heavy imports: the codecs are the standard library's (zstandard is imported only for `.zst`).
"""

from __future__ import annotations

import bz2
import lzma
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from dataprep.io.files import FileBytes

# Suffix -> codec name, as the messages say it.
CODECS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
# The most a compressed input may inflate to. The largest Bedrock training file is 10 GB of JSONL, but the
# build holds a file in memory: past this a compressed file is refused (split it, or decompress it first).
MAX_DECOMPRESSED = 4 << 30
_STEP = 16 << 20  # output produced per decompressor call
# zstd input fed per call: zstandard cannot cap a call's output, and 1 KiB inflates to 32 MiB at the most.
_ZSTD_FEED = 1 << 10
# Each codec's magic bytes. None of them can start UTF-8 text (gzip, xz and zstd hold a byte no UTF-8 text
# starts with; bzip2's header is spelt out to its block magic), so sniffing cannot mistake a text file.
_MAGIC = (("gzip", re.compile(rb"\x1f\x8b")), ("xz", re.compile(rb"\xfd7zXZ\x00")),
          ("zstd", re.compile(rb"\x28\xb5\x2f\xfd")), ("bzip2", re.compile(rb"BZh[1-9]1AY&SY")))


class CompressionError(Exception):
    """The compressed data cannot be read at all (corrupt, over the ceiling, or its codec is not installed)."""


@dataclass(frozen=True, slots=True)
class Inflated:
    """The decompressed bytes and, when the stream was cut off, why the bytes stop where they do."""

    data: bytes
    cut: str | None = None


class _Decompressor(Protocol):
    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


def codec(path: Path) -> str | None:
    """The codec a file name asks for (`train.jsonl.gz` -> gzip), or None for an uncompressed name."""
    return CODECS.get(path.suffix.lower())


def sniff(head: bytes) -> str | None:
    """The codec whose magic bytes `head` starts with (standard input has no name to go by), else None."""
    return next((name for name, magic in _MAGIC if magic.match(head)), None)


def decompressed(path: Path, content: FileBytes) -> tuple[FileBytes, Inflated | None]:
    """The file's data, decompressed when its name or its first bytes say it is compressed, with what the
    decompression found (None when the file is not compressed). The identity stays the file's own.

    Raises CompressionError when the data cannot be decompressed at all.
    """
    name = codec(path) or sniff(content.peek()[:16])
    if name is None:
        return content, None
    inflated = inflate(content.take(), name)
    return FileBytes(inflated.data, content.identity), inflated


def cut_line(data: bytes) -> int:
    """The line a cut-off stream stops on: the one after the last complete line."""
    return data.count(b"\n") + 1


def inner_suffix(path: Path) -> str:
    """The suffix of the data inside: `.jsonl` for `train.jsonl.gz`, the suffix itself when not compressed."""
    if codec(path) is None:
        return path.suffix.lower()
    return Path(path.stem).suffix.lower()


def inflate(data: bytes, name: str, limit: int = MAX_DECOMPRESSED) -> Inflated:
    """`data` decompressed with codec `name`; raises CompressionError when nothing sensible can be read."""
    if name == "zstd":
        return _zstd(data, limit)
    makers: dict[str, Callable[[], Any]] = {"gzip": lambda: zlib.decompressobj(wbits=31),
                                            "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor}
    errors = (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError)
    try:
        return _streams(data, makers[name], name, limit)
    except errors as exc:
        raise CompressionError(f"the {name} data is corrupt ({exc})") from None


def _streams(data: bytes, make: Callable[[], _Decompressor], name: str, limit: int) -> Inflated:
    """Every concatenated stream of `data`, each decompressed in steps; stops at `limit` bytes of output."""
    out = bytearray()
    pending, first = data, True
    while True:
        decompressor = make()
        try:
            cut = _one_stream(decompressor, pending, out, limit, name)
        except (zlib.error, OSError, lzma.LZMAError) as exc:
            if first:
                raise
            return Inflated(bytes(out), f"the {name} data after byte {len(data) - len(pending):,} is not "
                                        f"another {name} stream ({exc})")
        if cut is not None:
            return Inflated(bytes(out), cut)
        pending, first = decompressor.unused_data, False
        if not pending.strip(b"\0"):  # trailing zero padding (tape and some writers) is not data
            return Inflated(bytes(out))


def _one_stream(decompressor: _Decompressor, pending: bytes, out: bytearray, limit: int, name: str) -> str | None:
    """One stream into `out`; None when it ended properly, else why it stops (cut off). Raises over `limit`."""
    while not decompressor.eof:
        room = limit + 1 - len(out)
        chunk = decompressor.decompress(pending, min(_STEP, room))
        pending = getattr(decompressor, "unconsumed_tail", b"")  # zlib keeps unread input; bz2 and xz buffer it
        out += chunk
        if len(out) > limit:
            raise CompressionError(f"it decompresses to more than {limit:,} bytes (a decompression bomb, or "
                                   "a file too large to read at once); decompress or split it first")
        if not chunk and not pending and not decompressor.eof and getattr(decompressor, "needs_input", True):
            return f"the {name} stream is cut off after {len(out):,} decompressed bytes (the file is incomplete)"
    return None


def _zstd(data: bytes, limit: int) -> Inflated:
    """zstd through the zstandard package when it is installed; a clear message when it is not.

    Frame by frame, like `_streams`: a frame that ends before its data does is a cut-off stream (zstandard's
    stream reader returns what it has and no error, so a half file read as empty, or short, without a word).
    """
    try:
        import zstandard
    except ImportError:
        raise CompressionError("reading .zst needs the zstandard package (pip install 'bedrock-dataprep[zst]'), "
                               "or decompress it first (zstd -d)") from None
    out = bytearray()
    pos = 0
    while True:
        try:
            pos, ended = _zstd_frame(zstandard.ZstdDecompressor().decompressobj(), data, pos, out, limit)
        except zstandard.ZstdError as exc:
            if not out:
                raise CompressionError(f"the zstd data is corrupt ({exc})") from None
            return Inflated(bytes(out), f"the zstd data after {len(out):,} decompressed bytes is not another "
                                        f"zstd frame ({exc})")
        if not ended:
            return Inflated(bytes(out), f"the zstd stream is cut off after {len(out):,} decompressed bytes (the "
                                        "file is incomplete)")
        if not data[pos:].strip(b"\0"):  # trailing zero padding is not data
            return Inflated(bytes(out))


def _zstd_frame(frame: Any, data: bytes, pos: int, out: bytearray, limit: int) -> tuple[int, bool]:
    """One zstd frame from `data[pos:]` into `out`, fed in small steps so the output ceiling holds (a few
    bytes can stand for a 128 KiB block); returns where the next frame starts and whether this one ended."""
    while not frame.eof and pos < len(data):
        step = data[pos:pos + _ZSTD_FEED]
        pos += len(step)
        out += frame.decompress(step)
        if len(out) > limit:
            raise CompressionError(f"it decompresses to more than {limit:,} bytes (a decompression bomb, or a "
                                   "file too large to read at once); decompress or split it first")
    return pos - len(frame.unused_data), bool(frame.eof)
