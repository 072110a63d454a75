"""Path arguments to files: what `dataprep build RAW...` reads and what `dataprep validate FILE...` checks.

The two commands take files and folders differently on purpose. build reads raw data in any supported
container, so a folder is walked recursively for every supported suffix; validate checks Bedrock JSONL, so
a folder (typically a build's output) contributes its `*.jsonl` files, without the build's sidecars, and a
file is checked whatever its name (a wrong suffix is a finding, DP113, not a usage error). Both orders are
sorted, so findings and outputs do not depend on the file system's listing order. A Hugging Face `datasets`
folder written by `save_to_disk` is read through its Arrow shards; its JSON bookkeeping is not data. Rows
the Python API holds in memory (`io.memory`) pass through as they are.

Kept free of heavy imports: `dataprep validate` starts by expanding its arguments.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import UsageError
from dataprep.io.compressed import CODECS, inner_suffix
from dataprep.io.files import UnreadableFile, is_stdin, kind, os_reason, read_regular
from dataprep.io.memory import is_memory

SUPPORTED_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet", ".arrow", ".txt", ".md")
# What a message lists as readable: the containers, each also compressed.
_READABLE = f"{', '.join(SUPPORTED_SUFFIXES)}, each also compressed ({', '.join(CODECS)})"
# Files `dataprep build` writes next to the splits; they are records about the data, not training data.
BUILD_SIDECARS = frozenset({"rejected.jsonl", "lineage.jsonl"})
# Everything a build writes into OUT: skipped when a folder of RAW turns out to be a dataprep OUT folder.
BUILD_OUTPUTS = frozenset({"train.jsonl", "validation.jsonl", "test.jsonl", *BUILD_SIDECARS, "manifest.json",
                           "report.json", "report.html", "expectations.json"})
# A dataset's own documentation sits next to its data; it describes the records, it is not one.
_DOCUMENTATION = re.compile(r"(source\.md|readme.*|licen[cs]e.*|changelog.*)", re.IGNORECASE)
_MANIFEST_LIMIT = 64 << 20  # a manifest larger than this is not one dataprep wrote
# What `datasets`' save_to_disk writes beside the Arrow shards: the split list, the features, the shard list.
_HF_STATE, _HF_INFO, _HF_SPLITS = "state.json", "dataset_info.json", "dataset_dict.json"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path under RAW that the build did not read, the rule code that says why, and the reason."""

    path: str
    code: str  # DP115: could not be read; DP116: deliberately not data (documentation, a build's output)
    reason: str


@dataclass
class InputScan:
    """build's inputs: the files to read, in order, and every path found but not read."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    _seen: dict[tuple[int, int], Path] = field(default_factory=dict)

    def first_visit(self, path: Path, info: os.stat_result) -> bool:
        """True the first time this real file or folder is met; a link to it found later is listed, not read."""
        key = (info.st_dev, info.st_ino)
        if key in self._seen:
            what = "folder" if stat.S_ISDIR(info.st_mode) else "file"
            self.skipped.append(Skipped(str(path), "DP116", f"the same {what} as {self._seen[key]}, read once"))
            return False
        self._seen[key] = path
        return True


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """build's input files (see `scan_inputs`), without the list of what was skipped."""
    return scan_inputs(paths).files


def scan_inputs(paths: Sequence[Path]) -> InputScan:
    """Files as given; folders walked (sorted, SUPPORTED_SUFFIXES, hidden names skipped); each real file once.

    A path named on the command line that cannot be used is a usage error; what a folder walk meets instead
    (a FIFO, an unreadable sub-folder, documentation, a build's own outputs) is listed in `skipped`.
    """
    scan = InputScan()
    for path in paths:
        if is_memory(path):
            scan.files.append(path)
            continue
        try:
            info = os.stat(path)
        except OSError as exc:
            raise UsageError(f"{path}: {os_reason(exc)}") from None
        if stat.S_ISDIR(info.st_mode):
            if scan.first_visit(path, info):
                _walk(path, scan, top=True)
        elif not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: {kind(info.st_mode)}, not a regular file; dataprep reads files and folders")
        elif not supported(path):
            raise UsageError(f"{path}: unsupported file type {''.join(path.suffixes[-2:]) or '(none)'!r}; "
                             f"dataprep reads {_READABLE}")
        elif scan.first_visit(path, info):
            scan.files.append(path)
    if not scan.files:
        names = ", ".join(str(p) for p in paths) or "(no paths)"
        raise UsageError(f"no input files ({_READABLE}) found in {names}")
    return scan


def supported(path: Path) -> bool:
    """True for a file the build reads: a supported suffix, bare or under a compression suffix."""
    return inner_suffix(path) in SUPPORTED_SUFFIXES


def _walk(folder: Path, scan: InputScan, *, top: bool = False) -> None:
    """The supported files under `folder`, depth first in name order, without recursion (any depth is fine).

    Links are followed, but every real folder and file is visited once (tracked by device and inode), so a
    link loop costs one listing, not an exponential walk.
    """
    stack: list[Iterator[tuple[Path, str | None]]] = [iter(_listing(folder, scan, top=top))]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        child, not_data = item
        try:
            info = os.stat(child)
        except OSError as exc:
            scan.skipped.append(Skipped(str(child), "DP115", f"cannot be read ({os_reason(exc)})"))
            continue
        if stat.S_ISDIR(info.st_mode):
            if scan.first_visit(child, info):
                stack.append(iter(_listing(child, scan)))
        elif not supported(child):
            continue
        elif not stat.S_ISREG(info.st_mode):
            scan.skipped.append(Skipped(str(child), "DP115", f"{kind(info.st_mode)}, not a regular file"))
        elif not_data is not None:
            scan.skipped.append(Skipped(str(child), "DP116", not_data))
        elif scan.first_visit(child, info):
            scan.files.append(child)


