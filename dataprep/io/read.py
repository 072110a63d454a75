"""Reading raw inputs for `dataprep build`: every input record becomes exactly one SourceRecord, in file order.

The build asserts `input rows == outputs + rejected`, so nothing read may be lost: each record keeps its
provenance (`source`, `line`) and its original text, and a record that cannot be converted keeps
`row=None` plus the rule code and a reason that says how to fix it, never a traceback. This module is the
orchestration and that drop policy; the work is done by its neighbours:

- `dataprep.io.paths` expands the RAW arguments into files,
- `dataprep.io.containers` reads one file's container into raw entries with their lines,
- `dataprep.formats.shapes.detect` names each entry's shape and `dataprep.io.importers` converts it.

A problem whose rule drops the record (per the registry and the policy's ignore list) makes the row None;
any other problem becomes a finding and the record is kept.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dataprep.errors import BuildError
from dataprep.findings import Finding
from dataprep.formats.base import Canonical
from dataprep.formats.shapes import SHAPE_KEYS, detect
from dataprep.io.compressed import inner_suffix
from dataprep.io.containers import Entry, read_file
from dataprep.io.files import FileIdentity, changed
from dataprep.io.importers import Convert, converters
from dataprep.io.mapping import ReadOptions
from dataprep.io.paths import Skipped, scan_inputs
from dataprep.io.remote import local, shown
from dataprep.io.reshape import Reshaped
from dataprep.parallel import Advance, no_advance
from dataprep.registry import RulePolicy, registry


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One input record: where it came from, as it was, and its canonical row or why there is none."""

    source: str  # the path as found by expanding the user's arguments
    line: int  # 1-based: JSONL line, line where a JSON element or CSV row starts, Parquet row number; 1 for text
    # The element/row as compact JSON, or the whole text document; None for a parsed JSONL line, which is read
    # back from the file only if the record ends in the ledger (holding every line would double the memory).
    original: str | None
    # "prompt-completion", "claude-messages", "bedrock-conversation", "pretraining", "alpaca", "dolly", "qa",
    # "openai-messages", "sharegpt" or "text"; None when the record could not be read at all
    shape: str | None
    row: Canonical | None
    code: str | None  # rule code when row is None
    reason: str | None  # what is wrong and how to fix it, when row is None

    def __reduce__(self) -> tuple[type[SourceRecord], tuple[object, ...]]:
        """Pickled as its fields (records go to the build's workers in chunks): a third less than by default."""
        return SourceRecord, (self.source, self.line, self.original, self.shape, self.row, self.code, self.reason)


@dataclass
class InputFile:
    """One input file as the manifest and report describe it."""

    path: str
    sha256: str  # of the bytes parsed ("" when the file could not be read: its one record is DP115)
    bytes: int
    records: int
    shapes: dict[str, int]
    identity: FileIdentity | None = None
    # What the reader chose for the file's fields, in one line ("question←Questions; answer←Answers (synonyms,
    # case-insensitive)", "prompt←questionText; completion←answerText (--map)", the HH side, the OASST paths);
    # "" when the records were read as found.
    mapping: str = ""

    def unchanged(self) -> str | None:
        """None while the file still holds the bytes the build parsed; else a one-line reason naming it."""
        if self.identity is None:
            return None
        why = changed(Path(local(self.path)), self.identity)
        return None if why is None else f"{self.path} changed during the build: {why}"


def check_unchanged(inputs: Sequence[InputFile]) -> None:
    """Raise BuildError (exit 1) naming every input that changed since it was read; call before publishing.

    The outputs were made from the bytes read; if a file changed since, the manifest's input sha256 would
    describe neither the data used nor the file now on disk.
    """
    problems = [why for why in (f.unchanged() for f in inputs) if why is not None]
    if problems:
        raise BuildError("; ".join(problems) + "; nothing was written, run the build again")


@dataclass
class ReadOutcome:
    """Every record of every input, the inputs' descriptions, and the findings that drop no record."""

    records: list[SourceRecord] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Paths under RAW not read: documentation, a build's own outputs, FIFOs, unreadable folders, links seen.
    skipped: list[Skipped] = field(default_factory=list)


