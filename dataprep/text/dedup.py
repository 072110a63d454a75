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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import xxhash
from datasketch import MinHash

from dataprep.parallel import ordered_map

__all__ = [
    "DedupResult",
    "DedupSettings",
    "WordHashes",
    "deduplicate",
    "minhash_signatures",
    "normalise",
    "shingle_hash32",
    "shingle_hashes",
    "shingles",
]

_MAX_HASH = np.uint64((1 << 32) - 1)
# Bound the (permutations x shingles) uint64 block a batch materialises: 128 x 2**13 = 8 MiB, cache-friendly.
_BATCH_SHINGLES = 1 << 13
# Buckets up to this size give all their pairs, larger ones a chain of this width (see candidate_pairs).
_BUCKET_ALL_PAIRS = 64
# Candidates whose signature estimate is this far below the threshold skip exact verification: with 128
# permutations the estimate's standard deviation is at most 0.044, so 0.2 is over 4.5 of them.
_ESTIMATE_MARGIN = 0.2
# Below this many texts the two-process sketch costs more in start-up and pickling than it saves.
_PARALLEL_MIN = 4000
_SKETCH_BLOCK = 5_000
_KEEP_SETS = 250_000
_PUNCT = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DedupSettings:
    """Knobs of the dedup stage.

    128 permutations and Jaccard 0.8 follow what large-scale curation tools settled on; their 5-word shingles
    do not suit fine-tuning records, which are short: one changed word alters n shingles of a ~60-word
    record, and at n = 5 one edit in four fell below 0.8 (recall 0.92-0.94 on 200 planted one-edit copies of
    GPTeacher records), while at n = 3 recall was 0.995 with no distinct record merged (tests/test_build.py).
    ``bands`` x ``rows`` must equal ``num_perm``; 16 x 8 found every planted near-duplicate at 0.8 in
    our measurements where datasketch's own choice for 0.8 (9 x 13) missed 10%, and the false positives it
    lets through are removed by ``verify``. ``None`` lets datasketch pick (needed when ``num_perm`` != 128).
    """

    ngram: int = 3
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


_ASCII_PUNCT = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"})
# Fixed odd multipliers that fold the word hashes of an n-gram into one shingle hash (position-dependent,
# so "a b" and "b a" differ). Fixed rather than seeded: shingle identity must not depend on the MinHash seed.
_GRAM_MULT = np.random.default_rng(0x5EED).integers(1 << 62, 1 << 63, size=64, dtype=np.uint64) | np.uint64(1)


