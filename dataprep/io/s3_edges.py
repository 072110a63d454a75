"""The build's and the job's edges for s3:// arguments: local stand-ins, checked before any work.

`build_edges` turns the RAW and OUT arguments into local paths for the pipeline (a remote RAW fetched into a
local copy, a remote OUT staged in a local folder) after checking, before any data is read, that there are
credentials, that the buckets exist and answer, and that the remote OUT holds no file of an output's name
that no dataprep manifest there lists; `Edges.upload` then sends the published set. `job_edges` gives
`dataprep job` a local copy of an s3:// OUT's manifest and files. Both the CLI and the Python API enter the
build through `build_edges`; local arguments pass through untouched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.io.remote import S3Url, add_copy, check_remote, drop_copy, is_s3, parse_s3, shown_in
from dataprep.io.s3 import calling, client, download, fetch_build, fetch_raw, objects
from dataprep.io.s3_upload import upload_out
from dataprep.manifest import MANIFEST_NAME, owned_files


@dataclass
class Edges:
    """What the build reads and where it publishes, local; `upload` sends a remote OUT's new generation."""

    raw: list[Path]
    out: Path
    remote_out: S3Url | None = None
    previous: tuple[str, ...] = ()  # the files the remote OUT's manifest listed before this build
    _client: Any = None
    uploaded: list[str] = field(default_factory=list)

    def upload(self) -> None:
        """Upload the published set (manifest last) and delete what only the previous generation owned."""
        if self.remote_out is not None and (self.out / MANIFEST_NAME).is_file():
            self.uploaded = upload_out(self._client, self.remote_out, self.out, self.previous)


@contextmanager
def build_edges(raw: Sequence[Path], out: Path, writes: Sequence[str]) -> Iterator[Edges]:
    """Local stand-ins for s3:// RAW and OUT arguments, checked (credentials, buckets, access) before any work.

    A local RAW or OUT is passed through as it is. `writes` are the names the build may write into OUT: an
    object of that name under a remote OUT that no dataprep manifest there lists is refused, as locally.
    """
    remote_raw = {i: parse_s3(path, "RAW") for i, path in enumerate(raw) if is_s3(path)}
    remote_out = parse_s3(out, "OUT") if is_s3(out) else None
    if not remote_raw and remote_out is None:
        yield Edges(list(raw), out)
        return
    check_remote([str(u) for u in remote_raw.values()], None if remote_out is None else str(remote_out))
    s3 = client(f"OUT {remote_out}" if remote_out else f"RAW {next(iter(remote_raw.values()))}")
    previous = _claim_remote(s3, remote_out, writes) if remote_out else ()
    with tempfile.TemporaryDirectory(prefix="dataprep-s3-") as tmp:
        local = [fetch_raw(s3, remote_raw[i], Path(tmp) / "raw" / str(i)) if i in remote_raw else path
                 for i, path in enumerate(raw)]
        staged = Path(tmp) / "out" if remote_out else out
        if remote_out:
            add_copy(staged, str(remote_out))
        try:
            yield Edges(local, staged, remote_out, previous, s3)
        except UsageError as exc:  # a message about a local copy names the remote object
            raise UsageError(shown_in(str(exc))) from None
        finally:
            for path in [*local, staged]:
                drop_copy(path)


def _claim_remote(s3: Any, url: S3Url, writes: Sequence[str]) -> tuple[str, ...]:
    """The files the remote OUT's manifest owns; an output name there that no manifest lists is refused."""
    with calling(f"OUT {url}"):
        s3.head_bucket(Bucket=url.bucket)
    names = {key[len(url.folder):] for key, _ in objects(s3, url, delimiter=True)}
    owned: tuple[str, ...] = ()
    if MANIFEST_NAME in names:
        with tempfile.TemporaryDirectory(prefix="dataprep-s3-") as tmp:
            download(s3, url.child(MANIFEST_NAME), Path(tmp) / MANIFEST_NAME)
            owned = owned_files(Path(tmp))
    for name in writes:
        if name in names and name not in owned:
            raise UsageError(f"{url.child(name)} was not written by dataprep (no dataprep manifest in {url} lists "
                             "it), and this build would replace it; move it away or build into another OUT")
    return owned


@contextmanager
def job_edges(out: Path) -> Iterator[tuple[Path, S3Url | None, Any]]:
    """`dataprep job` on an s3:// OUT: a local copy of its manifest and of the files it lists, as S3 holds them.

    Yields (local folder, the OUT location or None, the client); a local OUT is passed through.
    """
    if not is_s3(out):
        yield out, None, None
        return
    url = parse_s3(out, "OUT")
    s3 = client(f"OUT {url}")
    with calling(f"OUT {url}"):
        s3.head_bucket(Bucket=url.bucket)
    with tempfile.TemporaryDirectory(prefix="dataprep-s3-") as tmp:
        folder = Path(tmp) / "out"
        folder.mkdir()
        add_copy(folder, str(url))
        try:
            fetch_build(s3, url, folder)
            yield folder, url, s3
        finally:
            drop_copy(folder)
