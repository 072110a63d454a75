"""Model profiles: what each Bedrock base model accepts for customization, and where every number came from.

The limits live in data (`rules/models/<id>.toml`), not code, because they change: AWS raises a default,
an account is granted a higher quota, a model is retired. Each number carries its source and the date
the source was read, so a reviewer can re-check it, and `verified = false` where no source confirmed it.

Schema of a profile file. Every key is checked on load and unknown keys are errors, because a misspelt
key that silently drops a limit is worse than a stop:

    id = "nova-micro"                    # the name users type: lower case, [a-z0-9.-]
    name = "Amazon Nova Micro"
    provider = "Amazon"
    base_model_id = "amazon.nova-micro-v1:0:128k"  # CreateModelCustomizationJob.baseModelIdentifier
    base_model_id_source = "https://..."           # where that id was read
    base_model_id_verified = true        # optional; false = seen only outside the Bedrock User Guide
    aliases = ["amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0:128k"]  # also accepted as --model
    legacy = false                       # true = no longer (or maybe no longer) offered for new jobs
    status_note = ""                     # optional; why it is legacy, what is unverified
    tokenizer = "cl100k"                 # "cl100k" (a proxy count) or "llama3" (the model's own)
    token_margin = 0.10                  # fraction of every token limit held back (0 for an exact count)
    chars_per_token = 6                  # estimate used by the fast character pre-check
    reserved_keywords = ["User:"]        # optional; strings whose presence makes the job fail
    reserved_keywords_case_sensitive = true        # optional
    media = []                           # optional; blocks allowed in user turns besides text: image, video
    image_formats = ["png", "jpeg"]      # optional; the image `format` values the model takes (default: all
    video_formats = ["mp4"]              #   of MEDIA_FORMATS for a kind in `media`); only for a kind in `media`,
                                         #   or (image_formats) a model with an image-caption task (its images)
    reasoning_content = false            # optional; true = assistant turns may hold reasoningContent blocks
    media_same_bucket = false            # optional; true = the media must sit in the dataset's S3 bucket (Nova)

    [tasks.fine-tuning]                  # or continued-pretraining, distillation, reinforcement-fine-tuning
    customization_type = "FINE_TUNING"   # the API enum value for this task
    format = "bedrock-conversation"      # one of FORMATS
    validation_supported = true
    job_api = "create-model-customization-job"   # optional; "openai-compatible" for open-weight RFT models

    [tasks.distillation.teachers]        # optional, distillation only: the guide's teacher/student pairing
    ids = ["amazon.nova-premier-v1:0"]   # teacher model ids ([] = none offered today; note says why)
    source = "https://..."
    date = "2026-12-06"
    note = ""

    [tasks.fine-tuning.quotas.max_total_records]   # one table per key of QUOTA_KEYS; omit unknown ones
    value = 20000                        # an integer
    source = "https://..."
    date = "2026-11-22"                  # the day the source was read
    verified = true                      # optional; false = no source read confirms the value
    note = ""                            # optional; e.g. sources disagree and the stricter value was taken

    [tasks.fine-tuning.hyperparameters.epochCount] # API names, see HYPERPARAMETER_NAMES
    type = "int"                         # "int" or "float"
    min = 1
    max = 5
    default = 2                          # omit when the job must set it
    auto = "Auto"                        # optional; the word the API takes instead of a number (the service
                                         #   picks the value), in the guide's spelling; matched in any case
    source = "https://..."
    date = "2026-11-23"
    note = ""                            # optional

User files (`--profile-file`) either define a new profile or override a loaded one: a file whose `id`
names an existing profile is merged over it table by table, except that each quota and hyperparameter
entry is replaced whole, so a raised quota never inherits the old entry's `verified = false` or note.
Only `id` plus the changed entries are needed.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from dataprep.errors import ProfileError, UnknownModelError
from dataprep.resources import rules_dir

Task = Literal["fine-tuning", "continued-pretraining", "distillation", "reinforcement-fine-tuning"]

# The task names users pass, with the CreateModelCustomizationJob `customizationType` each one means.
CUSTOMIZATION_TYPES: Mapping[str, str] = MappingProxyType(
    {"fine-tuning": "FINE_TUNING", "continued-pretraining": "CONTINUED_PRE_TRAINING",
     "distillation": "DISTILLATION", "reinforcement-fine-tuning": "REINFORCEMENT_FINE_TUNING"}
)

FORMATS: tuple[str, ...] = ("prompt-completion", "pretraining", "claude-messages", "bedrock-conversation",
                            "distillation", "distillation-single-turn", "rft", "image-caption")
# Tasks whose records have a format of their own, and only theirs: the format each one takes.
TASK_FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"continued-pretraining": ("pretraining",), "distillation": ("distillation", "distillation-single-turn"),
     "reinforcement-fine-tuning": ("rft",)}
)

# Record counts are per split (`train`, `validation`) or for both together (`total`). Token limits are
# per record: `max_tokens_per_record` is the whole record (prompt + completion, the whole conversation, or
# the pre-training text); `max_input_tokens` / `max_output_tokens` bound the prompt and the completion
# alone; `max_tokens_per_record_batched` replaces `max_tokens_per_record` when the job's batchSize is
# above `batched_above_batch_size`. File sizes are in bytes.
QUOTA_KEYS: tuple[str, ...] = (
    "min_train_records",
    "min_total_records",
    "max_train_records",
    "max_validation_records",
    "max_total_records",
    "max_tokens_per_record",
    "max_input_tokens",
    "max_output_tokens",
    "max_tokens_per_record_batched",
    "batched_above_batch_size",
    "max_chars_per_record",
    "max_train_file_bytes",
    "max_validation_file_bytes",
    "max_images_per_record",
    "max_videos_per_record",
    # The media themselves (read from --media-root copies or s3:// objects; dataprep.checks.media_files) and
    # image-caption records (F5): bytes per object, pixel sides, total pixels, the long side over the short
    # one (4 means 1:4 to 4:1), video seconds, caption characters.
    "max_image_bytes",
    "min_image_side_px",
    "max_image_side_px",
    "max_image_pixels",
    "max_aspect_ratio",
    "max_video_bytes",
    "max_video_seconds",
    "min_caption_chars",
    "max_caption_chars",
)

HYPERPARAMETER_NAMES: tuple[str, ...] = (
    "epochCount",
    "batchSize",
    "learningRate",
    "learningRateWarmupSteps",
    "learningRateMultiplier",
    "earlyStoppingThreshold",
    "earlyStoppingPatience",
    "evalPercentage",
    # image-caption models (Titan Image Generator, Nova Canvas): training steps, an int like the rest
    "stepCount",
    # reinforcement fine-tuning (customizationConfig.rftConfig.hyperParameters, typed, not strings)
    "trainingSamplePerPrompt",
    "evalInterval",
)

TOKENIZERS: tuple[str, ...] = ("cl100k", "llama3")
MEDIA: tuple[str, ...] = ("image", "video")
# Every `format` value a Converse image or video block can declare (the Bedrock Converse API's ImageBlock and
# VideoBlock); a profile narrows them with image_formats / video_formats.
MEDIA_FORMATS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"image": ("png", "jpeg", "gif", "webp"), "video": ("mov", "mkv", "mp4", "webm")}
)

_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9.-]*")
# Pairs (lower, upper) that must not cross; an inverted pair would reject every dataset.
_QUOTA_ORDER: tuple[tuple[str, str], ...] = (
    ("min_train_records", "max_train_records"),
    ("min_train_records", "max_total_records"),
    ("min_total_records", "max_total_records"),
    ("max_tokens_per_record_batched", "max_tokens_per_record"),
)






@dataclass(frozen=True)
class Sourced:
    """One number and where it came from, so every limit dataprep enforces can be traced and re-checked."""

    value: int | float
    source: str
    date: str
    verified: bool = True
    note: str = ""


@dataclass(frozen=True)
class Teachers:
    """The teacher models the guide pairs with a distillation student, and where that pairing was read."""

    ids: tuple[str, ...]
    source: str
    date: str
    note: str = ""


@dataclass(frozen=True)
class HyperParameter:
    """The accepted range of one job hyperparameter (API name), checked before a job request is written."""

    name: str
    type: Literal["int", "float"]
    min: float
    max: float
    default: float | None
    source: str
    date: str
    note: str = ""
    auto: str | None = None  # the word sent instead of a number to let the service choose (e.g. "Auto")


@dataclass(frozen=True)
class TaskSpec:
    """What one customization task of a model accepts: record format, quotas and hyperparameters."""

    task: str
    customization_type: str
    format: str
    validation_supported: bool
    quotas: Mapping[str, Sourced]
    hyperparameters: Mapping[str, HyperParameter]
    # Distillation only: the teachers this student may learn from (None: no pairing recorded).
    teachers: Teachers | None = None
    # How the job is created: "create-model-customization-job" (the Bedrock API `dataprep job` writes) or
    # "openai-compatible" (open-weight models, trained through Bedrock's OpenAI-compatible fine-tuning API).
    job_api: str = "create-model-customization-job"

    def quota(self, key: str) -> int | None:
        """The quota's value, or None when the profile sets none (an unknown limit is not enforced)."""
        if key not in QUOTA_KEYS:
            raise ValueError(f"unknown quota key {key!r}; known keys: {', '.join(QUOTA_KEYS)}")
        entry = self.quotas.get(key)
        return None if entry is None else int(entry.value)


