"""`dataprep validate`: lint existing Bedrock JSONL files against a model profile.

Per file: strict line reading (DP1xx), format detection and schema checks (DP2xx), content checks
(DP4xx), per-record size checks (DP3xx); then per split and across files: record quotas and
train/validation overlap. Tokenizing is the costly part, so records are tokenized only when their UTF-8
size could put them over a limit (a token is never shorter than one byte).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING

from dataprep import forked, formats
from dataprep.checks import content
from dataprep.checks.duplicates import dedup_text, duplicate_key, media_key, near_overlap, overlap
from dataprep.checks.keyset import LineKeys
from dataprep.checks.keywords import CODE as KEYWORD_CODE
from dataprep.checks.keywords import ReservedKeywords
from dataprep.checks.limits import CHAR_CODE, TOKEN_CHECKS, RecordLimits
from dataprep.checks.media import MediaRules, mixed_media
from dataprep.checks.quotas import TEST, TRAIN, VALIDATION, file_problems, total_problems
from dataprep.findings import Finding
from dataprep.formats.base import Canonical
from dataprep.io.compressed import inner_suffix
from dataprep.io.files import is_stdin
from dataprep.io.jsonl import JSON_ARRAY, JsonlStream, RawRecord
from dataprep.io.paths import BUILD_SIDECARS, expand_datasets, infer_split
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy

if TYPE_CHECKING:
    from dataprep.checks.media_files import FileMedia, MediaObjects

_S3_SAFE_NAME = re.compile(r"^[A-Za-z0-9_./-]+$")
# Reports a finding at (line, col) of the file being checked; the optional fifth argument is its end column.
LineEmit = Callable[..., None]
# The file's format (DP201/DP202) is the majority of its first records: held while they decide, then streamed.
_MAJORITY_SAMPLE = 1000
_MESSAGE_FORMATS = frozenset({formats.claude_messages.NAME, formats.conversation.NAME})
_ARRAY_SNIFF_LIMIT = 64 << 20  # a JSON array is parsed whole, once, only to name its records' shape
_TOKENIZE_BATCH = 1024  # records that could exceed a token limit, tokenized together


@dataclass(slots=True)
class _Checked:
    """What the file's later checks need of a record that passed its schema check: its key, and its texts only
    where a check reads them. A worker sends this back (`forked`): sending every record's row cost the parent
    7 us a record to unpickle, most of its share of a large file's time (#14)."""

    line: int
    key: str | None  # None when no duplicate rule is on
    tokens: tuple[str, str] | None = None  # (input, output) text, when its bytes could be over a token limit
    near: tuple[str, str] | None = None  # (dedup text, media key), when DP502 compares this file's records
    media_text: str | None = None  # every text of a record that names media (the inspection reads them)

    def __reduce__(self) -> tuple[type[_Checked], tuple[int, str | None, tuple[str, str] | None,
                                                           tuple[str, str] | None, str | None]]:
        """Pickled as plain values: a third of a dataclass's cost."""
        return _Checked, (self.line, self.key, self.tokens, self.near, self.media_text)


@dataclass
class FileResult:
    """What the cross-file checks need of one file: counts and compact keys, never its records."""

    path: str
    split: str | None
    records: int = 0
    size: int = 0
    keys: LineKeys = field(default_factory=LineKeys)
    validation_keys: list[tuple[int, str]] | None = None  # (line, key) of a validation file's records (DP501)
    near: list[tuple[int, str, str]] | None = None  # (line, dedup text, media key), only when DP502 can have a pair
    spec: TaskSpec | None = None  # the task the file was checked against (inferred from its records)
    raw: bool = False  # a raw dataset (DP118): input for the build, no quota applies to it

    def keep(self, checked: _Checked, emit: LineEmit) -> None:
        """What the cross-record checks need of one checked record; DP401 when its key came earlier."""
        if checked.key is not None:
            first = self.keys.add(checked.key, checked.line)
            if first is not None:
                emit(checked.line, 1, "DP401", f"duplicate of line {first}")
            if self.validation_keys is not None:
                self.validation_keys.append((checked.line, checked.key))
        if self.near is not None and checked.near is not None:
            self.near.append((checked.line, *checked.near))


