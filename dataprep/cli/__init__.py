"""The `dataprep` command line: the typer app, its root options and the commands, one module each.

Start-up must stay light because `validate` runs as a pre-commit hook on every commit: heavy modules
(tiktoken, polars, numpy, great-expectations) are imported inside the commands that need them, never at
module level of a command module (tests/test_cli.py checks `--help` and `validate`).
"""

from __future__ import annotations

import os
import shlex
import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from dataprep import __version__
from dataprep.cli.build import DefaultsInHelp, build
from dataprep.cli.job import job
from dataprep.cli.models import models
from dataprep.cli.output import OneLineUsage
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
    target.command(cls=OneLineUsage)(validate)
    target.command(cls=DefaultsInHelp)(build)
    target.command(cls=OneLineUsage)(rules)
    target.command(cls=OneLineUsage)(models)
    target.command()(job)
    target.command()(report)


_register(app)


# Set by the test suite: an exception that reaches the final guard is a bug, so tests see it raised.
RAISE_UNEXPECTED = "DATAPREP_RAISE_UNEXPECTED"


def main() -> None:
    """Console-script entry point, and the final guard: no exception reaches the user as a traceback.

    Every error dataprep expects is a one-line message from its command (exit 1 or 2). Anything else is a bug:
    the user gets one line naming the command and its inputs and a log file holding the traceback, exit 2.
    """
    try:
        code = app()
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit as done:
        if _caused_by_interrupt(done):  # typer turns Ctrl-C in a command into a silent exit 130
            _interrupted()
        raise
    except Exception as exc:  # the final guard: anything a command did not expect
        if os.environ.get(RAISE_UNEXPECTED) == "1":
            raise
        sys.exit(_report_crash(exc))
    sys.exit(code)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in the exception's chain (typer re-raises Ctrl-C as `Exit(130)`)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _interrupted() -> NoReturn:
    """Ctrl-C: one line and the shell's 130 (128 + SIGINT), not a KeyboardInterrupt traceback."""
    typer.echo("dataprep: interrupted", err=True)
    sys.exit(130)


def _report_crash(exc: BaseException) -> int:
    """Write the traceback to a log outside every argument folder, print one line pointing at it; exit 2."""
    from dataprep.cli.output import terminal_safe

    command = terminal_safe(shlex.join(["dataprep", *sys.argv[1:]]))
    log = _crash_log("".join(traceback.format_exception(exc)))
    where = f"; the traceback is in {log}" if log else " (no log file could be written)"
    typer.echo(f"dataprep: internal error in `{command}`: {type(exc).__name__}: {terminal_safe(str(exc))[:200]}"
               f"{where}; please report it", err=True)
    return 2


def _crash_log(text: str) -> Path | None:
    """A new log file in $XDG_STATE_HOME/dataprep, else the temp dir, else ~/.local/state/dataprep; never in
    a folder the command was given (its OUT is the user's, and a build publishes it whole)."""
    import tempfile
    import time

    given = [Path(a).resolve() for a in sys.argv[1:] if not a.startswith("-") and Path(a).is_dir()]
    state = os.environ.get("XDG_STATE_HOME")
    candidates = [*([Path(state) / "dataprep"] if state else []), Path(tempfile.gettempdir()),
                  Path.home() / ".local" / "state" / "dataprep"]
    for folder in candidates:
        real = folder.resolve()
        if any(real == g or real.is_relative_to(g) for g in given):
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"dataprep-crash-{time.strftime('%Y%m%dT%H%M%S')}-",
                                        suffix=".log", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"dataprep {__version__}: {shlex.join(sys.argv)}\n{text}")
            return Path(name)
        except OSError:
            continue
    return None
