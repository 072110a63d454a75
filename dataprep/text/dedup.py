"""Exact and near-duplicate detection for the `dedup` stage of `dataprep build`.

Duplicates inflate a fine-tuning set's weight on a few examples and, when a near-duplicate pair straddles
train and validation, make the validation loss lie. So the stage runs two passes:

1. exact: hash of the normalised text (`dataprep.text.normal`); the first eligible occurrence in index
   order is kept (the caller sorts rows by a stable key, which makes "first" deterministic, and says which
   texts could reach an output at all, so a kept text never fails a later check);
2. near: MinHash over word n-gram shingles plus LSH (datasketch's scheme, in numpy) to find candidate pairs, then a
   greedy pass in index order: a text is dropped only when the true Jaccard of its shingle set with a text that is
   *kept* is at or above the threshold (see `_greedy`). Union-find clusters used to chain, dropping texts
   that shared half their shingles with the kept one.

Signatures use datasketch's "legacy" permutation scheme (``(a * h + b) mod (2**61 - 1)``, truncated to
32 bits, uint64 wrap-around) over xxh64 shingle hashes truncated to 32 bits: the values equal
``MinHash(scheme="legacy", hashfunc=...)`` exactly. The two workers of a large input compute them in one
compiled loop per text (`dataprep.text.compiled`, numba, from the `[build]` extra); a small input, or an
install without numba, with numpy over all shingles of a batch of texts at once (`minhash_signatures`): the
same values at five times the time (benchmarks/bench_minhash.py).
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import xxhash

from dataprep.parallel import Advance, Phase, no_advance, no_phase, ordered_map
from dataprep.text.normal import normalise
from dataprep.text.signatures import Signatures, Spill

__all__ = [
    "KEEP",
    "DedupResult",
    "DedupSettings",
    "Portable",
    "WordHashes",
    "cross_duplicates",
    "deduplicate",
    "minhash_signatures",
    "normalise",
    "shingle_hash32",
    "shingle_hashes",
    "shingles",
]

_MAX_HASH = np.uint64((1 << 32) - 1)
_MERSENNE = np.uint64((1 << 61) - 1)  # the prime the legacy permutations are taken modulo
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
_VERIFY_STEP = 1000  # texts verified between two progress updates
# The `[build]` extra installs numba: the workers' sketch is then compiled (`dataprep.text.compiled`, imported by
# each worker at its first chunk: a second of numba and its machine code), else numpy. Looked up, not imported:
# the parent sketches fewer than _PARALLEL_MIN texts, where numpy costs less than that second.
COMPILED = importlib.util.find_spec("numba") is not None
_NO_PERM = np.empty(0, dtype=np.uint64)  # no permutations: the compiled sketch gives the shingle sets alone


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
    # Which member of a cluster the build keeps, among those that pass its later checks (`KEEP`).
    keep: str = "lowest-hash"


# `--dedup-keep`: the order a cluster's members are offered in (the first eligible one is kept).
# lowest-hash: content key, independent of file order; first: input order; longest: most characters.
KEEP = ("lowest-hash", "first", "longest")


@dataclass(frozen=True)
class DedupResult:
    """Per-input-text outcome, index-aligned with the texts given to :func:`deduplicate`.

    Arrays rather than objects because the caller joins them onto a frame as columns.
    """

    cluster: np.ndarray  # int64: index of the kept text this text is dropped for (itself when kept)
    # int64: the exact copy this text is filed against, or -1: the kept text of its group, or (when the group
    # near-duplicates a kept text) the group's first text, itself the near duplicate
    exact_of: np.ndarray
    near_of: np.ndarray  # int64: index of the kept text this text near-duplicates, or -1 (its exact copies: -1)
    # float64: true Jaccard of the shingle sets to `cluster` (>= threshold when verified; 1.0 for an exact
    # copy of a kept text; nan when kept)
    jaccard: np.ndarray

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of the texts that pass: one per cluster, its kept text (and texts no check would keep)."""
        return self.cluster == np.arange(len(self.cluster), dtype=np.int64)


