"""Importers: raw dataset files in whatever shape they came, read into source records with canonical rows.

`dataprep build` accepts the files people actually have (JSONL, JSON arrays, CSV, Parquet, plain text and
markdown; alpaca, dolly, question/answer, OpenAI messages, ShareGPT as well as Bedrock's own formats) and
must account for every input record: the build asserts `input rows == outputs + rejected`. So each record
becomes exactly one `SourceRecord`, in file order, with its provenance (`source`, `line`) and its original
text; a record that cannot be converted keeps `row=None` plus the rule code and a reason that says how to fix
it, never a traceback. Texts are kept exactly as found: cleaning is a later stage that counts its changes.

The file container is sniffed from the content, not trusted from the suffix: a `.jsonl` file holding a JSON
array is read as an array and a `.json` file holding one object per line is read as JSONL, because both are
common in published datasets and the records in them are fine.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.findings import Finding
from dataprep.formats import MODULES, base, conversation, detect
from dataprep.formats.base import Canonical, Emit, Turn, check_roles, require_str
from dataprep.io.jsonl import ReadResult, read_jsonl
from dataprep.registry import RulePolicy, registry

SUPPORTED_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".txt", ".md")
_BOM = "\ufeff"
# Question/answer key pairs, in the order they are tried; each pair is unambiguous on its own.
_QA_KEYS = (("question", "answer"), ("query", "response"), ("prompt", "response"), ("input", "output"))
_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                   "chatgpt": "assistant", "bing": "assistant", "bard": "assistant", "model": "assistant",
                   "system": "system"}
# csv's default cell limit (128 KiB) is smaller than a long document; the limit is process-wide, only raised.
_CSV_FIELD_LIMIT = 2**31 - 1
_OPENAI_SYSTEM_ROLES = frozenset({"system", "developer"})
# Roles that only OpenAI chat records use: their presence tells them apart from Claude messages.
_OPENAI_ONLY_ROLES = frozenset({"system", "developer", "tool", "function"})


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One input record: where it came from, as it was, and its canonical row or why there is none."""

    source: str  # the path as found by expanding the user's arguments
    line: int  # 1-based: JSONL line, line where a JSON element or CSV row starts, Parquet row number; 1 for text
    # The element/row as compact JSON, or the whole text document; None for a parsed JSONL line, which is read
    # back from the file only if the record ends in the ledger (holding every line would double the memory).
    original: str | None
    # "prompt-completion", "claude-messages", "bedrock-conversation", "pretraining", "alpaca", "dolly", "qa",
    # "openai-messages", "sharegpt" or "text"; None when the record could not be read at all
    shape: str | None
    row: Canonical | None
    code: str | None  # rule code when row is None
    reason: str | None  # what is wrong and how to fix it, when row is None


@dataclass
class InputFile:
    """One input file as the manifest and report describe it."""

    path: str
    sha256: str
    bytes: int
    records: int
    shapes: dict[str, int]


@dataclass
class ReadOutcome:
    records: list[SourceRecord] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class _Raw:
    """A record as the container gave it: a parsed object, or the code and message of why it is unreadable."""

    line: int
    original: str | None
    value: dict[str, Any] | None = None
    code: str | None = None
    message: str | None = None