def read_sources(paths: Sequence[Path], policy: RulePolicy, options: ReadOptions | None = None,
                 advance: Advance = no_advance) -> ReadOutcome:
    """Every record of every input file, converted to canonical rows, in one list; nothing is lost.

    `SourceStream` does the reading; this holds its records (the validation file's, tests, small inputs).
    """
    stream = SourceStream(paths, policy, options, advance)
    for batch in stream.batches(_BATCH):
        stream.outcome.records += batch
    return stream.outcome


_BATCH = 4000  # records per batch read_sources takes; the build asks for its convert chunk's size


class SourceStream:
    """Every record of every input file, in file order, handed out in batches as the files are read.

    Why a stream: at a million records, holding the file's bytes, then its entries, then its records before
    converting any was most of the build's peak memory; here a plain JSONL file is read line by line
    (`dataprep.io.containers`) and only the batches not yet converted are held. `outcome` gets each file's
    InputFile and findings once that file has been read; `outcome.records` stays empty. The paths are
    expanded at once: every path skipped is a finding (DP115 could not be read, DP116 not data), at line 0.
    `options` are the field mapping, the HH-RLHF side and the OASST paths (`dataprep.io.mapping`).
    `advance` is told the number of files once they are found, then of each file read. The records of the
    file `aside` (the user's validation file) are kept apart in `aside_records` instead of being handed out.
    """

    def __init__(self, paths: Sequence[Path], policy: RulePolicy, options: ReadOptions | None = None,
                 advance: Advance = no_advance, aside: Path | None = None) -> None:
        self._policy, self._options, self._advance = policy, options or ReadOptions(), advance
        scan = scan_inputs(paths)
        advance(0, total=len(scan.files))
        self._files = scan.files
        self.outcome = ReadOutcome(skipped=scan.skipped)
        for skipped in scan.skipped:
            policy.add(self.outcome.findings, shown(skipped.path), 0, 0, skipped.code, f"skipped: {skipped.reason}")
        self._aside = None if aside is None else aside.resolve()
        self.aside_records: list[SourceRecord] = []
        self.count = 0  # records read so far, the aside file's included

    def batches(self, size: int) -> Iterator[list[SourceRecord]]:
        """The records in batches of `size` (the last may be smaller), in file order; once only."""
        table = converters(self._options.hh_side)
        batch: list[SourceRecord] = []
        for path in self._files:
            aside = self._aside is not None and Path(shown(path)).resolve() == self._aside
            for record in self._file(path, table):
                self.count += 1
                if aside:
                    self.aside_records.append(record)
                    continue
                batch.append(record)
                if len(batch) >= size:
                    yield batch
                    batch = []
            self._advance(1)
        if batch:
            yield batch
        _DIGESTS.update((f.path, f.identity) for f in self.outcome.inputs if f.identity is not None)

    def _file(self, path: Path, table: dict[str, Convert]) -> Iterator[SourceRecord]:
        """One file's records as they are read; its InputFile and findings once it has been read whole (in the
        order they always had: the container's findings, then the importers')."""
        source = shown(path)  # an s3:// input is read from its local copy under its own name
        read_findings: list[Finding] = []
        record_findings: list[Finding] = []
        contents = read_file(path, self._policy, source, read_findings)
        entries = Reshaped(contents.entries, self._options, source, inner_suffix(path))
        convert = _Converter(source, self._policy, record_findings, table)
        shapes: Counter[str] = Counter()
        count = 0
        for entry in entries:
            record = convert(entry)
            count += 1
            if record.shape is not None:
                shapes[record.shape] += 1
            yield record
        mapping = "; ".join(note for note in (contents.note, entries.note) if note)
        self.outcome.findings += read_findings + record_findings
        self.outcome.inputs.append(InputFile(source, contents.sha256, contents.size, count,
                                             dict(sorted(shapes.items())), contents.identity, mapping))


# What each file read by a `SourceStream` held (path -> identity): `OriginalLines` reads a line back only from
# the bytes that were parsed. A later read of the same path replaces its entry.
_DIGESTS: dict[str, FileIdentity] = {}


