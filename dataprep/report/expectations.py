"""Dataset-level checks as a great-expectations suite: the same rules a team can re-run in its own GX setup.

GX has no nested-JSON support, so each record is flattened into one row (`frame`): its key, roles, lengths,
tokens and language. The suites (`suites`) are derived from the model profile and the build settings only,
never from the data, so `expectations.json` states what Bedrock and the build require and a broken dataset
makes an expectation fail instead of moving the goal posts.

The work is split so the build's report process (`worker`) needs nothing of the build: `job` turns a
`BuildResult` into plain data (each split's columns and each suite's expectations as names and arguments,
both without GX), and `run_job` makes the frames and suites from it and runs them, returning an `Outcome` of
plain data too. `check` is the two in one process.

GX is heavy (~2.3 s to import) and can report usage, so it is imported here lazily, after its analytics are
switched off and the parts of it this suite never uses are deferred (`_DEFERRED`), and nothing on the
`validate` start-up path imports this module.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import sys
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from dataprep import formats
from dataprep.checks.quotas import SPLITS, TRAIN, VALIDATION

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite

    from dataprep.build.model import BuildResult, BuildSettings, Unit
    from dataprep.profiles import Profile, TaskSpec

# The dataset Bedrock reads as a whole: record-count quotas on the total and no record in both files.
UPLOADED = f"{TRAIN}+{VALIDATION}"
_ROLES_PATTERN = r"^(?:user|assistant)(?:,(?:user|assistant))*$"
_EXAMPLES = 5  # unexpected rows kept per failed expectation

# The flattened columns, documented in expectations.json so another GX setup can build the same frame.
COLUMNS: Mapping[str, str] = {
    "split": "train, validation or test",
    "line": "1-based line of the record in its split file",
    "key": "hash of the record's normalised texts (equal for records that differ only in case or spaces)",
    "lang": "ISO 639-1 code of the detected language ('und' when undetermined)",
    "chars": "characters in all text fields of the record",
    "input_tokens": "tokens the model reads (system and all turns but the last; the text for pre-training)",
    "output_tokens": "tokens of the last (assistant) turn; 0 for pre-training",
    "tokens": "input_tokens + output_tokens",
    "n_turns": "number of turns (conversations and prompt/completion only)",
    "roles": "the turns' roles joined with ',' (conversations and prompt/completion only)",
    "first_role": "role of the first turn (conversations and prompt/completion only)",
    "last_role": "role of the last turn (conversations and prompt/completion only)",
    "input_chars": "characters the model reads (conversations and prompt/completion only)",
    "output_chars": "characters of the last turn (conversations and prompt/completion only)",
}


@dataclass(frozen=True)
class Outcome:
    """The suites that were run (as GX writes them) and each expectation's result, ready for report.json."""

    version: str  # great_expectations.__version__
    suites: dict[str, dict[str, Any]]  # dataset -> ExpectationSuite.to_json_dict()
    results: list[dict[str, Any]]

    @property
    def success(self) -> bool:
        return all(r["success"] for r in self.results)


# An expectation without GX: its class name in great_expectations.expectations and its arguments.
Planned = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """What GX is run on, as plain data: each written split's columns, and each dataset's suite name and
    expectations. Cheap to send to another process, which needs neither the build's types nor its data."""

    columns: dict[str, dict[str, list[Any]]]  # split -> column -> values
    suites: dict[str, tuple[str, list[Planned]]]  # dataset -> (suite name, expectations)


def frame(units: Sequence[Unit], split: str, labeled: bool) -> pd.DataFrame:
    """One row per record of a split; built from a dict of lists, which keeps pyarrow out of the way."""
    import pandas as pd

    return pd.DataFrame(columns(units, split, labeled))


def columns(units: Sequence[Unit], split: str, labeled: bool) -> dict[str, list[Any]]:
    """A split's flattened records, column by column (the `COLUMNS` a frame has)."""
    out: dict[str, list[Any]] = {
        "split": [split] * len(units),
        "line": list(range(1, len(units) + 1)),
        "key": [u.key for u in units],
        "lang": [u.lang.split("-")[0] if u.lang else None for u in units],
        "chars": [sum(map(len, u.row.texts())) for u in units],
        "input_tokens": [u.input_tokens for u in units],
        "output_tokens": [u.output_tokens for u in units],
        "tokens": [u.input_tokens + u.output_tokens for u in units],
    }
    if labeled:
        roles = [[t.role for t in u.row.turns] for u in units]
        out.update(
            n_turns=[len(r) for r in roles],
            roles=[",".join(r) for r in roles],
            first_role=[r[0] if r else None for r in roles],
            last_role=[r[-1] if r else None for r in roles],
            input_chars=[len(u.row.input_text()) for u in units],
            output_chars=[len(u.row.output_text()) for u in units],
        )
    return out


def _split_columns(splits: Mapping[str, Sequence[Unit]], labeled: bool) -> dict[str, dict[str, list[Any]]]:
    """The columns of each written split (train always)."""
    return {s: columns(splits[s], s, labeled) for s in SPLITS if splits.get(s) or s == TRAIN}