def _listing(folder: Path, scan: InputScan, *, top: bool = False) -> list[tuple[Path, str | None]]:
    """The children of `folder` in name order, hidden ones left out, each with why it is not data (or None).

    Documentation (README, LICENSE, CHANGELOG, SOURCE.md) describes the records and is not one. A folder
    that holds a dataprep manifest is a build's OUT folder: its outputs are the build's, not raw data
    (reading them back would feed a build its own splits and ledger).
    """
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as exc:
        if top:
            raise UsageError(f"{folder}: cannot list the folder ({os_reason(exc)})") from None
        scan.skipped.append(Skipped(str(folder), "DP115", f"cannot list the folder ({os_reason(exc)})"))
        return []
    outputs = _build_outputs(folder) if "manifest.json" in names else frozenset()
    hf = _hf_bookkeeping(folder, names)
    children: list[tuple[Path, str | None]] = []
    for name in names:
        if name.startswith("."):
            continue  # hidden, including a build's staging folders (.dataprep-*)
        not_data = hf.get(name)
        if not_data is None and name in outputs:
            not_data = "written by an earlier dataprep build (its manifest.json is in this folder), not raw data"
        elif not_data is None and _DOCUMENTATION.fullmatch(name):
            not_data = "a documentation file, not records"
        children.append((folder / name, not_data))
    return children


def _hf_bookkeeping(folder: Path, names: list[str]) -> dict[str, str]:
    """The files of a `datasets` save_to_disk folder that are not records, each with why.

    A Dataset folder holds `state.json` (its `_data_files` lists the shards), `dataset_info.json` and the
    `.arrow` shards; a DatasetDict folder holds `dataset_dict.json` and one such folder per split. An `.arrow`
    file the state does not list (a `map` cache, say) is not one of the dataset's rows.
    """
    found: dict[str, str] = {}
    if _HF_SPLITS in names and _json_value(folder / _HF_SPLITS, "splits") is not None:
        found[_HF_SPLITS] = "the split list of a Hugging Face DatasetDict (save_to_disk); each split is read"
    shards = _json_value(folder / _HF_STATE, "_data_files") if _HF_STATE in names else None
    if not isinstance(shards, list):
        return found
    listed = {item.get("filename") for item in shards if isinstance(item, dict)}
    bookkeeping = "Hugging Face datasets bookkeeping (save_to_disk), not records; the .arrow shards are read"
    found.update({name: bookkeeping for name in (_HF_STATE, _HF_INFO) if name in names})
    found.update({name: "an Arrow file the dataset's state.json does not list (a cache), not one of its shards"
                  for name in names if name.endswith(".arrow") and name not in listed})
    return found


def _json_value(path: Path, key: str) -> object:
    """`key` of the small JSON object in `path`, or None when it is not one (unreadable, too large, no key)."""
    try:
        if os.stat(path).st_size > _MANIFEST_LIMIT:
            return None
        value = json.loads(read_regular(path).take())
    except (OSError, UnreadableFile, ValueError, RecursionError):
        return None
    return value.get(key) if isinstance(value, dict) else None


def _build_outputs(folder: Path) -> frozenset[str]:
    """The names a dataprep build wrote into `folder`, when its manifest.json is dataprep's; else none."""
    try:
        path = folder / "manifest.json"
        if os.stat(path).st_size > _MANIFEST_LIMIT:
            return frozenset()
        manifest = json.loads(read_regular(path).take())
    except (OSError, UnreadableFile, ValueError, RecursionError):
        return frozenset()
    tool = manifest.get("tool") if isinstance(manifest, dict) else None
    if not isinstance(tool, dict) or tool.get("name") != "dataprep":
        return frozenset()
    outputs = manifest.get("outputs")
    named = {o.get("file") for o in outputs.values() if isinstance(o, dict)} if isinstance(outputs, dict) else set()
    return BUILD_OUTPUTS | {name for name in named if isinstance(name, str)}


def expand_datasets(paths: Sequence[Path]) -> list[Path]:
    """validate's inputs: paths as given; a folder's `*.jsonl` (sorted, not recursive; also compressed, as
    `*.jsonl.gz`) minus BUILD_SIDECARS; `-` is standard input.

    Anything that exists is passed on, a FIFO or a folder named `x.jsonl` included: the reader reports what it
    is as a finding (DP115) without opening it, instead of blocking on it or raising.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                names = sorted(entry.name for entry in os.scandir(path))
            except OSError as exc:
                raise UsageError(f"{path}: cannot list the folder ({os_reason(exc)})") from None
            found = [path / name for name in names
                     if inner_suffix(Path(name)) == ".jsonl" and name not in BUILD_SIDECARS]
            if not found:
                raise UsageError(f"{path}: folder holds no .jsonl files (expected train.jsonl, validation.jsonl)")
            files.extend(found)
        elif is_stdin(path) or os.path.exists(path):
            files.append(path)
        else:
            what = "a broken symbolic link" if os.path.lexists(path) else "no such file or folder"
            raise UsageError(f"{path}: {what}")
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
