"""Strict JSONL reading that keeps the true 1-based line number of every record.

polars' `read_ndjson` skips blank lines, reports no line for a syntax error and coerces types, so every
file is first read here, line by line, and only clean objects go on. Each way a line can be wrong gets its
own rule code with the line and column, never a traceback: a path that is not a readable file is DP115.

A pretty-printed object (DP107) is found in one forward pass: the look-ahead from a line that opens an
object follows the lines indented deeper than it, and the text is parsed once, only when the lines close
where a pretty-printer closes them. A line a failed look-ahead examined starts none of its own, so a file of
thousands of cut-off lines costs one parse per line, not one per pair of lines.

The reading streams: `stream_jsonl` yields records as it reads an uncompressed file line by line, holding
only the look-ahead window, so `dataprep validate` runs in constant memory on any file size. Whole-file
findings that need the end of the file (DP100 empty, DP112 CRLF count) are made when it is reached.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dataprep.findings import Finding
from dataprep.io.compressed import CompressionError, codec, cut_line, decompressed, sniff
from dataprep.io.decode import DefectError, StrictDecoder, is_document, parse_line
from dataprep.io.files import FileBytes, FileIdentity, UnreadableFile, is_stdin, open_regular, read_regular
from dataprep.registry import RulePolicy

_BOM = b"\xef\xbb\xbf"
JSON_ARRAY = "DP106"  # the file is a JSON array: validate names its records' shape when they are raw (DP118)
_PRETTY_LOOKAHEAD = 2000  # lines to join when looking for the end of a pretty-printed object


@dataclass(slots=True)
class RawRecord:
    """One parsed JSON object and where it came from."""

    line: int
    text: str
    value: dict[str, Any]


@dataclass
class ReadResult:
    """A JSONL file read: its records, its findings, the lines that yielded no record, and its size in bytes."""

    records: list[RawRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Lines (1-based) that held something but yielded no record: the build ledger needs them.
    bad_lines: dict[int, tuple[str, str]] = field(default_factory=dict)
    # Each later line of a multi-line (pretty-printed) object -> the line where the object starts.
    spans: dict[int, int] = field(default_factory=dict)
    size: int = 0
    identity: FileIdentity | None = None  # None when the file could not be read (DP115)


def read_jsonl(path: Path, policy: RulePolicy, display: str | None = None, *, keep_text: bool = True,
               content: FileBytes | None = None) -> ReadResult:
    """Read `path` as JSONL; every defect becomes a finding at its line, valid objects become records.

    `keep_text` False leaves the records' `text` empty: the build needs only the parsed values, and holding
    every line besides them would double its memory. `content` is the file already read (the build hashes
    what it parses); without it the file is read here, safely: a FIFO, folder or unreadable file is DP115, and
    a compressed file (`.gz`, `.bz2`, `.xz`, `.zst`) is decompressed, its lines numbered as decompressed.
    `result.size` is then the decompressed size (what Bedrock would be given).
    """
    stream = JsonlStream(path, policy, display, keep_text=keep_text, content=content)
    records = list(stream)
    result = stream.result
    result.records = records
    return result


class JsonlStream:
    """The records of one JSONL file, yielded as they are read; `result` holds everything else.

    While iterating, `result.findings` grows; once the iteration ends it is complete (whole-file findings
    first, as the build prints them). `keep_bad` False keeps only the number of bad lines, not their text.
    """

    def __init__(self, path: Path, policy: RulePolicy, display: str | None = None, *, keep_text: bool = True,
                 keep_bad: bool = True, content: FileBytes | None = None, handle: IO[bytes] | None = None) -> None:
        """Nothing is read until the stream is iterated. `handle` is a plain (not compressed) file already
        open, read from where it is (the build's `HashedFile`); `content` the bytes already read."""
        self.path, self.policy, self.name = path, policy, display or str(path)
        self.keep_text, self.keep_bad, self.content, self.handle = keep_text, keep_bad, content, handle
        self.result = ReadResult()
        self._fresh: list[int] = []  # bad lines kept since `fresh_bad_lines` was last called
        self.bad = 0  # lines that held something but yielded no record
        self.last_bad: tuple[int, str] | None = None  # the last of them, with its code
        self._head: list[Finding] = []

    def emit(self, line: int, col: int, code: str, message: str) -> None:
        """A finding at (line, col) of this file, through the policy (which may ignore or re-grade it)."""
        self.policy.add(self.result.findings, self.name, line, col, code, message)

    def _emit_head(self, line: int, col: int, code: str, message: str) -> None:
        """A whole-file finding, listed before the line findings whenever it is made."""
        self.policy.add(self._head, self.name, line, col, code, message)

    def bad_line(self, number: int, code: str, text: str) -> None:
        """A line that yields no record: counted, and kept with its text when the caller needs it."""
        self.bad += 1
        self.last_bad = (number, code)
        if self.keep_bad:
            self.result.bad_lines[number] = (code, text)
            self._fresh.append(number)

    def fresh_bad_lines(self) -> list[int]:
        """The bad lines kept since the last call, in line order: a line is judged bad before any record after
        it is yielded, so a caller merging them with the records as they come keeps file order."""
        fresh, self._fresh = self._fresh, []
        return fresh

    def __iter__(self) -> Iterator[RawRecord]:
        """The records, in file order; the findings are complete when this ends."""
        try:
            yield from self._records()
        finally:
            self.result.findings[:0] = self._head
            self._head = []

    def _records(self) -> Iterator[RawRecord]:
        """Opens the data (streamed when it is a plain file, decompressed in memory otherwise) and reads it."""
        cut, content = None, self.content
        handle: IO[bytes] | None = self.handle
        try:
            if content is None and handle is None:
                handle, content, cut = self._open()
            if handle is None:
                assert content is not None
                self.result.identity = content.identity
                data = content.take()
                stop = cut_line(data) if cut is not None else 0
                self.result.size = len(data)
                handle = io.BytesIO(data)
                del data
            yield from _Reader(self, handle).records()
        except (UnreadableFile, CompressionError) as error:
            self.emit(1, 1, "DP115", f"cannot read the file: {getattr(error, 'reason', error)}")
            return
        finally:
            if handle is not None:
                handle.close()
        if cut is not None and self.last_bad != (stop, "DP105"):
            # A stream cut off at a line boundary leaves no broken line: say where the data stops.
            self.emit(stop, 1, "DP105", f"{cut}; the lines before it are read, line {stop} and after are missing")

    def _open(self) -> tuple[IO[bytes] | None, FileBytes | None, str | None]:
        """(a handle to stream from, or the decompressed content and its cut-off note)."""
        if not is_stdin(self.path) and codec(self.path) is None:
            handle = open_regular(self.path)
            if sniff(handle.peek(16)[:16]) is None:  # type: ignore[attr-defined]
                self.result.size = os.fstat(handle.fileno()).st_size
                return handle, None, None
            handle.close()
        content, inflated = decompressed(self.path, read_regular(self.path))
        return None, content, inflated.cut if inflated is not None else None


class _Window:
    """The file's lines by 0-based index, read forward on demand; the lines behind the reader are dropped."""

    def __init__(self, handle: IO[bytes], stream: JsonlStream, first: bytes) -> None:
        """Lines from `handle` (without their newline); `first` is the first line, already read."""
        self._handle, self._stream = handle, stream
        self._lines: deque[bytes] = deque()
        self._base = 0  # the index of self._lines[0]
        self.ends_with_newline = True
        self._done = False
        self._push(first)

    def _push(self, raw: bytes) -> None:
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        else:
            self.ends_with_newline = False
        self._lines.append(raw)

    def get(self, index: int) -> bytes | None:
        """Line `index`, or None past the end of the file."""
        while index >= self._base + len(self._lines) and not self._done:
            raw = self._handle.readline()
            if not raw:
                self._done = True
                break
            self._push(raw)
        offset = index - self._base
        return self._lines[offset] if 0 <= offset < len(self._lines) else None

    def release(self, index: int) -> None:
        """Forget every line before `index`: nothing reads backwards."""
        while self._lines and self._base < index:
            self._lines.popleft()
            self._base += 1

    def __getitem__(self, index: int) -> bytes:
        line = self.get(index)
        if line is None:
            raise IndexError(index)
        return line

    def limit(self, start: int, span: int) -> int:
        """min(start + span, the number of lines): how far a look-ahead from `start` may read."""
        end = start + 1
        while end < start + span and self.get(end) is not None:
            end += 1
        return end


class _Reader:
    """One pass over a file's lines: whole-file findings, then every line through the strict decoder."""

    def __init__(self, stream: JsonlStream, handle: IO[bytes]) -> None:
        self.stream, self.handle = stream, handle
        self.crlf, self.first_crlf = 0, 0
        self.pending: list[tuple[int, str]] = []  # blank lines before the first non-blank one

    def records(self) -> Iterator[RawRecord]:
        """The records of the file; DP100, DP101, DP106 and DP112 as whole-file findings."""
        stream = self.stream
        first = self.handle.readline()
        if first.startswith(_BOM):
            stream._emit_head(1, 1, "DP101", "UTF-8 byte-order mark at the start of the file; save as UTF-8 "
                              "without BOM")
            first = first[len(_BOM):]
            if not first:
                return
        if not first:
            stream._emit_head(1, 1, "DP100", "the file is empty")
            return
        yield from self._lines(_Window(self.handle, stream, first))
        if self.crlf:
            stream._emit_head(self.first_crlf, 1, "DP112", f"{self.crlf} line(s) end with CRLF; use \\n line endings")

    def _lines(self, window: _Window) -> Iterator[RawRecord]:
        """Each line through the strict decoder, in order; a bad line becomes a finding and a bad line."""
        stream, decoder = self.stream, StrictDecoder()
        index, examined, started = 0, -1, False
        while (raw := window.get(index)) is not None:
            window.release(index)
            number = index + 1
            index += 1
            if raw.endswith(b"\r"):
                raw = raw[:-1]
                self.crlf += 1
                self.first_crlf = self.first_crlf or number
            if not started:
                if not raw.strip():
                    self.pending.append((number, raw.decode("utf-8", "replace")))
                    continue
                started = True
                if raw.lstrip()[:1] == b"[":
                    self.crlf = 0
                    stream._emit_head(1, 1, JSON_ARRAY, "the file is a JSON array; write one JSON object per line "
                                      "(jq -c '.[]')")
                    return
                for blank, text in self.pending:
                    stream.emit(blank, 1, "DP103", "blank line; JSONL files must have no empty lines")
                    stream.bad_line(blank, "DP103", text)
            record, index, examined = _line(stream, window, raw, number, index, examined, decoder)
            if record is not None:
                yield record
        if not started:
            stream._emit_head(1, 1, "DP100", "the file holds only whitespace")
            self.crlf = 0


def _line(stream: JsonlStream, window: _Window, raw: bytes, number: int, index: int, examined: int,
          decoder: StrictDecoder) -> tuple[RawRecord | None, int, int]:
    """One line: (its record or None, the next line index, the last index a failed look-ahead examined)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        stream.emit(number, exc.start + 1, "DP102",
                    f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}")
        stream.bad_line(number, "DP102", raw.decode("utf-8", "replace"))
        return None, index, examined
    if not text.strip():
        stream.emit(number, 1, "DP103", "blank line; JSONL files must have no empty lines")
        stream.bad_line(number, "DP103", text)
        return None, index, examined
    try:
        value = parse_line(text, decoder)
    except DefectError as problem:
        joined = None
        if problem.code == "DP104" and index - 1 > examined:
            joined, examined = _pretty_printed(window, index - 1, text, decoder)
        if joined is not None:
            _file_span(window, index - 1, joined, stream)
            return None, index + joined, examined
        code = problem.code
        if code == "DP104" and window.get(index) is None and not window.ends_with_newline:
            code, message = "DP105", f"the last line is cut off ({problem.message})"
        else:
            message = problem.message
        stream.emit(number, problem.col, code, message)
        stream.bad_line(number, code, text)
        return None, index, examined
    if not isinstance(value, dict):
        stream.emit(number, 1, "DP108", f"expected a JSON object, found {_json_type(value)}")
        stream.bad_line(number, "DP108", text)
        return None, index, examined
    return RawRecord(number, text if stream.keep_text else "", value), index, examined


def _file_span(window: _Window, start: int, joined: int, stream: JsonlStream) -> None:
    """A pretty-printed object at line index `start`: one DP107 finding, and every line of it a bad line."""
    number = start + 1
    stream.emit(number, 1, "DP107", f"a JSON object spans lines {number}-{number + joined}; write each record on "
                "one line")
    for offset in range(joined + 1):
        stream.bad_line(number + offset, "DP107", window[start + offset].decode("utf-8", "replace"))
        if offset:
            stream.result.spans[number + offset] = number


def _pretty_printed(raw_lines: _Window, start: int, first: str, decoder: StrictDecoder) -> tuple[int | None, int]:
    """(how many extra lines the object opened at `start` took, or None; the last line index examined).

    The object's body is the run of lines indented deeper than its first line; it closes on the next line
    (a closing bracket at the first line's indentation, or a continuation ending in one) or on the body's
    last line. Only that one candidate is parsed, so the look-ahead costs the lines it reads and one parse.
    """
    stripped = first.lstrip()
    if not stripped.startswith(("{", "[")) or first.rstrip().endswith("}"):
        return None, start
    indent, closer = len(first) - len(stripped), b"}" if stripped[0] == "{" else b"]"
    limit = raw_lines.limit(start, _PRETTY_LOOKAHEAD)
    end = start + 1
    while end < limit and _indent(raw_lines[end]) > indent:
        end += 1
    last = _closing_line(raw_lines, start, end, limit, indent, closer)
    if last is None:
        return None, min(end, limit - 1)
    body = (raw_lines[i].decode("utf-8", "replace") for i in range(start + 1, last + 1))
    text = "\n".join([first, *body])
    return (last - start if is_document(text, decoder) else None), max(last, end - 1)


def _closing_line(raw_lines: _Window, start: int, end: int, limit: int, indent: int, closer: bytes) -> int | None:
    """Where the object opened at `start` can close, given `end`, the first line not indented deeper."""
    if end < limit:
        after = raw_lines[end].strip()
        if after.startswith(closer) and _indent(raw_lines[end]) == indent:
            return end  # the pretty-printers' layout: the bracket back at the opening indentation
        if after.endswith(closer) and not after.startswith((b"{", b"[")):
            return end  # a continuation line that closes the object
    if end - 1 > start and raw_lines[end - 1].rstrip().endswith(closer):
        return end - 1  # closed at the end of its last body line
    return None


def _indent(raw: bytes) -> int:
    """The indentation of a raw line; a blank line has none (pretty-printers never write one inside a value)."""
    body = raw.rstrip(b"\r\n")
    rest = body.lstrip(b" \t")
    return len(body) - len(rest) if rest else 0


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for DP108."""
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null", int: "a number",
             float: "a number"}
    return names.get(type(value), type(value).__name__)
