"""`manifest.json`: what a build wrote, with the hashes that let `dataprep job` refuse tampered files.

The manifest is the build's audit record: the tool version, the model profile, every setting, the hash of
every input and output file, and per-split record and token counts. It holds no timestamps or absolute
paths, so two builds with the same inputs and seed write byte-identical manifests.

Its structure is defined once, by the `Manifest` TypedDict below: `build_manifest` (the writer) returns
one, and `read_manifest` (the one reader, used by `dataprep job`) checks a file against the same
definition with `manifest_problems`. A key added to the writer therefore has to be added here, where the
reader and the conformance test (tests/test_job.py) see it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, NotRequired, TypedDict, cast, get_args, get_origin

from dataprep import __version__
from dataprep.errors import ManifestError

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult

MANIFEST_NAME = "manifest.json"
# The one kind of file a build writes below OUT: a media object named by its sha256 (`build.media`).
MEDIA_FILE = re.compile(r"media/[0-9a-f]{64}\.[a-z0-9]{1,8}")
MANIFEST_VERSION: Final = 1
_REBUILD = "rebuild the folder with `dataprep build`"


# --------------------------------------------------------------------------------------------------------
# The schema


@dataclass(frozen=True)
class AtLeast:
    """The lowest value a number in the manifest may take (`Annotated[int, AtLeast(0)]` is a count)."""

    value: int


Count = Annotated[int, AtLeast(0)]


class Tool(TypedDict):
    """Which dataprep wrote the folder, so a report can be traced to the code that made it."""

    name: str
    version: str


class BuiltProfile(TypedDict):
    """The profile the build checked against; `dataprep job` plans for it and reports drift (DP603)."""

    id: str
    base_model_id: str
    task: str
    format: str
    customization_type: str
    tokenizer: str
    token_counter: str
    token_counts_exact: bool
    token_margin: float
    overrides: list[str]


class InputFile(TypedDict):
    """One raw input, as given on the command line (relative paths stay relative: no machine paths)."""

    path: str
    sha256: str
    bytes: Count
    records: Count


class SkippedPath(TypedDict):
    """A path under RAW the build found and did not read: DP115 could not be read, DP116 not data."""

    path: str
    code: str
    reason: str


class Counts(TypedDict):
    """The build's accounting: records in, units after chunking, per split, and rejected."""

    input_records: Count
    units: Count
    train: Count
    validation: Count
    test: Count
    rejected: Count


class OutputFile(TypedDict):
    """A file the build wrote next to the manifest; `dataprep job` refuses it when its sha256 changed."""

    file: str
    sha256: str
    bytes: Count
    records: Count


class SplitFile(OutputFile):
    """A train, validation or test file: also the tokens of its records (the cost estimate of a job)."""

    tokens: Count


class Outputs(TypedDict):
    """Every file the build wrote; validation and test exist only when their split is not empty, and a
    stopped build (`Manifest.stopped`) wrote no split at all."""

    train: NotRequired[SplitFile]
    validation: NotRequired[SplitFile]
    test: NotRequired[SplitFile]
    rejected: OutputFile
    lineage: OutputFile


class MediaFile(TypedDict):
    """An image or video the records show, copied into OUT (`file`, `media/<sha256>.<format>`) and named in the
    records by `uri` (under `--media-prefix`): what the upload sends there before the splits."""

    uri: str
    sha256: str
    bytes: Count
    file: str


class Stopped(TypedDict):
    """Why a build wrote no splits (every record rejected, DP304; over the training quota, DP503).

    Such a folder holds only the ledger, the lineage (empty), the reports (not ready) and the manifest, so the
    user can see why; `read_manifest` refuses it with this message.
    """

    code: str
    message: str


class Manifest(TypedDict):
    """The whole manifest.json, key order as written (the writer's dict literal keeps it)."""

    manifest_version: Literal[1]
    tool: Tool
    profile: BuiltProfile
    settings: dict[str, Any]  # BuildSettings.as_dict(): every knob of the build; the job reads none of it
    inputs: list[InputFile]
    # Documentation, earlier outputs, FIFOs, unreadable folders, links seen twice: listed so none goes unnoticed.
    # Absent in manifests written before it existed.
    skipped: NotRequired[list[SkippedPath]]
    counts: Counts
    stopped: NotRequired[Stopped]
    outputs: Outputs
    # The media objects of the records, when any record shows a local image or video.
    media: NotRequired[list[MediaFile]]
    # Every file the build wrote into OUT except manifest.json, with its sha256: what a later build may delete
    # or replace (nothing else in OUT is dataprep's). Absent in manifests written before it existed.
    files: NotRequired[dict[str, str]]


