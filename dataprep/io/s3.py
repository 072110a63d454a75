"""RAW read from and OUT published to `s3://bucket/prefix`, at the edges of the build and of `dataprep job`.

The pipeline stays local: `build_edges` lists and streams every RAW object with a readable suffix into a
local folder, lets the build publish into a local staging OUT, and `Edges.upload` sends the complete set
afterwards, `manifest.json` last, so a reader of the prefix never sees a manifest without its files. Every
object is sent with its SHA-256 (`ChecksumAlgorithm=SHA256`, `ChecksumSHA256`): S3 refuses bytes that do
not hash to it, and the checksum S3 reports back is compared with the manifest's sha256. `fetch_build`
gives `dataprep job` the manifest and the files as S3 holds them now, and `stored_sha256` the checksum S3
keeps for each object.

The client is botocore, already a core dependency (the job checks its request against botocore's Bedrock
model): it resolves the usual credential chain (environment, shared files, SSO, instance and container
roles) and the standard endpoint settings (`AWS_ENDPOINT_URL`, profiles), and has every call used here.
Missing credentials, a missing bucket, access denied and no network are one usage line (exit 2), found by
`build_edges` and `job_edges` before any data is read. botocore is imported inside the functions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.io.paths import supported
from dataprep.io.remote import S3Url, add_copy, check_remote, drop_copy, is_s3, parse_s3, shown_in
from dataprep.manifest import MANIFEST_NAME, owned_files

_CHUNK = 8 << 20
SINGLE_PUT_LIMIT = 5 << 30  # S3's largest single PutObject; a larger file needs a multipart upload
_CREDENTIALS_HINT = ("set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure` "
                     "or `aws sso login`")


def client(where: str) -> Any:  # a botocore S3 client (botocore ships no type for it)
    """An S3 client from the usual AWS chain; no credentials at all is a usage error, before any request."""
    try:
        import botocore.session
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise UsageError(f"{where}: reading or writing s3:// needs botocore; install it with "
                         "pip install 'bedrock-dataprep[s3]'") from None
    session = botocore.session.get_session()
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise UsageError(f"{where}: cannot load AWS credentials: {exc}") from None
    if credentials is None:
        raise UsageError(f"{where}: no AWS credentials found; {_CREDENTIALS_HINT}")
    config = Config(connect_timeout=10, read_timeout=120, retries={"mode": "standard", "max_attempts": 3})
    return session.create_client("s3", config=config)


def reason(exc: Exception) -> str:
    """A botocore error as the short reason a one-line message gives."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in ("404", "NoSuchBucket"):
            return "the bucket does not exist (or is in another account)"
        if code in ("403", "AccessDenied", "AllAccessDisabled"):
            return ("access denied: the credentials need s3:ListBucket, s3:GetObject and (for OUT) s3:PutObject "
                    "and s3:DeleteObject on it")
        if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
            return f"the credentials were refused ({code}); {_CREDENTIALS_HINT}"
        return f"{code}: {error.get('Message', '')}".rstrip(": ")
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach S3 at {exc.kwargs.get('endpoint_url', '?')}: no network, or a wrong AWS_ENDPOINT_URL"
    if isinstance(exc, NoCredentialsError):
        return f"no AWS credentials found; {_CREDENTIALS_HINT}"
    return str(exc)


@contextmanager
def calling(where: str) -> Iterator[None]:
    """Every botocore failure inside becomes one usage line naming `where`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise UsageError(f"{where}: {reason(exc)}") from None


def _objects(s3: Any, url: S3Url, *, delimiter: bool = False) -> list[tuple[str, int]]:
    """(key, size) of every object under `url`'s folder (only its direct children with `delimiter`), sorted."""
    found: list[tuple[str, int]] = []
    extra = {"Delimiter": "/"} if delimiter else {}
    with calling(str(url)):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=url.bucket, Prefix=url.folder, **extra):
            found += [(o["Key"], int(o["Size"])) for o in page.get("Contents", [])]
    return sorted(found)


def download(s3: Any, url: S3Url, path: Path) -> str:
    """Stream one object into `path` (never held in memory whole); returns the sha256 of the bytes."""
    sha = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with calling(str(url)), open(path, "wb") as fh:
        body = s3.get_object(Bucket=url.bucket, Key=url.key)["Body"]
        for block in body.iter_chunks(_CHUNK):
            sha.update(block)
            fh.write(block)
    return sha.hexdigest()


