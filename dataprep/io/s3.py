"""S3 through botocore for s3:// RAW and OUT: the client, one-line errors, listing and streamed downloads.

The client is botocore, already a core dependency (the job checks its request against botocore's Bedrock
model), not s3fs or boto3: it resolves the usual credential chain (environment, shared files, SSO, instance
and container roles) and the standard endpoint settings (`AWS_ENDPOINT_URL`, profiles), and has every call
used here; s3fs would add aiobotocore and aiohttp and pin botocore's version. Missing credentials, a missing
bucket, access denied and no network are one usage line (exit 2, `calling`). `fetch_raw` streams a RAW
location's readable objects into a local copy; `fetch_build` gives `dataprep job` an OUT's manifest and
files as S3 holds them now. botocore is imported inside the functions. The edges that use these are in
`dataprep.io.s3_edges`, the checked uploads in `dataprep.io.s3_upload`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.io.paths import supported
from dataprep.io.remote import S3Url, add_copy
from dataprep.manifest import MANIFEST_NAME

_CHUNK = 8 << 20
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
            unsure = " (or the credentials are not valid)" if code == "403" else ""  # a HEAD's 403 has no body
            return (f"access denied{unsure}: the credentials need s3:ListBucket, s3:GetObject and (for OUT) "
                    "s3:PutObject and s3:DeleteObject on it")
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


def objects(s3: Any, url: S3Url, *, delimiter: bool = False) -> list[tuple[str, int]]:
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
    keys = [key for key, _ in objects(s3, url) if not key.endswith("/") and supported(Path(key))]
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


def fetch_build(s3: Any, url: S3Url, folder: Path) -> None:
    """The manifest, then every output it lists (a missing object stays missing: the job reports it)."""
    present = {key[len(url.folder):] for key, _ in objects(s3, url, delimiter=True)}
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
