"""The `dataprep` command line: the typer app, its root options and the commands, one module each.

Start-up must stay light because `validate` runs as a pre-commit hook on every commit: heavy modules
(tiktoken, polars, numpy, great-expectations) are imported inside the commands that need them, never at
module level of a command module (tests/test_cli.py checks `--help` and `validate`).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dataprep import __version__
from dataprep.cli.build import DefaultsInHelp, build
from dataprep.cli.job import job
from dataprep.cli.models import models
from dataprep.cli.report import report
from dataprep.cli.rules import rules
from dataprep.cli.validate import validate

app = typer.Typer(
    name="dataprep",
    help="Lint and build Amazon Bedrock model-customization datasets before upload.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    """`--version` is eager: it prints and exits before any command runs."""
    if value:
        typer.echo(f"dataprep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Lint and build Amazon Bedrock model-customization datasets before upload."""


def _register(target: typer.Typer) -> None:
    """Every command, in the order `dataprep --help` lists them; `build` shows its defaults in its help."""
    target.command()(validate)
    target.command(cls=DefaultsInHelp)(build)
    target.command()(rules)
    target.command()(models)
    target.command()(job)
    target.command()(report)


_register(app)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())
