"""`dataprep validate FILE...`: check JSONL files against a Bedrock model's format and limits.

It runs as a pre-commit hook on every commit, so only typer and the output module are imported here; the
checks and the renderers are imported when the command runs. The flags follow ruff's: `--output-format`,
`--statistics`, `--exit-zero`, `--select/--ignore/--extend-select` (over the config's `ignore`, through the
one `RulePolicy`), `--max-per-rule`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dataprep.cli.output import OutputFormat, fail_usage, summary_line
from dataprep.errors import ConfigError, ProfileError, UsageError

if TYPE_CHECKING:
    from dataprep.findings import Finding
    from dataprep.profiles import Profile



class Task(StrEnum):
    """`--task`: the Bedrock customization types dataprep checks."""

    fine_tuning = "fine-tuning"
    continued_pretraining = "continued-pretraining"
    distillation = "distillation"
    reinforcement_fine_tuning = "reinforcement-fine-tuning"


class Split(StrEnum):
    """`--split`: the two files a job uploads."""

    train = "train"
    validation = "validation"


_CODES = "Rule codes or prefixes (DP4 is every DP4xx), repeated or comma-separated"


def validate(
    paths: Annotated[list[Path], typer.Argument(help="JSONL files, or folders holding train.jsonl/validation.jsonl "
                                                "(- reads standard input).", show_default=False)],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model profile id or Bedrock model id.",
                                              show_default="config's model, else format checks only")] = None,
    task: Annotated[Task | None, typer.Option(help="What the data is for.",
                                              show_default="config's task, else the model's first")] = None,
    split: Annotated[Split | None, typer.Option(help="Which split the files are (quotas differ).",
                                                show_default="from the file name")] = None,
    output_format: Annotated[OutputFormat | None, typer.Option(
        "--output-format", help="How findings are printed.", show_default="text")] = None,
    legacy_format: Annotated[OutputFormat | None, typer.Option(
        "--format", help="Alias of --output-format; `--format json` keeps the earlier bare JSON array.",
        show_default="text")] = None,
    statistics: Annotated[bool, typer.Option(
        "--statistics", help="Print the count of findings per rule instead of the findings.",
        show_default="off")] = False,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when some findings are errors (usage errors still exit 2).",
        show_default="off")] = False,
    select: Annotated[list[str] | None, typer.Option(
        help=f"{_CODES}: report only these.", show_default="every code")] = None,
    extend_select: Annotated[list[str] | None, typer.Option(
        help=f"{_CODES}: report these too.", show_default="none")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        help=f"{_CODES}: never report these (nor the config's).", show_default="the config's")] = None,
    max_per_rule: Annotated[int | None, typer.Option(
        min=1, help="Print at most N findings of each rule, then one line saying how many more "
        "(text, concise, grouped, github).", show_default="no limit")] = None,
    profile_file: Annotated[list[Path] | None, typer.Option(help="Extra or overriding model profile (TOML).",
                                                            show_default="none")] = None,
    config: Annotated[Path | None, typer.Option(
        help="Config file.", show_default="nearest dataprep.toml or pyproject.toml")] = None,
    media_root: Annotated[str | None, typer.Option(
        help="Inspect the images and videos: local copies in DIR/bucket/key, or s3 to read them from S3.",
        metavar="<DIR|s3>", show_default="not inspected")] = None,
) -> None:
    """Check JSONL files against a Bedrock model's format and limits.

    Exit status: 0 when no finding is an error (or with --exit-zero), 1 when some are, 2 on a usage error.
    A usage error (bad option, unknown model or rule code, missing file) prints nothing on stdout, whatever
    the --output-format, and one line `dataprep: error: ...` on stderr. The json and json-lines output
    follows dataprep/cli/findings.schema.json (format_version 1).
    """
    fmt, legacy = _format(output_format, legacy_format)
    if statistics:
        _check_statistics(fmt)
    profile, findings = _run(paths, model, task and task.value, split and split.value, profile_file, config,
                             (select, extend_select, ignore), media_root)
    _print(findings, fmt, legacy, statistics, profile, paths, max_per_rule)
    from dataprep.findings import Severity

    if exit_zero:
        raise typer.Exit(0)
    raise typer.Exit(1 if any(f.severity == Severity.ERROR for f in findings) else 0)


def _format(output_format: OutputFormat | None, legacy_format: OutputFormat | None) -> tuple[OutputFormat, bool]:
    """The format asked for, and whether it came from the old `--format` (its json is the bare array)."""
    if output_format and legacy_format and output_format is not legacy_format:
        fail_usage(f"--format {legacy_format} and --output-format {output_format} disagree; give one")
    fmt = output_format or legacy_format or OutputFormat.text
    return fmt, output_format is None and legacy_format is not None


def _check_statistics(fmt: OutputFormat) -> None:
    from dataprep.cli.formats import STATISTICS_FORMATS

    if fmt not in STATISTICS_FORMATS:
        fail_usage(f"--statistics prints counts as text or json, not as {fmt}; "
                   f"use --output-format {' | '.join(STATISTICS_FORMATS)}")


def _run(paths: list[Path], model: str | None, task: str | None, split: str | None,
         profile_file: list[Path] | None, config: Path | None,
         selection: tuple[list[str] | None, list[str] | None, list[str] | None], media_root: str | None = None,
         ) -> tuple[Profile | None, list[Finding]]:
    """The checks as `dataprep.validate` runs them (`dataprep.api.check`); every usage problem exits 2 here."""
    from dataprep.api import check

    try:
        return check(paths, model, task, split, profile_file, config, selection, media_root)
    except (UsageError, ProfileError, ConfigError) as exc:
        fail_usage(str(exc))


def _print(findings: list[Finding], fmt: OutputFormat, legacy: bool, statistics: bool, profile: Profile | None,
           paths: list[Path], max_per_rule: int | None) -> None:
    """stdout: the findings (or their statistics) in `fmt`; stderr: the summary line for the formats people read."""
    from dataprep.cli import formats

    if statistics:
        out = formats.statistics(findings, fmt)
    elif legacy and fmt is OutputFormat.json:
        from dataprep.cli.output import json_document

        out = json_document(findings) + "\n"
    else:
        files = _checked_files(paths) if fmt is OutputFormat.junit else ()
        out = formats.render(findings, fmt, formats.Run(profile.id if profile else None, files, max_per_rule))
    typer.echo(out, nl=False)
    if not fmt.machine:
        checked = f"for {profile.id}" if profile else "(format only; pass --model for limits)"
        typer.echo(summary_line(findings, checked), err=True)


def _checked_files(paths: list[Path]) -> tuple[str, ...]:
    """Every file validate read (a clean one is a passing JUnit testcase)."""
    from dataprep.io.paths import expand_datasets

    try:
        return tuple(str(p) for p in expand_datasets(paths))
    except UsageError:
        return ()