def validate_paths(
    paths: Sequence[Path],
    profile: Profile | None,
    task: str | None = None,
    split: str | None = None,
    policy: RulePolicy | None = None,
    media_root: Path | str | None = None,
) -> list[Finding]:
    """All findings for `paths`, sorted by file and line. Raises UsageError for bad arguments.

    Each file is read once, streamed: only counts, 12-byte keys per record and (with a train/validation pair
    and DP502 on) the texts a near-duplicate search compares are kept. With `media_root` (a folder of local copies
    as bucket/key, or "s3") the images and videos the records name are inspected too (DP225-DP229).
    """
    policy = policy or RulePolicy()
    spec = profile.task(task) if profile is not None else None
    findings: list[Finding] = []
    manifests: dict[Path, frozenset[str]] = {}
    files = [(path, split or infer_split(path)) for path in expand_datasets(paths) if not is_sidecar(path, manifests)]
    splits = {s for _, s in files}
    near = TRAIN in splits and VALIDATION in splits and not policy.ignored("DP502")
    context = _Context(profile, spec, task is None, policy, findings, near, _media_objects(media_root))
    results = [_check_file(path, file_split, context) for path, file_split in files]
    quota_spec = next((r.spec for r in results if r.spec is not None), spec)
    if quota_spec is not None:
        _check_quotas(results, quota_spec, policy, findings)
    _check_overlap(results, policy, findings)
    return sorted(findings, key=Finding.sort_key)


@dataclass
class _Context:
    """What every file is checked with."""

    profile: Profile | None
    spec: TaskSpec | None
    infer_task: bool  # no --task given: a model with several tasks takes the one the records are written for
    policy: RulePolicy
    findings: list[Finding]
    near: bool
    media: MediaObjects | None = None  # --media-root: where media objects are read from (None: never read)


def _check_file(path: Path, split: str | None, context: _Context) -> FileResult:
    """Every per-file and per-record finding of one file, in one streamed pass."""
    name, profile = str(path), context.profile
    stream = JsonlStream(path, context.policy, name, keep_bad=False)
    result = FileResult(name, split, near=[] if context.near and split in (TRAIN, VALIDATION) else None,
                        validation_keys=[] if split == VALIDATION else None)

    def emit(line: int, col: int, code: str, message: str, end_col: int = 0) -> None:
        context.policy.add(context.findings, name, line, col, code, message, end_col)

    raw = _raw_container(path)
    if raw is not None:
        emit(1, 1, "DP118", _raw_message(path, raw, profile))
        result.raw = True
        return result
    _check_name(path, emit)
    records = iter(stream)
    head = [(r, formats.detect(r.value)) for r in islice(records, _MAJORITY_SAMPLE)]
    shape = _raw_shape(head)
    if shape is not None:
        emit(head[0][0].line, 1, "DP118", _raw_message(path, f"JSONL of {shape} records", profile))
        result.raw = True
        return result
    spec = _file_spec(head, context)
    result.spec = spec
    head = [(r, _read_as(fmt, r.value, spec)) for r, fmt in head]
    majority = _majority_format(head, profile, spec, emit)
    checks = _RecordChecks.of(profile, spec, context.policy, majority, result.near is not None)
    tokens = _TokenBatch(profile, checks.limits, emit) if profile is not None and checks.limits is not None \
        and checks.tokens else None
    pairs = chain(_drain(head), ((r, _read_as(formats.detect(r.value), r.value, spec)) for r in records))
    count, media = 0, []
    inspected = _file_media(context, path, spec, emit)
    check = partial(_check_record, checks=checks)
    # The per-record checks run in two forked workers for a large file, their findings emitted here in order.
    for record, fmt, checked in forked.checked_records(pairs, check, emit, forked.worth_forking(path)):
        count += 1
        if checked is None:
            continue
        result.keep(checked, emit)
        if tokens is not None and checked.tokens is not None:
            tokens.add(checked.line, *checked.tokens)
        if inspected is not None and checked.media_text is not None:
            inspected.add(record.line, record.text, record.value, checked.media_text)
        if fmt == formats.conversation.NAME and ('"image"' in record.text or '"video"' in record.text):
            media.append((record.line, record.value))  # DP217 compares only the records that hold media
    if tokens is not None:
        tokens.flush()
    for line, code, message in mixed_media(media):
        emit(line, 1, code, message)
    if inspected is not None:
        inspected.finish()
    context.findings.extend(_array_shape(path, stream.result.findings, profile, context.policy))
    result.records, result.size = count + stream.bad, stream.result.size
    return result