def fetch_raw(s3: Any, url: S3Url, dest: Path) -> Path:
    """The local copy of a RAW location: one object (the key itself), or every readable object below it.

    The copy is registered under the location's name, so records and findings name the objects.
    """
    single = _single_object(s3, url)
    if single:
        path = dest / Path(url.key).name
        download(s3, url, path)
        add_copy(path, str(url))
        return path
    keys = [key for key, _ in _objects(s3, url) if not key.endswith("/") and supported(Path(key))]
    if not keys:
        raise UsageError(f"RAW {url}: no input files found there (readable: .jsonl, .json, .csv, .parquet, .txt, "
                         ".md, each also compressed)")
    for key in keys:
        relative = key[len(url.folder):]
        if any(part in ("", ".", "..") for part in relative.split("/")):
            raise UsageError(f"RAW {url}: object key {key!r} has an empty, '.' or '..' segment; it cannot be "
                             "copied to a local file of the same name: move it, or give the other keys one by one")
        download(s3, S3Url(url.bucket, key), dest / relative)
    add_copy(dest, str(url))
    return dest


def _single_object(s3: Any, url: S3Url) -> bool:
    """True when `url` names one readable object (a prefix that is also a folder is read as that object)."""
    from botocore.exceptions import ClientError

    with calling(f"RAW {url}"):
        s3.head_bucket(Bucket=url.bucket)
        if not url.key or not supported(Path(url.key)):
            return False
        try:
            s3.head_object(Bucket=url.bucket, Key=url.key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey"):
                return False
            raise
    return True


def b64_sha256(hex_digest: str) -> str:
    """A hex sha256 (the manifest's) as S3 writes a SHA-256 checksum: base64 of the 32 bytes."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def put_verified(s3: Any, url: S3Url, path: Path, sha256: str) -> None:
    """Upload one file with its SHA-256; S3 checks the bytes against it, and the checksum it stored is compared."""
    expected = b64_sha256(sha256)
    with calling(f"upload to {url}"), open(path, "rb") as body:
        answer = s3.put_object(Bucket=url.bucket, Key=url.key, Body=body, ChecksumAlgorithm="SHA256",
                               ChecksumSHA256=expected)
    stored = answer.get("ChecksumSHA256")
    if stored != expected:
        raise UsageError(f"upload to {url}: S3 stored SHA-256 {stored!r}, the file's is {expected!r}; the upload "
                         "was corrupted or the server ignores checksums: run the build again")


def stored_sha256(s3: Any, url: S3Url) -> str | None:
    """The SHA-256 checksum S3 keeps for an object, as hex; None when it keeps none (uploaded without one)."""
    with calling(str(url)):
        head = s3.head_object(Bucket=url.bucket, Key=url.key, ChecksumMode="ENABLED")
    value = head.get("ChecksumSHA256")
    if not value or "-" in value:  # a multipart upload's checksum is of its parts' checksums
        return None
    return base64.b64decode(value).hex()


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
    names = {key[len(url.folder):] for key, _ in _objects(s3, url, delimiter=True)}
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


def upload_out(s3: Any, url: S3Url, folder: Path, previous: Sequence[str]) -> list[str]:
    """Upload every file the manifest lists, then the manifest; then delete what it no longer lists.

    Each file's sha256 is the manifest's (checked here before sending), so the checksum S3 verifies and
    stores is the one `dataprep job` compares with the manifest.
    """
    from dataprep.io.files import sha256_of

    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    listed: dict[str, str] = dict(manifest.get("files") or {})
    names = [name for name in sorted(listed) if name != MANIFEST_NAME]
    too_big = [n for n in names if (folder / n).stat().st_size > SINGLE_PUT_LIMIT]
    if too_big:
        raise UsageError(f"{url}: {', '.join(too_big)} exceed 5 GiB, S3's largest single upload (multipart "
                         "uploads are not implemented yet); nothing was uploaded: build into a local OUT and "
                         "upload with `aws s3 cp`")
    for name in [*names, MANIFEST_NAME]:
        digest = sha256_of(folder / name)
        if name in listed and listed[name] != digest:
            raise UsageError(f"{folder / name}: its sha256 differs from {MANIFEST_NAME}; nothing more was uploaded")
        put_verified(s3, url.child(name), folder / name, digest)
    stale = [name for name in previous if name not in listed and name != MANIFEST_NAME]
    for name in stale:
        with calling(f"delete {url.child(name)}"):
            s3.delete_object(Bucket=url.bucket, Key=url.child(name).key)
    return [*names, MANIFEST_NAME]


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


def fetch_build(s3: Any, url: S3Url, folder: Path) -> None:
    """The manifest, then every output it lists (a missing object stays missing: the job reports it)."""
    present = {key[len(url.folder):] for key, _ in _objects(s3, url, delimiter=True)}
    if MANIFEST_NAME not in present:
        return
    download(s3, url.child(MANIFEST_NAME), folder / MANIFEST_NAME)
    try:
        outputs = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8")).get("outputs", {})
        files = [str(entry["file"]) for entry in outputs.values()]
    except (ValueError, AttributeError, KeyError, TypeError):
        return  # the job's manifest check names what is wrong
    for name in files:
        if name in present and "/" not in name:
            download(s3, url.child(name), folder / name)