def frames(splits: Mapping[str, Sequence[Unit]], labeled: bool) -> dict[str, pd.DataFrame]:
    """A frame per written split (train always), plus train+validation: what the job reads together."""
    return _frames(_split_columns(splits, labeled))


def _frames(by_split: Mapping[str, Mapping[str, list[Any]]]) -> dict[str, pd.DataFrame]:
    import pandas as pd

    out = {s: pd.DataFrame(dict(c)) for s, c in by_split.items()}
    out[UPLOADED] = pd.concat([out[s] for s in (TRAIN, VALIDATION) if s in out], ignore_index=True)
    return out


def suites(profile: Profile, spec: TaskSpec, settings: BuildSettings, datasets: Iterable[str]
           ) -> dict[str, ExpectationSuite]:
    """One suite per dataset, from the profile's quotas and limits and the build settings alone."""
    return _made(plan(profile, spec, settings, datasets))


def plan(profile: Profile, spec: TaskSpec, settings: BuildSettings, datasets: Iterable[str]
         ) -> dict[str, tuple[str, list[Planned]]]:
    """Each dataset's suite name and expectations, without GX: what `suites` makes into GX suites."""
    return {d: (f"dataprep.{profile.id}.{spec.task}.{d}", _expectations(profile, spec, settings, d))
            for d in datasets}


def _made(planned: Mapping[str, tuple[str, Sequence[Planned]]]) -> dict[str, ExpectationSuite]:
    """The GX suites of a plan."""
    gx = _gx()
    import great_expectations.expectations as gxe

    _batches()  # GX only lets expectations be added while a data context exists
    made = {}
    for dataset, (name, expectations) in planned.items():
        suite = gx.ExpectationSuite(name=name)
        for kind, kwargs in expectations:
            suite.add_expectation(getattr(gxe, kind)(**kwargs))
        made[dataset] = suite
    return made


def _expectations(profile: Profile, spec: TaskSpec, settings: BuildSettings, dataset: str) -> list[Planned]:
    if dataset == UPLOADED:
        bounds = _bounds(spec.quota("min_total_records"), spec.quota("max_total_records"))
        return [("ExpectTableRowCountToBeBetween", bounds), ("ExpectColumnValuesToBeUnique", {"column": "key"})]
    if dataset == TRAIN:
        cap = settings.max_train_records if settings.max_train_records is not None else \
            spec.quota("max_train_records")
        rows = _bounds(spec.quota("min_train_records") or 1, cap)
    elif dataset == VALIDATION:
        rows = _bounds(1, spec.quota("max_validation_records"))
    else:
        rows = _bounds(1, None)
    labeled = spec.format != formats.pretraining.NAME
    required = ["key", "chars", "tokens", "lang", *(["roles", "first_role", "last_role"] if labeled else [])]
    between = "ExpectColumnValuesToBeBetween"
    out: list[Planned] = [("ExpectTableRowCountToBeBetween", rows), ("ExpectColumnValuesToBeUnique", {"column": "key"})]
    out += [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in required]
    out.append((between, {"column": "chars", "min_value": 1, "max_value": spec.quota("max_chars_per_record")}))
    for column, key in (("tokens", "max_tokens_per_record"), ("input_tokens", "max_input_tokens"),
                        ("output_tokens", "max_output_tokens")):
        quota = spec.quota(key)
        if quota is not None:
            out.append((between, {"column": column, "min_value": 0, "max_value": profile.token_limit(quota)}))
    if labeled:
        out += [
            ("ExpectColumnValuesToMatchRegex", {"column": "roles", "regex": _ROLES_PATTERN}),
            ("ExpectColumnValuesToBeInSet", {"column": "first_role", "value_set": ["user"]}),
            ("ExpectColumnValuesToBeInSet", {"column": "last_role", "value_set": ["assistant"]}),
            (between, {"column": "n_turns", "min_value": 2}),
            (between, {"column": "output_chars", "min_value": 1}),
        ]
    if settings.lang:
        # 'und' (too little text to judge) is kept by the --lang filter and counted, not a failure (#12).
        out.append(("ExpectColumnValuesToBeInSet", {"column": "lang", "value_set": [*settings.lang, "und"]}))
    return out


def _bounds(low: int | None, high: int | None) -> dict[str, int]:
    return {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}