class OriginalLines:
    """The lines of a JSONL file read back in increasing order (the originals the reader did not keep).

    One forward pass: the ledger asks for its entries' lines sorted, so at a million rejected records the
    build holds one line at a time instead of every original at once (about a gigabyte). The whole file is
    hashed on the way: when `read_sources` read this path and the bytes differ now, the lines would not be
    the records that were parsed, so leaving the block without an error raises BuildError (exit 1) naming
    the file. Used as a context manager; `line(n)` takes 1-based physical line numbers, never decreasing.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._expected = _DIGESTS.get(path)
        self._sha = hashlib.sha256()
        try:
            self._fh = open(local(path), "rb")  # noqa: SIM115 - closed by __exit__, which the class is used through
        except OSError as exc:
            raise BuildError(f"{path} changed during the build (it can no longer be read: {exc.strerror}); nothing "
                             "was written, run the build again") from None
        self._number, self._text = 0, ""

    def __enter__(self) -> OriginalLines:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None and self._expected is not None:
                for raw in self._fh:
                    self._sha.update(raw)
                if self._sha.hexdigest() != self._expected.sha256:
                    raise BuildError(f"{self._path} changed during the build (its sha256 differs from the bytes "
                                     "read); nothing was written, run the build again")
        finally:
            self._fh.close()

    def line(self, number: int) -> str:
        """Line `number` as text (BOM and line end removed); "" past the end of the file."""
        if number < self._number:
            raise ValueError(f"line {number} asked after line {self._number}: lines are read forward only")
        while self._number < number:
            raw = self._fh.readline()
            if not raw:
                self._number, self._text = number, ""
                break
            self._sha.update(raw)
            self._number += 1
            if self._number == number:
                text = raw.decode("utf-8", "replace").rstrip("\n").lstrip("\ufeff" if number == 1 else "")
                self._text = text[:-1] if text.endswith("\r") else text
        return self._text


class _Converter:
    """Turns container entries into SourceRecords: drop codes make the row None, the rest become findings."""

    def __init__(self, source: str, policy: RulePolicy, findings: list[Finding], table: dict[str, Convert]) -> None:
        """The drop codes are the registry's `drop` rules the policy does not ignore; `table` the converters."""
        self._source, self._policy, self._findings, self._table = source, policy, findings, table
        self._drop = frozenset(code for code, rule in registry().items()
                               if rule.action == "drop" and not policy.ignored(code))
        self._issues: list[tuple[str, str]] = []

    def _emit(self, code: str, message: str, _key: str | None) -> None:
        """The importers' Emit: problems are collected, then sorted into drops and findings."""
        self._issues.append((code, message))

    def __call__(self, entry: Entry) -> SourceRecord:
        """The entry's SourceRecord: converted, or unreadable with the first dropping problem's code."""
        if entry.value is None:
            return self._unreadable(entry, None, entry.code or "DP104", entry.message or "")
        shape = entry.shape or detect(entry.value, sources=True)
        if shape is None:
            keys = ", ".join(repr(k) for k in list(entry.value)[:20]) or "none"
            return self._unreadable(entry, None, "DP200", f"the record matches no supported shape (keys found: "
                                    f"{keys}); supported: {SHAPE_KEYS}")
        self._issues = []
        row = self._table[shape](entry.value, self._emit)
        blocking = next((issue for issue in self._issues if issue[0] in self._drop), None)
        if row is None or blocking is not None:
            code, message = blocking or (self._issues[0] if self._issues else ("DP200", f"not a valid {shape} record"))
            return self._unreadable(entry, shape, code, message)
        for code, message in self._issues:
            self._policy.add(self._findings, self._source, entry.line, 1, code, message)
        return SourceRecord(self._source, entry.line, entry.original, shape, row, None, None)

    def _unreadable(self, entry: Entry, shape: str | None, code: str, message: str) -> SourceRecord:
        """A record with no row: the message plus the rule's fix as its reason."""
        reason = f"{message}. {registry()[code].fix}" if message else registry()[code].fix
        return SourceRecord(self._source, entry.line, entry.original, shape, None, code, reason)