@dataclass(frozen=True)
class Profile:
    """Everything dataprep knows about customizing one Bedrock base model.

    `path` is the file that defines the profile; `overrides` lists the user files merged over it, so a
    manifest can record exactly which limits a build was checked against.
    """

    id: str
    name: str
    provider: str
    base_model_id: str
    aliases: tuple[str, ...]
    legacy: bool
    status_note: str
    tokenizer: str
    token_margin: float
    chars_per_token: float
    reserved_keywords: tuple[str, ...]
    reserved_keywords_case_sensitive: bool
    media: tuple[str, ...]
    tasks: Mapping[str, TaskSpec]
    path: Path
    base_model_id_source: str = ""
    base_model_id_verified: bool = True
    overrides: tuple[Path, ...] = ()
    media_formats: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    reasoning_content: bool = False
    media_same_bucket: bool = False

    def task(self, name: str | None = None) -> TaskSpec:
        """The spec for `name`; without a name, fine-tuning if the model has it, else its only task."""
        if name is None:
            if "fine-tuning" in self.tasks:
                return self.tasks["fine-tuning"]
            if len(self.tasks) == 1:
                return next(iter(self.tasks.values()))
            raise ProfileError(f"{self.id} supports several tasks; choose one of: {', '.join(self.tasks)}")
        spec = self.tasks.get(name)
        if spec is None:
            raise ProfileError(
                f"{self.id} does not support task {name!r}; supported: {', '.join(self.tasks)}"
            )
        return spec

    def token_limit(self, limit: int) -> int:
        """The limit after the safety margin, floor(limit * (1 - token_margin)).

        Decimal arithmetic keeps e.g. 0.1 margin of 4096 at exactly 3686 instead of a float that can land
        one below an integer and shave a token off.
        """
        return math.floor(Decimal(limit) * (1 - Decimal(str(self.token_margin))))


