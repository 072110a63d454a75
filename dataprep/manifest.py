"""`manifest.json`: what a build wrote, with the hashes that let `dataprep job` refuse tampered files.

The manifest is the build's audit record: the tool version, the model profile, every setting, the hash of
every input and output file, and per-split record and token counts. It holds no timestamps or absolute
paths, so two builds with the same inputs and seed write byte-identical manifests.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep import __version__
from dataprep.errors import ManifestError

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# Output files a build can write, in the order the manifest lists them.
SPLITS = ("train", "validation", "test")




@dataclass(frozen=True)
class FileDigest:
    sha256: str
    bytes: int
    records: int


def digest(path: Path) -> FileDigest:
    """sha256, size and line count of a JSONL file, read once in 1 MiB blocks."""
    sha, size, lines = hashlib.sha256(), 0, 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
            size += len(block)
            lines += block.count(b"\n")
    return FileDigest(sha.hexdigest(), size, lines)


def read_manifest(out: Path) -> dict[str, Any]:
    """The parsed manifest of a build folder; ManifestError says what is wrong and how to fix it."""
    path = out / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest; build the folder with `dataprep build RAW {out} --model ID`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc}); rebuild the folder with `dataprep build`") from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise ManifestError(f"{path}: not a dataprep manifest of version {MANIFEST_VERSION}; rebuild the folder")
    return data


def verify_outputs(out: Path, manifest: dict[str, Any]) -> list[str]:
    """Problems with the output files named in the manifest: missing, or bytes that no longer match."""
    problems = []
    for name, entry in manifest.get("outputs", {}).items():
        path = out / entry["file"]
        if not path.is_file():
            problems.append(f"{path}: listed in {MANIFEST_NAME} ({name}) but missing")
            continue
        found = digest(path)
        if found.sha256 != entry["sha256"]:
            problems.append(f"{path}: sha256 {found.sha256[:12]}… differs from {MANIFEST_NAME} "
                            f"({entry['sha256'][:12]}…); the file changed after the build — rebuild it")
    return problems


def build_manifest(result: BuildResult, written: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest of a finished build: `written` has each output's file name, digest and tokens."""
    profile, spec = result.profile, result.spec
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "dataprep", "version": __version__},
        "profile": {"id": profile.id, "base_model_id": profile.base_model_id, "task": spec.task,
                    "format": spec.format, "customization_type": spec.customization_type,
                    "tokenizer": profile.tokenizer, "token_counter": result.token_counter,
                    "token_counts_exact": profile.tokenizer == "llama3", "token_margin": profile.token_margin,
                    "overrides": [p.name for p in profile.overrides]},
        "settings": result.settings.as_dict(),
        "inputs": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "records": f.records} for f in result.inputs],
        "counts": {"input_records": result.input_records, "units": result.units,
                   **{s: len(result.splits[s]) for s in SPLITS}, "rejected": len(result.rejected)},
        "outputs": written,
    }

