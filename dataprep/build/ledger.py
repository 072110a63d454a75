"""The build's ledger: every rejection with its rule code, the fix and warning counters, stage timings.

Each step writes what it decided here, so "nothing lost" is checked in one place: the units a build placed
plus the units it rejected must equal the units it read (a chunked document is one record and as many
units as chunks).
"""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

from dataprep.build.model import Progress, Rejected, StageCount, Unit, no_progress
from dataprep.parallel import Advance, no_advance


@dataclass
class Stage:
    """One running step: its progress bar, its counts, and the bars of its phases."""

    advance: Advance
    count: StageCount
    progress: Progress = no_progress

    def done(self, records_out: int, records_in: int | None = None) -> None:
        self.count.records_out = records_out
        if records_in is not None:
            self.count.records_in = records_in

    def phase(self, label: str, total: int) -> AbstractContextManager[Advance]:
        """The progress of a part of the step (dedup's signatures, candidates, verification), on its bar."""
        return self.progress(f"{self.count.name}: {label}", total, phase=True)


@dataclass
class Ledger:
    """What the steps of one build decided, in the order they decided it."""

    progress: Progress
    rejected: list[Rejected] = field(default_factory=list)
    fixes: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    stages: list[StageCount] = field(default_factory=list)
    extra_units: int = 0  # chunks beyond the first of each chunked document
    _started: int = 0  # stages started so far
    _order: list[int] = field(default_factory=list)  # when each stage of `stages` started (its rank)

    def reject(self, unit: Unit, code: str, reason: str, evidence: bool = False) -> Rejected:
        """File a unit under `code`; a chunk's original is its own text, a record's the line it came from.

        `evidence` keeps the unit's row on the entry (the dedup step's members, which the report renders
        beside their kept record); any other entry lets the row go with its unit: at a million records the
        rows of the rejected are most of the build's memory.
        """
        original = unit.original if unit.chunks == 1 else (unit.row.text or "")
        entry = Rejected(unit.source, unit.line, unit.chunk, unit.chunks, code, reason, original,
                         held=unit.held if evidence else None)
        self.rejected.append(entry)
        return entry

    @contextmanager
    def stage(self, name: str, records_in: int, bar: bool = True) -> Iterator[Stage]:
        """Time a step (and show a progress bar unless `bar` is False); the step reports its output count."""
        start = time.perf_counter()
        count = StageCount(name, records_in, 0, 0.0)
        started = self._started
        self._started += 1
        if bar:
            with self.progress(name, records_in) as advance:
                yield Stage(advance, count, self.progress)
        else:
            yield Stage(no_advance, count)
        count.seconds = time.perf_counter() - start
        # Listed once done, in the order the stages started: the read stage ends while convert still runs.
        at = bisect.bisect(self._order, started)
        self._order.insert(at, started)
        self.stages.insert(at, count)

    def check_accounting(self, input_records: int, placed: int) -> int:
        """The units a build must account for; a bug (AssertionError) if placed + rejected differs."""
        total = input_records + self.extra_units
        if placed + len(self.rejected) != total:
            raise AssertionError(f"accounting: {total} units in, {placed} placed + {len(self.rejected)} rejected")
        return total