def _media_objects(root: Path | str | None) -> MediaObjects | None:
    """The run's media reader (each object read once), only with --media-root."""
    if root is None:
        return None
    from dataprep.checks.media_files import MediaObjects

    return MediaObjects(root)


def _file_media(context: _Context, path: Path, spec: TaskSpec | None, emit: LineEmit) -> FileMedia | None:
    """The media inspection of one file's records (DP225-DP229), only with --media-root."""
    if context.media is None:
        return None
    from dataprep.checks.media_files import FileMedia, MediaLimits

    profile = context.profile
    limits = MediaLimits.of(profile, spec) if profile is not None else MediaLimits()
    base = Path() if is_stdin(path) else path.parent
    return FileMedia(context.media, limits, base, profile.tokenizer if profile is not None else None, emit)


def _raw_container(path: Path) -> str | None:
    """'a CSV file' / 'a Parquet file' for a file the build reads but no Bedrock job does (by name or magic)."""
    if is_stdin(path) or not path.is_file():
        return None
    suffix = inner_suffix(path)
    if suffix == ".csv":
        return "a CSV file"
    if suffix == ".parquet":
        return "a Parquet file"
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError:
        return None
    return "a Parquet file" if magic == b"PAR1" else None


def _array_shape(path: Path, found: list[Finding], profile: Profile | None, policy: RulePolicy) -> list[Finding]:
    """The reader's findings; a JSON array of raw-shape records is DP118 instead, with the command."""
    array = next((f for f in found if f.code == JSON_ARRAY), None)
    if array is None or is_stdin(path) or path.stat().st_size > _ARRAY_SNIFF_LIMIT:
        return found
    try:
        value = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return found
    first = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else None
    shape = formats.detect(first, sources=True) if first is not None else None
    if shape is None or shape in formats.MODULES:
        return found  # Bedrock records in an array: the reader's finding says how to write them as lines
    kept = [f for f in found if f is not array]
    policy.add(kept, array.path, array.line, array.col, "DP118",
               _raw_message(path, f"a JSON array of {shape} records", profile))
    return kept


def _raw_shape(head: Sequence[tuple[RawRecord, str | None]]) -> str | None:
    """The source shape (alpaca, sharegpt, ...) most of the first records are in, when it is no Bedrock format."""
    if not head:
        return None
    # A messages record stays a (possibly malformed) Bedrock messages record: its own findings are the advice.
    shapes = Counter(formats.detect(r.value, sources=True) for r, fmt in head if fmt not in _MESSAGE_FORMATS)
    if not shapes:
        return None
    shape, count = shapes.most_common(1)[0]
    return shape if shape is not None and shape not in formats.MODULES and count * 2 > len(head) else None


def _raw_message(path: Path, what: str, profile: Profile | None) -> str:
    """DP118: what the file is and the exact build command that turns it into Bedrock JSONL."""
    model = profile.id if profile is not None else "MODEL"
    return (f"{what}, not Bedrock JSONL: convert it with `dataprep build {path} {path.parent / 'bedrock'} "
            f"--model {model}`, then validate that folder")


