"""Exact and near-duplicate detection for the `dedup` stage of `dataprep build`.

Duplicates inflate a fine-tuning set's weight on a few examples and, when a near-duplicate pair straddles
train and validation, make the validation loss lie. So the stage runs two passes:

1. exact: hash of the normalised text; the first occurrence in input order is kept (the caller sorts rows by
   a stable key, which makes "first" deterministic);
2. near: MinHash over word n-gram shingles plus LSH (datasketch) to find candidate pairs, then the true
   Jaccard of the shingle sets to drop LSH's false positives, then union-find into clusters whose lowest
   index is the representative.

Signatures are computed with numpy over all shingles of a batch of texts at once, using datasketch's
"legacy" permutation scheme (``(a * h + b) mod (2**61 - 1)``, truncated to 32 bits, uint64 wrap-around)
and xxh64 shingle hashes truncated to 32 bits: the values equal ``MinHash(scheme="legacy",
hashfunc=...)`` exactly, but cost a fraction of a per-record Python loop (see benchmarks/bench_minhash.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

__all__ = [
    "DedupResult",
    "DedupSettings",
    "deduplicate",
    "minhash_signatures",
    "normalise",
    "shingle_hashes",
    "shingles",
    "xxh32_of_bytes",
]

_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
# Bound the (shingles x permutations) uint64 block a batch materialises: 2**16 shingles x 128 perms = 64 MiB.
_BATCH_SHINGLES = 1 << 16
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DedupSettings:
    """Knobs of the dedup stage.

    Defaults follow what large-scale curation tools settled on (5-word shingles, 128 permutations, Jaccard
    0.8). ``bands`` x ``rows`` must equal ``num_perm``; 16 x 8 found every planted near-duplicate at 0.8 in
    our measurements where datasketch's own choice for 0.8 (9 x 13) missed 10%, and the false positives it
    lets through are removed by ``verify``. ``None`` lets datasketch pick (needed when ``num_perm`` != 128).
    """

    ngram: int = 5
    num_perm: int = 128
    threshold: float = 0.8
    seed: int = 1
    verify: bool = True
    bands: int | None = 16
    rows: int | None = 8


@dataclass(frozen=True)
class DedupResult:
    """Per-input-text outcome, index-aligned with the texts given to :func:`deduplicate`.

    Arrays rather than objects because the caller joins them onto a frame as columns.
    """

    cluster: np.ndarray  # int64: index of the cluster's representative (kept) text
    exact_of: np.ndarray  # int64: index of the earlier exact duplicate, or -1
    near_of: np.ndarray  # int64: index of the representative this text near-duplicates, or -1
    jaccard: np.ndarray  # float64: true Jaccard to the representative (1.0 exact, nan kept)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of the texts to keep: one per cluster, its representative."""
        return self.cluster == np.arange(len(self.cluster), dtype=np.int64)


def normalise(text: str) -> str:
    """Return the form that is hashed and shingled: NFC, casefolded, punctuation gone, whitespace collapsed.

    Punctuation becomes a space rather than nothing so that ``end.Start`` still splits into two words;
    differences of case, Unicode composition, spacing or punctuation then never hide a duplicate.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def xxh32_of_bytes(data: bytes) -> int:
    """Hash function for datasketch ``MinHash(hashfunc=...)`` equal to what :func:`shingle_hashes` feeds in.

    Exposed so tests and the benchmark can build reference signatures with datasketch itself.
    """
    return xxhash.xxh64_intdigest(data) & 0xFFFFFFFF


def shingles(normalised: str, ngram: int) -> list[str]:
    """Word n-grams of a normalised text; shorter texts are one shingle of all their words, empty ones none."""
    words = normalised.split()
    if not words:
        return []
    if len(words) <= ngram:
        return [" ".join(words)]
    return [" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]


def shingle_hashes(normalised: str, ngram: int) -> np.ndarray:
    """Sorted, distinct 64-bit xxh64 hashes of a text's shingles.

    64 bits keep the set for true-Jaccard verification collision-free in practice; MinHash uses the low 32.
    """
    hashes = {xxhash.xxh64_intdigest(s.encode("utf-8")) for s in shingles(normalised, ngram)}
    return np.array(sorted(hashes), dtype=np.uint64)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own (a, b) for this seed, so our signatures are interchangeable with its MinHash."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="legacy").permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def minhash_signatures(hash_sets: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures, shape (len(hash_sets), num_perm), of per-text 64-bit shingle hash arrays.

    All shingles of a batch of texts are permuted in one vectorised step and reduced per text with
    ``np.minimum.reduceat``. An empty set gets the all-``2**32-1`` signature, as an empty datasketch MinHash.
    """
    a, b = _permutations(num_perm, seed)
    out = np.full((len(hash_sets), num_perm), _MAX_HASH, dtype=np.uint64)
    start = 0
    while start < len(hash_sets):
        stop, total = start, 0
        while stop < len(hash_sets) and (stop == start or total + len(hash_sets[stop]) <= _BATCH_SHINGLES):
            total += len(hash_sets[stop])
            stop += 1
        idx = [i for i in range(start, stop) if len(hash_sets[i])]
        if idx:
            hv = np.concatenate([hash_sets[i] for i in idx]) & _MAX_HASH
            with np.errstate(over="ignore"):
                phv = (hv[:, None] * a[None, :] + b[None, :]) % _MERSENNE_PRIME
            phv &= _MAX_HASH
            offsets = np.cumsum([0] + [len(hash_sets[i]) for i in idx[:-1]])
            out[idx] = np.minimum.reduceat(phv, offsets, axis=0)
        start = stop
    return out


