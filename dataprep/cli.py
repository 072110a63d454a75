"""The `dataprep` command line.

Start-up must stay light because `validate` runs as a pre-commit hook on every commit: heavy modules
(tiktoken, polars, great-expectations) are imported inside the commands that need them, never here.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from dataprep import __version__
from dataprep.job_cli import job

app = typer.Typer(
    name="dataprep",
    help="Lint and build Amazon Bedrock model-customization datasets before upload.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def _fail_usage(message: str) -> NoReturn:
    typer.echo(f"dataprep: error: {message}", err=True)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dataprep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Lint and build Amazon Bedrock model-customization datasets before upload."""


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="JSONL files, or folders holding train.jsonl/validation.jsonl.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model profile id or Bedrock model id.")] = None,
    task: Annotated[str | None, typer.Option(help="fine-tuning or continued-pretraining.")] = None,
    split: Annotated[str | None, typer.Option(help="train or validation (default: from the file name).")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.text,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Config file (default: nearest dataprep.toml or pyproject.toml).")
    ] = None,
) -> None:
    """Check JSONL files against a Bedrock model's format and limits. Exit 0 clean, 1 errors, 2 usage."""
    from dataprep.config import ConfigError, load_config
    from dataprep.findings import Severity
    from dataprep.profiles import ProfileError, resolve_model
    from dataprep.validate import UsageError, validate_paths

    if split not in (None, "train", "validation"):
        _fail_usage(f"--split must be train or validation, not {split!r}")
    try:
        cfg = load_config(config)
        model = model or cfg.get("model")
        task = task or cfg.get("task")
        extra = [*cfg.profile_files(), *(profile_file or [])]
        profile = resolve_model(model, extra) if model else None
        findings = validate_paths(paths, profile, task, split, cfg.policy)
    except (UsageError, ProfileError, ConfigError) as exc:
        _fail_usage(str(exc))
    errors = sum(f.severity == Severity.ERROR for f in findings)
    if output is OutputFormat.json:
        typer.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    else:
        for f in findings:
            if output is OutputFormat.github:
                level = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(f.severity, "notice")
                typer.echo(f"::{level} file={f.path},line={max(f.line, 1)},col={max(f.col, 1)},title={f.code}::"
                           f"{_escape(f.message)}")
            else:
                typer.echo(f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}")
        warnings = sum(f.severity == Severity.WARNING for f in findings)
        checked = f"for {profile.id}" if profile else "(format only; pass --model for limits)"
        typer.echo(f"{len(findings)} finding(s): {errors} error(s), {warnings} warning(s) {checked}", err=True)
    raise typer.Exit(1 if errors else 0)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


@app.command()
def rules(code: Annotated[str | None, typer.Argument(help="A rule code such as DP203.")] = None) -> None:
    """List every rule, or explain one."""
    from dataprep.rules import registry

    table = registry()
    if code is None:
        for rule in table.values():
            typer.echo(f"{rule.code}  {rule.severity!s:<7}  {rule.name:<32} {rule.summary}")
        return
    rule = table.get(code.upper())
    if rule is None:
        _fail_usage(f"no rule {code!r}; `dataprep rules` lists them")
    typer.echo(f"{rule.code} {rule.name} ({rule.severity}, build action: {rule.action})\n\n{rule.summary}\n\n"
               f"Why: {rule.explanation}\n\nFix: {rule.fix}")


@app.command()
def models(
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).")] = None,
) -> None:
    """List the model profiles, their tasks and formats."""
    from dataprep.profiles import ProfileError, load_profiles

    try:
        profiles = load_profiles(profile_file or [])
    except ProfileError as exc:
        _fail_usage(str(exc))
    for profile in profiles.values():
        tasks = ", ".join(f"{t.task} ({t.format})" for t in profile.tasks.values())
        legacy = "  [legacy]" if profile.legacy else ""
        typer.echo(f"{profile.id:<24} {profile.base_model_id:<44} {tasks}{legacy}")


app.command()(job)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