def _drain(items: list[tuple[RawRecord, str | None]]) -> Iterator[tuple[RawRecord, str | None]]:
    """The sampled records, each let go of once it is handed on (the sample holds no memory after its turn)."""
    items.reverse()
    while items:
        yield items.pop()


def _file_spec(head: Sequence[tuple[RawRecord, str | None]], context: _Context) -> TaskSpec | None:
    """The task a file is checked against: --task, else the model's task whose format its records are in.

    `titan-text-express` takes fine-tuning (prompt/completion) and continued pre-training ({"input"}): a
    valid pre-training file is checked as pre-training, not told to convert (DP201).
    """
    spec, profile = context.spec, context.profile
    if spec is None or profile is None or not context.infer_task or len(profile.tasks) < 2:
        return spec
    counts = Counter(fmt for _, fmt in head if fmt is not None)
    if not counts or counts.most_common(1)[0][0] == spec.format:
        return spec
    majority = counts.most_common(1)[0][0]
    return next((t for t in profile.tasks.values() if t.format == majority), spec)


def _read_as(fmt: str | None, value: dict[str, object], spec: TaskSpec | None) -> str | None:
    """The format to check a record as. A messages record without `schemaVersion` that mixes string and
    list parts (a Haiku record with one list of blocks) is ambiguous: it is read as the model's messages
    format, so it gets that format's advice. One whose parts all agree keeps the format they say (a whole
    Claude file given to Nova is one DP201, not a schema finding per record). A task-owned format
    (distillation, RFT) reads the shapes it shares keys with as its own (`formats.READ_AS`)."""
    if spec is not None and fmt in formats.READ_AS.get(spec.format, ()):
        return spec.format
    if spec is None or fmt not in _MESSAGE_FORMATS or spec.format not in _MESSAGE_FORMATS \
            or "schemaVersion" in value:
        return fmt
    messages = value.get("messages")
    parts = [value.get("system"), *(m.get("content") for m in messages if isinstance(m, dict))] \
        if isinstance(messages, list) else [value.get("system")]
    kinds = {type(p) for p in parts if isinstance(p, str | list)}
    return spec.format if len(kinds) > 1 else fmt


def is_sidecar(path: Path, manifests: dict[Path, frozenset[str]]) -> bool:
    """A build's ledger or lineage, by its name or by its folder's manifest: not training data, never checked.

    A pre-commit hook passes every committed `.jsonl` one by one, a build folder's `rejected.jsonl` and
    `lineage.jsonl` included; a folder argument already leaves them out by name. `manifests` caches each
    folder's manifest for one run.
    """
    if is_stdin(path):
        return False
    if path.name in BUILD_SIDECARS:
        return True
    folder = path.parent.resolve()
    if folder not in manifests:
        manifests[folder] = _manifest_sidecars(folder)
    return path.name in manifests[folder]


def _manifest_sidecars(folder: Path) -> frozenset[str]:
    """The non-split files the dataprep manifest in `folder` lists among its outputs (none without one)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(data, dict) or not isinstance(data.get("tool"), dict) \
            or data["tool"].get("name") != "dataprep" or not isinstance(data.get("outputs"), dict):
        return frozenset()
    return frozenset(str(o["file"]) for key, o in data["outputs"].items()
                     if key not in (TRAIN, VALIDATION, TEST) and isinstance(o, dict) and "file" in o)


def _check_name(path: Path, emit: LineEmit) -> None:
    """Bedrock takes `.jsonl` files, and S3 keys with other characters break the job's data URIs (stdin has no name)."""
    if is_stdin(path):
        return
    if path.suffix != ".jsonl":
        emit(1, 1, "DP113", f"file name {path.name!r} does not end in .jsonl")
    if not _S3_SAFE_NAME.match(path.name):
        emit(1, 1, "DP114", f"file name {path.name!r} has characters outside [A-Za-z0-9_./-]")


