"""File containers: the bytes of one input file as raw records, each with the line where it starts.

A container is how records are stored (a JSON array, a single JSON object or one that wraps the records
in its one list-valued key, `{"data": [...]}`, JSONL, CSV, Parquet, Arrow (a Hugging Face `datasets` shard
as `save_to_disk` writes it), a text document that is one record, or rows the Python API holds in memory);
what the records mean is the importers' job. Every record keeps its line (JSONL line, line where a JSON
element or CSV row starts, Parquet, Arrow or in-memory row number, 1 for a text file), and every way a
container can be broken becomes an entry with a rule code and a message at its line: one bad element, row
or line costs that record, not the file, wherever the format allows reading on. Compressed files are
decompressed first (`dataprep.io.compressed`): lines are the decompressed text's.

The container is sniffed from the content, not trusted from the suffix: a `.jsonl` file holding a JSON
array is read as an array and a `.json` file holding one object per line is read as JSONL, because both are
common in published datasets and the records in them are fine. JSON goes through the one strict decoder
(`dataprep.io.decode`), JSONL through the validator's own line reader.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataprep.findings import Finding
from dataprep.formats.shapes import detect
from dataprep.io.compressed import CompressionError, codec, cut_line, decompressed, inner_suffix, sniff
from dataprep.io.decode import Defect, StrictDecoder, TooDeepError, skip_ws
from dataprep.io.files import FileBytes, FileIdentity, HashedFile, UnreadableFile, read_regular
from dataprep.io.jsonl import JsonlStream, ReadResult
from dataprep.io.memory import MemoryRecords
from dataprep.registry import RulePolicy, registry

_BOM = "\ufeff"
_WHITESPACE = _BOM.encode() + b" \t\r\n"
# csv's default cell limit (128 KiB) is smaller than a long document; the limit is process-wide, only raised.
_CSV_FIELD_LIMIT = 2**31 - 1
_DELIMITERS = ",;\t|"
_SNIFF_BYTES = 64 * 1024  # the first lines are enough to tell the delimiter
_PREVIEW = 2000  # characters of an unreadable file or of a broken array's tail kept as the original


@dataclass(slots=True)
class Entry:
    """A record as the container gave it: a parsed object, or the code and message of why it is unreadable."""

    line: int
    # The element/row as compact JSON, or the whole text document; None for a parsed JSONL line, which is read
    # back from the file only if the record ends in the ledger (holding every line would double the memory).
    original: str | None
    value: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None
    shape: str | None = None  # the source shape `io.reshape` found (None: not looked at), so it is found once


@dataclass(slots=True)
class FileContents:
    """One file's records and the identity of the bytes they came from (for the manifest).

    A plain JSONL file's entries are a generator that reads the file as it is iterated (`_jsonl_stream`); its
    sha256, size and identity are filled in when the last entry has been read.
    """

    entries: Iterable[Entry]
    sha256: str  # "" when the file could not be read
    size: int
    identity: FileIdentity | None = None  # None when the file could not be read
    note: str = ""  # how the container held the records, when it is worth saying (a wrapper object's key)


class _FileError(Exception):
    """The file cannot be read at all; it becomes one unreadable entry at line 1."""

    def __init__(self, code: str, message: str) -> None:
        """The rule code and the message the entry will carry."""
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class _Reading:
    """One file being read: where its findings go, how it was stored, and what the container noted."""

    path: Path
    suffix: str  # the container's suffix, inside a compressed name (`.jsonl` for `x.jsonl.gz`)
    policy: RulePolicy
    source: str
    findings: list[Finding]
    packed: bool  # compressed: a JSONL line cannot be read back from the file later, so it is kept
    note: str = ""


def read_file(path: Path, policy: RulePolicy, source: str, findings: list[Finding]) -> FileContents:
    """Every record of one file, in file order; never empty (a file with no records is one DP100 entry).

    The file is read once: the sha256 in FileContents is of the very bytes parsed. A file that cannot be read
    (permission denied, a FIFO, corrupt compressed data) is one DP115 entry, so it shows in the ledger
    instead of stopping the build. Findings that belong to no single record (a CRLF file, say) are appended
    to `findings`. A compressed stream cut off is a DP105 entry where its data stops, after what was read.
    A plain JSONL file is streamed (`_streamed`): its entries and findings come as it is read.
    """
    if isinstance(path, MemoryRecords):
        return _memory(path)
    streamed = _streamed(path, policy, source, findings)
    if streamed is not None:
        return streamed
    try:
        content = read_regular(path)
        identity = content.identity
        content, inflated = decompressed(path, content)
    except (UnreadableFile, CompressionError) as error:
        entry = Entry(1, "", code="DP115", message=f"cannot read the file: {getattr(error, 'reason', error)}")
        return FileContents([entry], "", 0, None)
    cut = inflated.cut if inflated is not None else None
    stop = cut_line(content.peek()) if cut is not None else 0
    reading = _Reading(path, inner_suffix(path), policy, source, findings, inflated is not None)
    if reading.suffix == ".jsonl" and _jsonl_bytes(content):
        entries = _jsonl(reading, content)
    else:
        data = content.take()
        try:
            entries = _container(reading, data)
        except _FileError as error:
            entries = [Entry(1, data[:_PREVIEW].decode("utf-8", "replace"), code=error.code, message=error.message)]
    if cut is not None and not any(e.code == "DP105" and e.line >= stop for e in entries):
        entries.append(Entry(stop, "", code="DP105", message=f"{cut}; the records before line {stop} are read"))
    if not entries:
        entries = [Entry(1, "", code="DP100", message="the file holds no records")]
    return FileContents(entries, identity.sha256, identity.size, identity, reading.note)


def _streamed(path: Path, policy: RulePolicy, source: str, findings: list[Finding]) -> FileContents | None:
    """A plain (uncompressed) `.jsonl` file whose first bytes are JSONL, read line by line as its entries are
    iterated; None for anything else (read whole, as before: a JSON array, an empty or unreadable file).

    Why: at a million records holding the file's bytes (a gigabyte), then every entry, then every record,
    was most of the build's peak memory; streamed, only the records not yet converted are held.
    """
    if inner_suffix(path) != ".jsonl" or codec(path) is not None:
        return None
    try:
        hashed = HashedFile(path)
    except UnreadableFile:
        return None  # the whole-file path says why (DP115)
    head = hashed.handle.peek(_SNIFF_BYTES)  # type: ignore[attr-defined]
    if sniff(head[:16]) is not None or not head.lstrip(_WHITESPACE) or head.lstrip(_WHITESPACE)[:1] == b"[":
        hashed.handle.close()
        return None
    contents = FileContents((), "", 0, None)
    contents.entries = _jsonl_stream(_Reading(path, ".jsonl", policy, source, findings, False), hashed, contents)
    return contents


def _jsonl_stream(reading: _Reading, hashed: HashedFile, contents: FileContents) -> Iterator[Entry]:
    """A plain JSONL file's entries as it is read; its identity filled in once its last line has been read."""
    count = 0
    stream = JsonlStream(reading.path, reading.policy, reading.source, keep_text=False, handle=hashed.handle)
    for entry in _jsonl_entries(reading, stream):
        count += 1
        yield entry
    if not count:
        yield Entry(1, "", code="DP100", message="the file holds no records")
    identity = hashed.identity()
    contents.sha256, contents.size, contents.identity = identity.sha256, identity.size, identity