def run(data: Mapping[str, pd.DataFrame], suites_by_dataset: Mapping[str, ExpectationSuite]) -> list[dict[str, Any]]:
    """Validate each frame with its suite; one JSON-ready dict per expectation."""
    results: list[dict[str, Any]] = []
    for dataset, suite in suites_by_dataset.items():
        table = data[dataset]
        validation = _batches().get_batch(batch_parameters={"dataframe": table}).validate(
            suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": _EXAMPLES})
        # GX orders results its own way; sort them so the report does not depend on that order.
        results.extend(sorted((_result(dataset, table, r) for r in validation.results),
                              key=lambda r: (r["kwargs"].get("column", ""), r["type"], json.dumps(r["kwargs"]))))
    return results


def _result(dataset: str, table: pd.DataFrame, outcome: Any) -> dict[str, Any]:
    """The parts of a GX result that are facts about the data: no run ids, batch ids or load times."""
    config = outcome.expectation_config
    raw = outcome.result or {}
    entry: dict[str, Any] = {
        "dataset": dataset,
        "type": config.type,
        "kwargs": {k: _plain(v) for k, v in sorted(config.kwargs.items()) if k != "batch_id"},
        "success": bool(outcome.success),
    }
    if "observed_value" in raw:
        entry["observed_value"] = _plain(raw["observed_value"])
    if "element_count" in raw:
        entry["element_count"] = int(raw["element_count"])
        entry["unexpected_count"] = int(raw.get("unexpected_count") or 0)
        entry["unexpected"] = [{"split": str(table.at[i, "split"]), "line": int(table.at[i, "line"]),
                                "value": _plain(v)}
                               for i, v in zip(raw.get("partial_unexpected_index_list") or [],
                                               raw.get("partial_unexpected_list") or [], strict=False)]
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        entry["error"] = str(outcome.exception_info.get("exception_message"))
    return entry


def _plain(value: Any) -> Any:
    """JSON-safe, deterministic values: numpy scalars to Python, NaN (a missing value) to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def check(result: BuildResult) -> Outcome:
    """Build the suites for this build and run them over its splits."""
    return run_job(job(result))


def job(result: BuildResult) -> Job:
    """The GX work of a build as plain data (no GX import): its splits' columns and its suites' plan."""
    by_split = _split_columns(result.splits, result.spec.format != formats.pretraining.NAME)
    return Job(by_split, plan(result.profile, result.spec, result.settings, [*by_split, UPLOADED]))


def run_job(work: Job) -> Outcome:
    """Make the frames and suites of `work` and validate them (the suites as GX writes them after the run)."""
    data = _frames(work.columns)
    made = _made(work.suites)
    results = run(data, made)
    return Outcome(_gx().__version__, {dataset: suite.to_json_dict() for dataset, suite in made.items()}, results)


def suite_document(outcome: Outcome) -> dict[str, Any]:
    """expectations.json: the suites as GX writes them, with the columns they expect each row to have."""
    return {
        "great_expectations_version": outcome.version,
        "how_to_use": "Load each suite with great_expectations.ExpectationSuite(**suite) and validate a pandas "
                      "DataFrame with one row per record and the columns below (dataprep.report.expectations.frame "
                      "builds it); the train+validation suite runs on both files concatenated.",
        "columns": dict(COLUMNS),
        "suites": dict(outcome.suites),
    }


@cache
def _batches() -> Any:
    """A batch definition for whole pandas frames in an in-memory context (no files, analytics and bars off).

    Made once per process: GX keeps the current context globally, and one is all a build needs.
    """
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(analytics_enabled=False, progress_bars=ProgressBarsConfig(globally=False),
                               store_backend_defaults=InMemoryStoreBackendDefaults())
    context = gx.get_context(mode="ephemeral", project_config=config)
    return context.data_sources.add_pandas("dataprep").add_dataframe_asset("splits") \
        .add_batch_definition_whole_dataframe("whole")


def _gx() -> Any:
    """great_expectations, imported with analytics off (GX reads the variable when it is first imported) and
    the modules it imports at its top but this suite never calls into deferred until something uses them."""
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    if "great_expectations" not in sys.modules:
        for name in _DEFERRED:
            _defer(name)
    import great_expectations as gx

    return gx


# Imported by `import great_expectations` for expectations and stores this suite never uses, ~1 s of its
# ~2.3 s import (python -X importtime): scipy.stats and altair by the KL-divergence expectation alone (its
# computation and its chart renderer), boto3 by the S3 stores and data sources.
_DEFERRED = ("scipy.stats", "altair", "boto3")


class _Deferred(types.ModuleType):
    """Stands in for an installed module until one of its attributes is read, then is the module itself.

    The standard library's `importlib.util.LazyLoader` would do, but on Python 3.11 an `import altair`
    statement reads the module's `__spec__`, which loads it; this stand-in has its real spec as a plain
    attribute, so only a real use (`alt.Chart`, `stats.entropy`, `boto3.client`) imports it.
    """

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        parent, _, child = name.rpartition(".")
        if sys.modules.get(name) is self:
            del sys.modules[name]
        if parent and getattr(sys.modules.get(parent), child, None) is self:
            delattr(sys.modules[parent], child)
        real = importlib.import_module(name)
        vars(self).update(vars(real))  # later reads find the attributes directly
        return getattr(real, attr)


def _defer(name: str) -> None:
    """Put a `_Deferred` stand-in for `name` in sys.modules: not when it is already imported, nor when it
    is not installed (an import that would fail must still fail, where GX expects it to)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package (scipy: ~0.05 s), not `name`
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    stand_in = _Deferred(name)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin  # a scan of sys.modules for files (inspect.getmodule) loads nothing
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, stand_in)