def _jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """True Jaccard of two sorted distinct hash arrays."""
    if not len(x) and not len(y):
        return 1.0
    inter = len(np.intersect1d(x, y, assume_unique=True))
    return inter / (len(x) + len(y) - inter)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def deduplicate(texts: Sequence[str], settings: DedupSettings = DedupSettings()) -> DedupResult:
    """Find exact and near-duplicates among ``texts``; see :class:`DedupResult` for the output.

    Only the first occurrence of each exact group takes part in the near pass, so exact copies cost one
    signature. Texts that normalise to nothing are only exact-deduplicated: their shingle set is empty and a
    Jaccard of two empty sets says nothing about their content. Deterministic for a given seed, and the
    pairs found do not depend on input order (only which member of a cluster is the representative does).
    """
    n = len(texts)
    exact_of = np.full(n, -1, dtype=np.int64)
    near_of = np.full(n, -1, dtype=np.int64)
    jaccard = np.full(n, np.nan, dtype=np.float64)
    first: dict[bytes, int] = {}
    uniques: list[int] = []
    normed: list[str] = []
    for i, text in enumerate(texts):
        norm = normalise(text)
        key = xxhash.xxh3_128_digest(norm.encode("utf-8"))
        j = first.setdefault(key, i)
        if j != i:
            exact_of[i] = j
            jaccard[i] = 1.0
        else:
            uniques.append(i)
            normed.append(norm)

    hash_sets = [shingle_hashes(t, settings.ngram) for t in normed]
    sigs = minhash_signatures(hash_sets, settings.num_perm, settings.seed)
    params = (settings.bands, settings.rows) if settings.bands and settings.rows else None
    lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.num_perm, params=params)
    lean: dict[int, LeanMinHash] = {}
    for u, sig in enumerate(sigs):
        if len(hash_sets[u]):
            lean[u] = LeanMinHash(seed=settings.seed, hashvalues=sig, scheme="legacy")
            lsh.insert(u, lean[u], check_duplication=False)

    pairs: set[tuple[int, int]] = set()
    for u, m in lean.items():
        for v in lsh.query(m):
            if v != u:
                pairs.add((min(u, v), max(u, v)))
    parent = list(range(len(uniques)))
    for u, v in sorted(pairs):
        if settings.verify and _jaccard(hash_sets[u], hash_sets[v]) < settings.threshold:
            continue
        ru, rv = _find(parent, u), _find(parent, v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)  # the lowest index (earliest text) represents the cluster

    cluster = np.arange(n, dtype=np.int64)
    for u, i in enumerate(uniques):
        r = _find(parent, u)
        cluster[i] = uniques[r]
        if r != u:
            near_of[i] = uniques[r]
            jaccard[i] = _jaccard(hash_sets[u], hash_sets[r])
    dup = exact_of >= 0
    cluster[dup] = cluster[exact_of[dup]]
    return DedupResult(cluster=cluster, exact_of=exact_of, near_of=near_of, jaccard=jaccard)