def normalise(text: str) -> str:
    """Return the form that is hashed and shingled: NFC, casefolded, punctuation gone, whitespace collapsed.

    Punctuation becomes a space rather than nothing so that ``end.Start`` still splits into two words;
    differences of case, Unicode composition, spacing or punctuation then never hide a duplicate. ASCII
    text (most of it) takes a translate-table fast path; only other text pays for NFC and the regex.
    """
    if text.isascii():
        return " ".join(text.casefold().translate(_ASCII_PUNCT).split())
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def shingles(normalised: str, ngram: int) -> list[str]:
    """Word n-grams of a normalised text; shorter texts are one shingle of all their words, empty ones none."""
    words = normalised.split()
    if not words:
        return []
    if len(words) <= ngram:
        return [" ".join(words)]
    return [" ".join(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]


def _fold(word_hashes: np.ndarray, ngram: int) -> np.ndarray:
    """Shingle hashes from a text's word hashes: one per window of `ngram` words, or one for a short text."""
    size = len(word_hashes)
    if size <= ngram:
        return (word_hashes * _GRAM_MULT[:size]).sum(dtype=np.uint64, keepdims=True)
    windows = size - ngram + 1
    out = word_hashes[:windows] * _GRAM_MULT[0]
    for k in range(1, ngram):
        out += word_hashes[k : k + windows] * _GRAM_MULT[k]
    return out


def shingle_hash32(shingle: bytes) -> int:
    """The hash of one shingle (its words joined by spaces) as :func:`shingle_hashes` computes it, low 32 bits.

    It is the ``hashfunc`` that makes a datasketch ``MinHash`` equal to :func:`minhash_signatures`, which is
    how tests and the benchmark check our signatures against datasketch's own.
    """
    words = np.array([xxhash.xxh64_intdigest(w.encode()) for w in shingle.decode().split()], dtype=np.uint64)
    with np.errstate(over="ignore"):
        return int(_fold(words, len(words))[0]) & 0xFFFFFFFF


class WordHashes(dict[str, int]):
    """Memo of word -> xxh64, shared across texts: vocabularies repeat, so most lookups are a dict hit."""

    def __missing__(self, word: str) -> int:
        value = self[word] = xxhash.xxh64_intdigest(word.encode("utf-8"))
        return value


def shingle_hashes(normalised: str, ngram: int, memo: WordHashes | None = None) -> np.ndarray:
    """Sorted, distinct 64-bit hashes of a text's word n-grams.

    Each word is hashed once (xxh64, memoised across texts in `memo`) and the n-gram hashes are folded from
    them with numpy, instead of joining and hashing every n-gram string: the same shingle sets at a fraction
    of the cost. 64 bits keep the sets for true-Jaccard verification collision-free in practice; MinHash
    uses the low 32.
    """
    words = normalised.split()
    if not words:
        return np.empty(0, dtype=np.uint64)
    if ngram > len(_GRAM_MULT):
        raise ValueError(f"n-gram size {ngram} is over the maximum of {len(_GRAM_MULT)}")
    lookup = (WordHashes() if memo is None else memo).__getitem__
    hashes = np.fromiter(map(lookup, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        return np.unique(_fold(hashes, ngram))


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's own (a, b) for this seed, so our signatures are interchangeable with its MinHash."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="legacy").permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def minhash_signatures(hash_sets: Sequence[np.ndarray], num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures, shape (len(hash_sets), num_perm), uint32, of per-text 64-bit shingle hash arrays.

    datasketch stores the same values in uint64; they never exceed 2**32 - 1, so half the memory holds them.

    The shingles of a batch of texts are permuted in one vectorised step and reduced per text with
    ``np.minimum.reduceat``; batches run on two threads (numpy releases the GIL in its loops). The modulo by
    the Mersenne prime 2**61 - 1 is done with a shift and an add (see ``_permuted_min``) instead of a 64-bit
    division. An empty set gets the all-``2**32-1`` signature, as an empty datasketch
    MinHash.
    """
    a, b = _permutations(num_perm, seed)
    out = np.full((len(hash_sets), num_perm), _MAX_HASH, dtype=np.uint32)
    batches: list[list[int]] = []
    current: list[int] = []
    total = 0
    for i, hashes in enumerate(hash_sets):
        if not len(hashes):
            continue
        if current and total + len(hashes) > _BATCH_SHINGLES:
            batches.append(current)
            current, total = [], 0
        current.append(i)
        total += len(hashes)
    if current:
        batches.append(current)

    def run(idx: list[int]) -> None:
        hv = np.concatenate([hash_sets[i] for i in idx]) & _MAX_HASH
        offsets = np.cumsum([0] + [len(hash_sets[i]) for i in idx[:-1]])
        out[idx] = _permuted_min(hv, a, b, offsets).T

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, batches))
    return out


def _permuted_min(hv: np.ndarray, a: np.ndarray, b: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per segment of `hv` (starting at `offsets`) and per permutation: min of ((a*h + b) mod p) & (2**32-1).

    With p = 2**61 - 1, x mod p = (x & p) + (x >> 61) (less p in the rare case that reaches p), and its low
    32 bits are those of x + (x >> 61). So three cheap passes replace a 64-bit division. The "rare case"
    needs the low 61 bits of x to be within 7 of all ones, a chance of 2**-58 per value, so the result
    equals datasketch's except with that probability (tests compare the two on real texts).
    """
    with np.errstate(over="ignore"):
        x = np.multiply.outer(a, hv)  # (num_perm, shingles), wrapping at 2**64 as datasketch's uint64 does
        x += b[:, None]
        x += x >> np.uint64(61)
    return np.minimum.reduceat(x.astype(np.uint32), offsets, axis=1)


def lsh_params(settings: DedupSettings) -> tuple[int, int]:
    """(bands, rows): the settings' own, or datasketch's optimum for the threshold and ``num_perm``."""
    if settings.bands and settings.rows:
        if settings.bands * settings.rows > settings.num_perm:
            raise ValueError(f"bands x rows = {settings.bands * settings.rows} exceeds num_perm {settings.num_perm}")
        return settings.bands, settings.rows
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(settings.threshold, settings.num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def candidate_pairs(sigs: np.ndarray, usable: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """LSH banding: (u, v) index pairs, u < v, sorted, of signatures that agree on all rows of some band.

    The same candidates as datasketch's ``MinHashLSH`` with these bands and rows (a test compares the two),
    computed with a sort per band instead of a Python dict insert and query per record, which is what lets
    the stage scale to a million records. A bucket larger than ``_BUCKET_ALL_PAIRS`` (a template shared by
    thousands of records) pairs each member with its ``_BUCKET_ALL_PAIRS`` neighbours in index order rather
    than with all of them: clusters still connect through the chain, without a quadratic blow-up.
    """
    bands, rows = lsh_params(settings)
    index = np.flatnonzero(usable)
    found: list[np.ndarray] = []
    mult = _GRAM_MULT[:rows]
    for band in range(bands):
        with np.errstate(over="ignore"):
            keys = (sigs[index, band * rows : (band + 1) * rows] * mult).sum(axis=1, dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        for size in np.unique(sizes[sizes > 1]).tolist():
            # All buckets of one size at once: a (buckets, size) matrix of members, sorted per row.
            members = np.sort(index[order[starts[sizes == size][:, None] + np.arange(size)]], axis=1)
            left, right = _bucket_pattern(size)
            found.append(np.stack([members[:, left].ravel(), members[:, right].ravel()], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    encoded = np.unique(pairs[:, 0] * len(sigs) + pairs[:, 1])
    return np.stack([encoded // len(sigs), encoded % len(sigs)], axis=1)


def _bucket_pattern(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Column pairs within a sorted bucket: all of them, or each member with its next neighbours."""
    width = min(size - 1, _BUCKET_ALL_PAIRS)
    left = np.repeat(np.arange(size), width)
    right = left + np.tile(np.arange(1, width + 1), size)
    keep = right < size
    return left[keep], right[keep]


def _estimated_jaccard(sigs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Share of equal signature positions per pair: MinHash's unbiased Jaccard estimate, vectorised."""
    out = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), 1 << 15):
        chunk = pairs[start : start + (1 << 15)]
        out[start : start + len(chunk)] = (sigs[chunk[:, 0]] == sigs[chunk[:, 1]]).mean(axis=1)
    return out


Sketch = tuple[list[bytes], np.ndarray, np.ndarray, list[np.ndarray] | None]


def _sketch(texts: Sequence[str], settings: DedupSettings) -> Sketch:
    """Exact key, has-shingles flag, MinHash signature (and shingle set, when few) of every text.

    Normalising and shingling are per-text Python work, so chunks of texts go to two worker processes
    (`dataprep.parallel`); results are concatenated in input order, so the outcome does not depend on the
    chunking. Exact duplicates are sketched too (a few percent of the work) so chunks need no exchange.
    """
    keep = len(texts) <= _KEEP_SETS
    if len(texts) < _PARALLEL_MIN:
        return _sketch_part(texts, settings, keep)
    starts = range(0, len(texts), _SKETCH_BLOCK)
    chunks = (([texts[i] for i in range(start, min(start + _SKETCH_BLOCK, len(texts)))], settings, keep)
              for start in starts)
    # Filled in place as chunks come back: concatenating the parts would hold the signatures twice.
    keys: list[bytes] = []
    usable = np.empty(len(texts), dtype=bool)
    sigs = np.empty((len(texts), settings.num_perm), dtype=np.uint32)
    sets: list[np.ndarray] | None = [] if keep else None
    for start, (part_keys, part_usable, part_sigs, part_sets) in zip(starts, ordered_map(_sketch_chunk, chunks),
                                                                     strict=True):
        keys += part_keys
        usable[start : start + len(part_keys)] = part_usable
        sigs[start : start + len(part_keys)] = part_sigs
        if sets is not None and part_sets is not None:
            sets += part_sets
    return keys, usable, sigs, sets


def _sketch_chunk(args: tuple[list[str], DedupSettings, bool]) -> Sketch:
    return _sketch_part(*args)


def _sketch_part(texts: Sequence[str], settings: DedupSettings, keep: bool) -> Sketch:
    memo = WordHashes()
    keys: list[bytes] = []
    kept: list[np.ndarray] = []
    sigs = np.empty((len(texts), settings.num_perm), dtype=np.uint32)
    usable = np.zeros(len(texts), dtype=bool)
    # Signatures in blocks, so only one block's shingle sets are alive at a time (unless they are kept).
    for start in range(0, len(texts), _SKETCH_BLOCK):
        hash_sets = []
        for text in texts[start : start + _SKETCH_BLOCK]:
            norm = normalise(text)
            keys.append(xxhash.xxh3_128_digest(norm.encode("utf-8")))
            hash_sets.append(shingle_hashes(norm, settings.ngram, memo))
        sigs[start : start + len(hash_sets)] = minhash_signatures(hash_sets, settings.num_perm, settings.seed)
        usable[start : start + len(hash_sets)] = [len(h) > 0 for h in hash_sets]
        if keep:
            kept.extend(hash_sets)
    return keys, usable, sigs, kept if keep else None


def _jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """True Jaccard of two sorted distinct hash arrays (binary search of the smaller in the larger)."""
    if len(x) > len(y):
        x, y = y, x
    if not len(x):
        return 1.0 if not len(y) else 0.0
    at = np.searchsorted(y, x)
    inter = int(np.count_nonzero(y[np.minimum(at, len(y) - 1)] == x))
    return inter / (len(x) + len(y) - inter)


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def deduplicate(texts: Sequence[str], settings: DedupSettings = DedupSettings()) -> DedupResult:
    """Find exact and near-duplicates among ``texts``; see :class:`DedupResult` for the output.

    Only the first occurrence of each exact group takes part in the near pass. Texts that normalise to
    nothing are only exact-deduplicated: their shingle set is empty and a Jaccard of two empty sets says
    nothing about their content. Deterministic for a given seed, and the pairs found do not depend on input
    order (only which member of a cluster is the representative does).
    """
    n = len(texts)
    exact_of = np.full(n, -1, dtype=np.int64)
    near_of = np.full(n, -1, dtype=np.int64)
    jaccard = np.full(n, np.nan, dtype=np.float64)
    keys, usable, sigs, all_sets = _sketch(texts, settings)
    first: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        j = first.setdefault(key, i)
        if j != i:
            exact_of[i] = j
            jaccard[i] = 1.0
    del first, keys
    # Indices stay those of `texts` throughout: exact copies are simply not usable for LSH (no copy of the
    # signature matrix, which is half a gigabyte at a million texts).
    usable &= exact_of < 0
    pairs = candidate_pairs(sigs, usable, settings)
    # Candidates whose signature estimate is far below the threshold are LSH false positives: skip them.
    pairs = pairs[_estimated_jaccard(sigs, pairs) >= settings.threshold - _ESTIMATE_MARGIN]
    del sigs
    # Up to _KEEP_SETS texts the sketch hands back every shingle set (T0's 55k take ~80 MB); beyond that
    # they would outweigh the texts, so only the texts that need a true Jaccard are shingled again.
    memo = WordHashes()
    sets: dict[int, np.ndarray] = {}

    def shingle_set(u: int) -> np.ndarray:
        if all_sets is not None:
            return all_sets[u]
        found = sets.get(u)
        if found is None:
            found = sets[u] = shingle_hashes(normalise(texts[u]), settings.ngram, memo)
        return found

    parent = list(range(n))
    for u, v in pairs.tolist():
        ru, rv = _find(parent, u), _find(parent, v)
        # A pair inside one cluster already cannot change the clusters: skip its (costly) verification.
        if ru == rv or (settings.verify and _jaccard(shingle_set(u), shingle_set(v)) < settings.threshold):
            continue
        parent[max(ru, rv)] = min(ru, rv)  # the lowest index (earliest text) represents the cluster

    cluster = np.arange(n, dtype=np.int64)
    for i in np.flatnonzero(exact_of < 0).tolist():
        r = _find(parent, i)
        cluster[i] = r
        if r != i:
            near_of[i] = r
            jaccard[i] = _jaccard(shingle_set(i), shingle_set(r))
    dup = exact_of >= 0
    cluster[dup] = cluster[exact_of[dup]]
    return DedupResult(cluster=cluster, exact_of=exact_of, near_of=near_of, jaccard=jaccard)
