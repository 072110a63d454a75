"""The MinHash sketch of a block of normalised texts as one compiled loop (numba), when numba is installed.

Why: the signature stage is word hashing, n-gram folding, a sort and 128 permutations per shingle, about
200 us of CPU per 1 KB record in numpy and Python (per-word dict lookups, eight small array calls a text, a
(permutations x shingles) uint64 block through memory five times). At a million records that is 100 s of
the build on two cores (#17). The same arithmetic as machine code, one pass per text that never leaves the
cache, is about a tenth of it. The values are those of the numpy path (`dataprep.text.dedup`) bit for bit:
xxh64 of each word's UTF-8 bytes, the same fold multipliers, the same legacy permutations and the same
shift-and-add modulo; `tests/test_dedup.py` holds the two equal on real and generated texts, and the numpy
path equal to datasketch.

numba is part of the `[build]` extra, not of the core the pre-commit hook installs: there `dedup` never
imports this module and sketches with numpy. Importing it costs about a second (numba itself, then the
machine code, cached beside this file or in the user's cache folder when that is read-only, so only the
first import on a machine compiles it: about ten seconds), so only the two-process sketch uses it: each
worker imports it at its first chunk. (Preloading it in the forkserver instead delays every worker's start by
that second, and a Ctrl-C in that second found workers half started.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["sketch"]

_U64 = np.uint64
_P1, _P2, _P3 = _U64(0x9E3779B185EBCA87), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9)
_P4, _P5 = _U64(0x85EBCA77C2B2AE63), _U64(0x27D4EB2F165667C5)
_LOW32 = _U64(0xFFFFFFFF)
_SPACE = 32


def _rotl(x: np.uint64, r: int) -> np.uint64:
    return (x << _U64(r)) | (x >> _U64(64 - r))


def _read64(data: np.ndarray, at: int) -> np.uint64:
    """Little-endian 8 bytes (xxh64 reads its input so on every platform)."""
    value = _U64(0)
    for k in range(8):
        value |= _U64(data[at + k]) << _U64(8 * k)
    return value


def _read32(data: np.ndarray, at: int) -> np.uint64:
    value = _U64(0)
    for k in range(4):
        value |= _U64(data[at + k]) << _U64(8 * k)
    return value


def _round(acc: np.uint64, lane: np.uint64) -> np.uint64:
    return _rotl(acc + lane * _P2, 31) * _P1


def _merge(acc: np.uint64, value: np.uint64) -> np.uint64:
    return (acc ^ _round(_U64(0), value)) * _P1 + _P4


def _xxh64(data: np.ndarray, start: int, end: int) -> np.uint64:
    """XXH64 with seed 0 of data[start:end], as `xxhash.xxh64_intdigest` computes it."""
    size = end - start
    at = start
    if size >= 32:
        v1, v2, v3, v4 = _P1 + _P2, _P2, _U64(0), _U64(0) - _P1
        while at + 32 <= end:
            v1 = _round(v1, _read64(data, at))
            v2 = _round(v2, _read64(data, at + 8))
            v3 = _round(v3, _read64(data, at + 16))
            v4 = _round(v4, _read64(data, at + 24))
            at += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = _P5
    h += _U64(size)
    while at + 8 <= end:
        h = _rotl(h ^ _round(_U64(0), _read64(data, at)), 27) * _P1 + _P4
        at += 8
    if at + 4 <= end:
        h = _rotl(h ^ (_read32(data, at) * _P1), 23) * _P2 + _P3
        at += 4
    while at < end:
        h = _rotl(h ^ (_U64(data[at]) * _P5), 11) * _P1
        at += 1
    h ^= h >> _U64(33)
    h *= _P2
    h ^= h >> _U64(29)
    h *= _P3
    return h ^ (h >> _U64(32))


def _shingles(data: np.ndarray, start: int, end: int, ngram: int, mult: np.ndarray, words: np.ndarray,
              out: np.ndarray) -> int:
    """A text's sorted distinct n-gram hashes into `out` (their count returned), as `dedup.shingle_hashes`.

    The text is normalised (words joined by single spaces), so its words are the runs between spaces.
    """
    count = 0
    at = start
    while at < end:
        stop = at
        while stop < end and data[stop] != _SPACE:
            stop += 1
        if stop > at:
            words[count] = _xxh64(data, at, stop)
            count += 1
        at = stop + 1
    if count == 0:
        return 0
    windows = 1 if count <= ngram else count - ngram + 1
    width = count if count <= ngram else ngram
    for i in range(windows):
        h = _U64(0)
        for k in range(width):
            h += words[i + k] * mult[k]
        out[i] = h
    ordered = np.sort(out[:windows])
    distinct = 0
    for i in range(windows):
        if i == 0 or ordered[i] != ordered[i - 1]:
            out[distinct] = ordered[i]
            distinct += 1
    return distinct


def _minhash(values: np.ndarray, a: np.ndarray, b: np.ndarray, sig: np.ndarray) -> None:
    """min over the shingles of ((a*h + b) mod 2**61-1) & 2**32-1 per permutation, as `dedup._permuted_min`."""
    for p in range(len(a)):
        ap, bp = a[p], b[p]
        best = _LOW32
        for j in range(len(values)):
            x = ap * (values[j] & _LOW32) + bp
            x += x >> _U64(61)
            x &= _LOW32
            if x < best:
                best = x
        sig[p] = best


def _sketch_all(data: np.ndarray, offsets: np.ndarray, ngram: int, mult: np.ndarray, a: np.ndarray,
                b: np.ndarray, sigs: np.ndarray, counts: np.ndarray, sets: np.ndarray, keep: bool) -> int:
    """Signatures (and, with `keep`, the shingle sets one after another in `sets`) of every text."""
    longest = 1
    for t in range(len(offsets) - 1):
        longest = max(longest, offsets[t + 1] - offsets[t] + 1)
    words = np.empty(longest, dtype=np.uint64)
    scratch = np.empty(longest, dtype=np.uint64)
    filled = 0
    for t in range(len(offsets) - 1):
        size = _shingles(data, offsets[t], offsets[t + 1], ngram, mult, words, scratch)
        counts[t] = size
        if size:
            _minhash(scratch[:size], a, b, sigs[t])
        if keep:
            sets[filled : filled + size] = scratch[:size]
            filled += size
    return filled


def _compile() -> Callable[..., int]:
    """`_sketch_all` as machine code: each function it calls is swapped for its numba version first (numba
    reads the names as globals when it compiles). Only the entry point is cached: loading it from the cache
    brings the callees with it, compiled in."""
    from numba import njit

    module = globals()
    for name in ("_rotl", "_read64", "_read32", "_round", "_merge", "_xxh64", "_shingles", "_minhash"):
        module[name] = njit(nogil=True)(module[name])
    return njit(cache=True, nogil=True)(_sketch_all)


def sketch(encoded: Sequence[bytes], weights: np.ndarray, a: np.ndarray, b: np.ndarray,
           keep: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per normalised text (UTF-8): its MinHash signature (uint32, all 2**32-1 for no shingle), its shingle
    count and, with `keep`, the sorted distinct shingle hashes of every text one after another (split them by
    the counts); the same values as `dedup.shingle_hashes` and `dedup.minhash_signatures`. `weights` are the
    n-gram's fold multipliers (one per word of a shingle); no permutations (empty `a`, `b`): the sets alone."""
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    sigs = np.full((len(encoded), len(a)), _LOW32, dtype=np.uint32)
    counts = np.zeros(len(encoded), dtype=np.int64)
    # A text of w words has at most w shingles, and at most (bytes + 1) / 2 words.
    sets = np.empty(len(data) // 2 + len(encoded) if keep else 0, dtype=np.uint64)
    filled = _SKETCH_ALL(data, offsets, len(weights), weights, a, b, sigs, counts, sets, keep)
    return sigs, counts, sets[:filled] if keep else None


_SKETCH_ALL = _compile()
# Load (or, the first time on a machine, compile) the machine code now: importing this module is the cost.
sketch([b"warm up"], np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64), False)
