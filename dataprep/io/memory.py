"""Records held in memory as a build input: the Python API's DataFrames, lists of dicts and `datasets.Dataset`s.

A notebook's data is not in a file. Written to a temporary file first, its machine path would become the
records' source in the ledger, the lineage, the manifest and the report, and two runs would differ. So the
records are an input of their own: a path-like name (`<records>`, `<pandas.DataFrame>`, ...) that the path
expansion passes through (`io.paths`) and the container reader reads from memory (`io.containers`). Each
record's line is its 1-based row number, its original the row as compact JSON, and the sha256 the
manifest records is of those rows as JSONL (one row a line), so the same rows give the same outputs.

Light on purpose: the conversion of DataFrames and Datasets into rows is the API's (`dataprep.api`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PosixPath
from typing import Any


class MemoryRecords(PosixPath):
    """A build input that is a list of rows in memory, named like a path (`<records>`) for the outputs."""

    rows: tuple[dict[str, Any], ...]
    lines: tuple[str, ...]

    @classmethod
    def of(cls, name: str, rows: Sequence[dict[str, Any]]) -> MemoryRecords:
        """The input `name` (shown as the records' source) holding `rows`, each normalised through JSON."""
        source = cls(name)
        source.lines = tuple(json.dumps(row, ensure_ascii=False, default=str) for row in rows)
        source.rows = tuple(json.loads(line) for line in source.lines)  # numpy scalars, dates: as JSON has them
        return source

    def sha256(self) -> tuple[str, int]:
        """The digest and size of the rows as JSONL, one row a line: what the manifest says was read."""
        import hashlib

        data = "".join(f"{line}\n" for line in self.lines).encode("utf-8")
        return hashlib.sha256(data).hexdigest(), len(data)


def is_memory(path: object) -> bool:
    """True for an in-memory input (`MemoryRecords`), which has no file to stat or open."""
    return isinstance(path, MemoryRecords)
