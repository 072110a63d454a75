"""`dataprep models`: the model profiles dataprep knows, with their tasks and record formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataprep.cli.output import fail_usage
from dataprep.errors import ProfileError


def models(
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
) -> None:
    """List the model profiles, their tasks and formats."""
    from dataprep.profiles import load_profiles

    try:
        profiles = load_profiles(profile_file or [])
    except ProfileError as exc:
        fail_usage(str(exc))
    for profile in profiles.values():
        tasks = ", ".join(f"{t.task} ({t.format})" for t in profile.tasks.values())
        legacy = "  [legacy]" if profile.legacy else ""
        typer.echo(f"{profile.id:<24} {profile.base_model_id:<44} {tasks}{legacy}")