def _jsonl_entries(reading: _Reading, stream: JsonlStream) -> Iterator[Entry]:
    """The validator's strict reader's records and bad lines, merged in file order as they come: a line is
    judged bad before any record after it is yielded (`JsonlStream.fresh_bad_lines`). The findings no
    unreadable entry carries go to `reading.findings` at the end.

    A compressed file's lines are kept as the records' originals: they cannot be read back later.
    """
    result = stream.result
    messages: dict[tuple[int, str], str] = {}
    seen = 0

    def bad_lines() -> list[Entry]:
        nonlocal seen
        fresh = stream.fresh_bad_lines()
        if fresh:
            messages.update(((f.line, f.code), _message(f)) for f in result.findings[seen:])
            seen = len(result.findings)
        entries = []
        for line in fresh:
            code, text = result.bad_lines[line]
            entries.append(Entry(line, text, code=code, message=messages.get((line, code))
                                 or _span_message(code, result.spans.get(line), messages)))
        return entries

    for record in stream:
        yield from bad_lines()
        yield Entry(record.line, record.text if reading.packed else None, value=record.value)
    yield from bad_lines()
    reading.findings.extend(f for f in result.findings if not _about_bad_line(f, result))


def _message(finding: Finding) -> str:
    """A finding's message as an unreadable entry carries it (with its column past the first)."""
    return finding.message + (f" (column {finding.col})" if finding.col > 1 else "")