# Fixed odd multipliers that fold the word hashes of an n-gram into one shingle hash (position-dependent,
# so "a b" and "b a" differ). Fixed rather than seeded: shingle identity must not depend on the MinHash seed.
_GRAM_MULT = np.random.default_rng(0x5EED).integers(1 << 62, 1 << 63, size=64, dtype=np.uint64) | np.uint64(1)


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
    them with numpy, instead of joining and hashing every n-gram string: the same shingle sets at a fraction of
    the cost. 64 bits keep the sets for true-Jaccard verification collision-free in practice; MinHash uses the
    low 32. The build's workers compute the same sets compiled (`dataprep.text.compiled`).
    """
    words = normalised.split()
    if not words:
        return np.empty(0, dtype=np.uint64)
    _weights(ngram)
    lookup = (WordHashes() if memo is None else memo).__getitem__
    hashes = np.fromiter(map(lookup, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        return _distinct(_fold(hashes, ngram))


def _weights(ngram: int) -> np.ndarray:
    """The fold multipliers of an n-gram: the compiled loop reads exactly these, so the size is checked here."""
    if not 1 <= ngram <= len(_GRAM_MULT):
        raise ValueError(f"n-gram size {ngram} is not from 1 to {len(_GRAM_MULT)}")
    return _GRAM_MULT[:ngram]


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values: np.unique's result at a quarter of its cost on a text's few hundred (#17:
    17 -> 4 us a T0 text; np.unique's general machinery dominates on small arrays), and at a tenth on T0's
    8M candidate pairs (numpy 2.4's np.unique hashes, 1.5 s; its sort is SIMD, 0.14 s)."""
    if len(values) < 2:
        return values
    ordered = np.sort(values)
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) of datasketch's legacy MinHash for this seed, so our signatures are interchangeable with its.

    datasketch draws, per permutation, a in [1, p) then b in [0, p) (p the Mersenne prime 2**61 - 1) from numpy's
    legacy RandomState(seed). Drawing them here, instead of building a datasketch MinHash for them, keeps
    datasketch (and the scipy it imports, half a second) out of every build; tests/test_dedup.py checks the values
    against datasketch's own for several seeds and sizes.
    """
    draw = np.random.RandomState(seed)
    pairs = [(draw.randint(1, _MERSENNE, dtype=np.uint64), draw.randint(0, _MERSENNE, dtype=np.uint64))
             for _ in range(num_perm)]
    a, b = np.array(pairs, dtype=np.uint64).reshape(num_perm, 2).T
    return a.copy(), b.copy()


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


def candidate_pairs(sigs: Signatures, usable: np.ndarray, settings: DedupSettings,
                    advance: Advance = no_advance) -> np.ndarray:
    """LSH banding: (u, v) index pairs, u < v, sorted, of signatures that agree on all rows of some band.

    The same candidates as datasketch's ``MinHashLSH`` with these bands and rows (a test compares the two),
    computed with a sort per band instead of a Python dict insert and query per record, which is what lets
    the stage scale to a million records. A bucket larger than ``_BUCKET_ALL_PAIRS`` (a template shared by
    thousands of records) pairs each member with its ``_BUCKET_ALL_PAIRS`` neighbours in index order rather
    than with all of them: clusters still connect through the chain, without a quadratic blow-up.
    `advance` is told of each band done.
    """
    bands, rows = lsh_params(settings)
    advance(0, total=bands)
    index = np.flatnonzero(usable)
    found: list[np.ndarray] = []
    mult = _GRAM_MULT[:rows]
    for band in range(bands):
        with np.errstate(over="ignore"):
            keys = (sigs.columns(band * rows, (band + 1) * rows)[index] * mult).sum(axis=1, dtype=np.uint64)
        order = np.argsort(keys)  # unstable is enough: a bucket's members are sorted below (2x faster at 1M)
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        for size in np.unique(sizes[sizes > 1]).tolist():
            # All buckets of one size at once: a (buckets, size) matrix of members, sorted per row.
            members = np.sort(index[order[starts[sizes == size][:, None] + np.arange(size)]], axis=1)
            left, right = _bucket_pattern(size)
            found.append(np.stack([members[:, left].ravel(), members[:, right].ravel()], axis=1))
        advance(1)
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    encoded = _distinct(pairs[:, 0] * sigs.n + pairs[:, 1])
    return np.stack([encoded // sigs.n, encoded % sigs.n], axis=1)


def _bucket_pattern(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Column pairs within a sorted bucket: all of them, or each member with its next neighbours."""
    width = min(size - 1, _BUCKET_ALL_PAIRS)
    left = np.repeat(np.arange(size), width)
    right = left + np.tile(np.arange(1, width + 1), size)
    keep = right < size
    return left[keep], right[keep]


