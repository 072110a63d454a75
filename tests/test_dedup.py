"""Tests of the dedup stage on real text: planted near-duplicates, exact variants, determinism, edge cases.

No mocks: the near-duplicate test plants edited copies into records of a public corpus (gpteacher
toolformer), because recall and false positives only mean something on text with real n-gram statistics.
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from planting import small_edit

from dataprep.text.dedup import (
    DedupSettings,
    deduplicate,
    minhash_signatures,
    normalise,
    shingle_hash32,
    shingle_hashes,
    shingles,
)

ROOT = Path(__file__).resolve().parents[1]
TOOLFORMER = ROOT.parent / "shared" / "corpora" / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"


def _jaccard(a: str, b: str, ngram: int = 5) -> float:
    x, y = set(shingles(normalise(a), ngram)), set(shingles(normalise(b), ngram))
    return len(x & y) / len(x | y)


@pytest.fixture(scope="module")
def base_texts() -> list[str]:
    if not TOOLFORMER.is_file():
        pytest.skip("../shared/corpora/gpteacher-toolformer is absent")
    records = json.loads(TOOLFORMER.read_text(encoding="utf-8"))
    seen: set[str] = set()
    texts: list[str] = []
    for r in records:
        text = "\n".join((r.get("instruction", ""), r.get("input", ""), r.get("response", r.get("output", ""))))
        if normalise(text) not in seen:
            seen.add(normalise(text))
            texts.append(text)
        if len(texts) == 2000:
            break
    # The corpus has near-duplicates of its own: only records the stage keeps count as "distinct".
    kept = deduplicate(texts).kept
    return [t for t, k in zip(texts, kept, strict=True) if k]


def test_planted_near_duplicates_recall_and_false_positives(base_texts: list[str]) -> None:
    settings = DedupSettings()
    rng = random.Random(7)
    originals = rng.sample(range(len(base_texts)), 200)
    copies = [small_edit(base_texts[o], k % 4, rng) for k, o in enumerate(originals)]
    result = deduplicate(base_texts + copies, settings)
    n = len(base_texts)

    found = [result.cluster[n + k] == result.cluster[o] for k, o in enumerate(originals)]
    similar = [_jaccard(base_texts[o], copies[k]) >= settings.threshold for k, o in enumerate(originals)]
    recall_all = sum(found) / len(found)
    recall_similar = sum(f for f, s in zip(found, similar, strict=True) if s) / sum(similar)
    false_pos = int(((result.exact_of[:n] >= 0) | (result.near_of[:n] >= 0)).sum()) / n
    print(f"\nplanted 200 into {n} distinct: recall {recall_all:.3f} over all copies, {recall_similar:.3f} over the "
          f"{sum(similar)} with true Jaccard >= {settings.threshold}; distinct marked dup {false_pos:.4f}")
    assert recall_similar >= 0.95
    assert false_pos <= 0.01
    # Every verified pair really is that similar to its representative.
    near = result.near_of >= 0
    assert (result.jaccard[near] > 0).all()


def test_planted_near_duplicates_short_shingles_find_every_copy(base_texts: list[str]) -> None:
    """With 3-word shingles a one-word edit of a ~50-word record stays above 0.8, so all copies must be found."""
    settings = DedupSettings(ngram=3)
    rng = random.Random(11)
    originals = rng.sample(range(len(base_texts)), 200)
    copies = [small_edit(base_texts[o], k % 4, rng) for k, o in enumerate(originals)]
    result = deduplicate(base_texts + copies, settings)
    n = len(base_texts)
    recall = np.mean([result.cluster[n + k] == result.cluster[o] for k, o in enumerate(originals)])
    print(f"\nngram=3 recall {recall:.3f}")
    assert recall >= 0.95


def test_exact_duplicates_differ_only_in_case_space_nfc() -> None:
    texts = [
        "Café au lait is served here every morning",
        "CAFÉ  au\tlait is served here\nevery morning",
        unicodedata.normalize("NFD", "Café au lait is served here every morning"),
        "Something else entirely, nothing alike at all",
    ]
    result = deduplicate(texts)
    assert result.exact_of.tolist() == [-1, 0, 0, -1]
    assert result.near_of.tolist() == [-1, -1, -1, -1]
    assert result.cluster.tolist() == [0, 0, 0, 3]
    assert result.jaccard[1] == result.jaccard[2] == 1.0
    assert np.isnan(result.jaccard[[0, 3]]).all()


def test_signatures_equal_datasketch() -> None:
    text = normalise("The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat")
    ours = minhash_signatures([shingle_hashes(text, 5)], 128, 1)[0]
    ref = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash32, scheme="legacy")
    for s in set(shingles(text, 5)):
        ref.update(s.encode("utf-8"))
    assert np.array_equal(ours, ref.hashvalues)


def test_deterministic_and_order_independent(base_texts: list[str]) -> None:
    rng = random.Random(3)
    texts = base_texts[:300] + [small_edit(t, 0, rng) for t in base_texts[:60]]
    a, b = deduplicate(texts), deduplicate(texts)
    for field in ("cluster", "exact_of", "near_of", "jaccard"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True)

    perm = list(range(len(texts)))
    random.Random(5).shuffle(perm)
    c = deduplicate([texts[i] for i in perm])

    def pairs(result, index) -> set[frozenset[str]]:
        return {frozenset((texts[index[i]], texts[index[r]])) for i, r in enumerate(result.cluster) if r != i}

    assert pairs(a, list(range(len(texts)))) == pairs(c, perm)


def test_empty_and_one_word_texts() -> None:
    result = deduplicate(["", "word", "  ", "WORD", "other", ""])
    assert result.exact_of.tolist() == [-1, -1, 0, 1, -1, 0]
    assert result.cluster.tolist() == [0, 1, 0, 1, 4, 0]
    assert (result.near_of == -1).all()
    empty = deduplicate([])
    assert len(empty.cluster) == 0 and empty.cluster.dtype == np.int64