def _majority_format(head: Sequence[tuple[RawRecord, str | None]], profile: Profile | None,
                     spec: TaskSpec | None, emit: LineEmit) -> str | None:
    """The format most of the file's first records have; DP201 when it is not the one the model takes."""
    counts = Counter(d for _, d in head if d is not None)
    majority = counts.most_common(1)[0][0] if counts else None
    if profile is not None and spec is not None and majority is not None and majority != spec.format:
        first = next(r.line for r, d in head if d == majority)
        emit(first, 1, "DP201", f"records are {majority}, but {profile.id} {spec.task} expects {spec.format}; "
             f"convert with `dataprep build --model {profile.id}`")
    return majority


@dataclass(frozen=True)
class _RecordChecks:
    """What each record of a file is checked with. A check whose every code the policy switches off does not
    run (as in ruff): `--select DP1,DP2,DP3` costs the schema and limit checks, not the content detectors."""

    majority: str | None  # the file's format (DP202 for a record of another)
    schema: _FormatChecks
    keywords: ReservedKeywords | None  # DP212, with a model
    limits: RecordLimits | None  # with a model and a task
    chars: bool  # DP308 on
    tokens: bool  # a token limit's code on
    key: bool  # the duplicate key: DP401, DP501 or DP502 on
    near: bool  # the texts DP502 compares (a train and validation pair)
    content: frozenset[str]  # the content checks' codes that are on

    @classmethod
    def of(cls, profile: Profile | None, spec: TaskSpec | None, policy: RulePolicy, majority: str | None,
           near: bool) -> _RecordChecks:
        def on(code: str) -> bool:
            return not policy.ignored(code)

        return cls(majority, _FormatChecks(profile),
                   ReservedKeywords.of(profile) if profile is not None and on(KEYWORD_CODE) else None,
                   RecordLimits.of(profile, spec) if spec is not None and profile is not None else None,
                   on(CHAR_CODE), any(on(code) for _, code, _ in TOKEN_CHECKS),
                   any(map(on, ("DP401", "DP501", "DP502"))), near, frozenset(filter(on, content.CODES)))


def _check_record(record: RawRecord, fmt: str | None, checks: _RecordChecks, emit: LineEmit) -> _Checked | None:
    """Schema, keyword, content and character-limit findings of one record; when its schema holds, its key and
    what the file's later checks read of it (`_Checked`)."""

    def at(code: str, message: str, key: str | None) -> None:
        col = record.text.find(f'"{key}"') + 1 if key else 1
        emit(record.line, max(col, 1), code, message, col + len(key) + 2 if key and col > 0 else 0)  # past the key

    if fmt is None:
        at("DP200", f"no Bedrock format has these keys: {sorted(record.value)[:8]}", None)
        return None
    majority = checks.majority
    if fmt != majority and majority is not None:
        if fmt in _MESSAGE_FORMATS and majority in _MESSAGE_FORMATS:
            fmt = majority  # a malformed record of the file's own messages format, not another format
        else:
            at("DP202", f"this record is {fmt} while most of the file is {majority}", None)
    row = checks.schema(fmt)(record.value, at)
    if row is None:
        return None
    problem = checks.keywords.problem(row) if checks.keywords is not None else None
    if problem is not None:
        at(*problem, None)
    if checks.content:
        for code, message in content.findings(row, checks.content):
            at(code, message, None)
    texts, limits = row.texts(), checks.limits
    problem = limits.char_problem(texts) if limits is not None and checks.chars else None
    if problem is not None:
        at(*problem, None)
    counted = limits is not None and checks.tokens and limits.could_exceed(texts)
    shows_media = '"image' in record.text or '"video"' in record.text
    return _Checked(record.line, duplicate_key(row) if checks.key else None,
                    (row.input_text(), row.output_text()) if counted else None,
                    (dedup_text(row), media_key(row)) if checks.near else None,
                    "\n".join(texts) if shows_media else None)