class _FileError(Exception):
    """The file cannot be read at all; it becomes one unreadable record at line 1."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


# ---------------------------------------------------------------------------------------------- inputs


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders recursively (sorted, deterministic), only SUPPORTED_SUFFIXES; hidden skipped."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_walk(path))
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise UsageError(f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
                                 f"dataprep reads {', '.join(SUPPORTED_SUFFIXES)}")
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    if not found:
        names = ", ".join(str(p) for p in paths) or "(no paths)"
        raise UsageError(f"no input files ({', '.join(SUPPORTED_SUFFIXES)}) found in {names}")
    return found


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
            yield child


def read_sources(paths: Sequence[Path], policy: RulePolicy) -> ReadOutcome:
    """Every record of every input file, converted to canonical rows; nothing is lost."""
    outcome = ReadOutcome()
    for path in expand_inputs(paths):
        _read_file(path, policy, outcome)
    return outcome


def _read_file(path: Path, policy: RulePolicy, outcome: ReadOutcome) -> None:
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the file ({exc.strerror})") from None
    start = len(outcome.records)
    digest, size = hashlib.sha256(data).hexdigest(), len(data)
    line_file = path.suffix.lower() == ".jsonl" and data.strip() and \
        not data.lstrip(_BOM.encode() + b" \t\r\n").startswith(b"[")
    if line_file:
        del data  # the line reader reads the file itself; holding it twice would double a large build's peak
        raws = _jsonl(path, policy, source, outcome.findings)
    else:
        try:
            raws = _container(path, data, policy, source, outcome.findings)
        except _FileError as error:
            raws = [_Raw(1, _preview(data), code=error.code, message=error.message)]
    if not raws:
        raws = [_Raw(1, "", code="DP100", message="the file holds no records")]
    convert = _Converter(source, policy, outcome.findings)
    outcome.records.extend(convert(raw) for raw in raws)
    shapes = Counter(r.shape for r in outcome.records[start:] if r.shape is not None)
    outcome.inputs.append(InputFile(source, digest, size, len(outcome.records) - start, dict(sorted(shapes.items()))))


def original_lines(path: str, lines: set[int]) -> dict[int, str]:
    """The text of the given 1-based physical lines of a file (the originals the reader did not keep)."""
    found: dict[int, str] = {}
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number in lines:
                text = raw.decode("utf-8", "replace").rstrip("\n").lstrip("\ufeff" if number == 1 else "")
                found[number] = text[:-1] if text.endswith("\r") else text
                if len(found) == len(lines):
                    break
    return found


def _preview(data: bytes) -> str:
    """The start of an unreadable file, as the ledger's `original`."""
    return data[:2000].decode("utf-8", "replace")


# ------------------------------------------------------------------------------------------ containers


def _container(path: Path, data: bytes, policy: RulePolicy, source: str, findings: list[Finding]) -> list[_Raw]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet(path)
    if not data.strip():
        raise _FileError("DP100", "the file is empty" if not data else "the file holds only whitespace")
    if suffix in (".json", ".jsonl"):
        return _json_or_jsonl(path, data, policy, source, findings)
    text = _decode(data)
    if suffix == ".csv":
        return _csv(text)
    return [_Raw(1, text, value={"text": text})]


def _json_or_jsonl(path: Path, data: bytes, policy: RulePolicy, source: str, findings: list[Finding]) -> list[_Raw]:
    """A JSON array, a single JSON object (.json) or JSONL, whatever the suffix says.

    Only a JSON array or a single object needs the whole file decoded; JSONL is left to the line reader so
    that one line of bad UTF-8 costs one record, not the file.
    """
    if data.lstrip(_BOM.encode() + b" \t\r\n").startswith(b"["):
        return _json_array(_decode(data))
    if path.suffix.lower() == ".json":
        try:
            single = _single_object(data.decode("utf-8"))
        except UnicodeDecodeError:
            single = None
        if single is not None:
            return [single]
    return _jsonl(path, policy, source, findings)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _FileError("DP102", f"invalid UTF-8 byte 0x{data[exc.start]:02X} on line {line}") from None


def _jsonl(path: Path, policy: RulePolicy, source: str, findings: list[Finding]) -> list[_Raw]:
    """JSONL through the validator's strict reader, merging its records and bad lines back into file order."""
    result = read_jsonl(path, policy, source, keep_text=False)
    messages = {(f.line, f.code): f.message + (f" (column {f.col})" if f.col > 1 else "") for f in result.findings}
    findings.extend(f for f in result.findings if not _about_bad_line(f, result))
    raws = [_Raw(r.line, None, value=r.value) for r in result.records]
    raws.extend(_Raw(line, text, code=code, message=messages.get((line, code)) or _span_message(code, line, messages))
                for line, (code, text) in result.bad_lines.items())
    raws.sort(key=lambda raw: raw.line)
    return raws


