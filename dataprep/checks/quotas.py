"""Record-count and file-size quotas per split (DP301-DP304, DP309, DP310): the one map from a split to its
quota keys, used by `validate`, the build's split step, the report and the terminal summary.

A held-out `test` split is never uploaded to Bedrock, so no quota applies to it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from dataprep.profiles import TaskSpec

TRAIN, VALIDATION, TEST = "train", "validation", "test"
SPLITS = (TRAIN, VALIDATION, TEST)
# split -> (record quota key, file-size quota key, code when over the record quota)
SPLIT_QUOTAS = {TRAIN: ("max_train_records", "max_train_file_bytes", "DP301"),
                VALIDATION: ("max_validation_records", "max_validation_file_bytes", "DP302")}
MAX_TOTAL, MIN_TOTAL, MIN_TRAIN = "max_total_records", "min_total_records", "min_train_records"
Problem = tuple[str, str]


def record_quota(spec: TaskSpec, split: str) -> int | None:
    """The most records the split may hold (None: no quota, or a split that is not uploaded)."""
    keys = SPLIT_QUOTAS.get(split)
    return spec.quota(keys[0]) if keys else None


def file_problems(spec: TaskSpec, split: str, records: int, size: int) -> Iterator[Problem]:
    """The quota problems of one uploaded file: records, bytes, a validation file the model refuses, minimum."""
    if split not in SPLIT_QUOTAS:
        return
    quota_key, size_key, code = SPLIT_QUOTAS[split]
    quota = spec.quota(quota_key)
    if quota is not None and records > quota:
        yield code, f"{records:,} {split} records; the quota is {quota:,}"
    size_quota = spec.quota(size_key)
    if size_quota is not None and size > size_quota:
        yield "DP309", f"{size:,} bytes; the {split} file quota is {size_quota:,}"
    if split == VALIDATION and not spec.validation_supported:
        yield "DP310", "this model and task take no validation dataset"
    minimum = spec.quota(MIN_TRAIN)
    if split == TRAIN and minimum is not None and records < minimum:
        yield "DP304", f"{records:,} training records; at least {minimum:,} are needed"


def total_problems(spec: TaskSpec, totals: Mapping[str, int]) -> Iterator[Problem]:
    """Quotas on train + validation together; minimums only when the training file is among the inputs."""
    total = totals.get(TRAIN, 0) + totals.get(VALIDATION, 0)
    max_total, min_total = spec.quota(MAX_TOTAL), spec.quota(MIN_TOTAL)
    if max_total is not None and total > max_total:
        yield "DP303", f"train + validation = {total:,} records; the quota is {max_total}"
    if min_total is not None and totals.get(TRAIN) and total < min_total:
        yield "DP304", f"train + validation = {total:,} records; at least {min_total} are needed"
