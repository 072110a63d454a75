"""The convert step: convert, clean and check each record into a unit, or file it with its rule code.

They are pure functions of one record, so a large input is split into chunks for two worker processes
(Python string work holds the GIL; threads would not help). Results come back as indices into the input
list, with the canonical row encoded (`rows.encode`: the parent appends the bytes to the build's row store
without decoding them) and its content key.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from dataprep import formats
from dataprep.build import media
from dataprep.build.ledger import Ledger
from dataprep.build.model import Rejected, Unit
from dataprep.build.rows import RowStore, encode
from dataprep.build.screen import QualityPolicy, screen
from dataprep.checks import content
from dataprep.checks.duplicates import record_key
from dataprep.formats.base import Canonical, Turn
from dataprep.io.compressed import inner_suffix
from dataprep.io.read import SourceRecord
from dataprep.parallel import ordered_map
from dataprep.registry import rule
from dataprep.text.clean import CODES as CLEANING_CODES
from dataprep.text.clean import END_TOKEN, clean
from dataprep.text.markdown import MARKDOWN_SUFFIXES, to_text

_PARALLEL_MIN = 5000
CHUNK = 4000  # records per batch the reader hands over, one worker task each
_STEP = 500  # records converted between two progress updates when not in parallel
MARKDOWN = "DP417"


@dataclass(frozen=True)
class ConvertContext:
    target_format: str  # the Bedrock format the model takes
    model: str  # profile id, for messages
    quality: QualityPolicy
    markdown_to_text: bool = True  # pre-training text from .md files is rendered to plain text (DP417)
    fix_mojibake: bool = False  # mis-decoded text is re-decoded (DP419) rather than only reported
    keep_answers: bool = False  # distillation: the source's final answer stays as the golden answer


@dataclass
class Converted:
    kept: list[tuple[int, bytes, str]] = field(default_factory=list)  # (index, encoded row, content key)
    media: set[int] = field(default_factory=set)  # indices of the kept rows that show images or video
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (index, code, reason)
    fixes: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)


def convert_records(records: Sequence[SourceRecord], context: ConvertContext, offset: int = 0) -> Converted:
    """Convert to the target format, clean and screen each record; indices are offset by `offset`.

    Records are cleaned first and screened second, so that the secret and personal-data pre-filters run once
    over the whole chunk's cleaned text (`content.suspects`) instead of once a record (#17).
    """
    out = Converted()
    # A rule switched off changes nothing.
    off = frozenset(code for code in (*CLEANING_CODES, MARKDOWN) if context.quality.rules.ignored(code))
    cleaned: list[tuple[int, Canonical]] = []
    for index, record in enumerate(records, start=offset):
        row = _cleaned(record, context, off, out)
        if isinstance(row, Canonical):
            cleaned.append((index, row))
        else:
            out.rejected.append((index, *row))
    suspects = content.suspects(["\n".join(row.texts()) for _, row in cleaned])
    for position, (index, row) in enumerate(cleaned):
        screened = screen(row, context.quality, position in suspects)
        out.fixes.update(screened.fixes)
        out.warnings.update(screened.warnings)
        if screened.drop is not None:
            code, message = screened.drop
            out.rejected.append((index, code, f"{message}. {rule(code).fix}"))
            continue
        out.kept.append((index, encode(screened.row), record_key(screened.row)))
        if screened.row.all_media():
            out.media.add(index)
    out.rejected.sort()
    return out


def _cleaned(record: SourceRecord, context: ConvertContext, off: frozenset[str],
             out: Converted) -> Canonical | tuple[str, str]:
    """The record in the target format and cleaned (its fixes counted in `out`), or (code, reason)."""
    if record.row is None:
        return record.code or "DP200", record.reason or "the record could not be read"
    row = _to_target(record, context)
    if isinstance(row, str):
        return "DP201", row
    if MARKDOWN not in off and context.markdown_to_text:
        row = _rendered(record.source, row, out.fixes)
    cleaned = clean(row, off, context.fix_mojibake)
    out.fixes.update(cleaned.fixes)
    texts = cleaned.row.texts()
    if not texts or not all(t.strip() for t in texts):
        removed = "its trailing end-of-text token is" if END_TOKEN in cleaned.fixes else \
            "invisible characters and whitespace are"
        return "DP205", f"a text field is empty once {removed} removed; give the record real content or drop it"
    return cleaned.row


def _rendered(source: str, row: Canonical, fixes: Counter[str]) -> Canonical:
    """Pre-training text read from a markdown file, as the text a reader sees (DP417, counted when it changes)."""
    if row.text is None or inner_suffix(Path(source)) not in MARKDOWN_SUFFIXES:
        return row
    text = to_text(row.text)
    if text == row.text:
        return row
    fixes[MARKDOWN] += 1
    return Canonical(text=text)


# A part of the input as converted: its first record's index, its records, and what became of them.
Part = tuple[int, list[SourceRecord], Converted]


def convert_chunks(batches: Iterable[list[SourceRecord]], context: ConvertContext) -> Iterator[Part]:
    """:func:`convert_records` over the batches as they come, in input order: on two processes once the
    input reaches `_PARALLEL_MIN` records (a batch per task), else in this process per `_STEP` records.

    Batches are taken from `batches` only as the workers' window has room, so a streamed input is read
    while the workers convert and only the batches in flight are held.
    """
    pending = iter(batches)
    first: list[list[SourceRecord]] = []
    count = 0
    for batch in pending:
        first.append(batch)
        count += len(batch)
        if count >= _PARALLEL_MIN:
            break
    else:  # a small input, all read
        records = [record for batch in first for record in batch]
        for start in range(0, len(records), _STEP):
            yield start, records[start : start + _STEP], convert_records(records[start : start + _STEP], context,
                                                                          start)
        return
    sent: deque[tuple[int, list[SourceRecord]]] = deque()

    def chunks() -> Iterator[tuple[list[SourceRecord], ConvertContext, int]]:
        start = 0
        for batch in chain(first, pending):
            sent.append((start, batch))
            yield batch, context, start
            start += len(batch)

    for part in ordered_map(_convert_chunk, chunks()):
        start, batch = sent.popleft()
        yield start, batch, part


def _convert_chunk(args: tuple[list[SourceRecord], ConvertContext, int]) -> Converted:
    return convert_records(*args)


def _to_target(record: SourceRecord, context: ConvertContext) -> Canonical | str:
    """The row as the target format can take it, or why it cannot (labeled data needs labels)."""
    row = record.row
    assert row is not None
    if context.target_format in media.TEXT_ONLY and row.all_media():
        return row  # kept whole for the media step, which rejects it (DP214): the text alone is not the record
    if context.target_format == formats.pretraining.NAME:
        return row if row.text is not None else Canonical(text="\n\n".join(row.texts()))
    distilling = context.target_format in (formats.distillation.NAME, formats.distillation.SINGLE_TURN_NAME)
    if context.target_format == formats.image_caption.NAME:
        return _caption_record(row, record.shape, context.model)
    if row.text is not None and distilling:
        return Canonical(turns=(Turn("user", row.text),))  # a distillation prompt needs no answer
    if row.text is not None and context.target_format == formats.rft.NAME:
        return (f"unlabeled text ({record.shape}) cannot be an RFT record for {context.model}: the answer becomes "
                "reference_answer, the grader's yardstick; give question/answer records")
    if row.text is not None:
        return (f"unlabeled text ({record.shape}) cannot fine-tune {context.model}: it needs prompt/answer pairs; "
                "use it with --task continued-pretraining on a model that supports it, or give labeled records")
    if distilling:
        return _distillation_prompt(row, record.shape, context)
    if context.target_format == formats.rft.NAME and (not row.turns or row.turns[-1].role != "assistant"):
        return (f"a {record.shape} record without an answer cannot be an RFT record for {context.model}: its "
                "answer becomes reference_answer; give question/answer records")
    return row


def _caption_record(row: Canonical, shape: str | None, model: str) -> Canonical | str:
    """An image with its caption: the record's own image and its text; a record without both cannot be one."""
    images = tuple(m for m in row.media if m.kind == "image")
    if len(images) == 1 and row.text is not None:
        return Canonical(text=row.text, media=images)
    what = f"{len(images)} images" if images else "no image of its own"
    return (f"a {shape} record with {what} cannot fine-tune {model}, which learns from image-caption pairs: give "
            "a folder of images with a captions file (image path and caption columns, or metadata.jsonl/.csv with "
            "file_name and text), or image-ref/caption records")