# --------------------------------------------------------------------------------------------------------
# Checking a value against the schema


def manifest_problems(data: object) -> list[str]:
    """Every way `data` differs from `Manifest`: missing or unknown keys, wrong types, negative counts.

    Each problem is `[dotted.key] says what`, in schema order, so the reader can report all of them at once
    and nothing downstream has to re-check a key before using it.
    """
    problems = list(_problems(data, Manifest, ""))
    if isinstance(data, dict) and "stopped" not in data and isinstance(data.get("outputs"), dict) \
            and "train" not in data["outputs"]:
        problems.append("[outputs.train] is missing")
    return problems


def _problems(value: object, hint: Any, where: str) -> Iterator[str]:
    """The problems of one value against one type hint of the schema (recursively for containers)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        found = list(_problems(value, args[0], where))
        yield from found or _bound_problems(value, args[1:], where)
    elif isinstance(hint, type) and issubclass(hint, dict) and hasattr(hint, "__total__"):  # a TypedDict
        yield from _record_problems(value, hint, where)
    elif origin in (list, dict):
        yield from _container_problems(value, origin, args[-1], where)
    elif origin is Literal:
        if value not in args or isinstance(value, bool):
            yield f"[{where}] must be {' or '.join(map(json.dumps, args))}, found {_shown(value)}"
    elif hint is not Any and not _is_a(value, hint):
        yield _wrong(where, _NAMES[hint], value)


def _container_problems(value: object, kind: type, item_hint: Any, where: str) -> Iterator[str]:
    """A JSON array (`list[X]`) or an object with free keys (`dict[str, X]`): every item against X."""
    if not isinstance(value, kind):
        yield _wrong(where, "a list" if kind is list else "an object", value)
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _problems(item, item_hint, f"{where}[{index}]")
    else:
        for key, item in cast(dict[str, Any], value).items():
            yield from _problems(item, item_hint, f"{where}.{key}")


def _record_problems(value: object, record: type, where: str) -> Iterator[str]:
    """A JSON object against a TypedDict: each declared key present (unless NotRequired) and no others."""
    if not isinstance(value, dict):
        yield _wrong(where or "manifest", "an object", value)
        return
    fields = _fields(record)
    for key, (hint, required) in fields.items():
        path = f"{where}.{key}" if where else key
        if key in value:
            yield from _problems(value[key], hint, path)
        elif required:
            yield f"[{path}] is missing"
    for key in value:
        if key not in fields:
            yield f"[{f'{where}.{key}' if where else key}] is not a key of the manifest"


@cache
def _fields(record: type) -> dict[str, tuple[Any, bool]]:
    """Each key of a TypedDict with its type and whether it is required, in declaration order.

    Read from the resolved hints rather than `__required_keys__`, which Python 3.11 gets wrong for
    `NotRequired` under `from __future__ import annotations`.
    """
    from typing import get_type_hints

    fields = {}
    for key, hint in get_type_hints(record, include_extras=True).items():
        optional = get_origin(hint) is NotRequired
        fields[key] = (get_args(hint)[0] if optional else hint, not optional)
    return fields


def _bound_problems(value: object, marks: tuple[Any, ...], where: str) -> Iterator[str]:
    """The `Annotated` bounds of a value already known to have the right type (a count below 0)."""
    for mark in marks:
        if isinstance(mark, AtLeast) and cast(float, value) < mark.value:
            yield f"[{where}] must be at least {mark.value}, found {_shown(value)}"


# What each scalar type of the schema is called in a message.
_NAMES = {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}


def _is_a(value: object, kind: type) -> bool:
    """JSON's view of a scalar: a bool is not a number, and a whole number is a float too."""
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float)
    return isinstance(value, kind)


def _wrong(where: str, expected: str, value: object) -> str:
    """One wording for every type mismatch, so messages read alike whatever the key."""
    return f"[{where}] must be {expected}, found {_shown(value)}"


