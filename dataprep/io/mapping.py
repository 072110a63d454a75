"""Field mapping: which field of a raw record is the prompt, the answer, the conversation, said or found.

Datasets name their fields as they like (`questionText`, `customer_question`, `Answers`). Two ways to read
them, applied to a file's records before their shape is detected:

- `--map prompt=questionText,completion=answerText` (or `map = {prompt = "questionText", ...}` in the
  config) renames the named fields, for JSON, JSONL, CSV and Parquet alike. The record then holds the
  mapped fields and any field already named like a target; other fields are left out (they were not
  asked for). A mapped field that no record of a file has stops the build (exit 2) naming the file and
  the fields it has: a typo would otherwise drop every record as "unknown shape". A file with none of
  the mapped fields whose records are in a shape already (a Bedrock file beside the raw one, the
  `--validation-file`) is read as found.
- Without a mapping, a record no shape recognises is tried against common synonyms, case-insensitively:
  question/questions/query/prompt/input with answer/answers/response/reply/completion/output, and
  instruction with input/context and output/response/answer.

Each file gets one line saying what was chosen (`InputFile.mapping`, shown by the summary and report).
`ReadOptions` carries everything the reader is told: the mapping, the HH-RLHF side, the OASST paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dataprep.errors import UsageError
from dataprep.formats import prompt_completion, shapes
from dataprep.formats.pretraining import NAME as PRETRAINING

# The names a field can be mapped to: Bedrock's and the source shapes' own keys.
TARGETS = ("prompt", "completion", "system", "messages", "conversations", "text", "id", "question", "answer",
           "instruction", "input", "context", "output", "response", "chosen", "rejected")
OASST_PATHS = ("best", "all")
_QUESTIONS = ("question", "questions", "query", "queries", "prompt", "prompts", "input", "inputs")
_ANSWERS = ("answer", "answers", "response", "responses", "reply", "replies", "completion", "completions",
            "output", "outputs")
_INSTRUCTIONS = ("instruction", "instructions")
_CONTEXTS = ("input", "context")
_OUTPUTS = ("output", "response", "answer", "answers")


@dataclass(frozen=True)
class ReadOptions:
    """How the build reads raw records: the field mapping (target, source) pairs, HH side, OASST paths."""

    fields: tuple[tuple[str, str], ...] = ()
    hh_side: str = "chosen"
    oasst_paths: str = "best"

    def as_dict(self) -> dict[str, Any]:
        """For the manifest's settings."""
        return {"map": dict(self.fields), "hh_side": self.hh_side, "oasst_paths": self.oasst_paths}


def parse_map(given: str | Mapping[str, Any], origin: str = "--map") -> tuple[tuple[str, str], ...]:
    """`prompt=questionText,completion=answerText` (or the config's table) as checked (target, source) pairs."""
    if isinstance(given, str):
        pairs = [item.partition("=") for item in given.split(",") if item.strip()]
        if not pairs or any(not sep or not target.strip() or not source.strip() for target, sep, source in pairs):
            raise UsageError(f"{origin} takes TARGET=FIELD pairs separated by commas, e.g. "
                             f"prompt=questionText,completion=answerText; got {given!r}")
        items = [(target.strip(), source.strip()) for target, _, source in pairs]
    else:
        items = [(str(target), source) for target, source in given.items()]
    for target, source in items:
        if target not in TARGETS:
            raise UsageError(f"{origin}: {target!r} is not a field dataprep reads; map to one of {', '.join(TARGETS)}")
        if not isinstance(source, str) or not source:
            raise UsageError(f"{origin}: {target!r} must name a field (a non-empty string), found {source!r}")
    targets = [t for t, _ in items]
    sources = [s for _, s in items]
    for name, values in (("target", targets), ("field", sources)):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise UsageError(f"{origin}: {name} {', '.join(map(repr, twice))} given more than once")
    return tuple(items)


def check_choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    """`--hh-side` and `--oasst-paths` take one of their choices; anything else stops before reading."""
    if value not in choices:
        raise UsageError(f"{flag} must be one of {', '.join(choices)}, not {value!r}")
    return value