class _FormatChecks:
    """Each format's check, given the model's rules where the format has them (media, image-caption); built once
    a file per format, not once a record (the rules read the profile)."""

    def __init__(self, profile: Profile | None) -> None:
        self.profile = profile
        self.checks: dict[str, Callable[..., Canonical | None]] = {}

    def __call__(self, fmt: str) -> Callable[..., Canonical | None]:
        check = self.checks.get(fmt)
        if check is None:
            check = self.checks[fmt] = self._make(fmt)
        return check

    def _make(self, fmt: str) -> Callable[..., Canonical | None]:
        module, profile = formats.MODULES[fmt], self.profile
        if profile is not None and module is formats.conversation:
            return partial(module.check, media=MediaRules.of(profile))
        if profile is not None and module is formats.image_caption:
            return partial(module.check, rules=formats.image_caption.CaptionRules.of(profile))
        return module.check


class _TokenBatch:
    """Per-record token limits: only records whose bytes could be over a limit are tokenized, in batches (the
    character limit is checked with the record's other checks, `_check_record`)."""

    def __init__(self, profile: Profile, limits: RecordLimits, emit: LineEmit) -> None:
        """`limits` of a task of `profile`; the tokenizer is loaded at the first record that needs it."""
        self.limits, self.tokenizer, self.emit = limits, profile.tokenizer, emit
        self.todo: list[tuple[int, str, str]] = []

    def add(self, line: int, input_text: str, output_text: str) -> None:
        """A record that could be over a token limit: counted with the next batch."""
        self.todo.append((line, input_text, output_text))
        if len(self.todo) >= _TOKENIZE_BATCH:
            self.flush()

    def flush(self) -> None:
        """Tokenize the pending records and report the ones over a token limit."""
        if not self.todo:
            return
        from dataprep.tokens import counter

        count = counter(self.tokenizer).count
        inputs = count([i for _, i, _ in self.todo]).tolist()
        outputs = count([o for _, _, o in self.todo]).tolist()
        for (line, _, _), n_in, n_out in zip(self.todo, inputs, outputs, strict=True):
            for code, message in self.limits.token_problems(n_in, n_out):
                self.emit(line, 1, code, message)
        self.todo = []


def _check_quotas(results: list[FileResult], spec: TaskSpec, policy: RulePolicy, findings: list[Finding]) -> None:
    """Record and size quotas per uploaded file, then on train + validation together (at the first file)."""
    totals: Counter[str] = Counter()
    for result in results:
        split = result.split or TRAIN
        if split == TEST or result.raw:
            continue  # a held-out evaluation file is never uploaded to Bedrock: no quota applies
        totals[split] += result.records
        for code, message in file_problems(spec, split, result.records, result.size):
            policy.add(findings, result.path, 0, 0, code, message)
    if results:
        for code, message in total_problems(spec, totals):
            policy.add(findings, results[0].path, 0, 0, code, message)


def _in_training(trains: list[FileResult], checked: list[tuple[int, str]]) -> dict[str, tuple[str, int]]:
    """key -> (training file, line) for each of the validation keys `checked` a training file holds."""
    found: dict[str, tuple[str, int]] = {}
    for _, key in checked:
        for train in trains:
            line = train.keys.first_line(key)
            if line is not None and key not in found:
                found[key] = (train.path, line)
    return found


def _check_overlap(results: list[FileResult], policy: RulePolicy, findings: list[Finding]) -> None:
    """DP501: a validation record that is also in a training file; DP502: one that near-duplicates one."""
    if not any(r.split == VALIDATION for r in results):
        return
    trains = [r for r in results if r.split == TRAIN]
    near_train = [(r.path, line, text, media) for r in results if r.split == TRAIN and r.near is not None
                  for line, text, media in r.near]
    for result in results:
        if result.split != VALIDATION:
            continue
        same: set[int] = set()
        checked = result.validation_keys or []
        for line, message in overlap(_in_training(trains, checked), checked):
            policy.add(findings, result.path, line, 1, "DP501", message)
            same.add(line)
        # A record already reported as the same record (DP501) is not reported again as a near one.
        rest = [near for near in (result.near or []) if near[0] not in same]
        for line, message in near_overlap(near_train, rest):
            policy.add(findings, result.path, line, 1, "DP502", message)
