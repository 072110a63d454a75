"""Terminal output of `build`: progress bars per stage while it runs, a summary table when it is done.

Both go to stderr through rich (which typer already brings). Bars only appear on a terminal; in CI logs
and pipes, or with `--quiet`, the build prints the summary alone, so logs stay readable.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dataprep.cli.output import terminal_safe
from dataprep.registry import rule

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult

# Without a terminal (CI logs, pipes) lines are not wrapped at 80 columns: a path cut in two cannot be copied.
console = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Callable[[str, int], object]]:
    """A `Progress` callback for the pipeline: one bar per stage, or nothing when disabled."""
    if not enabled or not console.is_terminal:
        from dataprep.build.model import no_progress

        yield no_progress
        return
    bars = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)

    @contextmanager
    def stage(name: str, total: int) -> Iterator[Callable[[int], None]]:
        task = bars.add_task(name, total=total)
        yield lambda n: bars.advance(task, n)
        bars.update(task, completed=total)

    with bars:
        yield stage


def print_summary(result: BuildResult, out: Path) -> None:
    """Records in and out per stage, what each rule did, and how much of each quota the splits use."""
    console.print(_stages(result))

    rules = Table(title="rules", title_justify="left")
    for column in ("code", "rule", "dropped", "fixed", "warned"):
        rules.add_column(column, justify="left" if column in ("code", "rule") else "right")
    drops = result.drops
    for code in sorted(set(drops) | set(result.fixes) | set(result.warnings)):
        rules.add_row(code, rule(code).name, _n(drops[code]), _n(result.fixes[code]), _n(result.warnings[code]))
    if rules.row_count:
        console.print(rules)

    quotas = Table(title=f"{result.profile.id} {result.spec.task}", title_justify="left")
    for column in ("split", "records", "quota", "tokens", "file"):
        quotas.add_column(column, justify="left" if column in ("split", "file") else "right")
    outputs = result.manifest.get("outputs", {})
    for split, key in (("train", "max_train_records"), ("validation", "max_validation_records"), ("test", None)):
        if split not in outputs:
            continue
        quota = result.spec.quota(key) if key else None
        entry = outputs[split]
        quotas.add_row(split, f"{entry['records']:,}", f"{quota:,}" if quota else "-", f"{entry['tokens']:,}",
                       _path(out / entry["file"]))
    quotas.add_row("rejected", f"{len(result.rejected):,}", "", "", _path(out / "rejected.jsonl"))
    console.print(quotas)
    for entry in result.inputs:
        if entry.mapping:  # which field became which, per file: say it so a wrong guess is seen
            console.print(Text(terminal_safe(f"read {entry.path} as: {entry.mapping}")))
    languages = Counter(u.lang for units in result.splits.values() for u in units)
    mix = ", ".join(f"{lang} {n:,}" for lang, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])))
    console.print(f"languages ({result.settings.lang_detector}): {mix}")
    if (out / "report.html").exists():
        uri = terminal_safe((out / "report.html").resolve().as_uri())
        console.print(Text(f"report: {uri} (also report.json, expectations.json)"))
    console.print(f"{result.units:,} records in = {sum(len(v) for v in result.splits.values()):,} written + "
                  f"{len(result.rejected):,} rejected; tokens counted with {result.token_counter}")


def _stages(result: BuildResult) -> Table:
    """Records in and out of each step, and its seconds (read counts files in, write has no record count)."""
    stages = Table(title="dataprep build", title_justify="left")
    for column in ("stage", "in", "out", "seconds"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for stage in result.stages:
        if stage.name == "read":
            stages.add_row("read", f"{stage.records_in:,} files", f"{stage.records_out:,}", f"{stage.seconds:.1f}")
        elif stage.name == "write":
            stages.add_row("write, check", "", "", f"{stage.seconds:.1f}")
        else:
            stages.add_row(stage.name, f"{stage.records_in:,}", f"{stage.records_out:,}", f"{stage.seconds:.1f}")
    return stages


def _path(path: Path) -> Text:
    """A path as plain text: `run[/x]` is a folder name, not Rich markup, and its escape sequences are dropped."""
    return Text(terminal_safe(str(path)))


def _n(value: int) -> str:
    return f"{value:,}" if value else ""
