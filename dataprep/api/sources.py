"""What the Python API accepts as a source, turned into the inputs the build and validate read.

Paths (one or a list, files or folders) are passed on as they are. Data a notebook holds — a list of
dicts, a pandas or polars DataFrame, a `datasets.Dataset` or `DatasetDict` — becomes in-memory inputs
(`dataprep.io.memory`) named for what they were (`<records>`, `<pandas.DataFrame>`,
`<datasets.DatasetDict:train>`), so the outputs name no temporary file. The libraries are recognised by the
module their type comes from, so none of them is imported to find out what a source is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.io.memory import MemoryRecords

_ACCEPTED = ("a path or a list of paths, a list of dicts, a pandas or polars DataFrame, or a datasets.Dataset "
             "/ DatasetDict")


def inputs(source: Any) -> list[Path]:
    """The build's RAW inputs for `source`; raises UsageError for anything else (saying what is accepted)."""
    if isinstance(source, str | os.PathLike):
        return [Path(source)]
    library = type(source).__module__.split(".")[0]
    if library == "pandas" and hasattr(source, "to_json"):
        rows = json.loads(source.to_json(orient="records", force_ascii=False, date_format="iso"))
        return [MemoryRecords.of("<pandas.DataFrame>", rows)]
    if library == "polars" and hasattr(source, "to_dicts"):
        return [MemoryRecords.of("<polars.DataFrame>", source.to_dicts())]
    if library == "datasets":
        return _datasets(source)
    if isinstance(source, Mapping):
        raise UsageError(f"a single dict is not a source; give a list of records ({_ACCEPTED})")
    if isinstance(source, Iterable):
        return _listed(list(source))
    raise UsageError(f"cannot read a {type(source).__name__} as a source; give {_ACCEPTED}")


def _listed(items: list[Any]) -> list[Path]:
    """A list of paths, or a list of records (dicts)."""
    if not items:
        raise UsageError(f"the source is empty; give {_ACCEPTED}")
    if all(isinstance(item, str | os.PathLike) for item in items):
        return [Path(item) for item in items]
    if all(isinstance(item, Mapping) for item in items):
        return [MemoryRecords.of("<records>", [dict(item) for item in items])]
    kinds = sorted({type(item).__name__ for item in items})
    raise UsageError(f"a source list holds paths or records (dicts), not {', '.join(kinds)}")


def _datasets(source: Any) -> list[Path]:
    """A `datasets.Dataset` as one input, a `DatasetDict` as one input per split (in its order)."""
    if isinstance(source, Mapping):  # a DatasetDict (a dict of Datasets, with their methods too)
        return [MemoryRecords.of(f"<datasets.DatasetDict:{name}>", _rows(split)) for name, split in source.items()]
    if hasattr(source, "column_names") and hasattr(source, "with_format"):
        return [MemoryRecords.of("<datasets.Dataset>", _rows(source))]
    raise UsageError(f"cannot read a datasets {type(source).__name__}; give a Dataset or a DatasetDict (an "
                     "IterableDataset: take rows with .take(n) and pass list(...) of them)")


def records(source: Any) -> list[dict[str, Any]] | None:
    """Records for validate: a list of dicts as given, a DataFrame's or Dataset's rows without their nulls;
    None when `source` is paths.

    A columnar row holds every column and every key its structs have anywhere in the column, as nulls: a
    record with no `system` is `"system": null` there. Read back as JSON those nulls would be findings about
    fields the record never had (`dataprep.validate(result.train)` would flag every record), so they are
    taken out; a list of dicts is checked exactly as given.
    """
    found = inputs(source)
    memory = [path for path in found if isinstance(path, MemoryRecords)]
    if not memory:
        return None
    rows = [row for path in memory for row in path.rows]
    tabular = not isinstance(source, list | tuple) and not any(path.name == "<records>" for path in memory)
    return [_without_nulls(row) for row in rows] if tabular else rows


def _without_nulls(value: Any) -> Any:
    """`value` with every null member of its objects left out, at any depth."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _rows(dataset: Any) -> list[dict[str, Any]]:
    """A Dataset's rows as plain Python values (whatever format it was set to: torch, numpy...)."""
    plain = dataset.with_format(None)
    return [dict(row) for row in plain]
