"""`dataprep validate`: lint existing Bedrock JSONL files against a model profile.

Per file: strict line reading (DP1xx), format detection and schema checks (DP2xx), content checks
(DP4xx), per-record size checks (DP3xx); then per split and across files: record quotas and
train/validation overlap. Tokenizing is the costly part, so records are tokenized only when their UTF-8
size could put them over a limit (a token is never shorter than one byte).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from dataprep import formats
from dataprep.checks import content
from dataprep.errors import UsageError
from dataprep.findings import Finding
from dataprep.formats.base import Canonical, Emit
from dataprep.io.jsonl import read_jsonl
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import RulePolicy

_S3_SAFE_NAME = re.compile(r"^[A-Za-z0-9_./-]+$")
# Reports a finding at (line, col) of the file being checked.
LineEmit = Callable[[int, int, str, str], None]


# Files `dataprep build` writes next to the splits; they are records about the data, not training data.
BUILD_SIDECARS = frozenset({"rejected.jsonl", "lineage.jsonl"})




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


def infer_split(path: Path) -> str | None:
    """train / validation / test from the file name (train.jsonl, validation.jsonl, val-2.jsonl, test.jsonl)."""
    stem = path.stem.lower()
    if stem.startswith(("validation", "valid", "val", "dev", "eval")):
        return "validation"
    if stem.startswith("train"):
        return "train"
    if stem.startswith("test"):
        return "test"
    return None


def expand(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.jsonl") if p.name not in BUILD_SIDECARS)
            if not found:
                raise UsageError(f"{path}: folder holds no .jsonl files (expected train.jsonl, validation.jsonl)")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def record_key(row: Canonical) -> str:
    """Hash of the normalised texts: equal for records that differ only in case, NFC form or whitespace."""
    joined = "\x1f".join(" ".join(_nfc(t).casefold().split()) for t in row.texts())
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


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
               for path in expand(paths)]
    if spec is not None:
        _check_quotas(results, spec, policy, findings)
    _check_overlap(results, policy, findings)
    return sorted(findings, key=Finding.sort_key)


def _check_file(path: Path, profile: Profile | None, spec: TaskSpec | None, split: str | None,
                policy: RulePolicy, findings: list[Finding]) -> FileResult:
    name = str(path)
    read = read_jsonl(path, policy, name)
    findings.extend(read.findings)
    result = FileResult(name, split, records=len(read.records) + len(read.bad_lines), size=read.size)

    def emit(line: int, col: int, code: str, message: str) -> None:
        policy.add(findings, name, line, col, code, message)

    if path.suffix != ".jsonl":
        emit(1, 1, "DP113", f"file name {path.name!r} does not end in .jsonl")
    if not _S3_SAFE_NAME.match(path.name):
        emit(1, 1, "DP114", f"file name {path.name!r} has characters outside [A-Za-z0-9_./-]")
    if not read.records:
        return result

    detected = [formats.detect(r.value) for r in read.records]
    counts = Counter(d for d in detected if d is not None)
    majority = counts.most_common(1)[0][0] if counts else None
    if profile is not None and spec is not None and majority is not None and majority != spec.format:
        first = next(r.line for r, d in zip(read.records, detected, strict=True) if d == majority)
        emit(first, 1, "DP201", f"records are {majority}, but {profile.id} {spec.task} expects {spec.format}; "
             f"convert with `dataprep build --model {profile.id}`")
    seen: dict[str, int] = {}
    for record, fmt in zip(read.records, detected, strict=True):
        line = record.line

        def at(code: str, message: str, key: str | None, line: int = line, text: str = record.text) -> None:
            col = text.find(f'"{key}"') + 1 if key else 1
            emit(line, max(col, 1), code, message)

        if fmt is None:
            at("DP200", f"no Bedrock format has these keys: {sorted(record.value)[:8]}", None)
            continue
        if fmt != majority and majority is not None:
            at("DP202", f"this record is {fmt} while most of the file is {majority}", None)
        module = formats.MODULES[fmt]
        check = partial(module.check, media=profile.media) if module is formats.conversation and profile else \
            module.check
        row = check(record.value, at)
        if row is None:
            continue
        if profile is not None:
            _check_keywords(row, profile, at)
        for code, message in content.findings(row):
            at(code, message, None)
        key = record_key(row)
        if key in seen:
            at("DP401", f"duplicate of line {seen[key]}", None)
        else:
            seen[key] = line
        result.checked.append(_Checked(line, row, key))
    if spec is not None and profile is not None:
        _check_sizes(result, profile, spec, emit)
    return result


def _check_keywords(row: Canonical, profile: Profile, at: Emit) -> None:
    if not profile.reserved_keywords:
        return
    fold = (lambda s: s) if profile.reserved_keywords_case_sensitive else str.casefold
    for text in row.texts():
        folded = fold(text)
        for keyword in profile.reserved_keywords:
            if fold(keyword) in folded:
                at("DP212", f"reserved keyword {keyword!r} in the text; {profile.name} jobs fail on it", None)
                return


def _check_sizes(result: FileResult, profile: Profile, spec: TaskSpec, emit: LineEmit) -> None:
    """Per-record character and token limits; only records that could be over a limit are tokenized."""
    limits = {k: spec.quota(k) for k in ("max_tokens_per_record", "max_input_tokens", "max_output_tokens",
                                          "max_tokens_per_record_batched")}
    effective = {k: profile.token_limit(v) for k, v in limits.items() if v}
    max_chars = spec.quota("max_chars_per_record")
    smallest = min(effective.values(), default=None)
    todo: list[_Checked] = []
    for item in result.checked:
        texts = item.row.texts()
        total = sum(map(len, texts))
        if max_chars and total > max_chars:
            emit(item.line, 1, "DP308", f"{total:,} characters; {profile.name} allows {max_chars:,} per record")
        if smallest is not None and sum(len(t.encode()) for t in texts) > smallest:
            todo.append(item)
    if not todo:
        return
    from dataprep.tokens import counter

    count = counter(profile.tokenizer).count
    inputs = count([i.row.input_text() for i in todo])
    outputs = count([i.row.output_text() for i in todo])
    how = "exact" if profile.tokenizer == "llama3" else f"cl100k proxy, {profile.token_margin:.0%} margin"
    checks = (("max_tokens_per_record", "DP305", "tokens in the record"), ("max_input_tokens", "DP306", "input tokens"),
              ("max_output_tokens", "DP307", "output tokens"), ("max_tokens_per_record_batched", "DP311",
                                                                "tokens (limit at larger batch sizes)"))
    for index, item in enumerate(todo):
        values = {"max_input_tokens": inputs[index], "max_output_tokens": outputs[index]}
        values["max_tokens_per_record"] = values["max_tokens_per_record_batched"] = inputs[index] + outputs[index]
        for key, code, what in checks:
            if key in effective and values[key] > effective[key]:
                emit(item.line, 1, code, f"{values[key]:,} {what}; limit {limits[key]:,}, "
                     f"{effective[key]:,} usable ({how})")
                if code == "DP305":
                    break


def _check_quotas(results: list[FileResult], spec: TaskSpec, policy: RulePolicy, findings: list[Finding]) -> None:
    totals: Counter[str] = Counter()
    for result in results:
        split = result.split or "train"
        if split == "test":
            continue  # a held-out evaluation file is never uploaded to Bedrock: no quota applies
        totals[split] += result.records
        emit = partial(policy.add, findings, result.path, 0, 0)
        quota = spec.quota("max_validation_records" if split == "validation" else "max_train_records")
        if quota is not None and result.records > quota:
            code = "DP302" if split == "validation" else "DP301"
            emit(code, f"{result.records:,} {split} records; the quota is {quota:,}")
        size_quota = spec.quota("max_validation_file_bytes" if split == "validation" else "max_train_file_bytes")
        if size_quota is not None and result.size > size_quota:
            emit("DP309", f"{result.size:,} bytes; the {split} file quota is {size_quota:,}")
        if split == "validation" and not spec.validation_supported:
            emit("DP310", "this model and task take no validation dataset")
        minimum = spec.quota("min_train_records")
        if split == "train" and minimum is not None and result.records < minimum:
            emit("DP304", f"{result.records:,} training records; at least {minimum:,} are needed")
    if results:
        first = results[0]
        total = totals["train"] + totals["validation"]
        max_total, min_total = spec.quota("max_total_records"), spec.quota("min_total_records")
        for code, bad, message in (
            ("DP303", max_total is not None and total > max_total, f"train + validation = {total:,} records; "
             f"the quota is {max_total}"),
            # Minimums only make sense when the training file is among the inputs (a hook may pass one file).
            ("DP304", min_total is not None and totals["train"] and total < min_total,
             f"train + validation = {total:,} records; "
             f"at least {min_total} are needed"),
        ):
            if bad:
                policy.add(findings, first.path, 0, 0, code, message)


def _check_overlap(results: list[FileResult], policy: RulePolicy, findings: list[Finding]) -> None:
    train = {c.key: (r.path, c.line) for r in results if r.split == "train" for c in r.checked}
    for result in results:
        if result.split != "validation":
            continue
        for item in result.checked:
            if item.key in train:
                path, line = train[item.key]
                policy.add(findings, result.path, item.line, 1, "DP501",
                           f"the same record is in the training file ({path}:{line})")