def _jsonl_bytes(content: FileBytes) -> bool:
    """True when a `.jsonl` file's bytes go to the line reader: not empty, not a JSON array."""
    data = content.peek()
    return bool(data.strip()) and not data.lstrip(_WHITESPACE).startswith(b"[")


def _container(reading: _Reading, data: bytes) -> list[Entry]:
    """Dispatch on the suffix (the one inside a compressed name), then on the content for JSON; raises _FileError
    for an unreadable file."""
    if reading.suffix == ".parquet":
        return _parquet(data)
    if reading.suffix == ".arrow":
        return _arrow(data)
    if not data.strip():
        raise _FileError("DP100", "the file is empty" if not data else "the file holds only whitespace")
    if reading.suffix in (".json", ".jsonl"):
        return _json_or_jsonl(reading, data)
    text = _decode(data)
    if reading.suffix == ".csv":
        return _csv(text)
    return [Entry(1, text, value={"text": text})]


def _json_or_jsonl(reading: _Reading, data: bytes) -> list[Entry]:
    """A JSON array, a single JSON object (.json), one wrapping the records, or JSONL, whatever the suffix says.

    Only a JSON array or a single object needs the whole file decoded; JSONL is left to the line reader so
    that one line of bad UTF-8 costs one record, not the file.
    """
    if data.lstrip(_WHITESPACE).startswith(b"["):
        return _json_array(_decode(data))
    if reading.suffix == ".json":
        try:
            text = data.decode("utf-8")
            single = _single_object(text)
        except UnicodeDecodeError:
            single = None
        if single is not None:
            key = _records_key(single.value)
            if key is None:
                return [single]
            reading.note = f"the records of the list under {key!r}"
            return _wrapped(text, key)
    return _jsonl(reading, FileBytes(data, FileIdentity("", len(data), 0)))