def _about_bad_line(finding: Finding, result: ReadResult) -> bool:
    """True for a finding that an unreadable record already carries (reported through the ledger instead)."""
    bad = result.bad_lines.get(finding.line)
    return bad is not None and bad[0] == finding.code


def _span_message(code: str, line: int, messages: dict[tuple[int, str], str]) -> str:
    """The message for a line inside a multi-line (pretty-printed) object, reported once at its first line."""
    earlier = [(start, text) for (start, c), text in messages.items() if c == code and start < line]
    return max(earlier)[1] if earlier else registry()[code].summary.rstrip(".")


def _single_object(text: str) -> _Raw | None:
    """The whole .json file as one record, or None when it is not a single JSON value (JSONL, say)."""
    start = _skip(text, len(text) - len(text.lstrip(_BOM)))
    try:
        value, end, problem = _StrictDecoder().decode_at(text, start)
    except json.JSONDecodeError:
        return None  # the JSONL reader reports the bad line(s) with their own codes
    if _skip(text, end) != len(text):
        return None
    return _element(text.count("\n", 0, start) + 1, value, problem)


def _json_array(text: str) -> list[_Raw]:
    """Each element of a top-level JSON array, with the line where it starts; strict about NaN and duplicates."""
    decoder = _StrictDecoder()
    pos = _skip(text, text.index("[") + 1)
    line, counted = text.count("\n", 0, pos) + 1, pos
    raws: list[_Raw] = []
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            value, end, problem = decoder.decode_at(text, pos)
        except json.JSONDecodeError as exc:
            raws.append(_Raw(line, text[pos:pos + 2000], code="DP104",
                             message=f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
                                     "no element after this one could be read either"))
            return raws
        raws.append(_element(line, value, problem))
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            raws.append(_Raw(text.count("\n", 0, pos) + 1, text[pos:pos + 2000], code="DP104",
                             message="invalid JSON: expected ',' or ']' between array elements"))
            return raws
    if pos >= len(text):
        raws.append(_Raw(text.count("\n", 0, pos) + 1, "", code="DP105",
                         message="the JSON array is not closed; the file is cut off"))
    return raws


def _element(line: int, value: Any, problem: tuple[str, str] | None) -> _Raw:
    original = json.dumps(value, ensure_ascii=False)
    if problem is not None:
        return _Raw(line, original, code=problem[0], message=problem[1])
    if not isinstance(value, dict):
        return _Raw(line, original, code="DP108", message=f"expected a JSON object, found {type(value).__name__}")
    return _Raw(line, original, value=value)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


class _StrictDecoder:
    """raw_decode that notes duplicate keys and NaN/Infinity instead of raising, so one bad element of an
    array does not hide the rest (the JSONL reader's decoder raises, which is right for one line each)."""

    def __init__(self) -> None:
        self._problem: tuple[str, str] | None = None
        self._decoder = json.JSONDecoder(object_pairs_hook=self._pairs, parse_constant=self._constant)

    def decode_at(self, text: str, pos: int) -> tuple[Any, int, tuple[str, str] | None]:
        self._problem = None
        value, end = self._decoder.raw_decode(text, pos)
        return value, end, self._problem

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs) and self._problem is None:
            dup = next(key for key, n in Counter(key for key, _ in pairs).items() if n > 1)
            self._problem = ("DP110", f"key {dup!r} appears more than once in this object")
        return obj

    def _constant(self, name: str) -> float:
        if self._problem is None:
            self._problem = ("DP109", f"{name} is not valid JSON; use null or a number")
        return float(name)