# --------------------------------------------------------------------------------------------------------
# Loading


def load_profiles(extra_files: Sequence[Path] = ()) -> dict[str, Profile]:
    """All profiles keyed by id: the shipped set, then each user file applied in order."""
    profiles = dict(_shipped_profiles())
    raw = dict(_shipped_raw())
    for path in extra_files:
        data = _read_toml(Path(path))
        profile_id = data.get("id")
        if not isinstance(profile_id, str):
            raise ProfileError(f"{path}: [id] is missing or not a string; a profile file needs an `id`")
        if profile_id in raw:
            merged = _merge(raw[profile_id], data)
            base = profiles[profile_id]
            profile = _build(merged, base.path, report_path=Path(path))
            profile = replace(profile, overrides=(*base.overrides, Path(path)))
            raw[profile_id] = merged
        else:
            owner = _alias_owner(profiles, profile_id)
            if owner is not None:
                raise ProfileError(
                    f"{path}: [id] {profile_id!r} is a model id of profile {owner!r}; "
                    f"use id = {owner!r} to override it, or pick a new id for a new profile"
                )
            profile = _build(data, Path(path), report_path=Path(path))
            raw[profile_id] = data
        profiles[profile_id] = profile
        _check_unique_names(profiles, Path(path))
    return profiles