# A worker's part of the sketch: exact keys, has-shingles flags, signatures, shingle sets (when kept).
Part = tuple[list[bytes], np.ndarray, np.ndarray, list[np.ndarray] | None]
Sketch = tuple[list[bytes], np.ndarray, Signatures, list[np.ndarray] | None]


@runtime_checkable
class Portable(Protocol):
    """Texts that can be sent to a worker in a cheaper form than their strings (a build's units send their rows
    still encoded, and each worker decodes its chunk's: #17, decoding every row in the build process to send
    its text made the sketch wait on that one process at a million records)."""

    def pick(self, indices: Sequence[int]) -> Sequence[str]:
        """The texts at `indices`, as a sequence that pickles and gives the strings where it is read."""
        ...


def _picked(texts: Sequence[str], indices: Sequence[int]) -> Sequence[str]:
    """The texts at `indices` as a worker is sent them: a `Portable` source's own form, else the strings."""
    return texts.pick(indices) if isinstance(texts, Portable) else [texts[i] for i in indices]


def _sketch(texts: Sequence[str], settings: DedupSettings, advance: Advance = no_advance,
            spill: Spill = None) -> Sketch:
    """Exact key, has-shingles flag, MinHash signature (and shingle set, when few) of every text.

    Normalising and shingling are per-text Python work, so chunks of texts go to two worker processes
    (`dataprep.parallel`); results are concatenated in input order, so the outcome does not depend on the
    chunking. Exact duplicates are sketched too (a few percent of the work) so chunks need no exchange.
    `advance` is told of each chunk (each block, in this process) as it is done. The signatures go to a
    spill file past `spill`'s budget (`dataprep.text.signatures`).
    """
    keep = len(texts) <= _KEEP_SETS
    width = lsh_params(settings)[1]
    if len(texts) < _PARALLEL_MIN:
        keys, usable, matrix, sets = _sketch_part(texts, settings, keep, advance)
        return keys, usable, Signatures.of(matrix, width), sets
    starts = range(0, len(texts), _SKETCH_BLOCK)
    chunks = ((_picked(texts, range(start, min(start + _SKETCH_BLOCK, len(texts)))), settings, keep, COMPILED)
              for start in starts)
    # Filled in place as chunks come back: concatenating the parts would hold the signatures twice.
    keys: list[bytes] = []
    usable = np.empty(len(texts), dtype=bool)
    sigs = Signatures(len(texts), settings.num_perm, width, spill)
    sets: list[np.ndarray] | None = [] if keep else None
    for start, (part_keys, part_usable, part_sigs, part_sets) in zip(starts, ordered_map(_sketch_chunk, chunks),
                                                                     strict=True):
        keys += part_keys
        usable[start : start + len(part_keys)] = part_usable
        sigs.put(start, part_sigs)
        if sets is not None and part_sets is not None:
            sets += part_sets
        advance(len(part_keys))
    return keys, usable, sigs, sets


def _sketch_chunk(args: tuple[list[str], DedupSettings, bool, bool]) -> Part:
    texts, settings, keep, compiled = args
    return _sketch_part(texts, settings, keep, compiled=compiled)