def _decode(data: bytes) -> str:
    """The whole file as UTF-8 text; raises _FileError (DP102) with the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _FileError("DP102", f"invalid UTF-8 byte 0x{data[exc.start]:02X} on line {line}") from None


def _jsonl(reading: _Reading, content: FileBytes) -> list[Entry]:
    """JSONL already read whole (compressed, or a `.json` file holding JSON lines), in file order."""
    stream = JsonlStream(reading.path, reading.policy, reading.source, keep_text=reading.packed, content=content)
    return list(_jsonl_entries(reading, stream))


def _about_bad_line(finding: Finding, result: ReadResult) -> bool:
    """True for a finding that an unreadable record already carries (reported through the ledger instead)."""
    bad = result.bad_lines.get(finding.line)
    return bad is not None and bad[0] == finding.code


def _span_message(code: str, start: int | None, messages: dict[tuple[int, str], str]) -> str:
    """The message for a line inside a multi-line (pretty-printed) object, reported once at its first line.

    Looked up by the object's first line (`ReadResult.spans`), not searched for: a file of thousands of
    pretty-printed objects stays linear.
    """
    found = messages.get((start, code)) if start is not None else None
    return found or registry()[code].summary.rstrip(".")


def _single_object(text: str) -> Entry | None:
    """The whole .json file as one record, or None when it is not a single JSON value (JSONL, say)."""
    start = skip_ws(text, len(text) - len(text.lstrip(_BOM)))
    try:
        value, end, defect = StrictDecoder().decode_at(text, start)
    except TooDeepError as exc:
        return Entry(text.count("\n", 0, start) + 1, text[:_PREVIEW], code="DP104", message=f"invalid JSON: {exc.msg}")
    except json.JSONDecodeError:
        return None  # the JSONL reader reports the bad line(s) with their own codes
    if skip_ws(text, end) != len(text):
        return None
    return _element(text.count("\n", 0, start) + 1, value, defect, text[start:end])


def _records_key(value: dict[str, Any] | None) -> str | None:
    """The key of a wrapper object's records (`{"version": 2, "data": [...]}`): its one list-valued key, when
    the list holds objects and the object itself is no record shape (`{"messages": [...]}` is a record)."""
    if value is None or detect(value, sources=True) is not None:
        return None
    lists = [key for key, item in value.items() if isinstance(item, list)]
    if len(lists) != 1 or not value[lists[0]] or not all(isinstance(item, dict) for item in value[lists[0]]):
        return None
    return lists[0]


def _wrapped(text: str, key: str) -> list[Entry]:
    """The elements of the list under `key` of the file's one (already decoded, valid) object, with their lines."""
    decoder = StrictDecoder()
    pos = skip_ws(text, text.index("{") + 1)
    while True:
        name, end, _ = decoder.decode_at(text, pos)
        pos = skip_ws(text, skip_ws(text, end) + 1)  # past the ':'
        if name == key:
            return _json_array(text, pos)
        _, end, _ = decoder.decode_at(text, pos)
        pos = skip_ws(text, skip_ws(text, end) + 1)  # past the ','


def _json_array(text: str, start: int | None = None) -> list[Entry]:
    """Each element of a JSON array (the top-level one, or the one at `start`), with the line where it starts;
    strict about NaN and duplicates."""
    decoder = StrictDecoder()
    pos = skip_ws(text, (text.index("[") if start is None else start) + 1)
    line, counted = text.count("\n", 0, pos) + 1, pos
    entries: list[Entry] = []
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end, defect = decoder.decode_at(text, pos)
        except json.JSONDecodeError as exc:
            entries.append(Entry(line, text[pos:pos + _PREVIEW], code="DP104",
                                 message=f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
                                         "no element after this one could be read either"))
            return entries
        entries.append(_element(line, value, defect, text[pos:end] if defect is not None else ""))
        pos = skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            entries.append(Entry(text.count("\n", 0, pos) + 1, text[pos:pos + _PREVIEW], code="DP104",
                                 message="invalid JSON: expected ',' or ']' between array elements"))
            return entries
    if pos >= len(text):
        entries.append(Entry(text.count("\n", 0, pos) + 1, "", code="DP105",
                             message="the JSON array is not closed; the file is cut off"))
    return entries


def _element(line: int, value: Any, defect: Defect | None, raw: str) -> Entry:
    """One decoded JSON value as an entry: its decoder defect, not an object (DP108), or the object.

    A defective value keeps its text as read (`raw`): re-encoding it could fail (a lone surrogate, nesting
    too deep) or change it (an over-long integer is read as 0).
    """
    if defect is not None:
        return Entry(line, raw, code=defect.code, message=defect.message)
    original = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, dict):
        return Entry(line, original, code="DP108", message=f"expected a JSON object, found {type(value).__name__}")
    return Entry(line, original, value=value)


