"""Generate N prompt/completion JSONL records from the shared corpora, perturbed so that most are distinct.

Why: the scale curve of `dataprep build` (issue #3) needs 10k, 100k and 1M realistic records, but the real
corpora hold ~63k. Copying them 16 times would make the 1M run a dedup-only benchmark (almost everything an
exact duplicate); random words would make dedup, quality and language trivially easy. So every record is a
real record with seeded edits that break enough word 5-grams to fall below the near-duplicate threshold,
plus a known share of planted exact and near duplicates, as real scraped data has.

The pool is t0-prompt-completion (all `*.jsonl`, 55k records) and gpteacher-toolformer's
`toolformer-dedupe-only-dataset.json` (7.7k alpaca-style records; the `similarity-*` files are subsets of
it, see its SOURCE.md). Each generated record is one of:

- exact duplicate (`--exact-share`, 2%): a byte-identical copy of a recent generated record;
- near duplicate (`--near-share`, 5%): a recent record of 40+ words with one word swapped, dropped or
  inserted (so it stays above Jaccard 0.8 with 5-word shingles);
- fresh (the rest): a pool record, in 30% of cases with the completion of another pool record, its prompt
  sentences reordered with probability 0.3, and about 12% of its prompt words swapped with a neighbour,
  dropped or joined by a word drawn from the pool's vocabulary.

Duplicates copy one of the last `_RECENT` records, so memory stays bounded at any N. Output is deterministic
for (N, seed), and the first N records are the same whatever the total (one seeded stream), so the 10k file
is a prefix of the 100k file. The file is written to a temporary name and renamed, never into the repo.

    python benchmarks/make_scale_corpus.py N OUT.jsonl [--corpora DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
T0 = "t0-prompt-completion"
GPTEACHER = "gpteacher-toolformer"
GPTEACHER_FILE = "toolformer-dedupe-only-dataset.json"

_RECENT = 10_000  # duplicates are copies of one of the last this many records
_EDIT_RATE = 0.12  # share of prompt words edited in a fresh record
_RECOMBINE = 0.3  # share of fresh records whose completion comes from another pool record
_REORDER = 0.3  # share of fresh records whose prompt sentences are shuffled
_NEAR_MIN_WORDS = 40  # a one-word edit of a shorter text may fall below Jaccard 0.8
_NEAR_TRIES = 8  # draws to find a recent record that long; after that the copy is exact
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")

Record = tuple[str, str]


@dataclass
class Stats:
    """What was generated, so a benchmark can say how many duplicates were planted."""

    records: int = 0
    fresh: int = 0
    recombined: int = 0
    exact: int = 0
    near: int = 0
    bytes: int = 0


def load_pool(corpora: Path) -> list[Record]:
    """(prompt, completion) pairs of both corpora, in sorted file order so the pool is the same on every run."""
    pool: list[Record] = []
    t0 = corpora / T0
    for path in sorted(t0.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    prompt, completion = row.get("prompt"), row.get("completion")
                    if isinstance(prompt, str) and isinstance(completion, str) and prompt.strip():
                        pool.append((prompt, completion))
    teacher = corpora / GPTEACHER / GPTEACHER_FILE
    if teacher.is_file():
        for row in json.loads(teacher.read_text(encoding="utf-8")):
            instruction, extra, response = row.get("instruction", ""), row.get("input", ""), row.get("response", "")
            if instruction.strip() and response.strip():
                pool.append((f"{instruction}\n\n{extra}" if extra.strip() else instruction, response))
    if not pool:
        raise FileNotFoundError(f"no records in {t0} or {teacher}")
    return pool


def _vocabulary(pool: list[Record], rng: random.Random, size: int = 50_000) -> list[str]:
    """Words to insert: sampled from the pool itself, so inserted words look like the corpus."""
    words: list[str] = []
    for prompt, _ in rng.sample(pool, min(len(pool), 5_000)):
        words.extend(prompt.split())
    rng.shuffle(words)
    return words[:size] or ["the"]


def _edit_words(text: str, rng: random.Random, vocab: list[str], edits: int) -> str:
    """Apply `edits` random word edits (swap with the next word, drop, insert a vocabulary word) per line.

    Works on the lines' words in place so newlines (T0's `Question:` / `Context:` layout) survive.
    """
    lines = text.split("\n")
    spans = [(i, line.split(" ")) for i, line in enumerate(lines)]
    slots = [(i, j) for i, words in spans for j in range(len(words))]
    if not slots:
        return text
    for i, j in sorted(rng.sample(slots, min(edits, len(slots))), reverse=True):
        words = spans[i][1]
        if j >= len(words):
            continue
        kind = rng.random()
        if kind < 0.4 and j + 1 < len(words):
            words[j], words[j + 1] = words[j + 1], words[j]
        elif kind < 0.7 and len(words) > 1:
            del words[j]
        else:
            words.insert(j, rng.choice(vocab))
    return "\n".join(" ".join(words) for _, words in spans)


def _reorder(text: str, rng: random.Random) -> str:
    parts = [p for p in _SENTENCE.split(text) if p]
    if len(parts) < 3:
        return text
    head, body = parts[0], parts[1:]  # keep the instruction line first; shuffle what follows
    rng.shuffle(body)
    return "\n".join([head, " ".join(body)])


def generate(count: int, pool: list[Record], seed: int = 0, stats: Stats | None = None, exact_share: float = 0.02,
             near_share: float = 0.05) -> Iterator[Record]:
    """Yield `count` (prompt, completion) records; see the module docstring for the mix."""
    stats = stats if stats is not None else Stats()
    rng = random.Random(seed)
    vocab = _vocabulary(pool, random.Random(seed + 1))
    recent: deque[Record] = deque(maxlen=_RECENT)
    for _ in range(count):
        roll = rng.random()
        if recent and roll < exact_share:
            record = recent[rng.randrange(len(recent))]
            stats.exact += 1
        elif recent and roll < exact_share + near_share:
            for _ in range(_NEAR_TRIES):  # look for a source long enough for a one-word edit to stay near
                prompt, completion = recent[rng.randrange(len(recent))]
                if len(prompt.split()) >= _NEAR_MIN_WORDS:
                    record = (_edit_words(prompt, rng, vocab, 1), completion)
                    stats.near += 1
                    break
            else:
                record = (prompt, completion)
                stats.exact += 1
        else:
            prompt, completion = pool[rng.randrange(len(pool))]
            if rng.random() < _RECOMBINE:
                completion = pool[rng.randrange(len(pool))][1]
                stats.recombined += 1
            if rng.random() < _REORDER:
                prompt = _reorder(prompt, rng)
            edits = max(1, round(len(prompt.split()) * _EDIT_RATE))
            record = (_edit_words(prompt, rng, vocab, edits), completion)
            stats.fresh += 1
        recent.append(record)
        stats.records += 1
        yield record


def write_corpus(count: int, out: Path, corpora: Path = CORPORA, seed: int = 0, exact_share: float = 0.02,
                 near_share: float = 0.05) -> Stats:
    """Write `count` records to `out` (temp file, then rename) and return what was planted."""
    pool = load_pool(corpora)
    stats = Stats()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for prompt, completion in generate(count, pool, seed, stats, exact_share, near_share):
            line = json.dumps({"prompt": prompt, "completion": completion}, ensure_ascii=False) + "\n"
            stats.bytes += handle.write(line)
    os.replace(tmp, out)
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, help="records to write")
    parser.add_argument("out", type=Path, help="output JSONL file (put it in a temp folder, not the repo)")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder holding the shared corpora")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact-share", type=float, default=0.02, help="share of exact duplicates")
    parser.add_argument("--near-share", type=float, default=0.05, help="share of one-word-edit near duplicates")
    args = parser.parse_args()
    if not (args.corpora / T0).is_dir():
        print(f"{args.corpora / T0} is absent; pass --corpora", file=sys.stderr)
        return 2
    stats = write_corpus(args.count, args.out, args.corpora, args.seed, args.exact_share, args.near_share)
    print(f"wrote {stats.records:,} records, {stats.bytes / 1e6:,.1f} MB to {args.out}: {stats.fresh:,} fresh "
          f"({stats.recombined:,} recombined), {stats.near:,} planted near duplicates, {stats.exact:,} exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
