"""Every way the command line prints findings, and its one-line usage error.

`validate`, the findings a build leaves in its written files and `job` all print findings through this
module, so `path:line:col: CODE message`, the JSON array and the GitHub annotations are written once and a
change to one format reaches every command. Only `dataprep.findings` (dataclasses, enum) is imported:
`validate` runs as a pre-commit hook and its start-up must stay light.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import NoReturn

import typer
from typer.core import TyperCommand

from dataprep.findings import Finding, Severity


class OutputFormat(StrEnum):
    """`validate --output-format`: for people (text, concise, grouped), for programs (json, json-lines), for CI
    (github annotations, gitlab code quality, sarif code scanning, junit test reports). `cli/formats` renders
    them; `print_findings` here renders the three that `build` and `job` print (text, json, github)."""

    text = "text"
    concise = "concise"
    grouped = "grouped"
    json = "json"
    json_lines = "json-lines"
    github = "github"
    gitlab = "gitlab"
    sarif = "sarif"
    junit = "junit"

    @property
    def machine(self) -> bool:
        """A document a program parses whole: stderr stays empty too (no summary line) unless it fails."""
        return self in (OutputFormat.json, OutputFormat.json_lines, OutputFormat.gitlab, OutputFormat.sarif,
                        OutputFormat.junit)


# Terminal escape sequences (ECMA-48): CSI `ESC [ ... final` (and its one-byte form U+009B), OSC/DCS/APC/PM/SOS
# strings ended by BEL or ST, and the two-byte `ESC x` forms. A file name can hold any of them.
_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
                       r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                       r"|\x1b[ -/]*[0-~]?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def strip_sequences(text: str) -> str:
    """`text` without terminal escape sequences: a path must not recolour, retitle or clear the user's terminal."""
    return _SEQUENCE.sub("", text)


def terminal_safe(text: str) -> str:
    """`text` for one terminal line: escape sequences removed, every other C0/C1 control (newline included)
    shown as `\\xNN`, so a file name can neither break the line nor hide what it is."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", strip_sequences(text))


def shell_quote(text: str) -> str:
    """`text` quoted for a command line the user copies from the output (`run[/x]` is a glob to the shell)."""
    import shlex

    return shlex.quote(text)


def fail_usage(message: str) -> NoReturn:
    """Exit 2 with a one-line message and no traceback: the contract for every usage, config or profile error."""
    typer.echo(f"dataprep: error: {terminal_safe(message)}", err=True)
    raise typer.Exit(2)


def text_line(finding: Finding, *, bare_whole_file: bool = False) -> str:
    """`path:line:col: CODE message`, the format editors and CI logs jump to.

    `bare_whole_file` prints a whole-file finding (line 0) as `path: CODE message`, as `job` always has.
    """
    path = terminal_safe(finding.path)
    where = path if bare_whole_file and not finding.line else f"{path}:{finding.line}:{finding.col}"
    return f"{where}: {finding.code} {terminal_safe(finding.message)}"


def github_line(finding: Finding) -> str:
    """A GitHub Actions workflow command, so a finding shows on the pull request's diff at its line.

    Properties and message are escaped as the runner parses them: a `,` or a newline in a file name must not
    end the property list or start another annotation.
    """
    level = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(finding.severity, "notice")
    return (f"::{level} file={escape_property(strip_sequences(finding.path))},line={max(finding.line, 1)},"
            f"col={max(finding.col, 1)},title={escape_property(finding.code)}::"
            f"{escape_github(strip_sequences(finding.message))}")


def escape_github(text: str) -> str:
    """Escape what ends or breaks a workflow command's message (GitHub's own `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (GitHub's own `escapeProperty`): also `:` and `,`."""
    return escape_github(text).replace(":", "%3A").replace(",", "%2C")


def json_document(findings: Iterable[Finding]) -> str:
    """The findings as one JSON array, one object per finding (pinned by tests/golden/validate-catalogue.json)."""
    return json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1)


def print_findings(findings: Sequence[Finding], output: OutputFormat = OutputFormat.text, *, err: bool = False,
                   bare_whole_file: bool = False) -> None:
    """Print the findings in `output` format to stdout (or stderr with `err`)."""
    if output is OutputFormat.json:
        typer.echo(json_document(findings), err=err)
        return
    for finding in findings:
        line = github_line(finding) if output is OutputFormat.github else text_line(
            finding, bare_whole_file=bare_whole_file)
        typer.echo(line, err=err)


def count(findings: Iterable[Finding], severity: Severity) -> int:
    """How many findings have exactly this severity (errors decide the exit code)."""
    return sum(f.severity == severity for f in findings)


def summary_line(findings: Sequence[Finding], checked: str) -> str:
    """`N finding(s): E error(s), W warning(s) CHECKED`, the last line `validate` prints (to stderr)."""
    errors, warnings = count(findings, Severity.ERROR), count(findings, Severity.WARNING)
    return f"{len(findings)} finding(s): {errors} error(s), {warnings} warning(s) {terminal_safe(checked)}"


try:  # typer 0.25+ carries its own copy of click: its exceptions are not the installed click's
    from typer._click import exceptions as _cli_errors
except ImportError:  # pragma: no cover - older typer runs on the installed click
    from click import exceptions as _cli_errors  # type: ignore[no-redef]


class OneLineUsage(TyperCommand):
    """A command whose own usage errors (unknown option, bad choice, missing argument) are one line on stderr
    and exit 2, like every other usage error: no usage banner, no panel, nothing on stdout for a program that
    parses it. Options are parsed in `parse_args` and converted when the command is invoked: both are caught."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _cli_errors.NoArgsIsHelpError:
            raise
        except _cli_errors.UsageError as exc:
            _usage_line(ctx, exc)

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except _cli_errors.UsageError as exc:
            _usage_line(ctx, exc)


def _usage_line(ctx: typer.Context, exc: _cli_errors.UsageError) -> NoReturn:
    message = exc.format_message().replace("Value error, ", "")  # typer's wording of a failed conversion
    typer.echo(f"dataprep: error: {terminal_safe(message)} "
               f"(see `{terminal_safe(ctx.command_path)} --help`)", err=True)
    raise typer.Exit(2) from None