def _csv(text: str) -> list[_Raw]:
    """Each data row as {column: cell}, with the line where the row starts (the header is line 1)."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text.lstrip(_BOM), newline=""))
    try:
        header = next(reader)
        raws: list[_Raw] = []
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if cells:
                raws.append(_csv_row(start, header, cells))
    except csv.Error as exc:
        raise _FileError("DP104", f"the CSV file cannot be parsed near line {reader.line_num}: {exc}") from None
    return raws


def _csv_row(line: int, header: list[str], cells: list[str]) -> _Raw:
    if len(cells) == len(header):
        value = dict(zip(header, cells, strict=True))
        return _Raw(line, json.dumps(value, ensure_ascii=False), value=value)
    original = json.dumps(cells, ensure_ascii=False)
    if len(cells) < len(header):
        return _Raw(line, original, code="DP203", message=f"the row has {len(cells)} cell(s) but the header names "
                    f"{len(header)} columns; a field is missing (or a quote is unbalanced)")
    return _Raw(line, original, code="DP204", message=f"the row has {len(cells)} cells but the header names "
                f"{len(header)} columns; quote cells that contain commas")


def _parquet(path: Path) -> list[_Raw]:
    """Each row as a dict; `line` is the 1-based row number."""
    import polars as pl  # lazy: only builds with Parquet inputs pay for the import

    try:
        rows = pl.read_parquet(path).to_dicts()
    except Exception as exc:  # polars raises several unrelated types for a corrupt file
        raise _FileError("DP104", f"the Parquet file cannot be read: {exc}") from None
    return [_Raw(number, json.dumps(row, ensure_ascii=False, default=str), value=row)
            for number, row in enumerate(rows, 1)]


# ------------------------------------------------------------------------------------------- shapes

Convert = Callable[[dict[str, Any], Emit], Canonical | None]

# What each shape is recognised by, for the DP200 reason.
_SHAPE_KEYS = ("prompt+completion (prompt-completion), messages (claude-messages, openai-messages), "
               "schemaVersion+messages (bedrock-conversation), conversations (sharegpt), "
               "instruction+input+output (alpaca), instruction+context+response (dolly), "
               "question+answer / query+response / prompt+response / input+output (qa), text (text), "
               "input (pretraining)")


def detect_shape(obj: dict[str, Any]) -> str | None:
    """Which importer takes a record, from its keys (case-sensitive, as real datasets spell them).

    Importer shapes are tried before Bedrock's detection where keys overlap: `{"prompt", "response"}` is a
    question/answer pair, not a prompt/completion record missing its completion, and `{"input", "output"}`
    is a pair, not pre-training text with a stray key.
    """
    if "schemaVersion" in obj:
        return conversation.NAME
    if "messages" in obj:
        return "openai-messages" if _is_openai(obj["messages"]) else detect(obj)
    if "conversations" in obj:
        return "sharegpt"
    if "prompt" in obj and "completion" in obj:
        return "prompt-completion"
    if "instruction" in obj:
        return "dolly" if "context" in obj else "alpaca"
    if "question" in obj or any(q in obj and a in obj for q, a in _QA_KEYS):
        return "qa"
    if "prompt" in obj or "completion" in obj:
        return "prompt-completion"
    if "text" in obj:
        return "text"
    if "input" in obj:
        return "pretraining"
    return None


def _is_openai(messages: Any) -> bool:
    """OpenAI chat records put system (or tool) messages inside `messages`, or typed parts in `content`."""
    if not isinstance(messages, list):
        return False
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") in _OPENAI_ONLY_ROLES:
            return True
        content = message.get("content")
        if isinstance(content, list) and any(isinstance(part, dict) and "type" in part for part in content):
            return True
    return False


def _optional(obj: dict[str, Any], key: str, where: str, emit: Emit) -> str | None:
    """An optional text field: '' when absent or null, None after reporting a wrong type."""
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        emit("DP204", f"{where}: {key!r} must be a string, found {type(value).__name__}", key)
        return None
    return value


def _required(obj: dict[str, Any], key: str, where: str, emit: Emit, *, allow_empty: bool = False) -> str | None:
    """A required text field; a null cell (CSV/Parquet/JSON null) counts as empty, not as a wrong type."""
    if key in obj and obj[key] is None:
        emit("DP205", f"{where}: {key!r} is empty (null)", key)
        return None
    return require_str(obj, key, where, emit, allow_empty=allow_empty)


def _pair(system: str | None, user: str, assistant: str) -> Canonical:
    return Canonical(system=system or None, turns=(Turn("user", user), Turn("assistant", assistant)))


def _with_context(text: str, context: str) -> str:
    return f"{text}\n\n{context}" if context.strip() else text


def _instruction(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """alpaca (instruction, input, output) and dolly (instruction, context, response); GPTeacher mixes them
    (instruction, input, response), so the answer and context keys are whichever of the pair is present."""
    where = "instruction record"
    answer_key = "response" if "response" in obj and "output" not in obj else "output"
    context_key = "context" if "context" in obj else "input"
    instruction = _required(obj, "instruction", where, emit)
    context = _optional(obj, context_key, where, emit)
    answer = _required(obj, answer_key, where, emit)
    system = _optional(obj, "system", where, emit)
    if instruction is None or context is None or answer is None or system is None:
        return None
    return _pair(system, _with_context(instruction, context), answer)


def _qa(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    question_key, answer_key = next(((q, a) for q, a in _QA_KEYS if q in obj and a in obj), ("question", "answer"))
    where = f"{question_key}/{answer_key} record"
    question = _required(obj, question_key, where, emit)
    answer = _required(obj, answer_key, where, emit)
    system = _optional(obj, "system", where, emit)
    if question is None or answer is None or system is None:
        return None
    return _pair(system, question, answer)


def _text(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    text = _required(obj, "text", "text record", emit)
    return None if text is None else Canonical(text=text)


def _openai(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """OpenAI chat: leading system/developer messages become the system prompt; tool messages cannot be kept."""
    messages = base.require_messages(obj, "OpenAI chat record", emit)
    if messages is None:
        return None
    entries: list[tuple[str | None, str | None, str]] = []
    for number, message in enumerate(messages, 1):
        where = f"message {number}"
        if not isinstance(message, dict):
            emit("DP204", f"{where} must be an object, found {type(message).__name__}", "messages")
            entries.append((None, None, where))
            continue
        role = message.get("role")
        role = "system" if role in _OPENAI_SYSTEM_ROLES else role
        if role not in ("system", "user", "assistant"):
            emit("DP207", f"{where} has role {role!r}; only system, user and assistant messages can be imported "
                 "(tool calls and results have no place in a Bedrock text dataset)", "role")
            entries.append((None, None, where))
            continue
        entries.append((role, _openai_content(message, where, role == "system", emit), where))
    return _dialogue(entries, "", emit)


def _openai_content(message: dict[str, Any], where: str, is_system: bool, emit: Emit) -> str | None:
    content = message.get("content")
    if not isinstance(content, list):
        return _required(message, "content", where, emit, allow_empty=is_system)
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind != "text" or not isinstance(part.get("text"), str):
            emit("DP214", f"{where}: a {kind or 'malformed'} content part cannot be imported; only text parts "
                 "({\"type\": \"text\", \"text\": ...})", "content")
            return None
        texts.append(part["text"])
    text = "\n".join(texts)
    if not text.strip() and not is_system:
        emit("DP205", f"{where}: 'content' has no text", "content")
        return None
    return text


def _sharegpt(obj: dict[str, Any], emit: Emit) -> Canonical | None:
    """ShareGPT: {"conversations": [{"from", "value"}]}; the speaker names vary by the tool that exported them."""
    conversations = obj.get("conversations")
    if not isinstance(conversations, list):
        emit("DP204", f"'conversations' must be a list, found {type(conversations).__name__}", "conversations")
        return None
    system = _optional(obj, "system", "ShareGPT record", emit)
    if system is None:
        return None
    entries: list[tuple[str | None, str | None, str]] = []
    for number, turn in enumerate(conversations, 1):
        where = f"turn {number}"
        speaker = _required(turn, "from", where, emit) if isinstance(turn, dict) else None
        role = _SHAREGPT_ROLES.get(speaker) if speaker is not None else None
        if not isinstance(turn, dict):
            emit("DP204", f"{where} must be an object, found {type(turn).__name__}", "conversations")
        elif speaker is not None and role is None:
            emit("DP207", f"{where} is from {speaker!r}; use one of {', '.join(_SHAREGPT_ROLES)}", "from")
        if role is None:
            entries.append((None, None, where))
            continue
        entries.append((role, _required(turn, "value", where, emit, allow_empty=role == "system"), where))
    return _dialogue(entries, system, lambda c, m, k: emit(c, m.replace("'messages'", "'conversations'"), k))


def _dialogue(entries: list[tuple[str | None, str | None, str]], system: str, emit: Emit) -> Canonical | None:
    """Turns from (role, text, where) entries whose problems are already reported (role or text None).

    System entries are allowed only before the first user or assistant turn; Bedrock's formats have one
    system prompt and no way to place one mid-conversation. The order rules are the Bedrock formats' own.
    """
    systems = [system] if system.strip() else []
    turns: list[Turn] = []
    ok = True
    for role, text, where in entries:
        if role == "system" and turns:
            emit("DP207", f"{where} is a system message after the conversation started; move it to the start",
                 "role")
            ok = False
        elif role is None or text is None:
            ok = False
        elif role == "system":
            systems.extend([text] if text.strip() else [])
        else:
            turns.append(Turn(role, text))
    check_roles([t.role for t in turns], emit)
    if not ok or not turns:
        return None
    return Canonical(system="\n\n".join(systems) or None, turns=tuple(turns))


_CONVERTERS: dict[str, Convert] = {
    **{name: module.check for name, module in MODULES.items()},
    "alpaca": _instruction,
    "dolly": _instruction,
    "qa": _qa,
    "openai-messages": _openai,
    "sharegpt": _sharegpt,
    "text": _text,
}


# --------------------------------------------------------------------------------------------- convert


class _Converter:
    """Turns container records into SourceRecords: drop codes make the row None, the rest become findings."""

    def __init__(self, source: str, policy: RulePolicy, findings: list[Finding]) -> None:
        self._source, self._policy, self._findings = source, policy, findings
        self._drop = frozenset(code for code, rule in registry().items()
                               if rule.action == "drop" and not _ignored(policy, code))
        self._issues: list[tuple[str, str]] = []

    def _emit(self, code: str, message: str, _key: str | None) -> None:
        self._issues.append((code, message))

    def __call__(self, raw: _Raw) -> SourceRecord:
        if raw.value is None:
            return self._unreadable(raw, None, raw.code or "DP104", raw.message or "")
        shape = detect_shape(raw.value)
        if shape is None:
            keys = ", ".join(repr(k) for k in list(raw.value)[:20]) or "none"
            return self._unreadable(raw, None, "DP200", f"the record matches no supported shape (keys found: {keys}); "
                                    f"supported: {_SHAPE_KEYS}")
        self._issues = []
        row = _CONVERTERS[shape](raw.value, self._emit)
        blocking = next((issue for issue in self._issues if issue[0] in self._drop), None)
        if row is None or blocking is not None:
            code, message = blocking or (self._issues[0] if self._issues else ("DP200", f"not a valid {shape} record"))
            return self._unreadable(raw, shape, code, message)
        for code, message in self._issues:
            self._policy.add(self._findings, self._source, raw.line, 1, code, message)
        return SourceRecord(self._source, raw.line, raw.original, shape, row, None, None)

    def _unreadable(self, raw: _Raw, shape: str | None, code: str, message: str) -> SourceRecord:
        reason = f"{message}. {registry()[code].fix}" if message else registry()[code].fix
        return SourceRecord(self._source, raw.line, raw.original, shape, None, code, reason)


def _ignored(policy: RulePolicy, code: str) -> bool:
    """The policy's ignore list, codes or prefixes (`DP2` ignores every DP2xx), as RulePolicy applies it."""
    return any(code.startswith(prefix) for prefix in policy.ignore)
