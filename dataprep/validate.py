"""`dataprep validate`: lint existing Bedrock JSONL files against a model profile.

Per file: strict line reading (DP1xx), format detection and schema checks (DP2xx), content checks
(DP4xx), per-record size checks (DP3xx); then per split and across files: record quotas and
train/validation overlap. Tokenizing is the costly part, so records are tokenized only when their UTF-8
size could put them over a limit (a token is never shorter than one byte).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from dataprep import formats
from dataprep.checks import content
from dataprep.checks.duplicates import dedup_text, duplicate_key, near_overlap, overlap
from dataprep.checks.keywords import ReservedKeywords
from dataprep.checks.limits import RecordLimits
from dataprep.checks.quotas import TEST, TRAIN, VALIDATION, file_problems, total_problems
from dataprep.findings import Finding
from dataprep.formats.base import Canonical
from dataprep.io.files import is_stdin
from dataprep.io.jsonl import RawRecord, read_jsonl
from dataprep.io.paths import expand_datasets, infer_split
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy

_S3_SAFE_NAME = re.compile(r"^[A-Za-z0-9_./-]+$")
# Reports a finding at (line, col) of the file being checked; the optional fifth argument is its end column.
LineEmit = Callable[..., None]






@dataclass
class _Checked:
    """One record that passed its schema check, kept for cross-record checks."""

    line: int
    row: Canonical
    key: str


@dataclass
class FileResult:
    path: str
    split: str | None
    records: int = 0
    size: int = 0
    checked: list[_Checked] = field(default_factory=list)


def validate_paths(
    paths: Sequence[Path],
    profile: Profile | None,
    task: str | None = None,
    split: str | None = None,
    policy: RulePolicy | None = None,
) -> list[Finding]:
    """All findings for `paths`, sorted by file and line. Raises UsageError for bad arguments."""
    policy = policy or RulePolicy()
    spec = profile.task(task) if profile is not None else None
    findings: list[Finding] = []
    results = [_check_file(path, profile, spec, split or infer_split(path), policy, findings)
               for path in expand_datasets(paths)]
    if spec is not None:
        _check_quotas(results, spec, policy, findings)
    _check_overlap(results, policy, findings)
    return sorted(findings, key=Finding.sort_key)


def _check_file(path: Path, profile: Profile | None, spec: TaskSpec | None, split: str | None,
                policy: RulePolicy, findings: list[Finding]) -> FileResult:
    """Every per-file and per-record finding of one file; the checked records are kept for cross-file checks."""
    name = str(path)
    read = read_jsonl(path, policy, name)
    findings.extend(read.findings)
    result = FileResult(name, split, records=len(read.records) + len(read.bad_lines), size=read.size)

    def emit(line: int, col: int, code: str, message: str, end_col: int = 0) -> None:
        policy.add(findings, name, line, col, code, message, end_col)

    _check_name(path, emit)
    if not read.records:
        return result
    detected = [formats.detect(r.value) for r in read.records]
    majority = _majority_format(read.records, detected, profile, spec, emit)
    keywords = ReservedKeywords.of(profile) if profile is not None else None
    seen: dict[str, int] = {}
    for record, fmt in zip(read.records, detected, strict=True):
        checked = _check_record(record, fmt, majority, profile, keywords, emit)
        if checked is None:
            continue
        if checked.key in seen:
            emit(checked.line, 1, "DP401", f"duplicate of line {seen[checked.key]}")
        else:
            seen[checked.key] = checked.line
        result.checked.append(checked)
    if spec is not None and profile is not None:
        _check_sizes(result, profile, spec, emit)
    return result


def _check_name(path: Path, emit: LineEmit) -> None:
    """Bedrock takes `.jsonl` files, and S3 keys with other characters break the job's data URIs (stdin has no name)."""
    if is_stdin(path):
        return
    if path.suffix != ".jsonl":
        emit(1, 1, "DP113", f"file name {path.name!r} does not end in .jsonl")
    if not _S3_SAFE_NAME.match(path.name):
        emit(1, 1, "DP114", f"file name {path.name!r} has characters outside [A-Za-z0-9_./-]")


