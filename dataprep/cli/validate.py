"""`dataprep validate FILE...`: check JSONL files against a Bedrock model's format and limits.

It runs as a pre-commit hook on every commit, so only typer and the output module are imported here; the
checks are imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dataprep.cli.output import OutputFormat, fail_usage, print_findings, summary_line
from dataprep.errors import ConfigError, ProfileError, UsageError


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
    from dataprep.config import load_config
    from dataprep.findings import Severity
    from dataprep.settings import resolve_target
    from dataprep.validate import validate_paths

    if split not in (None, "train", "validation"):
        fail_usage(f"--split must be train or validation, not {split!r}")
    try:
        cfg = load_config(config)
        profile, task = resolve_target(cfg, model, task, profile_file)
        findings = validate_paths(paths, profile, task, split, cfg.policy)
    except (UsageError, ProfileError, ConfigError) as exc:
        fail_usage(str(exc))
    print_findings(findings, output)
    if output is not OutputFormat.json:
        checked = f"for {profile.id}" if profile else "(format only; pass --model for limits)"
        typer.echo(summary_line(findings, checked), err=True)
    raise typer.Exit(1 if any(f.severity == Severity.ERROR for f in findings) else 0)
