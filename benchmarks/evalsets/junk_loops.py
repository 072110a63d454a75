"""DP420 set: degenerate repetition (a generation stuck in a loop) against answers that repeat on purpose.

Why: a looping answer (#12 saw a 26,000-character one) teaches the model to loop, but lists with a repeated
lead, tables, code, poems and song choruses repeat legitimately and must be kept. Real loops are rare in
public data (two in LLaMA-Factory's KTO demo); the other positives are real answers cut mid-way and then
looping a phrase, a line or a sentence of their own, the way a stuck generation does. The hard negatives are
the real answers of the corpora that repeat the most without looping (selected by their repetition, each
labelled with the structure that repeats), plus multiplication tables.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

_REPS = (8, 10, 12, 16, 20, 25, 30, 40, 60, 80, 120, 200)
_SEPS = (" ", "\n", " ", "", ", ", "\n\n")
_POEM = re.compile(r"(?i)\b(poem|song|lyrics|haiku|limerick|rap|verse|chorus|rhyme)\b")


def top_ngram(text: str, n: int = 3) -> tuple[str, int]:
    """The most frequent word n-gram of `text` and its count."""
    words = text.split()
    if len(words) < n:
        return "", 0
    gram, count = Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1)).most_common(1)[0]
    return " ".join(gram), count


_CHAR_LOOP = re.compile(r"(\S.{0,11}?)\1{199,}", re.S)  # a short unit 200+ times in a row: `1326134.000000...`


def _loop_reason(text: str) -> str | None:
    """Why a real answer is a stuck generation (a 3-word phrase 30+ times over a third of it, or a short
    unit 200+ times in a row); None when it is not."""
    gram, count = top_ngram(text)
    if count >= 30 and count * 3 / max(1, len(text.split())) > 0.3:
        return f"a real stuck generation: {gram!r} repeats {count} times to the end"
    if found := _CHAR_LOOP.search(text):
        unit = found.group(1)
        return f"a real stuck generation: {unit!r} repeats {len(found.group()) // len(unit)} times in a row"
    return None


def _is_loop(text: str) -> bool:
    return _loop_reason(text) is not None


def loop_set(corpora: Path, llama_factory: Path, codegen: Path | None = None) -> ItemSet:
    out = ItemSet()
    answers = list(src.all_answers(corpora, llama_factory, codegen))
    for source, text in answers:
        if (why := _loop_reason(text)) is not None:
            out.add(text, True, why, source)
    _plant_loops(out, answers, random.Random(420))
    _repetitive_negatives(out, answers, _poem_sources(llama_factory))
    _multiplication_tables(out)
    return out


def _loop_phrase(text: str, cut: int, rng: random.Random) -> str:
    words = text[:cut].split()
    kind = rng.randrange(3)
    if kind == 0:  # the last few words before the cut
        return " ".join(words[-rng.randint(2, 12):])
    if kind == 1:  # the last whole sentence before the cut
        parts = re.split(r"(?<=[.!?])\s+", text[:cut].strip())
        return parts[-2] if len(parts) > 1 else " ".join(words[-8:])
    return " ".join(words[-rng.randint(1, 3):])  # one to three words, the tightest loops


def _plant_loops(out: ItemSet, answers: list[tuple[str, str]], rng: random.Random) -> None:
    pool = [t for _, t in answers if 60 <= len(t.split()) <= 400 and not _is_loop(t)]
    rng.shuffle(pool)
    for n, text in enumerate(pool[:215]):
        cut = text.rfind(" ", 0, int(len(text) * rng.uniform(0.3, 0.8)))
        phrase = _loop_phrase(text, cut, rng).strip()
        if len(phrase) < 2:
            continue
        reps = _REPS[n % len(_REPS)] if n else 26_000 // (len(phrase) + 1) + 1
        sep = _SEPS[n % len(_SEPS)]
        if n % 15 == 7:  # one character stuck, as in a number that never ends: `1326134.0000...`
            phrase, reps, sep = rng.choice(("0", "9", "=", "!", ".", "-")), rng.choice((300, 800, 2000)), ""
        loop = sep.join([phrase] * reps)
        if n % 4 == 1:  # the output limit cut the last repetition
            loop = loop[: len(loop) - rng.randint(1, max(1, len(phrase) - 1))]
        out.add(text[:cut] + " " + loop, True, f"planted: a real answer cut mid-way, then {phrase[:40]!r} "
                f"looping {reps} times", "planted")


def _poem_sources(llama_factory: Path) -> set[str]:
    records = json.loads((llama_factory / "alpaca_en_demo.json").read_text(encoding="utf-8"))
    return {f"LLaMA-Factory/data/alpaca_en_demo.json:{i}" for i, r in enumerate(records)
            if _POEM.search(str(r["instruction"]))}


def _repetition_kind(text: str, source: str, poems: set[str]) -> str | None:
    """What repeats legitimately in a real answer, or None when it hardly repeats."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    leads = Counter(" ".join(line.split()[:2]) for line in lines if len(line.split()) > 2)
    lead, lead_count = leads.most_common(1)[0] if leads else ("", 0)
    gram, gram_count = top_ngram(text)
    song = re.search(r"(?im)^\W*(chorus|verse \d|refrain|bridge)\b", text) is not None
    if (source in poems or song) and len(lines) >= 4 and gram_count >= 2:
        return f"a poem or song asked for: lines and refrains repeat ({gram!r} x{gram_count}) by design"
    if sum(1 for line in lines if line.startswith("|")) >= 4:
        return "a markdown table: rows repeat the same cell structure"
    if "```" in text and gram_count >= 4:
        return f"code with repeated statements ({gram!r} x{gram_count}), each line doing its own work"
    if lead_count >= 4:
        return f"a list whose {lead_count} items share the lead {lead!r} but each says something new"
    if gram_count >= 5:
        return f"a real answer repeating {gram!r} {gram_count} times across distinct sentences"
    return None


# Real negatives kept per kind (the start of `_repetition_kind`'s reason), the most repetitive first.
_PER_KIND = {"a poem": 60, "a markdown table": 40, "code": 60, "a list": 70, "a real answer": 40}


def _repetitive_negatives(out: ItemSet, answers: list[tuple[str, str]], poems: set[str]) -> None:
    scored = []
    for source, text in answers:
        if not _is_loop(text) and (kind := _repetition_kind(text, source, poems)):
            scored.append((-top_ngram(text)[1], source, text, kind))
    taken: Counter[str] = Counter()
    for _, source, text, kind in sorted(scored):
        group = next(g for g in _PER_KIND if kind.startswith(g))
        if taken[group] < _PER_KIND[group]:
            taken[group] += out.add(text, False, kind, source)


def _multiplication_tables(out: ItemSet) -> None:
    for base in range(2, 21):
        rows = "\n".join(f"{base} x {i} = {base * i}" for i in range(1, 13))
        out.add(f"Here is the multiplication table for {base}:\n\n{rows}", False,
                "planted: a multiplication table, every row the same shape with different numbers", "planted")