def _shown(value: object) -> str:
    """A found value in JSON spelling, cut short so a message stays on one line."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------------------------------------
# Reading and writing


@dataclass(frozen=True)
class FileDigest:
    """What the manifest records of a file, so a later change to it can be detected."""

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


def read_manifest(out: Path) -> Manifest:
    """The manifest of a build folder, checked against `Manifest`; ManifestError says what is wrong.

    A manifest that parses but breaks the schema gives one line per problem (`PATH: [key] ...; rebuild`),
    so a caller can report each one on its own.
    """
    path = out / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{path}: no manifest; build the folder with `dataprep build RAW {out} --model ID`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc}); {_REBUILD}") from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise ManifestError(f"{path}: not a dataprep manifest of version {MANIFEST_VERSION}; rebuild the folder")
    stopped = data.get("stopped")
    if isinstance(stopped, dict):
        raise ManifestError(f"{path}: the build stopped and wrote no splits: {stopped.get('message')}; see "
                            f"report.html and rejected.jsonl there, fix the data and rebuild")
    problems = manifest_problems(data)
    if problems:
        raise ManifestError("\n".join(f"{path}: {problem}; {_REBUILD}" for problem in problems))
    return cast(Manifest, data)


def verify_outputs(out: Path, outputs: Mapping[str, OutputFile]) -> list[str]:
    """Problems with the output files named in the manifest: missing, or bytes that no longer match."""
    problems = []
    for name, entry in outputs.items():
        path = out / entry["file"]
        if not path.is_file():
            problems.append(f"{path}: listed in {MANIFEST_NAME} ({name}) but missing")
            continue
        found = digest(path)
        if found.sha256 != entry["sha256"]:
            problems.append(f"{path}: sha256 {found.sha256[:12]}… differs from {MANIFEST_NAME} "
                            f"({entry['sha256'][:12]}…); the file changed after the build — rebuild it")
    return problems


def owned_files(folder: Path) -> tuple[str, ...]:
    """The files of `folder` an earlier dataprep build wrote, by its manifest, manifest.json last; () if none.

    Read leniently (an older or stopped manifest still owns its files), but only a dataprep manifest counts:
    a build deletes or replaces nothing else. A manifest from before the `files` key owns its outputs and
    the three reports, which dataprep wrote next to every such manifest.
    """
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return ()
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION \
            or not isinstance(data.get("tool"), dict) or data["tool"].get("name") != "dataprep":
        return ()
    files = data.get("files")
    if isinstance(files, dict):
        names = [str(name) for name in files]
    else:
        outputs = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
        names = [str(o["file"]) for o in outputs.values() if isinstance(o, dict) and "file" in o]
        names += ["report.json", "report.html", "expectations.json"]
    return (*sorted({n for n in names if n and ("/" not in n or MEDIA_FILE.fullmatch(n))
                     and n not in (".", "..", MANIFEST_NAME)}), MANIFEST_NAME)


def build_manifest(result: BuildResult, written: Mapping[str, Mapping[str, Any]],
                   stopped: Stopped | None = None) -> Manifest:
    """The manifest of a build: `written` has each output's file name, digest and tokens; `files` is added
    by the writer once every file, the reports included, is on disk."""
    profile, spec = result.profile, result.spec
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "dataprep", "version": __version__},
        "profile": {"id": profile.id, "base_model_id": profile.base_model_id, "task": spec.task,
                    "format": spec.format, "customization_type": spec.customization_type,
                    "tokenizer": profile.tokenizer, "token_counter": result.token_counter,
                    "token_counts_exact": profile.tokenizer == "llama3", "token_margin": profile.token_margin,
                    "overrides": [p.name for p in profile.overrides]},
        "settings": result.settings.as_dict(),
        "inputs": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "records": f.records} for f in result.inputs],
        "skipped": [{"path": s.path, "code": s.code, "reason": s.reason} for s in result.skipped],
        "counts": {"input_records": result.input_records, "units": result.units,
                   "train": len(result.splits["train"]), "validation": len(result.splits["validation"]),
                   "test": len(result.splits["test"]), "rejected": len(result.rejected)},
    }
    if stopped is not None:
        manifest["stopped"] = stopped
    manifest["outputs"] = written
    return cast(Manifest, manifest)
