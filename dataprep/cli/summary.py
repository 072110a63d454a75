"""Terminal output of `build`: progress bars per stage while it runs, a summary table when it is done.

Both go to stderr through rich (which typer already brings). Bars only appear on a terminal, each moving as
its stage's work is done (worker results arrive per chunk), with elapsed and remaining time; in CI logs and
pipes each stage prints one line when it is done (count and seconds), and with `--quiet` the build prints the
summary alone.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from dataprep.cli.output import terminal_safe
from dataprep.io.remote import shown
from dataprep.registry import rule

if TYPE_CHECKING:
    from dataprep.build.model import BuildResult, Progress
    from dataprep.parallel import Advance

# Without a terminal (CI logs, pipes) lines are not wrapped at 80 columns: a path cut in two cannot be copied.
console = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 200)


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Progress]:
    """The pipeline's `Progress`: a moving bar per stage on a terminal, one line per stage when done in a log
    (CI, pipes), nothing when disabled (`--quiet`)."""
    if not enabled:
        from dataprep.build.model import no_progress

        yield no_progress
    elif not console.is_terminal:
        yield _stage_lines
    else:
        bars = RichProgress(TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=console,
                            transient=False, refresh_per_second=8)
        with bars:
            yield _Bars(bars)


class _Bars:
    """One rich task per stage; a phase of a stage (dedup's signatures, candidates, verify) takes over the
    stage's own bar, its label and total, so the line moves through each part and ends at the stage's count."""

    def __init__(self, bars: RichProgress) -> None:
        self.bars = bars
        self.running: list[TaskID] = []
        self.drawn = 0.0

    @contextmanager
    def __call__(self, name: str, total: int, *, phase: bool = False) -> Iterator[Advance]:
        if phase and self.running:
            task = self.running[-1]
            shown = self.bars.tasks[task]
            label, whole = shown.description, shown.total
            self.bars.update(task, description=name, total=total, completed=0)
            # Each part is drawn as it starts and again at its first progress, whatever the throttle: a part
            # can take less than a redraw interval (candidates, on a small input), and it should still be seen.
            self.bars.refresh()
            self.drawn = 0.0
            yield self._advance(task)
            self.bars.update(task, description=label, total=whole, completed=0)
            return
        task = self.bars.add_task(name, total=total)
        self.running.append(task)
        try:
            yield self._advance(task)
        finally:
            self.running.remove(task)
        self.bars.update(task, completed=self.bars.tasks[task].total or 0)

    def _advance(self, task: TaskID) -> Advance:
        def advance(n: int, total: int | None = None) -> None:
            self.bars.update(task, advance=n, total=total)
            # Drawn when a chunk's results arrive, not only at the refresh rate: a stage's parts can be
            # shorter than a refresh, and the bar should still show that they moved (at most 20 draws a second).
            if n and time.perf_counter() - self.drawn >= _REDRAW:
                self.bars.refresh()
                self.drawn = time.perf_counter()

        return advance


_UNITS = {"read": "file", "write": "file"}
_REDRAW = 0.05  # seconds: the least time between two draws forced by progress


@contextmanager
def _stage_lines(name: str, total: int, *, phase: bool = False) -> Iterator[Advance]:
    """Without a terminal: one whole line per stage once it is done (its count and seconds), none per phase."""
    counted = [total]

    def advance(n: int, total: int | None = None) -> None:
        if total is not None:
            counted[0] = total

    start = time.perf_counter()
    yield advance
    if not phase:
        console.print(Text(f"{name}: {counted[0]:,} {_UNITS.get(name, 'record')}{'' if counted[0] == 1 else 's'} in "
                           f"{time.perf_counter() - start:.1f} s"))


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
    media = result.manifest.get("media") or []
    if media:  # the images and video the records name: copied once each, to upload before the splits
        console.print(Text(terminal_safe(f"media: {len(media):,} objects, {sum(m['bytes'] for m in media):,} bytes "
                                         f"in {out / 'media'} for {result.settings.media_prefix}")))
    for entry in result.inputs:
        if entry.mapping:  # which field became which, per file: say it so a wrong guess is seen
            console.print(Text(terminal_safe(f"read {entry.path} as: {entry.mapping}")))
    languages = Counter(u.lang for units in result.splits.values() for u in units)
    mix = ", ".join(f"{lang} {n:,}" for lang, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0])))
    console.print(f"languages ({result.settings.lang_detector}): {mix}")
    if result.rows is not None and result.rows.spilled:  # a build over --memory-limit says where its rows went
        console.print(Text(terminal_safe(f"memory: {result.rows.held:,} bytes of converted records held, "
                                         f"{result.rows.spilled:,} spilled to a temporary file in "
                                         f"{result.rows.folder} (--memory-limit {result.rows.budget:,})")))
    _print_skipped(result)
    if (out / "report.html").exists():
        page = out / "report.html"
        uri = terminal_safe(page.resolve().as_uri() if shown(page) == str(page) else shown(page))
        console.print(Text(f"report: {uri} (also report.json, expectations.json)"))
    console.print(Text(f"{records_line(result)}; tokens counted with {result.token_counter}"))


def records_line(result: BuildResult) -> str:
    """Records in, counted once as report.json and the HTML count them (input records), and where they went;
    a chunked build says how many documents became how many chunks, so the sum still adds up."""
    written = sum(len(v) for v in result.splits.values())
    line = f"{result.input_records:,} records in"
    if result.units != result.input_records:
        chunk = next((s for s in result.stages if s.name == "chunk"), None)
        split = f"{chunk.records_in:,} documents → {chunk.records_out:,} chunks: " if chunk else ""
        line += f" ({split}{result.units:,} after chunking)"
    return f"{line} = {written:,} written + {len(result.rejected):,} rejected"


_SKIPPED_SHOWN = 10


def _print_skipped(result: BuildResult) -> None:
    """The files under RAW the build did not read (not records, so in no count), each with its rule code."""
    if not result.skipped:
        return
    console.print(Text(f"skipped, not read ({len(result.skipped):,} file{'' if len(result.skipped) == 1 else 's'}"
                       ", not counted as records):"))
    for entry in result.skipped[:_SKIPPED_SHOWN]:
        console.print(Text(terminal_safe(f"  {entry.path}  {entry.code} {entry.reason}")))
    if len(result.skipped) > _SKIPPED_SHOWN:
        console.print(Text(f"  ... and {len(result.skipped) - _SKIPPED_SHOWN:,} more (manifest.json lists every one)"))


def _stages(result: BuildResult) -> Table:
    """Records in and out of each step, and its seconds (read counts files in, write has no record count)."""
    stages = Table(title="dataprep build", title_justify="left")
    for column in ("stage", "in", "out", "seconds"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for stage in result.stages:
        if stage.name == "read":
            files = f"{stage.records_in:,} file{'' if stage.records_in == 1 else 's'}"
            stages.add_row("read", files, f"{stage.records_out:,} records", f"{stage.seconds:.1f}")
        elif stage.name == "write":
            stages.add_row("write, check", "", "", f"{stage.seconds:.1f}")
        elif stage.name == "chunk" and stage.records_out != stage.records_in:
            stages.add_row("chunk", f"{stage.records_in:,} documents", f"{stage.records_out:,} chunks",
                           f"{stage.seconds:.1f}")
        else:
            stages.add_row(stage.name, f"{stage.records_in:,}", f"{stage.records_out:,}", f"{stage.seconds:.1f}")
    return stages


def _path(path: Path) -> Text:
    """A path as plain text: `run[/x]` is a folder name, not Rich markup, and its escape sequences are dropped."""
    return Text(terminal_safe(shown(path)))  # an s3:// OUT's local stage shows as the OUT


def _n(value: int) -> str:
    return f"{value:,}" if value else ""