class FileMapper:
    """Renames one file's record fields (the given mapping, else synonyms) and says what it did, in one line."""

    def __init__(self, source: str, fields: tuple[tuple[str, str], ...]) -> None:
        """The file's name (for messages) and the mapping given (empty: synonyms only)."""
        self.source, self.fields = source, fields
        self._found: set[str] = set()  # every field name the file's records have (for the missing-field error)
        self._notes: Counter[str] = Counter()
        self._synonyms: dict[tuple[str, ...], dict[str, str] | None] = {}
        self._unmapped = False  # a record with none of the mapped fields and no shape of its own

    def __call__(self, value: dict[str, Any]) -> dict[str, Any]:
        """The record with its fields renamed, or as it is when nothing applies."""
        self._found.update(value)
        if self.fields and any(source in value for _, source in self.fields):
            return self._mapped(value)
        if self.fields:  # none of the mapped fields: fine for a record already in a shape (a Bedrock file)
            self._unmapped = self._unmapped or shapes.detect(value, sources=True) is None
            return value
        keys = tuple(value)
        if keys not in self._synonyms:
            self._synonyms[keys] = synonyms(value)
        renames = self._synonyms[keys]
        if renames is None:
            return value
        self._notes["; ".join(f"{target}←{source}" for source, target in renames.items())
                    + " (synonyms, case-insensitive)"] += 1
        return {renames.get(key, key): item for key, item in value.items()}

    def _mapped(self, value: dict[str, Any]) -> dict[str, Any]:
        """The mapped fields under their targets, plus fields already named like a target; `id` is not data."""
        sources = {source for _, source in self.fields}
        out = {key: item for key, item in value.items() if key in TARGETS and key not in sources}
        out.update((target, value[source]) for target, source in self.fields if source in value)
        out.pop("id", None)  # the record's id names it; Bedrock records have no field for it
        self._notes["; ".join(f"{t}←{s}" for t, s in self.fields) + " (--map)"] += 1
        return out

    def check(self) -> None:
        """After the file's records: a mapped field that none of them has is a usage error naming the file."""
        missing = [source for _, source in self.fields if source not in self._found]
        if missing and self._found and (len(missing) < len(self.fields) or self._unmapped):
            raise UsageError(f"{self.source}: --map names {', '.join(map(repr, missing))}, which no record of the "
                             f"file has; its fields: {', '.join(sorted(self._found)[:40])}")

    def note(self, records: int) -> str:
        """The one line: the mapping most records got (and how many got another), or '' for fields as found."""
        if not self._notes:
            return ""
        (common, count), *others = self._notes.most_common()
        rest = sum(n for _, n in others)
        share = f" ({count:,} of {records:,} records)" if count != records else ""
        return common + share + (f"; {rest:,} other record(s) mapped otherwise" if rest else "")


def synonyms(value: dict[str, Any]) -> dict[str, str] | None:
    """{field: canonical name} when a record no shape reads has synonym fields for one; else None.

    Tried only where the record as found is unreadable or a fallback that would fail (`input` with other
    fields read as pre-training text, `prompt` without `completion`), so an exact shape always wins.
    """
    shape = shapes.detect(value, sources=True)
    if shape == PRETRAINING and set(value) == {"input"}:
        return None
    if shape == prompt_completion.NAME and {"prompt", "completion"} <= set(value):
        return None
    if shape not in (None, PRETRAINING, prompt_completion.NAME):
        return None
    lower: dict[str, str] = {}
    for key in value:
        folded = key.strip().lower()
        if folded in lower:
            return None  # `Question` and `question` both: which is meant is a guess
        lower[folded] = key
    renames = _instruction(lower) or _pair(lower)
    if renames is None or all(source == target for source, target in renames.items()):
        return None
    system = lower.get("system")
    return {**renames, **({system: "system"} if system is not None else {})}


def _first(lower: dict[str, str], names: Iterable[str]) -> str | None:
    return next((lower[name] for name in names if name in lower), None)


def _instruction(lower: dict[str, str]) -> dict[str, str] | None:
    """instruction + output/response/answer (+ input/context): an alpaca record."""
    instruction, output = _first(lower, _INSTRUCTIONS), _first(lower, _OUTPUTS)
    if instruction is None or output is None:
        return None
    context = _first(lower, _CONTEXTS)
    return {instruction: "instruction", output: "output", **({context: "input"} if context is not None else {})}


def _pair(lower: dict[str, str]) -> dict[str, str] | None:
    """A question-like and an answer-like field: a question/answer record."""
    question = _first(lower, _QUESTIONS)
    answer = _first(lower, (name for name in _ANSWERS if lower.get(name) != question))
    if question is None or answer is None:
        return None
    return {question: "question", answer: "answer"}