def _distillation_prompt(row: Canonical, shape: str | None, context: ConvertContext) -> Canonical | str:
    """The prompt the teacher answers: the source's final answer is dropped (the teacher writes its own), or
    kept as the optional golden answer with --keep-answers.

    A student that takes single-turn prompts only (Anthropic, Meta) cannot take a multi-turn conversation.
    """
    prompt = row if context.keep_answers else formats.distillation.prompt_only(row)
    users = sum(t.role == "user" for t in prompt.turns)
    if context.target_format == formats.distillation.SINGLE_TURN_NAME and users > 1:
        return (f"a {shape} conversation with {users} user turns cannot be a distillation prompt for "
                f"{context.model}, which takes single-turn prompts only; distill into a Nova student instead")
    return prompt


def run(batches: Iterable[list[SourceRecord]], context: ConvertContext, store: RowStore, ledger: Ledger,
        read: Callable[[], int] = lambda: 0) -> list[Unit]:
    """Convert, clean and check every record of `batches` (read as the workers convert). Each kept row goes
    to `store` as its part arrives, so the parent holds neither the cleaned rows as objects nor every part's
    bytes at once. `read` says how many records have been read so far (the progress bar's total)."""
    units: list[Unit] = []
    total = 0
    with ledger.stage("convert, clean, check", 0) as stage:
        for start, batch, part in convert_chunks(batches, context):
            held = store.add([blob for _, blob, _ in part.kept])
            for (index, _, key), row in zip(part.kept, held, strict=True):
                record = batch[index - start]
                units.append(Unit(record.source, record.line, 0, 1, record.original, row, key,
                                  media=index in part.media))
            for index, code, reason in part.rejected:
                record = batch[index - start]
                ledger.rejected.append(Rejected(record.source, record.line, 0, 1, code, reason, record.original))
            ledger.fixes.update(part.fixes)
            ledger.warnings.update(part.warnings)
            total += len(batch)
            stage.advance(len(batch), total=max(read(), total))
        stage.done(len(units), records_in=total)
    return units