def _csv(text: str) -> list[Entry]:
    """Each data row as {column: cell}, with the line where the row starts (the header is line 1).

    The delimiter is sniffed (`,` `;` tab `|`): a semicolon CSV from a European spreadsheet read with `,`
    would be one column per row. A header that names a column twice makes every row DP117: which cell is
    the prompt would be a guess (a dict keeps the last one silently).
    """
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    text = text.lstrip(_BOM)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
        repeated = sorted({name for name in header if header.count(name) > 1})
        entries: list[Entry] = []
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if cells and repeated:
                entries.append(Entry(start, json.dumps(cells, ensure_ascii=False), code="DP117",
                                     message=f"the CSV header names column(s) {', '.join(map(repr, repeated))} "
                                             "more than once"))
            elif cells:
                entries.append(_csv_row(start, header, cells))
    except csv.Error as exc:
        raise _FileError("DP104", f"the CSV file cannot be parsed near line {reader.line_num}: {exc}") from None
    return entries


def _delimiter(text: str) -> str:
    """The delimiter csv.Sniffer finds in the first lines, if the header holds it; else `,`.

    The header test keeps a comma file whose texts are full of semicolons a comma file.
    """
    sample = text[:_SNIFF_BYTES]
    if len(text) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","
    header = text.split("\n", 1)[0]
    return found if found in header else ","


def _csv_row(line: int, header: list[str], cells: list[str]) -> Entry:
    """A row as {column: cell}, or DP203/DP204 when it has fewer/more cells than the header has columns."""
    if len(cells) == len(header):
        value = dict(zip(header, cells, strict=True))
        return Entry(line, json.dumps(value, ensure_ascii=False), value=value)
    original = json.dumps(cells, ensure_ascii=False)
    if len(cells) < len(header):
        return Entry(line, original, code="DP203", message=f"the row has {len(cells)} cell(s) but the header names "
                     f"{len(header)} columns; a field is missing (or a quote is unbalanced)")
    return Entry(line, original, code="DP204", message=f"the row has {len(cells)} cells but the header names "
                 f"{len(header)} columns; quote cells that contain commas")


def _parquet(data: bytes) -> list[Entry]:
    """Each row as a dict; `line` is the 1-based row number. Read from the bytes hashed (and decompressed)."""
    import polars as pl  # lazy: only builds with Parquet inputs pay for the import (validate never does)

    try:
        rows = pl.read_parquet(io.BytesIO(data)).to_dicts()
    except Exception as exc:  # polars raises several unrelated types for a corrupt file
        raise _FileError("DP104", f"the Parquet file cannot be read: {exc}") from None
    return _rows(rows)


def _arrow(data: bytes) -> list[Entry]:
    """An Arrow IPC file's rows (a `datasets` shard is the stream format; `ARROW1` starts the file format).

    polars reads both, so a dataset saved with `save_to_disk` needs neither `datasets` nor pyarrow here.
    """
    import polars as pl

    read = pl.read_ipc if data.startswith(b"ARROW1") else pl.read_ipc_stream
    try:
        rows = read(io.BytesIO(data)).to_dicts()
    except Exception as exc:  # polars raises several unrelated types for a corrupt file
        raise _FileError("DP104", f"the Arrow file cannot be read: {exc}; write it again with "
                                  "Dataset.save_to_disk, or export it to Parquet or JSONL") from None
    return _rows(rows)


def _rows(rows: list[dict[str, Any]]) -> list[Entry]:
    """Rows of a columnar file as entries; the line of each is its 1-based row number."""
    return [Entry(number, json.dumps(row, ensure_ascii=False, default=str), value=row)
            for number, row in enumerate(rows, 1)]


def _memory(source: MemoryRecords) -> FileContents:
    """The rows the Python API was given, as entries numbered from 1; the digest is of the rows as JSONL."""
    entries = [Entry(number, line, value=row) if isinstance(row, dict) else
               Entry(number, line, code="DP108", message=f"expected a JSON object, found {type(row).__name__}")
               for number, (line, row) in enumerate(zip(source.lines, source.rows, strict=True), 1)]
    sha256, size = source.sha256()
    if not entries:
        entries = [Entry(1, "", code="DP100", message="no records were given")]
    return FileContents(entries, sha256, size, None)
