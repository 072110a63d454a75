"""Strict JSONL reading that keeps the true 1-based line number of every record.

polars' `read_ndjson` skips blank lines, reports no line for a syntax error and coerces types, so every
file is first read here, line by line, and only clean objects go on. Each way a line can be wrong gets its
own rule code with the line and column, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.findings import Finding
from dataprep.io.decode import DefectError, StrictDecoder, is_document, parse_line
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
    size: int = 0


def read_jsonl(path: Path, policy: RulePolicy, display: str | None = None, *, keep_text: bool = True) -> ReadResult:
    """Read `path` as JSONL; every defect becomes a finding at its line, valid objects become records.

    `keep_text` False leaves the records' `text` empty: the build needs only the parsed values, and holding
    every line besides them would double its memory.
    """
    name = display or str(path)
    result = ReadResult()
    data = path.read_bytes()
    result.size = len(data)

    def emit(line: int, col: int, code: str, message: str) -> None:
        """A finding at (line, col) of this file, through the policy (which may ignore or re-grade it)."""
        policy.add(result.findings, name, line, col, code, message)

    if not data.strip():
        emit(1, 1, "DP100", "the file is empty" if not data else "the file holds only whitespace")
        return result
    if data.startswith(_BOM):
        emit(1, 1, "DP101", "UTF-8 byte-order mark at the start of the file; save as UTF-8 without BOM")
        data = data[len(_BOM):]
    if data.lstrip()[:1] == b"[":
        emit(1, 1, "DP106", "the file is a JSON array; write one JSON object per line (jq -c '.[]')")
        return result

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
    return result


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
            joined = _pretty_printed(raw_lines, index - 1, text, decoder) if problem.code == "DP104" else None
            if joined is not None:
                emit(number, 1, "DP107", f"a JSON object spans lines {number}-{number + joined}; "
                     "write each record on one line")
                for offset in range(joined + 1):
                    original = raw_lines[index - 1 + offset].decode("utf-8", "replace")
                    result.bad_lines[number + offset] = ("DP107", original)
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


def _pretty_printed(raw_lines: list[bytes], start: int, first: str, decoder: StrictDecoder) -> int | None:
    """If lines from `start` join into one JSON object, return how many extra lines it took."""
    if not first.lstrip().startswith(("{", "[")) or first.rstrip().endswith("}"):
        return None
    parts = [first]
    for offset in range(1, min(_PRETTY_LOOKAHEAD, len(raw_lines) - start)):
        parts.append(raw_lines[start + offset].decode("utf-8", "replace"))
        if is_document("\n".join(parts), decoder):
            return offset
    return None


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for DP108."""
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null", int: "a number",
             float: "a number"}
    return names.get(type(value), type(value).__name__)
