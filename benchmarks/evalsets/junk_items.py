"""The item list every junk evaluation set is built into, and the text cuts the planted items are made with.

Why a module of its own: the six set builders share one way to add an item (text deduplicated, the label's
one-line reason and its source always present), to split real text into sentences, and to cut a real answer
at a word inside a sentence; keeping them here means each builder only says what it takes and why.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping
from pathlib import Path

Item = dict[str, object]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


class ItemSet:
    """The items of one set, in insertion order, each text once."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self._seen: set[str] = set()

    def add(self, text: str, positive: bool, why: str, source: str) -> bool:
        """Adds the item unless its text is empty or already in the set; True when added."""
        if not text.strip() or text in self._seen:
            return False
        self._seen.add(text)
        self.items.append({"text": text, "positive": positive, "why": why, "source": source})
        return True

    def count(self, positive: bool, planted: bool | None = None) -> int:
        return sum(1 for i in self.items if i["positive"] == positive
                   and (planted is None or (i["source"] == "planted") == planted))


def write_sets(builders: Mapping[str, Callable[[], ItemSet]], folder: Path, only: str) -> None:
    """Build each set (or those `only`, comma-separated, names) and write it as `folder/CODE.jsonl`, saying
    how many real and planted positives and negatives it holds."""
    wanted = {code for code in only.split(",") if code}
    for code, build in builders.items():
        if wanted and code not in wanted:
            continue
        built = build()
        path = folder / f"{code}.jsonl"
        path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in built.items), encoding="utf-8")
        print(f"{path.name}: {built.count(True, False)} real + {built.count(True, True)} planted positives, "
              f"{built.count(False, False)} real + {built.count(False, True)} planted negatives")


def sentences(text: str) -> list[str]:
    """The sentences of a prose text (split after . ! ? before a capital or a quote), one line each."""
    return [s.strip() for line in text.splitlines() for s in _SENTENCE.split(line) if s.strip()]


def prose_answer(text: str, min_words: int = 30) -> bool:
    """True for an answer of at least `min_words` words with no code fence, table or list lines."""
    if len(text.split()) < min_words or "```" in text:
        return False
    return not any(re.match(r"\s*([-*•|#>]|\d+[.)])", line) for line in text.splitlines())


def cut_mid_sentence(text: str, rng: random.Random, min_words: int = 30) -> str | None:
    """`text` cut after a word inside a sentence (not after punctuation), at 40-85% of its words."""
    words = text.split(" ")
    lo, hi = int(len(words) * 0.4), int(len(words) * 0.85)
    candidates = [i for i in range(max(lo, min_words), hi)
                  if re.fullmatch(r"[A-Za-z']+", words[i]) and re.fullmatch(r"[A-Za-z']+", words[i + 1])]
    if not candidates:
        return None
    return " ".join(words[: rng.choice(candidates) + 1])