def resolve_model(name: str, extra_files: Sequence[Path] = ()) -> Profile:
    """The profile for a profile id, a Bedrock model id or a foundation-model ARN, case-insensitively."""
    profiles = load_profiles(extra_files)
    wanted = name.strip().rsplit("foundation-model/", 1)[-1].lower()
    names = _name_index(profiles)
    if wanted in names:
        return profiles[names[wanted]]
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    ids = dict.fromkeys(names[c] for c in close)
    suggestion = f"did you mean {' or '.join(ids)}? " if ids else ""
    raise UnknownModelError(
        f"unknown model {name!r}; {suggestion}`dataprep models` lists all profiles and model ids"
    )


@cache
def _shipped_raw() -> Mapping[str, Mapping[str, Any]]:
    """The shipped profile files as parsed TOML, kept so override files can be merged over them."""
    raw: dict[str, Mapping[str, Any]] = {}
    for path in sorted((rules_dir() / "models").glob("*.toml")):
        data = _read_toml(path)
        profile_id = data.get("id")
        if profile_id != path.stem:
            raise ProfileError(f"{path}: [id] must equal the file name {path.stem!r}, found {profile_id!r}")
        raw[profile_id] = data
    return MappingProxyType(raw)


@cache
def _shipped_profiles() -> Mapping[str, Profile]:
    """The shipped profiles, validated once per process: `validate` must start fast in a pre-commit hook."""
    profiles: dict[str, Profile] = {}
    for profile_id, data in _shipped_raw().items():
        path = rules_dir() / "models" / f"{profile_id}.toml"
        profiles[profile_id] = _build(data, path, report_path=path)
        _check_unique_names(profiles, path)
    return MappingProxyType(profiles)


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed profile file; unreadable, not UTF-8 or not TOML is one ProfileError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile file: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                           "TOML files must be UTF-8, save it as UTF-8") from None


def _merge(base: Mapping[str, Any], override: Mapping[str, Any], key: str = "") -> dict[str, Any]:
    """Deep-merge `override` over `base`; quota and hyperparameter entries are replaced, not merged."""
    merged = dict(base)
    for name, value in override.items():
        dotted = f"{key}.{name}" if key else name
        whole = re.fullmatch(r"tasks\.[^.]+\.(quotas|hyperparameters)\.[^.]+", dotted) is not None
        if isinstance(value, dict) and isinstance(merged.get(name), dict) and not whole:
            merged[name] = _merge(merged[name], value, dotted)
        else:
            merged[name] = value
    return merged


def _name_index(profiles: Mapping[str, Profile]) -> dict[str, str]:
    """Every accepted spelling (lower case) mapped to its profile id."""
    index: dict[str, str] = {}
    for profile in profiles.values():
        for name in (profile.id, profile.base_model_id, *profile.aliases):
            index[name.lower()] = profile.id
    return index


def _alias_owner(profiles: Mapping[str, Profile], name: str) -> str | None:
    return _name_index(profiles).get(name.lower())


def _check_unique_names(profiles: Mapping[str, Profile], path: Path) -> None:
    """Fail when two profiles claim the same model id: `--model` would be ambiguous."""
    seen: dict[str, str] = {}
    for profile in profiles.values():
        for name in {n.lower() for n in (profile.id, profile.base_model_id, *profile.aliases)}:
            other = seen.setdefault(name, profile.id)
            if other != profile.id:
                raise ProfileError(
                    f"{path}: [aliases] {name!r} is claimed by both {other!r} and {profile.id!r}; "
                    "a model id may belong to one profile only"
                )


