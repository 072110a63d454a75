"""Up-front checks of RAW and OUT, and the claim on OUT a build holds while it runs.

A build deletes or replaces only files that an earlier dataprep manifest in OUT lists as its own
(`manifest.owned_files`), so it refuses, before it reads any data, every OUT it could not publish into
without touching someone else's file: an OUT that is, holds or sits inside a RAW path (symlinks resolved:
the build would read its own outputs, or overwrite its inputs), an OUT that is a file, a remote OUT (an
`s3://…` OUT is staged in a local folder and uploaded after the build by `dataprep.io.s3.build_edges`, which
also refuses it, before any work, without credentials, bucket or access; other schemes are not supported),
and an OUT holding a file with an output's name that no manifest lists.
All of these are usage errors (exit 2).

`claim` then takes the lock beside OUT (one build per OUT), clears what a killed build left there, and
reads which files of OUT are the previous build's — under the lock, so no other build changes them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from dataprep.errors import UsageError
from dataprep.io.write import clean_leftovers, describe, is_staging_name, lock
from dataprep.manifest import owned_files

# `scheme://…` (Path() folds the `//` into `/`); two letters at least, so a Windows drive `C:/` is local.
_REMOTE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+")


@dataclass(frozen=True)
class Target:
    """Where a build publishes: OUT as given (for messages), its real path, and its previous build's files."""

    out: Path
    real: Path
    owned: tuple[str, ...]


def check(paths: Sequence[Path], out: Path) -> Path:
    """Refuse a remote OUT, an OUT that is a file, and an OUT overlapping a RAW path; returns OUT's real path.

    Writes nothing, so a refused build leaves no trace.
    """
    remote = _REMOTE.match(str(out))
    if remote:
        url = _REMOTE.sub(lambda m: f"{m.group(1)}://", str(out), count=1)
        if remote.group(1).lower() == "s3":  # `dataprep.io.s3.build_edges` stages it locally and uploads it
            raise UsageError(f"OUT {url}: the pipeline publishes into a local folder; an s3:// OUT goes through "
                             "dataprep.io.s3.build_edges (as `dataprep build` does)")
        raise UsageError(f"OUT {url}: remote OUT is not supported yet (only s3://); build into a local folder, "
                         "then upload it")
    real = Path(os.path.realpath(out))
    if real.exists() and not real.is_dir():
        raise UsageError(f"OUT {out} is a file; give a folder (new, or one an earlier build wrote)")
    for raw in paths:
        source = Path(os.path.realpath(raw))
        if source == real or source.is_relative_to(real) or real.is_relative_to(source):
            what = "is" if source == real else "holds" if source.is_relative_to(real) else "is inside"
            raise UsageError(f"OUT {out} {what} the RAW input {raw}: a build would read its own outputs or "
                             "replace its inputs; choose an OUT folder outside every RAW path")
        if any(is_staging_name(part) for part in source.parts):
            raise UsageError(f"RAW {raw} is inside a dataprep staging folder; give the inputs themselves")
    return real


@contextmanager
def claim(paths: Sequence[Path], out: Path, writes: Sequence[str]) -> Iterator[Target]:
    """Check OUT, lock it for the whole build, clear a killed build's leftovers, refuse a foreign output name.

    `writes` are the file names this build may write into OUT.
    """
    real = check(paths, out)
    with ExitStack() as stack:
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(lock(real))
            clean_leftovers(real, owned_files)
            owned = owned_files(real) if real.is_dir() else ()
        except OSError as exc:
            raise UsageError(f"cannot prepare {out} for the build: {describe(exc)}") from None
        for name in writes:
            path = real / name
            if os.path.lexists(path) and not (name in owned and path.is_file() and not path.is_symlink()):
                raise UsageError(f"{out / name} was not written by dataprep (no dataprep manifest in {out} lists "
                                 "it), and this build would replace it; move it away or build into another OUT")
        yield Target(out, real, owned)
