"""Output writing: S3-ready JSONL, written to a temporary folder and moved into place only when complete.

Bedrock reads UTF-8 JSON Lines; the bytes are fixed here once (no BOM, `\n` endings, compact separators,
the renderer's key order) so two builds with the same inputs are byte-identical. Files are staged in a
temporary folder inside OUT and renamed into place at the end, so a failed or interrupted build never
leaves a half-written `train.jsonl` next to a manifest that describes another one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def dumps(obj: Any) -> str:
    """One compact JSON line: non-ASCII kept as UTF-8, keys in the order the record was built."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def dumps_pretty(obj: Any) -> str:
    """Indented JSON for files people read (manifest, reports), with a final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_jsonl(path: Path, records: Iterable[Any]) -> int:
    """Write one compact object per line; returns the number of lines."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(dumps(record))
            fh.write("\n")
            count += 1
    return count


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary folder inside `out` (same file system, so renames are atomic), removed on the way out."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".dataprep-", dir=out))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def publish(stage: Path, out: Path, names: Iterable[str], stale: Iterable[str] = ()) -> None:
    """Move the staged files into `out` (each an atomic rename) and delete `stale` outputs of an older build.

    The manifest should be last in `names`: until it lands, the folder never claims files it does not hold.
    """
    for name in stale:
        (out / name).unlink(missing_ok=True)
    for name in names:
        os.replace(stage / name, out / name)
