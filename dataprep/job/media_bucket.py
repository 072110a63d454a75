"""Nova's rule that a dataset's images and videos sit in the bucket the dataset is uploaded to (DP623).

The Nova fine-tuning guide requires the media a record names to be in the same S3 bucket as the dataset; a
job whose records point at another bucket fails after it starts. The bucket of the upload is only known when
the job is written (`--s3-uri`), so this is a job check, not a validate one: each uploaded split's media URIs
are read once and every other bucket is reported with the first line that names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from dataprep.checks.media_files import media_refs
from dataprep.job.problems import Add
from dataprep.job.request import Upload


def check_media_bucket(uploads: Iterable[Upload], prefix: str, model: str, add: Add) -> None:
    """DP623 per other bucket named by the splits' media blocks (the first file:line naming it)."""
    bucket = _bucket(prefix)
    seen: set[str] = set()
    for upload in uploads:
        for line, uri in _media_uris(upload.path):
            other = _bucket(uri)
            if other != bucket and other not in seen:
                seen.add(other)
                add("--s3-uri", "DP623", f"{upload.path.name}:{line} names media in bucket {other!r}, but the "
                    f"dataset goes to {bucket!r}: {model} reads a dataset's images and videos only from the "
                    "dataset's own bucket; upload the data to that bucket or copy the media into this one")


def _bucket(uri: str) -> str:
    return uri.removeprefix("s3://").split("/", 1)[0]


def _media_uris(path: Path) -> Iterator[tuple[int, str]]:
    """(line, URI) of every image or video block in a bedrock-conversation JSONL file the build wrote."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if b"s3Location" not in raw:
                continue
            for _kind, _format, uri in media_refs(json.loads(raw)):
                yield number, uri
