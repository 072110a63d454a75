"""Path arguments to files: what `dataprep build RAW...` reads and what `dataprep validate FILE...` checks.

The two commands take files and folders differently on purpose. build reads raw data in any supported
container, so a folder is walked recursively for every supported suffix; validate checks Bedrock JSONL, so
a folder (typically a build's output) contributes its `*.jsonl` files, without the build's sidecars, and a
file is checked whatever its name (a wrong suffix is a finding, DP113, not a usage error). Both orders are
sorted, so findings and outputs do not depend on the file system's listing order.

Kept free of heavy imports: `dataprep validate` starts by expanding its arguments.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from dataprep.errors import UsageError

SUPPORTED_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".txt", ".md")
# Files `dataprep build` writes next to the splits; they are records about the data, not training data.
BUILD_SIDECARS = frozenset({"rejected.jsonl", "lineage.jsonl"})


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """build's inputs: files as given; folders recursively (sorted), only SUPPORTED_SUFFIXES; hidden skipped."""
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
    """The supported files under `folder`, depth first in name order; names starting with '.' are skipped."""
    for child in sorted(folder.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
            yield child


def expand_datasets(paths: Sequence[Path]) -> list[Path]:
    """validate's inputs: files as given; a folder's `*.jsonl` (sorted, not recursive) minus BUILD_SIDECARS."""
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