# --------------------------------------------------------------------------------------------------------
# Validation: every check names the file and the dotted key, so the user can go straight to the line.

_MISSING: Any = object()


class _Table:
    """A TOML table under validation, with the file and key prefix that error messages need."""

    def __init__(self, data: Mapping[str, Any], path: Path, key: str = "") -> None:
        self.data = data
        self.path = path
        self.key = key

    def where(self, name: str) -> str:
        return f"{self.key}.{name}" if self.key else name

    def error(self, name: str, message: str) -> ProfileError:
        return ProfileError(f"{self.path}: [{self.where(name)}] {message}")

    def get(self, name: str, kind: type | tuple[type, ...], what: str, default: Any = _MISSING) -> Any:
        if name not in self.data:
            if default is _MISSING:
                raise self.error(name, f"is required ({what})")
            return default
        value = self.data[name]
        # bool is a subclass of int: `value = true` must not pass as a number.
        is_bool = isinstance(value, bool)
        if not isinstance(value, kind) or (is_bool and bool not in _as_tuple(kind)):
            raise self.error(name, f"must be {what}, found {value!r}")
        return value

    def text(self, name: str, default: Any = _MISSING, *, empty: bool = True) -> str:
        value = self.get(name, str, "a string", default)
        if not empty and not value.strip():
            raise self.error(name, "must not be empty")
        return value

    def flag(self, name: str, default: Any = _MISSING) -> bool:
        return self.get(name, bool, "true or false", default)

    def number(self, name: str, default: Any = _MISSING) -> int | float:
        return self.get(name, (int, float), "a number", default)

    def strings(self, name: str, choices: tuple[str, ...] = (), default: Any = _MISSING) -> tuple[str, ...]:
        values = self.get(name, list, "a list of strings", default)
        for item in values:
            if not isinstance(item, str) or not item:
                raise self.error(name, f"must hold non-empty strings only, found {item!r}")
            if choices and item not in choices:
                raise self.error(name, f"{item!r} is not one of {', '.join(choices)}")
        return tuple(values)

    def table(self, name: str, default: Any = _MISSING) -> _Table:
        value = self.get(name, dict, "a table", default)
        return _Table(value, self.path, self.where(name))

    def day(self, name: str) -> str:
        value = self.get(name, (str, date), 'the day the source was read, "YYYY-MM-DD"')
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise self.error(name, f'must be a date "YYYY-MM-DD", found {value!r}') from None

    def only(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
                raise self.error(name, f"is not a known key{hint}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_TOP_KEYS = (
    "id",
    "name",
    "provider",
    "base_model_id",
    "base_model_id_source",
    "base_model_id_verified",
    "aliases",
    "legacy",
    "status_note",
    "tokenizer",
    "token_margin",
    "chars_per_token",
    "reserved_keywords",
    "reserved_keywords_case_sensitive",
    "media",
    "image_formats",
    "video_formats",
    "reasoning_content",
    "media_same_bucket",
    "tasks",
)


def _build(data: Mapping[str, Any], path: Path, *, report_path: Path) -> Profile:
    """Validate parsed TOML and turn it into a Profile; errors name `report_path` (the file to fix)."""
    top = _Table(data, report_path)
    top.only(_TOP_KEYS)
    # Read in schema order, so a new profile missing several keys is reported from the top of the file.
    profile_id = top.text("id", empty=False)
    if not _ID_PATTERN.fullmatch(profile_id):
        raise top.error("id", f"must be lower case letters, digits, '.' and '-', found {profile_id!r}")
    name = top.text("name", empty=False)
    provider = top.text("provider", empty=False)
    base_model_id = top.text("base_model_id", empty=False)
    base_model_id_source = top.text("base_model_id_source", empty=False)
    base_model_id_verified = top.flag("base_model_id_verified", default=True)
    aliases = top.strings("aliases")
    legacy = top.flag("legacy")
    status_note = top.text("status_note", default="")
    tokenizer = top.text("tokenizer")
    if tokenizer not in TOKENIZERS:
        raise top.error("tokenizer", f"{tokenizer!r} is not one of {', '.join(TOKENIZERS)}")
    token_margin = float(top.number("token_margin"))
    if not 0 <= token_margin < 1:
        raise top.error("token_margin", f"must be at least 0 and below 1, found {token_margin}")
    chars_per_token = float(top.number("chars_per_token"))
    if chars_per_token <= 0:
        raise top.error("chars_per_token", f"must be above 0, found {chars_per_token}")
    reserved_keywords = top.strings("reserved_keywords", default=[])
    case_sensitive = top.flag("reserved_keywords_case_sensitive", default=True)

    tasks_table = top.table("tasks")
    if not tasks_table.data:
        raise top.error("tasks", "must define at least one task")
    tasks_table.only(tuple(CUSTOMIZATION_TYPES))
    tasks = {task: _build_task(tasks_table.table(task), task) for task in tasks_table.data}
    media, media_formats, reasoning = _build_blocks(top, tasks)

    return Profile(
        id=profile_id,
        name=name,
        provider=provider,
        base_model_id=base_model_id,
        aliases=aliases,
        legacy=legacy,
        status_note=status_note,
        tokenizer=tokenizer,
        token_margin=token_margin,
        chars_per_token=chars_per_token,
        reserved_keywords=reserved_keywords,
        reserved_keywords_case_sensitive=case_sensitive,
        media=media,
        tasks=MappingProxyType(tasks),
        path=path,
        base_model_id_source=base_model_id_source,
        base_model_id_verified=base_model_id_verified,
        media_formats=media_formats,
        reasoning_content=reasoning,
        media_same_bucket=top.flag("media_same_bucket", default=False),
    )


def _build_blocks(top: _Table, tasks: Mapping[str, TaskSpec]
                  ) -> tuple[tuple[str, ...], Mapping[str, tuple[str, ...]], bool]:
    """The content blocks beyond text a model takes: media kinds, each kind's formats, reasoning content."""
    media = top.strings("media", MEDIA, default=[])
    conversation = any(spec.format == "bedrock-conversation" for spec in tasks.values())
    if media and not conversation:
        raise top.error("media", "image and video blocks exist only in the bedrock-conversation format")
    # An image-caption model's records are images: image_formats names the ones it takes, with no `media`.
    captions = any(spec.format == "image-caption" for spec in tasks.values())
    formats: dict[str, tuple[str, ...]] = {}
    for kind in MEDIA:
        key = f"{kind}_formats"
        declared = top.strings(key, MEDIA_FORMATS[kind], default=None) if key in top.data else None
        if kind == "image" and captions and kind not in media:
            if declared is not None and not declared:
                raise top.error(key, "must name at least one format")
            formats[kind] = declared if declared is not None else MEDIA_FORMATS[kind]
            continue
        if declared is not None and kind not in media:
            raise top.error(key, f"is set, but {kind!r} is not in media; add it there or remove {key}")
        if declared is not None and not declared:
            raise top.error(key, f"must name at least one format; remove {kind!r} from media instead")
        if kind in media:
            formats[kind] = declared if declared is not None else MEDIA_FORMATS[kind]
    reasoning = top.flag("reasoning_content", default=False)
    if reasoning and not conversation:
        raise top.error("reasoning_content", "reasoningContent blocks exist only in the bedrock-conversation format")
    return media, MappingProxyType(formats), reasoning


def _build_task(table: _Table, task: str) -> TaskSpec:
    table.only(("customization_type", "format", "validation_supported", "quotas", "hyperparameters", "teachers",
                "job_api"))
    customization_type = table.text("customization_type")
    if customization_type != CUSTOMIZATION_TYPES[task]:
        raise table.error(
            "customization_type",
            f"must be {CUSTOMIZATION_TYPES[task]!r} for {task}, found {customization_type!r}",
        )
    fmt = table.text("format")
    if fmt not in FORMATS:
        raise table.error("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    owner = next((name for name, owned in TASK_FORMATS.items() if fmt in owned), None)
    if (task in TASK_FORMATS and fmt not in TASK_FORMATS[task]) or owner not in (None, task):
        wanted = " or ".join(TASK_FORMATS.get(task, ())) or f"a format of no other task (not {fmt})"
        raise table.error("format", f"{task} takes {wanted}; each of those formats belongs to its task only")

    quota_table = table.table("quotas", default={})
    quota_table.only(QUOTA_KEYS)
    quotas = {key: _build_quota(quota_table.table(key)) for key in quota_table.data}
    for low, high in _QUOTA_ORDER:
        if low in quotas and high in quotas and quotas[low].value > quotas[high].value:
            raise quota_table.error(low, f"({quotas[low].value}) is above {high} ({quotas[high].value})")
    if ("max_tokens_per_record_batched" in quotas) != ("batched_above_batch_size" in quotas):
        raise quota_table.error(
            "max_tokens_per_record_batched", "and batched_above_batch_size must be set together"
        )

    hp_table = table.table("hyperparameters", default={})
    hp_table.only(HYPERPARAMETER_NAMES)
    hyperparameters = {name: _build_hyperparameter(hp_table.table(name), name) for name in hp_table.data}

    return TaskSpec(
        task=task,
        customization_type=customization_type,
        format=fmt,
        validation_supported=table.flag("validation_supported"),
        quotas=MappingProxyType(quotas),
        hyperparameters=MappingProxyType(hyperparameters),
        teachers=_build_teachers(table, task),
        job_api=_job_api(table),
    )


JOB_APIS = ("create-model-customization-job", "openai-compatible")


def _job_api(table: _Table) -> str:
    value = table.text("job_api", default=JOB_APIS[0])
    if value not in JOB_APIS:
        raise table.error("job_api", f"{value!r} is not one of {', '.join(JOB_APIS)}")
    return value


def _build_teachers(table: _Table, task: str) -> Teachers | None:
    """The `teachers` table of a distillation task: model ids (an empty list: none is offered today)."""
    if "teachers" not in table.data:
        return None
    if task != "distillation":
        raise table.error("teachers", "is set, but only a distillation task has teacher models")
    sub = table.table("teachers")
    sub.only(("ids", "source", "date", "note"))
    return Teachers(ids=sub.strings("ids"), source=sub.text("source", empty=False), date=sub.day("date"),
                    note=sub.text("note", default=""))


def _build_quota(table: _Table) -> Sourced:
    table.only(("value", "source", "date", "verified", "note"))
    value = table.get("value", int, "a whole number")
    if value < 0:
        raise table.error("value", f"must not be negative, found {value}")
    return Sourced(
        value=value,
        source=table.text("source", empty=False),
        date=table.day("date"),
        verified=table.flag("verified", default=True),
        note=table.text("note", default=""),
    )


def _build_hyperparameter(table: _Table, name: str) -> HyperParameter:
    table.only(("type", "min", "max", "default", "source", "date", "note", "auto"))
    kind = table.text("type")
    if kind not in ("int", "float"):
        raise table.error("type", f"must be 'int' or 'float', found {kind!r}")
    low = table.number("min")
    high = table.number("max")
    default = table.number("default", default=None)
    if kind == "int":
        for key, value in (("min", low), ("max", high), ("default", default)):
            if value is not None and not float(value).is_integer():
                raise table.error(key, f"must be a whole number for an int hyperparameter, found {value}")
    if low > high:
        raise table.error("min", f"({low}) is above max ({high})")
    if default is not None and not low <= default <= high:
        raise table.error("default", f"({default}) is outside min..max ({low}..{high})")
    return HyperParameter(
        name=name,
        type="int" if kind == "int" else "float",
        min=low,
        max=high,
        default=default,
        source=table.text("source", empty=False),
        date=table.day("date"),
        note=table.text("note", default=""),
        auto=table.text("auto", default="") or None,
    )
