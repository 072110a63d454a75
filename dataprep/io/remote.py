"""`s3://bucket/prefix` arguments, and the local copies that stand in for them under their own names.

The build and the job read and write local files only; `dataprep.io.s3` fetches a remote RAW into a local
folder before the build and uploads a local OUT after it. So that findings, `rejected.jsonl`, lineage and
the manifest name the objects the user gave (`s3://bucket/raw/a.jsonl`), never a temporary path of this
machine, each local copy is registered here with its remote name: `shown` turns a local path into that
name, `local` turns the name back into the file to open.

Kept free of heavy imports (no botocore): the readers and `dataprep validate` import it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dataprep.errors import UsageError

# `s3:` then one slash or more: typer hands a path argument over as a Path, which folds `s3://` into `s3:/`.
_S3 = re.compile(r"^s3:/+", re.IGNORECASE)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# Local copy (file or folder) -> the remote name it stands for; the names of what lies under a copied folder
# follow from it (`s3://b/raw` + `/sub/a.jsonl`).
_COPIES: dict[Path, str] = {}


@dataclass(frozen=True)
class S3Url:
    """An S3 location: bucket and key (no leading or trailing slash; "" for the bucket's root)."""

    bucket: str
    key: str

    def __str__(self) -> str:
        """The URI as users write it."""
        return f"s3://{self.bucket}/{self.key}".removesuffix("/")

    @property
    def folder(self) -> str:
        """The key prefix of the objects "inside" this location ("" at the root, else ending in '/')."""
        return f"{self.key}/" if self.key else ""

    def child(self, name: str) -> S3Url:
        """The object `name` inside this location."""
        return S3Url(self.bucket, self.folder + name)


def is_s3(arg: str | os.PathLike[str]) -> bool:
    """True for an `s3://…` argument (also as typer's Path folded it, `s3:/…`)."""
    return bool(_S3.match(os.fspath(arg)))


def parse_s3(arg: str | os.PathLike[str], what: str) -> S3Url:
    """The S3 location of an `s3://bucket/prefix` argument; a malformed one is a usage error naming `what`."""
    text = os.fspath(arg)
    rest = _S3.sub("", text, count=1)
    shown = f"s3://{rest}"
    bucket, _, key = rest.partition("/")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise UsageError(f"{what} {shown}: bucket name {bucket!r} is not valid (3-63 lower-case letters, digits, "
                         "dots and hyphens, starting and ending with a letter or digit); give s3://BUCKET/PREFIX")
    key = key.strip("/")
    if any(part in ("", ".", "..") for part in key.split("/")) and key:
        raise UsageError(f"{what} {shown}: the prefix has an empty, '.' or '..' segment; give s3://BUCKET/PREFIX")
    return S3Url(bucket, key)


def check_remote(raw: Sequence[str], out: str | None) -> None:
    """Refuse a remote OUT that is, holds or sits inside a remote RAW location (as `build.preflight` does locally)."""
    for source in raw if out is not None else ():
        inside, holds = out.startswith(source + "/"), source.startswith(out + "/")
        if source == out or inside or holds:
            what = "is" if source == out else "holds" if holds else "is inside"
            raise UsageError(f"OUT {out} {what} the RAW input {source}: a build would read its own outputs or "
                             "replace its inputs; choose an OUT prefix outside every RAW prefix")


def add_copy(local: Path, name: str) -> None:
    """Register `local` (a file or a folder) as the copy of the remote `name`."""
    _COPIES[Path(os.path.abspath(local))] = name


def drop_copy(local: Path) -> None:
    """Forget a copy once its files are gone."""
    _COPIES.pop(Path(os.path.abspath(local)), None)


def shown(path: str | os.PathLike[str]) -> str:
    """The name a path goes by: the remote name when it is (inside) a local copy, else the path as given."""
    text = os.fspath(path)
    if not _COPIES or not text:
        return text
    absolute = Path(os.path.abspath(text))
    for root, name in _COPIES.items():
        if absolute == root:
            return name
        if absolute.is_relative_to(root):
            return f"{name}/{absolute.relative_to(root).as_posix()}"
    return text


def local(name: str) -> str:
    """The file to open for a name `shown` gave: the local copy of a remote name, else the name itself."""
    for root, remote in _COPIES.items():
        if name == remote:
            return str(root)
        if name.startswith(remote + "/"):
            return str(root / name[len(remote) + 1:])
    return name


def shown_in(text: str) -> str:
    """`text` (a message) with every local copy's path replaced by its remote name."""
    for root, name in sorted(_COPIES.items(), key=lambda item: -len(str(item[0]))):
        text = text.replace(str(root), name)
    return text