def _sketch_part(texts: Sequence[str], settings: DedupSettings, keep: bool, advance: Advance = no_advance,
                 compiled: bool = False) -> Part:
    """Exact keys, has-shingles flags, signatures (and shingle sets, with `keep`) of `texts`, by blocks; with
    `compiled`, the machine-code sketch (`dataprep.text.compiled`), else numpy: the same values."""
    memo = WordHashes()
    keys: list[bytes] = []
    kept: list[np.ndarray] = []
    sigs = np.empty((len(texts), settings.num_perm), dtype=np.uint32)
    usable = np.zeros(len(texts), dtype=bool)
    a, b = _permutations(settings.num_perm, settings.seed)
    weights = _weights(settings.ngram)
    kernel = _kernel() if compiled else None
    # Signatures in blocks, so only one block's shingle sets are alive at a time (unless they are kept).
    for start in range(0, len(texts), _SKETCH_BLOCK):
        norms = [normalise(text) for text in texts[start : start + _SKETCH_BLOCK]]
        encoded = [norm.encode("utf-8") for norm in norms]
        keys += map(xxhash.xxh3_128_digest, encoded)
        end = start + len(encoded)
        if kernel is not None:
            sigs[start:end], counts, flat = kernel(encoded, weights, a, b, keep)
            usable[start:end] = counts > 0
            hash_sets = _split(flat, counts) if flat is not None else None
        else:
            hash_sets = [shingle_hashes(norm, settings.ngram, memo) for norm in norms]
            sigs[start:end] = minhash_signatures(hash_sets, settings.num_perm, settings.seed)
            usable[start:end] = [len(h) > 0 for h in hash_sets]
        if keep and hash_sets is not None:
            kept.extend(hash_sets)
        advance(len(encoded))
    return keys, usable, sigs, kept if keep else None


@functools.cache
def _kernel() -> Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray | None]] | None:
    """`compiled.sketch`, or None where numba is installed but cannot load (a NumPy it does not support, a
    broken install): the numpy path then gives the same values, slower, rather than failing the build."""
    try:
        from dataprep.text.compiled import sketch
    except ImportError:
        return None
    return sketch


