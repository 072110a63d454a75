"""DP403 set: answers with no content, against real short labels (a letter, a digit, a star rating, an emoji).

Why: a dataset whose label was lost exports an empty or punctuation-only answer ("", ".", "...", "-"), and the
model learns to answer with nothing; the same datasets are full of one-character answers that are the whole
task (multiple-choice letters, ratings, T0's app-review stars `★★★★★`). Items keep the record's prompt
(field `prompt`, the user turn the detector is given) because a bare "?" or "+" is empty or not depending on
the question; the label is on the pair.

Real positives: T0's trec templates, whose completion is only GPT-2's `<|endoftext|>` (the label was lost in the
export; nothing is left once the build strips the marker, DP416), HH-RLHF assistant turns that are empty, a run
of dots or a lone "?", a T0 generated "question" that is a comma. Planted positives (seed 403): real Alpaca
prompts answered with punctuation, dashes, brackets, quotes, whitespace or an empty code block.

Real negatives: T0's short completions (up to three characters, star ratings and abstentions, at most 3 records per
distinct answer, 6 per star rating: yes/no, A-E, 1-5, `★`-`★★★★★`,
names, percentages, "Can't answer"), HH's "No." and "OK.", short code outputs. Decisions: "N/A", "none",
"No answer" and "Can't answer" are answers (an extraction task's "no answer in the passage" label: they teach
the model to abstain, and say so in words); an em dash alone is not (it marks a missing value, says nothing).
Planted negatives: questions whose right answer is a symbol ("?", "+", "%", "€", "→"), and emoji replies.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from content_templates import alpaca_pairs, hh_turn_pairs
from junk_items import ItemSet


class PairSet(ItemSet):
    """Items with their prompt; an empty answer is allowed and a pair (not a text) is kept once."""

    def add_pair(self, prompt: str, text: str, positive: bool, why: str, source: str) -> bool:
        key = f"{prompt}\x00{text}"
        if key in self._seen:
            return False
        self._seen.add(key)
        self.items.append({"text": text, "prompt": prompt, "positive": positive, "why": why, "source": source})
        return True


_END = "<|endoftext|>"
_SHORT = 14  # T0 completions up to this many characters are short labels
_PER_ANSWER = 3
_ABSTAIN = ("Can't answer", "No I can't", "No answer", "None", "none", "N/A")


def _t0(corpora: Path) -> list[tuple[str, str, str]]:
    """(source, prompt, completion without its end marker) of every T0 record, files sorted."""
    rows = []
    for path in sorted((corpora / "t0-prompt-completion").glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line, raw in enumerate(handle, 1):
                record = json.loads(raw)
                completion = record["completion"].removesuffix(_END)
                if len(completion) <= _SHORT:
                    rows.append((f"corpus:t0-prompt-completion/{path.name}:{line}", record["prompt"], completion))
    return rows


def empty_set(corpora: Path, llama_factory: Path) -> PairSet:
    out = PairSet()
    t0 = _t0(corpora)
    _real_empty(out, corpora, t0)
    _plant_empty(out, llama_factory, random.Random(403))
    _real_labels(out, corpora, t0)
    _plant_symbols(out)
    return out


_HH_READ = {  # HH assistant turns with no letter or digit, read in their dialogue
    "": (True, "read: an empty assistant turn"),
    "?": (True, "read: a lone '?' as the whole answer; it asks nothing specific and says nothing"),
    ":-(": (False, "read: a sad-face emoticon answering bad news; it says something (negative by decision, like an "
            "emoji)"),
}


def _real_empty(out: PairSet, corpora: Path, t0: list[tuple[str, str, str]]) -> None:
    per_file: dict[str, int] = {}
    for source, prompt, completion in t0:
        name = source.rsplit(":", 1)[0]
        if completion == "" and per_file.get(name, 0) < 30:
            per_file[name] = per_file.get(name, 0) + out.add_pair(
                prompt, completion, True, "a T0 trec record whose completion is only `<|endoftext|>`: the label was "
                "lost in the export, nothing is left once the marker is stripped", source)
        elif completion and completion.isascii() and not any(c.isalnum() for c in completion):
            out.add_pair(prompt, completion, True, f"read: a generated question that is only {completion!r}", source)
    for source, human, answer in hh_turn_pairs(corpora):
        if any(c.isalnum() for c in answer):
            continue
        positive, why = _HH_READ.get(answer, (True, "read: an answer that is a run of dots, no content"))
        out.add_pair(human, answer, positive, why, source)


_EMPTY = (".", "-", "--", "...", "\u2026", "\u2014", "\u2013", "?", "!", "*", "#", "_", "/", "()", "[]", "{}",
          '""', "''", " ", "\n", "\t", "\n\n", ". . .", "- - -", "***", "~", "|", "\u2022", ";", ":", "```\n```",
          "<>", "\u201c\u201d", "\u3002", ". ", " -\n", "..", "?!", "---", "* * *")


def _plant_empty(out: PairSet, llama_factory: Path, rng: random.Random) -> None:
    pairs = alpaca_pairs(llama_factory)
    rng.shuffle(pairs)
    for n, answer in enumerate(_EMPTY):
        out.add_pair(pairs[n][0], answer, True, f"planted: a real Alpaca prompt answered with only {answer!r}",
                     "planted")


def _real_labels(out: PairSet, corpora: Path, t0: list[tuple[str, str, str]]) -> None:
    taken: dict[str, int] = {}
    for source, prompt, completion in t0:
        stars = set(completion) == {"\u2605"}
        if not (stars or completion in _ABSTAIN or (len(completion) <= 3 and any(c.isalnum() for c in completion))):
            continue
        if taken.get(completion, 0) < (_PER_ANSWER * 2 if stars else _PER_ANSWER):
            kind = "a star rating" if stars else "an abstention label" if completion in _ABSTAIN else "a short label"
            taken[completion] = taken.get(completion, 0) + out.add_pair(
                prompt, completion, False, f"{kind} that is the whole answer the T0 template asks for "
                f"({completion!r})", source)
    for source, human, answer in hh_turn_pairs(corpora):
        if len(answer) <= 4 and any(c.isalnum() for c in answer):
            out.add_pair(human, answer, False, f"read: a short real reply ({answer!r})", source)


_SYMBOL_ANSWERS = (
    ("Which punctuation mark ends a question?", "?"),
    ("Which symbol is used for addition?", "+"),
    ("What is the modulo operator in Python? Reply with the operator only.", "%"),
    ("What is the currency sign of the euro?", "\u20ac"),
    ("Which arrow is used in logic for 'implies'?", "\u2192"),
    ("What character ends a declarative sentence in English?", "."),
    ("Which character starts a comment in a Python line?", "#"),
    ("What symbol does PHP put before a variable name?", "$"),
    ("Which symbol means 'and' in company names such as Johnson & Johnson?", "&"),
    ("What is the degree sign?", "\u00b0"),
    ("Which mark is an em dash? Give the character.", "\u2014"),
    ("Which operator compares two values for equality in JavaScript without type coercion?", "==="),
    ("Reply with one emoji that shows you agree.", "\U0001f44d"),
    ("Send an emoji for a birthday party.", "\U0001f389"),
    ("How do you feel today? Answer with an emoji only.", "\U0001f60a"),
    ("Which emoji is a red heart?", "\u2764\ufe0f"),
    ("Rate this restaurant from one to five stars.", "\u2605\u2605\u2605\u2605"),
    ("Give a one-character answer: what is the square-root sign?", "\u221a"),
    ("Is this review positive? Answer N/A if it is not a review.\nThe package arrived on Tuesday.", "N/A"),
    ("Who is the author of the passage? If the passage does not say, answer none.\nThe bridge opened in 1932.",
     "none"),
    ("Extract the date of the meeting. Say 'No answer' if there is none.\nThe team met to discuss the budget.",
     "No answer"),
)


def _plant_symbols(out: PairSet) -> None:
    for prompt, answer in _SYMBOL_ANSWERS:
        why = ("planted: an explicit 'no answer' label the prompt asks for (an answer, by decision)" if
               re.match(r"(?i)n/a|none|no answer", answer) else
               f"planted: {answer!r} is the right and complete answer to the question")
        out.add_pair(prompt, answer, False, why, "planted")
