"""Uploads S3 verifies: every object sent with its SHA-256, and the checksum S3 then keeps compared with ours.

A file up to `PART_SIZE` goes in one PutObject with `ChecksumAlgorithm=SHA256` and its `ChecksumSHA256`:
S3 refuses bytes that do not hash to it. A larger one (Bedrock takes training files up to 10 GB; one PUT
takes 5 GiB at most) goes as a multipart upload, each part with its own SHA-256 that S3 checks, the whole
file's sha256 computed on the way and compared with the manifest's before the upload is completed (else it
is aborted), and kept as the object's `sha256` metadata: S3's checksum of such an object is of its parts'
checksums, so it is compared with the one computed here from the same parts, and `stored_sha256` reads the
whole-file digest from the metadata. `upload_out` sends a build's set, manifest last.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from dataprep.errors import UsageError
from dataprep.io.remote import S3Url
from dataprep.io.s3 import calling
from dataprep.manifest import MANIFEST_NAME, MEDIA_FILE

PART_SIZE = 64 << 20  # above this a file goes in parts (S3: 5 MiB to 5 GiB a part, 10,000 parts)
_MULTIPART_ETAG = re.compile(r'"?[0-9a-f]+-\d+"?')


def b64(digest: bytes) -> str:
    """A digest as S3 writes a checksum: base64."""
    return base64.b64encode(digest).decode("ascii")


def put_verified(s3: Any, url: S3Url, path: Path, sha256: str, *, part_size: int = PART_SIZE) -> None:
    """Upload one file whose sha256 is `sha256` (hex); a usage error, one line, when S3 holds other bytes."""
    if path.stat().st_size > part_size:
        expected = _put_in_parts(s3, url, path, sha256, part_size)
    else:
        expected = b64(bytes.fromhex(sha256))
        with calling(f"upload to {url}"), open(path, "rb") as body:
            s3.put_object(Bucket=url.bucket, Key=url.key, Body=body, ChecksumAlgorithm="SHA256",
                          ChecksumSHA256=expected, Metadata={"sha256": sha256})
    with calling(f"upload to {url}"):
        stored = s3.head_object(Bucket=url.bucket, Key=url.key, ChecksumMode="ENABLED").get("ChecksumSHA256")
    if (stored or "").split("-")[0] != expected:
        raise UsageError(f"upload to {url}: S3 keeps SHA-256 {stored!r}, the file's is {expected!r}; the upload "
                         "was corrupted, or the server keeps no checksums: run the build again")


def _put_in_parts(s3: Any, url: S3Url, path: Path, sha256: str, part_size: int) -> str:
    """A multipart upload, each part's SHA-256 checked by S3; returns the parts' checksum S3 should keep."""
    with calling(f"upload to {url}"):
        upload = s3.create_multipart_upload(Bucket=url.bucket, Key=url.key, ChecksumAlgorithm="SHA256",
                                            Metadata={"sha256": sha256})["UploadId"]
        try:
            parts, digests, whole = _send_parts(s3, url, upload, path, part_size)
            if whole != sha256:
                raise UsageError(f"upload to {url}: {path.name} changed while it was sent (sha256 {whole[:12]}… "
                                 f"is not the manifest's {sha256[:12]}…); nothing was completed: run the build again")
            s3.complete_multipart_upload(Bucket=url.bucket, Key=url.key, UploadId=upload,
                                         MultipartUpload={"Parts": parts})
        except BaseException:
            with suppress(Exception):  # the first failure is the one to report
                s3.abort_multipart_upload(Bucket=url.bucket, Key=url.key, UploadId=upload)
            raise
    return b64(hashlib.sha256(b"".join(digests)).digest())


def _send_parts(s3: Any, url: S3Url, upload: str, path: Path,
                part_size: int) -> tuple[list[dict[str, Any]], list[bytes], str]:
    """Every part sent with its SHA-256 (one part in memory at a time); the parts, their digests, the file's."""
    parts: list[dict[str, Any]] = []
    digests: list[bytes] = []
    whole = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(part_size):
            digest = hashlib.sha256(chunk).digest()
            whole.update(chunk)
            digests.append(digest)
            answer = s3.upload_part(Bucket=url.bucket, Key=url.key, UploadId=upload, PartNumber=len(parts) + 1,
                                    Body=chunk, ChecksumAlgorithm="SHA256", ChecksumSHA256=b64(digest))
            parts.append({"ETag": answer["ETag"], "PartNumber": len(parts) + 1, "ChecksumSHA256": b64(digest)})
    return parts, digests, whole.hexdigest()


def stored_sha256(s3: Any, url: S3Url) -> str | None:
    """The whole object's SHA-256 as S3 keeps it, hex; None when it keeps none (uploaded without one).

    For a multipart object S3's checksum is of the parts' checksums: the whole file's is the `sha256`
    metadata the upload set, trusted only when S3 holds a SHA-256 checksum for the parts too.
    """
    with calling(str(url)):
        head = s3.head_object(Bucket=url.bucket, Key=url.key, ChecksumMode="ENABLED")
    value = head.get("ChecksumSHA256")
    if not value:
        return None
    if "-" in value or _MULTIPART_ETAG.fullmatch(str(head.get("ETag", ""))):
        return head.get("Metadata", {}).get("sha256")
    return base64.b64decode(value).hex()


def upload_out(s3: Any, url: S3Url, folder: Path, previous: Sequence[str]) -> list[str]:
    """Upload every file the manifest lists, then the manifest; then delete what it no longer lists.

    Each file's sha256 is the manifest's (checked here before sending), so the checksum S3 verifies and
    keeps is the one `dataprep job` compares with the manifest. The media objects go first, each to the URI
    its records name (under `--media-prefix`, which need not be inside OUT), so no uploaded record points at
    an object not yet there; they are content-addressed and may serve other builds, so none is deleted. A
    failure stops before the manifest: the prefix keeps its previous manifest, which `dataprep job` then
    finds does not match the files (DP602).
    """
    from dataprep.io.files import sha256_of
    from dataprep.io.remote import parse_s3

    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    listed: dict[str, str] = dict(manifest.get("files") or {})
    media = {str(m["file"]): str(m["uri"]) for m in manifest.get("media") or []}
    names = [name for name in sorted(listed, key=lambda n: (n not in media, n)) if name != MANIFEST_NAME]
    for name in [*names, MANIFEST_NAME]:
        digest = sha256_of(folder / name)
        if name in listed and listed[name] != digest:
            raise UsageError(f"{folder / name}: its sha256 differs from {MANIFEST_NAME}; nothing more was uploaded")
        put_verified(s3, parse_s3(media[name], "media") if name in media else url.child(name), folder / name, digest)
    for name in [name for name in previous if name not in listed and name != MANIFEST_NAME
                 and not MEDIA_FILE.fullmatch(name)]:
        with calling(f"delete {url.child(name)}"):
            s3.delete_object(Bucket=url.bucket, Key=url.child(name).key)
    return [*names, MANIFEST_NAME]