def _split(flat: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Per text, its part of the sets laid one after another (views, no copies)."""
    return np.split(flat, np.cumsum(counts)[:-1]) if len(counts) else []


def _shingle_sets(texts: Sequence[str], needed: np.ndarray, settings: DedupSettings) -> Callable[[int], np.ndarray]:
    """The shingle set of each text in `needed` (sorted distinct indices), looked up by index.

    Above `_KEEP_SETS` texts the sketch keeps no sets, and verification needs those of the texts in candidate
    pairs only. They are computed as the sketch computes them, on the two workers past `_PARALLEL_MIN` (#17:
    at a million records, shingling them one by one in the parent took 20 of the stage's 72 s), and held as
    one flat array per block of `_SKETCH_BLOCK` texts: an array object per set would cost more than its hashes,
    and joining the blocks into one array held them twice at its peak (#17: the dedup stage's high-water mark
    at a million records).
    """
    weights = _weights(settings.ngram)
    if len(needed) < _PARALLEL_MIN:
        size = max(1, len(needed))
        blocks = [_sets_chunk((_picked(texts, needed.tolist()), weights, False))]
    else:
        size = _SKETCH_BLOCK
        blocks = list(ordered_map(_sets_chunk, ((_picked(texts, needed[start : start + size].tolist()), weights,
                                                 COMPILED) for start in range(0, len(needed), size))))
    bounds = [np.concatenate(([0], np.cumsum(counts))) for _, counts in blocks]

    def lookup(u: int) -> np.ndarray:
        block, at = divmod(int(np.searchsorted(needed, u)), size)
        return blocks[block][0][bounds[block][at] : bounds[block][at + 1]]

    return lookup


def _sets_chunk(args: tuple[list[str], np.ndarray, bool]) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of texts, one after another, and their sizes (compiled, or numpy)."""
    texts, weights, compiled = args
    norms = [normalise(text) for text in texts]
    kernel = _kernel() if compiled else None
    if kernel is not None:
        _, counts, flat = kernel([norm.encode("utf-8") for norm in norms], weights, _NO_PERM, _NO_PERM, True)
        assert flat is not None
        return flat, counts
    memo = WordHashes()
    sets = [shingle_hashes(norm, len(weights), memo) for norm in norms]
    counts = np.fromiter(map(len, sets), dtype=np.int64, count=len(sets))
    return (np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)), counts


def _jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """True Jaccard of two sorted distinct hash arrays (binary search of the smaller in the larger)."""
    if len(x) > len(y):
        x, y = y, x
    if not len(x):
        return 1.0 if not len(y) else 0.0
    at = np.searchsorted(y, x)
    inter = int(np.count_nonzero(y[np.minimum(at, len(y) - 1)] == x))
    return inter / (len(x) + len(y) - inter)


def text_jaccard(a: str, b: str, ngram: int) -> float:
    """True Jaccard of two texts' shingle sets, exactly as the dedup step measures it (for evidence shown later)."""
    return _jaccard(shingle_hashes(normalise(a), ngram), shingle_hashes(normalise(b), ngram))


Eligible = Callable[[np.ndarray], np.ndarray]


def deduplicate(texts: Sequence[str], settings: DedupSettings = DedupSettings(),
                eligible: Eligible | None = None, phase: Phase = no_phase,
                groups: Sequence[str] | None = None, spill: Spill = None) -> DedupResult:
    """Find exact and near-duplicates among ``texts``; see :class:`DedupResult` for the output.

    Only one text of each exact group takes part in the near pass. Texts that normalise to nothing are only
    exact-deduplicated: their shingle set is empty and a Jaccard of two empty sets says nothing about their
    content. Deterministic for a given seed; the candidate pairs do not depend on input order, and which text
    is kept follows index order (the caller sorts them, see :func:`_greedy`).

    ``eligible`` (sorted indices -> bool mask) says which texts could reach an output at all (the caller's
    later per-record checks): it is asked only about texts that would be kept with others dropped for them,
    and a text it refuses is never kept, so never the reason another is dropped. Such a text passes through
    (``cluster`` itself) unless it duplicates a kept one; the caller files it under its own check.
    ``phase`` shows the three parts' progress: signatures (per text), candidates (per LSH band), verification
    (per text with candidates). ``groups`` (one label per text: a record's media) keeps the near pass within
    a label: two texts with other labels are never near-duplicates, however alike (exact copies already
    differ, as the caller puts the label in the text). ``spill`` (a folder and a byte budget) lets the
    signature matrix wait on disk when it is larger (`dataprep.text.signatures`); the result is the same.
    """
    n = len(texts)
    first_of = np.full(n, -1, dtype=np.int64)
    with phase("signatures", n) as advance:
        keys, usable, sigs, all_sets = _sketch(texts, settings, advance, spill)
    first: dict[bytes, int] = {}
    for i, key in enumerate(keys):
        j = first.setdefault(key, i)
        if j != i:
            first_of[i] = j
    del first, keys
    # Indices stay those of `texts` throughout: exact copies are simply not usable for LSH (no copy of the
    # signature matrix, which is half a gigabyte at a million texts).
    usable &= first_of < 0
    with phase("candidates", 0) as advance:
        pairs = candidate_pairs(sigs, usable, settings, advance)
    # Candidates whose signature estimate is far below the threshold are LSH false positives: skip them.
    pairs = pairs[sigs.agreement(pairs) >= settings.threshold - _ESTIMATE_MARGIN]
    if groups is not None and len(pairs):
        pairs = _within_groups(pairs, groups)
    del sigs
    group = np.where(first_of >= 0, first_of, np.arange(n, dtype=np.int64))
    # Up to _KEEP_SETS texts the sketch hands back every shingle set (T0's 55k take ~80 MB); beyond that
    # they would outweigh the texts, so only the texts in candidate pairs are shingled again (within the verify
    # part, whose bar then waits for them).
    with phase("verify", 0) as advance:
        shingle_set = all_sets.__getitem__ if all_sets is not None else \
            _shingle_sets(texts, _distinct(pairs.ravel()), settings)
        return _resolve(pairs, group, settings, lambda u, v: _jaccard(shingle_set(u), shingle_set(v)), eligible,
                        advance)


def _resolve(pairs: np.ndarray, group: np.ndarray, settings: DedupSettings, similarity: Callable[[int, int], float],
             eligible: Eligible | None, advance: Advance = no_advance) -> DedupResult:
    """The greedy pass over the exact groups' heads, with each kept text one that `eligible` accepts.

    Eligibility is asked lazily: only of texts that are kept *and* have a text dropped for them (the others'
    eligibility changes nothing here; the caller checks them anyway). When one is refused, the pass runs
    again without it, which can make new texts kept with dependents: asked in turn, until none is refused
    (in practice one pass and one question; a refused kept text is rare). `advance` shows the first pass.
    """
    n = len(group)
    ok = np.ones(n, dtype=bool)
    asked = np.zeros(n, dtype=bool)
    index = np.arange(n, dtype=np.int64)
    while True:
        keeper = _keepers(group, ok)
        result = _assemble(group, keeper, *_greedy(pairs, n, settings, similarity, keeper >= 0, advance))
        advance = no_advance
        if eligible is None:
            return result
        heads = np.unique(result.cluster[result.cluster != index])
        todo = heads[~asked[heads]]
        if not len(todo):
            return result
        asked[todo] = True
        ok[todo] = np.asarray(eligible(todo), dtype=bool)
        if ok[todo].all():
            return result


def _keepers(group: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Per exact group (indexed by its first text): its first eligible text in index order, or -1."""
    keeper = np.full(len(group), -1, dtype=np.int64)
    idx = np.flatnonzero(ok)
    heads, at = np.unique(group[idx], return_index=True)
    keeper[heads] = idx[at]
    return keeper


def _assemble(group: np.ndarray, keeper: np.ndarray, near_of: np.ndarray, jaccard: np.ndarray) -> DedupResult:
    """Per text, from the near pass over group heads: where it goes, the copy it is filed against, its Jaccard.

    A group whose head near-duplicates a kept head goes, whole, to that head's kept text (the same normal
    text, so the same Jaccard); the head is the near duplicate and the others its exact copies. A group that
    is kept goes to its kept text (Jaccard 1 for the copies). A group with no eligible text passes through.
    """
    n = len(group)
    index = np.arange(n, dtype=np.int64)
    head_near = near_of[group]
    near = head_near >= 0
    kept = ~near & (keeper[group] >= 0)
    cluster = index.copy()
    cluster[near] = keeper[head_near[near]]
    cluster[kept] = keeper[group[kept]]
    exact_of = np.full(n, -1, dtype=np.int64)
    exact_of[near & (group != index)] = group[near & (group != index)]
    copies = kept & (cluster != index)
    exact_of[copies] = cluster[copies]
    out_near = np.full(n, -1, dtype=np.int64)
    heads = near & (group == index)
    out_near[heads] = keeper[near_of[heads]]
    out_jaccard = np.full(n, np.nan, dtype=np.float64)
    out_jaccard[near] = jaccard[group[near]]
    out_jaccard[copies] = 1.0
    return DedupResult(cluster=cluster, exact_of=exact_of, near_of=out_near, jaccard=out_jaccard)


def _greedy(pairs: np.ndarray, n: int, settings: DedupSettings, similarity: Callable[[int, int], float],
            keepable: np.ndarray, advance: Advance = no_advance) -> tuple[np.ndarray, np.ndarray]:
    """Near-duplicate of a kept text, or -1, per text, and the true Jaccard to it: a greedy pass in index order.

    Union-find would chain clusters (a ~ b ~ c drops c for a even when a and c share half their shingles), so
    a text is dropped only for a text that is *kept*: in index order, each text is compared with its verified
    candidates that come earlier, and it is dropped as a duplicate of the kept one with the highest true
    Jaccard at or above the threshold (ties: the lowest index, i.e. the lowest content key). A candidate that
    was itself dropped stands in for the text it was dropped for, which is verified instead: that keeps the
    recall union-find had on chains (a template bucket pairs each member only with its neighbours, see
    :func:`candidate_pairs`) while every drop still rests on a true Jaccard to a kept text. Each text costs one
    verification per distinct kept candidate, so the work stays linear in the candidate pairs. A text that is
    not `keepable` (it would fail a later check) is never kept: it neither stands for anything nor is named.
    """
    near_of = [-1] * n
    jaccard = np.full(n, np.nan, dtype=np.float64)
    if len(pairs):
        pairs = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))]  # grouped by the later text, earlier ones sorted
        later = pairs[:, 1]
        bounds = np.flatnonzero(np.r_[True, later[1:] != later[:-1], True]).tolist()
        earlier, later_list, can_keep = pairs[:, 0].tolist(), later.tolist(), keepable.tolist()
        advance(0, total=len(bounds) - 1)
        for step, (start, end) in enumerate(itertools.pairwise(bounds), start=1):
            if not step % _VERIFY_STEP:
                advance(_VERIFY_STEP)
            v = later_list[start]
            best, best_j = -1, -1.0
            # Kept texts an earlier candidate is, or was dropped for; sorted, so a tie keeps the lowest index.
            stand = {u if near_of[u] < 0 else near_of[u] for u in earlier[start:end]}
            for k in sorted(k for k in stand if near_of[k] < 0 and can_keep[k]):
                value = similarity(k, v)
                if value > best_j and (value >= settings.threshold or not settings.verify):
                    best, best_j = k, value
            if best >= 0:
                near_of[v], jaccard[v] = best, best_j
        advance((len(bounds) - 1) % _VERIFY_STEP)
    return np.asarray(near_of, dtype=np.int64), jaccard


def _within_groups(pairs: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """The candidate pairs whose two texts carry the same label (records showing the same media)."""
    ids: dict[str, int] = {}
    label = np.asarray([ids.setdefault(g, len(ids)) for g in groups], dtype=np.int64)
    return pairs[label[pairs[:, 0]] == label[pairs[:, 1]]]


def cross_duplicates(left: Sequence[str], right: Sequence[str], settings: DedupSettings = DedupSettings(),
                     groups: Sequence[str] | None = None) -> list[tuple[int, int, float]]:
    """(right index, left index, true Jaccard) for each right text that near-duplicates a left text.

    The build's definition across two sets (validate's DP502: validation texts against training texts):
    the same normalisation, shingles, LSH candidates and true-Jaccard verification as :func:`deduplicate`,
    so a pair the build would drop is the pair validate reports. Each right text names the left text with
    the highest Jaccard at or above the threshold (ties: the lowest left index); a right text that
    normalises to a left text's exact form has Jaccard 1. Pairs within one side are not reported. ``groups``
    (one label per text, left then right: a record's media) keeps near pairs within a group, as in
    :func:`deduplicate`.
    """
    texts = [*left, *right]
    n_left = len(left)
    keys, usable, sigs, all_sets = _sketch(texts, settings)
    first: dict[bytes, int] = {}
    copy_of = [first.setdefault(key, i) for i, key in enumerate(keys)]
    usable &= np.asarray(copy_of, dtype=np.int64) == np.arange(len(texts))
    pairs = candidate_pairs(sigs, usable, settings)
    pairs = pairs[(pairs[:, 0] < n_left) & (pairs[:, 1] >= n_left)]
    pairs = pairs[sigs.agreement(pairs) >= settings.threshold - _ESTIMATE_MARGIN]
    if groups is not None and len(pairs):
        pairs = _within_groups(pairs, groups)
    shingle_set = all_sets.__getitem__ if all_sets is not None else \
        _shingle_sets(texts, _distinct(pairs.ravel()), settings)
    best: dict[int, tuple[float, int]] = {}
    for u, v in pairs.tolist():
        value = _jaccard(shingle_set(u), shingle_set(v))
        if value >= settings.threshold and (v not in best or (-value, u) < (-best[v][0], best[v][1])):
            best[v] = (value, u)
    found: list[tuple[int, int, float]] = []
    for v in range(n_left, len(texts)):
        origin = copy_of[v]
        if origin < n_left:
            found.append((v - n_left, origin, 1.0))
        elif origin in best:  # itself, or an earlier right text it is an exact copy of
            value, u = best[origin]
            found.append((v - n_left, u, value))
    return found
