"""Strict JSONL reading that keeps the true 1-based line number of every record.

polars' `read_ndjson` skips blank lines, reports no line for a syntax error and coerces types, so every
file is first read here, line by line, and only clean objects go on. Each way a line can be wrong gets its
own rule code with the line and column, never a traceback: a path that is not a readable file is DP115.

A pretty-printed object (DP107) is found in one forward pass: the look-ahead from a line that opens an
object follows the lines indented deeper than it, and the text is parsed once, only when the lines close
where a pretty-printer closes them. A line a failed look-ahead examined starts none of its own, so a file of
thousands of cut-off lines costs one parse per line, not one per pair of lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.findings import Finding
from dataprep.io.compressed import CompressionError, cut_line, decompressed
from dataprep.io.decode import DefectError, StrictDecoder, is_document, parse_line
from dataprep.io.files import FileBytes, FileIdentity, UnreadableFile, read_regular
from dataprep.registry import RulePolicy

_BOM = b"\xef\xbb\xbf"
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
    name = display or str(path)
    result = ReadResult()

    def emit(line: int, col: int, code: str, message: str) -> None:
        """A finding at (line, col) of this file, through the policy (which may ignore or re-grade it)."""
        policy.add(result.findings, name, line, col, code, message)

    cut = None
    if content is None:
        try:
            content, inflated = decompressed(path, read_regular(path))
            cut = inflated.cut if inflated is not None else None
        except (UnreadableFile, CompressionError) as error:
            emit(1, 1, "DP115", f"cannot read the file: {getattr(error, 'reason', error)}")
            return result
    result.identity = content.identity
    result.size = len(content.peek())
    stop = cut_line(content.peek()) if cut is not None else 0
    _read_data(content, result, emit, keep_text)
    if cut is not None and result.bad_lines.get(stop, ("",))[0] != "DP105":
        # A stream cut off at a line boundary leaves no broken line: say where the data stops.
        emit(stop, 1, "DP105", f"{cut}; the lines before it are read, line {stop} and after are missing")
    return result


def _read_data(content: FileBytes, result: ReadResult, emit: Callable[[int, int, str, str], None],
               keep_text: bool) -> None:
    """The file's bytes as lines into `result`: whole-file findings first, then every line."""
    data = content.take()
    if not data.strip():
        emit(1, 1, "DP100", "the file is empty" if not data else "the file holds only whitespace")
        return
    if data.startswith(_BOM):
        emit(1, 1, "DP101", "UTF-8 byte-order mark at the start of the file; save as UTF-8 without BOM")
        data = data[len(_BOM):]
    if data.lstrip()[:1] == b"[":
        emit(1, 1, "DP106", "the file is a JSON array; write one JSON object per line (jq -c '.[]')")
        return

    raw_lines = data.split(b"\n")
    del data  # a large file is held once, as lines, which the parser then releases as it goes
    ends_with_newline = raw_lines[-1] == b""
    if ends_with_newline:
        raw_lines.pop()
    crlf = sum(1 for raw in raw_lines if raw.endswith(b"\r"))
    if crlf:
        first = next(i for i, raw in enumerate(raw_lines, 1) if raw.endswith(b"\r"))
        emit(first, 1, "DP112", f"{crlf} line(s) end with CRLF; use \\n line endings")
    _parse_lines(raw_lines, ends_with_newline, result, emit, keep_text)


def _parse_lines(
    raw_lines: list[bytes],
    ends_with_newline: bool,
    result: ReadResult,
    emit: Callable[[int, int, str, str], None],
    keep_text: bool,
) -> None:
    """Each line through the strict decoder, in order; a bad line becomes a finding and a `bad_lines` entry."""
    decoder = StrictDecoder()
    total = len(raw_lines)
    index = 0
    examined = -1  # the last line index a failed look-ahead read: lines up to it start no look-ahead
    while index < total:
        if index:
            raw_lines[index - 1] = b""  # done with it: nothing reads backwards
        number = index + 1
        raw = raw_lines[index]
        index += 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            emit(number, exc.start + 1, "DP102", f"invalid UTF-8 byte 0x{raw[exc.start]:02X} at byte {exc.start + 1}")
            result.bad_lines[number] = ("DP102", raw.decode("utf-8", "replace"))
            continue
        if not text.strip():
            emit(number, 1, "DP103", "blank line; JSONL files must have no empty lines")
            result.bad_lines[number] = ("DP103", text)
            continue
        try:
            value = parse_line(text, decoder)
        except DefectError as problem:
            joined = None
            if problem.code == "DP104" and index - 1 > examined:
                joined, examined = _pretty_printed(raw_lines, index - 1, text, decoder)
            if joined is not None:
                _file_span(raw_lines, index - 1, joined, result, emit)
                index += joined
                continue
            code = problem.code
            if code == "DP104" and number == total and not ends_with_newline:
                code, message = "DP105", f"the last line is cut off ({problem.message})"
            else:
                message = problem.message
            emit(number, problem.col, code, message)
            result.bad_lines[number] = (code, text)
            continue
        if not isinstance(value, dict):
            emit(number, 1, "DP108", f"expected a JSON object, found {_json_type(value)}")
            result.bad_lines[number] = ("DP108", text)
            continue
        result.records.append(RawRecord(number, text if keep_text else "", value))


def _file_span(raw_lines: list[bytes], start: int, joined: int, result: ReadResult,
               emit: Callable[[int, int, str, str], None]) -> None:
    """A pretty-printed object at line index `start`: one DP107 finding, and every line of it a bad line."""
    number = start + 1
    emit(number, 1, "DP107", f"a JSON object spans lines {number}-{number + joined}; write each record on one line")
    for offset in range(joined + 1):
        result.bad_lines[number + offset] = ("DP107", raw_lines[start + offset].decode("utf-8", "replace"))
        if offset:
            result.spans[number + offset] = number


def _pretty_printed(raw_lines: list[bytes], start: int, first: str, decoder: StrictDecoder) -> tuple[int | None, int]:
    """(how many extra lines the object opened at `start` took, or None; the last line index examined).

    The object's body is the run of lines indented deeper than its first line; it closes on the next line
    (a closing bracket at the first line's indentation, or a continuation ending in one) or on the body's
    last line. Only that one candidate is parsed, so the look-ahead costs the lines it reads and one parse.
    """
    stripped = first.lstrip()
    if not stripped.startswith(("{", "[")) or first.rstrip().endswith("}"):
        return None, start
    indent, closer = len(first) - len(stripped), b"}" if stripped[0] == "{" else b"]"
    limit = min(start + _PRETTY_LOOKAHEAD, len(raw_lines))
    end = start + 1
    while end < limit and _indent(raw_lines[end]) > indent:
        end += 1
    last = _closing_line(raw_lines, start, end, limit, indent, closer)
    if last is None:
        return None, min(end, limit - 1)
    text = "\n".join([first, *(raw.decode("utf-8", "replace") for raw in raw_lines[start + 1:last + 1])])
    return (last - start if is_document(text, decoder) else None), max(last, end - 1)


def _closing_line(raw_lines: list[bytes], start: int, end: int, limit: int, indent: int, closer: bytes) -> int | None:
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
