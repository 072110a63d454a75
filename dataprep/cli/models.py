"""`dataprep models [ID]`: the model profiles dataprep knows, or one profile in full.

One profile shows what a job needs to know before it is submitted: the base model id, tokenizer, every quota
and limit, every hyperparameter range, each number with its source and the day it was read. `--output-format
json` gives the same for programs (a list of profiles, or one).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dataprep.cli.output import fail_usage, terminal_safe
from dataprep.errors import ProfileError

if TYPE_CHECKING:
    from dataprep.profiles import HyperParameter, Profile, Sourced, TaskSpec


class ListFormat(StrEnum):
    """`--output-format` of `models` and `rules`: a table for people, JSON for programs."""

    text = "text"
    json = "json"


def models(
    model_id: Annotated[str | None, typer.Argument(
        metavar="[ID]", help="A profile id or Bedrock model id: show that profile in full.",
        show_default="list every profile")] = None,
    output_format: Annotated[ListFormat, typer.Option("--output-format", help="How the profiles are printed.")]
    = ListFormat.text,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).",
                                                            show_default="none")] = None,
) -> None:
    """List the model profiles, their tasks and formats, or show one (quotas, limits, hyperparameters, sources)."""
    from dataprep.profiles import load_profiles, resolve_model

    try:
        if model_id is not None:
            profile = resolve_model(model_id, profile_file or [])
            _show(profile, output_format)
            return
        profiles = load_profiles(profile_file or [])
    except ProfileError as exc:
        fail_usage(str(exc))
    if output_format is ListFormat.json:
        typer.echo(json.dumps([profile_object(p) for p in profiles.values()], ensure_ascii=False, indent=1))
        return
    for profile in profiles.values():
        tasks = ", ".join(f"{t.task} ({t.format})" for t in profile.tasks.values())
        legacy = "  [legacy]" if profile.legacy else ""
        typer.echo(f"{profile.id:<24} {profile.base_model_id:<44} {tasks}{legacy}")


def _show(profile: Profile, output_format: ListFormat) -> None:
    if output_format is ListFormat.json:
        typer.echo(json.dumps(profile_object(profile), ensure_ascii=False, indent=1))
    else:
        typer.echo("\n".join(profile_lines(profile)))


def _sourced(entry: Sourced) -> dict[str, Any]:
    return {"value": entry.value, "source": entry.source, "date": entry.date, "verified": entry.verified,
            "note": entry.note}


def _hyper(entry: HyperParameter) -> dict[str, Any]:
    return {"type": entry.type, "min": entry.min, "max": entry.max, "default": entry.default,
            "source": entry.source, "date": entry.date, "note": entry.note}


def _task(spec: TaskSpec) -> dict[str, Any]:
    return {"customization_type": spec.customization_type, "format": spec.format,
            "validation_supported": spec.validation_supported,
            "quotas": {k: _sourced(v) for k, v in spec.quotas.items()},
            "hyperparameters": {k: _hyper(v) for k, v in spec.hyperparameters.items()},
            "job_api": spec.job_api,
            "teachers": None if spec.teachers is None else {
                "ids": list(spec.teachers.ids), "source": spec.teachers.source, "date": spec.teachers.date,
                "note": spec.teachers.note}}


def profile_object(profile: Profile) -> dict[str, Any]:
    """A profile as JSON: what the TOML says, checked and merged with any `--profile-file` over it."""
    return {
        "id": profile.id, "name": profile.name, "provider": profile.provider,
        "base_model_id": profile.base_model_id, "base_model_id_source": profile.base_model_id_source,
        "base_model_id_verified": profile.base_model_id_verified, "aliases": list(profile.aliases),
        "legacy": profile.legacy, "status_note": profile.status_note, "tokenizer": profile.tokenizer,
        "token_margin": profile.token_margin, "chars_per_token": profile.chars_per_token,
        "reserved_keywords": list(profile.reserved_keywords),
        "reserved_keywords_case_sensitive": profile.reserved_keywords_case_sensitive,
        "media": list(profile.media), "tasks": {name: _task(spec) for name, spec in profile.tasks.items()},
        "overrides": [p.name for p in profile.overrides],
    }


def _mark(verified: bool, note: str) -> str:
    return ("  [unverified]" if not verified else "") + (f"  note: {note}" if note else "")


def profile_lines(profile: Profile) -> list[str]:
    """One profile for people: identity, tokenizer, then per task its quotas and hyperparameter ranges."""
    keywords = ", ".join(json.dumps(k) for k in profile.reserved_keywords) or "none"
    lines = [
        f"{profile.id}  {profile.name} ({profile.provider}){'  [legacy]' if profile.legacy else ''}",
        f"base model id: {profile.base_model_id}  source: {profile.base_model_id_source or 'none'}"
        f"{_mark(profile.base_model_id_verified, '')}",
        f"aliases: {', '.join(profile.aliases) or 'none'}",
        f"tokenizer: {profile.tokenizer} (margin {profile.token_margin:.0%}, estimate {profile.chars_per_token:g} "
        f"characters per token)",
        f"reserved keywords: {keywords}",
        f"media besides text: {', '.join(profile.media) or 'none'}",
        *([f"status: {profile.status_note}"] if profile.status_note else []),
        *([f"overridden by: {', '.join(p.name for p in profile.overrides)}"] if profile.overrides else []),
    ]
    for name, spec in profile.tasks.items():
        validation = "accepted" if spec.validation_supported else "not accepted"
        lines += ["", f"{name} ({spec.customization_type}): format {spec.format}, validation file {validation}",
                  "  quotas and limits:"]
        lines += [f"    {key:<32} {entry.value:>14,}  {entry.date}  {entry.source}{_mark(entry.verified, entry.note)}"
                  for key, entry in spec.quotas.items()]
        lines.append("  hyperparameters:")
        lines += [f"    {key:<32} {h.type:<5} {h.min:g}..{h.max:g}  default "
                  f"{'none' if h.default is None else format(h.default, 'g')}  {h.date}  {h.source}"
                  f"{_mark(True, h.note)}" for key, h in spec.hyperparameters.items()]
        lines += _task_extras(spec)
    return [terminal_safe(line) for line in lines]


def _task_extras(spec: TaskSpec) -> list[str]:
    """A distillation task's teachers and a task trained through another API than CreateModelCustomizationJob."""
    lines = []
    if spec.teachers is not None:
        teachers = spec.teachers
        ids = ", ".join(teachers.ids) or "none offered today"
        lines.append(f"  teachers: {ids}  {teachers.date}  {teachers.source}{_mark(True, teachers.note)}")
    if spec.job_api != "create-model-customization-job":
        lines.append("  job: through Bedrock's OpenAI-compatible fine-tuning API, not CreateModelCustomizationJob")
    return lines