def _majority_format(records: Sequence[RawRecord], detected: Sequence[str | None], profile: Profile | None,
                     spec: TaskSpec | None, emit: LineEmit) -> str | None:
    """The format most records have; DP201 when it is not the one the model takes."""
    counts = Counter(d for d in detected if d is not None)
    majority = counts.most_common(1)[0][0] if counts else None
    if profile is not None and spec is not None and majority is not None and majority != spec.format:
        first = next(r.line for r, d in zip(records, detected, strict=True) if d == majority)
        emit(first, 1, "DP201", f"records are {majority}, but {profile.id} {spec.task} expects {spec.format}; "
             f"convert with `dataprep build --model {profile.id}`")
    return majority


def _check_record(record: RawRecord, fmt: str | None, majority: str | None, profile: Profile | None,
                  keywords: ReservedKeywords | None, emit: LineEmit) -> _Checked | None:
    """Schema, keyword and content findings of one record; the record with its key when its schema holds."""

    def at(code: str, message: str, key: str | None) -> None:
        col = record.text.find(f'"{key}"') + 1 if key else 1
        emit(record.line, max(col, 1), code, message, col + len(key) + 2 if key and col > 0 else 0)  # past the key

    if fmt is None:
        at("DP200", f"no Bedrock format has these keys: {sorted(record.value)[:8]}", None)
        return None
    if fmt != majority and majority is not None:
        at("DP202", f"this record is {fmt} while most of the file is {majority}", None)
    module = formats.MODULES[fmt]
    check = partial(module.check, media=profile.media) if module is formats.conversation and profile else \
        module.check
    row = check(record.value, at)
    if row is None:
        return None
    problem = keywords.problem(row) if keywords is not None else None
    if problem is not None:
        at(*problem, None)
    for code, message in content.findings(row):
        at(code, message, None)
    return _Checked(record.line, row, duplicate_key(row))


def _check_sizes(result: FileResult, profile: Profile, spec: TaskSpec, emit: LineEmit) -> None:
    """Per-record character and token limits; only records that could be over a limit are tokenized."""
    limits = RecordLimits.of(profile, spec)
    todo: list[_Checked] = []
    for item in result.checked:
        texts = item.row.texts()
        problem = limits.char_problem(texts)
        if problem is not None:
            emit(item.line, 1, *problem)
        if limits.could_exceed(texts):
            todo.append(item)
    if not todo:
        return
    from dataprep.tokens import counter

    count = counter(profile.tokenizer).count
    inputs = count([i.row.input_text() for i in todo]).tolist()
    outputs = count([i.row.output_text() for i in todo]).tolist()
    for item, n_in, n_out in zip(todo, inputs, outputs, strict=True):
        for code, message in limits.token_problems(n_in, n_out):
            emit(item.line, 1, code, message)


def _check_quotas(results: list[FileResult], spec: TaskSpec, policy: RulePolicy, findings: list[Finding]) -> None:
    """Record and size quotas per uploaded file, then on train + validation together (at the first file)."""
    totals: Counter[str] = Counter()
    for result in results:
        split = result.split or TRAIN
        if split == TEST:
            continue  # a held-out evaluation file is never uploaded to Bedrock: no quota applies
        totals[split] += result.records
        for code, message in file_problems(spec, split, result.records, result.size):
            policy.add(findings, result.path, 0, 0, code, message)
    if results:
        for code, message in total_problems(spec, totals):
            policy.add(findings, results[0].path, 0, 0, code, message)


def _check_overlap(results: list[FileResult], policy: RulePolicy, findings: list[Finding]) -> None:
    """DP501: a validation record that is also in a training file; DP502: one that near-duplicates one."""
    train = {c.key: (r.path, c.line) for r in results if r.split == TRAIN for c in r.checked}
    near = not policy.ignored("DP502")
    near_train = [(r.path, c.line, dedup_text(c.row)) for r in results if near and r.split == TRAIN for c in r.checked]
    for result in results:
        if result.split == VALIDATION:
            same: set[int] = set()
            for line, message in overlap(train, ((c.line, c.key) for c in result.checked)):
                policy.add(findings, result.path, line, 1, "DP501", message)
                same.add(line)
            # A record already reported as the same record (DP501) is not reported again as a near one.
            rest = [(c.line, dedup_text(c.row)) for c in result.checked if near and c.line not in same]
            for line, message in near_overlap(near_train, rest):
                policy.add(findings, result.path, line, 1, "DP502", message)
