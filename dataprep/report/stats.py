"""The numbers of report.json: token statistics, histograms, language mix, quota gauges, training tokens.

Everything here is a pure function of the build's records and the profile, so the same build always gives
the same numbers; percentiles use the nearest-rank definition so they are always a real record's value.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dataprep.build.split import TRAIN, VALIDATION
from dataprep.text.language import UNKNOWN

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult, Unit
    from dataprep.profiles import Profile, TaskSpec

_BINS = 32  # log-spaced histogram bins between 1 token and the larger of the limit and the longest record
# Per-record limits: quota key, what is measured, unit, and whether the safety margin applies.
_RECORD_LIMITS = (
    ("max_tokens_per_record", "tokens per record", "tokens", True),
    ("max_input_tokens", "input tokens per record", "tokens", True),
    ("max_output_tokens", "output tokens per record", "tokens", True),
    ("max_tokens_per_record_batched", "tokens per record at batchSize above the threshold", "tokens", True),
    ("max_chars_per_record", "characters per record", "characters", False),
)


def tokens(unit: Unit) -> int:
    return unit.input_tokens + unit.output_tokens


def token_stats(units: Sequence[Unit]) -> dict[str, int | float]:
    """min / median / p95 / max / total tokens per record of one split (all 0 for an empty split)."""
    values = np.sort(np.fromiter((tokens(u) for u in units), dtype=np.int64, count=len(units)))
    if not len(values):
        return {"min": 0, "median": 0, "p95": 0, "max": 0, "total": 0, "input_total": 0, "output_total": 0}
    median = float(np.median(values))
    return {
        "min": int(values[0]),
        "median": int(median) if median.is_integer() else median,
        "p95": int(values[math.ceil(0.95 * len(values)) - 1]),
        "max": int(values[-1]),
        "total": int(values.sum()),
        "input_total": sum(u.input_tokens for u in units),
        "output_total": sum(u.output_tokens for u in units),
    }


def histogram_edges(splits: Mapping[str, Sequence[Unit]], limit: int | None) -> list[int]:
    """Integer, log-spaced bin edges shared by every split, reaching the limit so it can be drawn in."""
    longest = max((tokens(u) for units in splits.values() for u in units), default=1)
    upper = max(longest, limit or 0, 2) + 1
    return sorted(set(np.rint(np.geomspace(1, upper, _BINS + 1)).astype(np.int64).tolist()))


def histogram(units: Sequence[Unit], edges: list[int]) -> list[int]:
    counts, _ = np.histogram(np.fromiter((max(tokens(u), 1) for u in units), dtype=np.int64, count=len(units)),
                             bins=edges)
    return [int(c) for c in counts]


def languages(units: Sequence[Unit]) -> list[dict[str, Any]]:
    """Records per detected language, most common first."""
    counts = Counter(u.lang or UNKNOWN for u in units)
    return [{"lang": code, "records": n} for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def quota_gauges(result: BuildResult) -> list[dict[str, Any]]:
    """Each quota of the task against what the build produced: records, file sizes, the longest record."""
    spec, splits, outputs = result.spec, result.splits, result.manifest.get("outputs", {})
    train, validation = len(splits[TRAIN]), len(splits[VALIDATION])
    gauges = [
        _gauge(spec, "max_train_records", "training records", "records", train, minimum="min_train_records"),
        _gauge(spec, "max_total_records", "training + validation records", "records", train + validation,
               minimum="min_total_records"),
    ]
    if spec.validation_supported:
        gauges.append(_gauge(spec, "max_validation_records", "validation records", "records", validation))
    for split, key in ((TRAIN, "max_train_file_bytes"), (VALIDATION, "max_validation_file_bytes")):
        if split in outputs:
            gauges.append(_gauge(spec, key, f"{outputs[split]['file']} size", "bytes", outputs[split]["bytes"]))
    uploaded = [(s, i, u) for s in (TRAIN, VALIDATION) for i, u in enumerate(splits[s], start=1)]
    measures = {"max_tokens_per_record": tokens, "max_tokens_per_record_batched": tokens,
                "max_input_tokens": lambda u: u.input_tokens, "max_output_tokens": lambda u: u.output_tokens,
                "max_chars_per_record": lambda u: sum(map(len, u.row.texts()))}
    for key, label, unit, margin in _RECORD_LIMITS:
        if spec.quota(key) is None or not uploaded:
            continue
        measure = measures[key]
        split, line, longest = max(uploaded, key=lambda entry: (measure(entry[2]), entry[0] == TRAIN, -entry[1]))
        gauge = _gauge(spec, key, f"longest record: {label}", unit, measure(longest),
                       usable=result.profile.token_limit(spec.quota(key) or 0) if margin else None)
        gauge["where"] = f"{split}.jsonl:{line}"
        if key == "max_tokens_per_record_batched":
            gauge["note"] = f"applies only when the job's batchSize is above {spec.quota('batched_above_batch_size')}"
        gauges.append(gauge)
    return [g for g in gauges if g["quota"] is not None or g.get("minimum") is not None]


def _gauge(spec: TaskSpec, key: str, label: str, unit: str, value: int, *, minimum: str | None = None,
           usable: int | None = None) -> dict[str, Any]:
    quota = spec.quota(key)
    usable = usable if usable is not None else quota
    gauge: dict[str, Any] = {"key": key, "label": label, "unit": unit, "value": value, "quota": quota,
                             "usable": usable, "percent": round(100 * value / usable, 2) if usable else None}
    if minimum is not None and spec.quota(minimum) is not None:
        gauge["minimum"] = spec.quota(minimum)
        gauge["minimum_key"] = minimum
    return gauge


def record_limit(profile: Profile, spec: TaskSpec) -> dict[str, Any] | None:
    """The per-record token limit the histograms draw, as the profile states it and after the margin."""
    for key in ("max_tokens_per_record", "max_input_tokens"):
        quota = spec.quota(key)
        if quota is not None:
            return {"key": key, "quota": quota, "usable": profile.token_limit(quota)}
    return None


def training_tokens(spec: TaskSpec, train_tokens: int) -> dict[str, Any]:
    """Tokens the job trains on: training tokens x epochs, for the default epochCount and its range."""
    epochs = spec.hyperparameters.get("epochCount")
    out: dict[str, Any] = {"train_tokens": train_tokens, "epoch_count": None, "estimates": []}
    if epochs is None:
        return out
    out["epoch_count"] = {"default": _int(epochs.default), "min": _int(epochs.min), "max": _int(epochs.max)}
    points = {"min": epochs.min, "default": epochs.default, "max": epochs.max}
    seen: dict[int, list[str]] = {}
    for label, value in points.items():
        if value is not None:
            seen.setdefault(int(value), []).append(label)
    out["estimates"] = [{"epochs": n, "tokens": train_tokens * n, "labels": labels}
                        for n, labels in sorted(seen.items())]
    return out


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
