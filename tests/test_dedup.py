"""Tests of the dedup stage on real text: planted near-duplicates, exact variants, determinism, edge cases,
and the code paths that only large inputs take (two-process sketching, re-shingling above `_KEEP_SETS`).

No mocks: the near-duplicate tests plant edited copies into records of a public corpus (GPTeacher toolformer,
tests/data/toolformer-1000.jsonl, see tests/data/SOURCE.md), because recall and false positives only mean
something on text with real n-gram statistics. The large-input paths are forced on small inputs by setting
the module's thresholds with ``monkeypatch`` in the parent process, which is where the path is chosen.
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from planting import small_edit

from dataprep.text import dedup
from dataprep.text.dedup import (
    DedupResult,
    DedupSettings,
    deduplicate,
    minhash_signatures,
    normalise,
    shingle_hash32,
    shingle_hashes,
    shingles,
)
from dataprep.text.signatures import Signatures

ROOT = Path(__file__).resolve().parents[1]
TOOLFORMER = ROOT / "tests" / "data" / "toolformer-1000.jsonl"
FIELDS = ("cluster", "exact_of", "near_of", "jaccard")


def _jaccard(a: str, b: str, ngram: int) -> float:
    """True Jaccard of the word n-gram string sets: an oracle independent of the stage's 64-bit hashing."""
    x, y = set(shingles(normalise(a), ngram)), set(shingles(normalise(b), ngram))
    return len(x & y) / len(x | y)


def _assert_same(a: DedupResult, b: DedupResult) -> None:
    for name in FIELDS:
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


@pytest.fixture(scope="module")
def base_texts() -> list[str]:
    records = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    seen: set[str] = set()
    texts: list[str] = []
    for r in records:
        text = "\n".join((r["instruction"], r["input"], r["response"]))
        if normalise(text) not in seen:
            seen.add(normalise(text))
            texts.append(text)
    # Distinct by construction, not by the stage under test: the file's author removed every record above 0.6
    # similarity (tests/data/SOURCE.md), so any merge among these is a false positive.
    assert len(texts) == 1000
    return texts


@pytest.mark.parametrize("ngram", [3, 5])
def test_planted_near_duplicates_recall_and_false_positives(base_texts: list[str], ngram: int) -> None:
    settings = DedupSettings(ngram=ngram)
    rng = random.Random(7)
    originals = rng.sample(range(len(base_texts)), 200)
    copies = [small_edit(base_texts[o], k % 4, rng) for k, o in enumerate(originals)]
    everything = base_texts + copies
    result = deduplicate(everything, settings)
    n = len(base_texts)

    found = [result.cluster[n + k] == result.cluster[o] for k, o in enumerate(originals)]
    similar = [_jaccard(base_texts[o], copies[k], ngram) >= settings.threshold for k, o in enumerate(originals)]
    recall_all = sum(found) / len(found)
    recall_similar = sum(f for f, s in zip(found, similar, strict=True) if s) / sum(similar)
    false_pos = int(((result.exact_of[:n] >= 0) | (result.near_of[:n] >= 0)).sum()) / n
    print(f"\nngram={ngram}: planted 200 into {n} distinct: recall {recall_all:.3f} over all copies, "
          f"{recall_similar:.3f} over the {sum(similar)} with true Jaccard >= {settings.threshold}; "
          f"distinct marked dup {false_pos:.4f}")
    assert sum(similar) >= 150
    assert recall_similar >= 0.95
    assert false_pos <= 0.01
    # No copy joins another record's cluster, and every near-duplicate found is, by the independent oracle,
    # at least as similar to its representative as the threshold (verification let no false positive in),
    # with the Jaccard the stage reports.
    assert all(result.cluster[n + k] in (result.cluster[o], n + k) for k, o in enumerate(originals))
    near = np.flatnonzero(result.near_of >= 0)
    assert len(near) >= 80  # kinds 0 and 3 (kinds 1 and 2 mostly normalise to exact copies)
    for i in near.tolist():
        truth = _jaccard(everything[i], everything[result.near_of[i]], ngram)
        assert truth >= settings.threshold
        assert result.jaccard[i] == pytest.approx(truth)


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


def test_signatures_equal_datasketch_on_the_corpus(base_texts: list[str]) -> None:
    """Our vectorised signatures equal datasketch's MinHash(scheme="legacy") on real records, one shingle at a
    time, for the default n-gram size (and its short-text case: one shingle of all the words)."""
    settings = DedupSettings()
    texts = [normalise(t) for t in base_texts[:150]] + ["two words", "one"]
    ours = minhash_signatures([shingle_hashes(t, settings.ngram) for t in texts], settings.num_perm, settings.seed)
    for text, sig in zip(texts, ours, strict=True):
        ref = MinHash(num_perm=settings.num_perm, seed=settings.seed, hashfunc=shingle_hash32, scheme="legacy")
        for s in set(shingles(text, settings.ngram)):
            ref.update(s.encode("utf-8"))
        assert np.array_equal(sig, ref.hashvalues), text[:60]


needs_numba = pytest.mark.skipif(not dedup.COMPILED, reason="numba is not installed (the core install)")


@needs_numba
def test_the_builds_sketch_equals_datasketch_on_the_corpus(base_texts: list[str]) -> None:
    """The signatures the build uses (compiled where numba is installed) are datasketch's MinHash(scheme=
    "legacy") on real records, the empty text included (all 2**32-1, as an empty datasketch MinHash)."""
    settings = DedupSettings()
    texts = [*base_texts[:150], "two words", "one", ""]
    _, usable, sigs, _ = dedup._sketch_part(texts, settings, False, compiled=True)
    assert usable.tolist() == [True] * (len(texts) - 1) + [False]
    for text, sig in zip(texts, sigs, strict=True):
        ref = MinHash(num_perm=settings.num_perm, seed=settings.seed, hashfunc=shingle_hash32, scheme="legacy")
        for s in set(shingles(normalise(text), settings.ngram)):
            ref.update(s.encode("utf-8"))
        assert np.array_equal(sig, ref.hashvalues), text[:60]


def _both_paths(texts: list[str], ngram: int) -> None:
    """The compiled sketch (word xxh64, fold, distinct, permutations) equals the numpy path, value for value."""
    from dataprep.text import compiled

    norms = [normalise(t) for t in texts]
    a, b = dedup._permutations(128, 1)
    sigs, counts, flat = compiled.sketch([n.encode("utf-8") for n in norms], dedup._weights(ngram), a, b, True)
    reference = [shingle_hashes(n, ngram) for n in norms]
    assert flat is not None
    sets = dedup._split(flat, counts)
    assert len(sets) == len(reference)
    for got, want in zip(sets, reference, strict=True):
        assert np.array_equal(got, want)
    assert counts.tolist() == [len(r) for r in reference]
    assert np.array_equal(sigs, dedup.minhash_signatures(reference, 128, 1))


@needs_numba
@pytest.mark.parametrize("ngram", [1, 3, 5])
def test_compiled_sketch_equals_numpy_on_the_corpus(base_texts: list[str], ngram: int) -> None:
    """Words of every length xxh64 treats apart (under 4, 8 and 32 bytes, and over 32: its four-lane loop with
    each tail), texts shorter than an n-gram, non-ASCII text and the corpus."""
    words = ["x" * n for n in range(1, 100)] + ["é" * n for n in range(1, 40)] + ["漢字🙂", "ß", "ǅ"]
    texts = [*base_texts[:200], " ".join(words), *words[:ngram + 1], "", "a b", "Ünïcödé tëxt, with ß."]
    _both_paths(texts, ngram)


@needs_numba
@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=200), max_size=20),
       st.integers(1, 8))
def test_compiled_sketch_equals_numpy_on_any_text(texts: list[str], ngram: int) -> None:
    _both_paths(texts, ngram)


@needs_numba
def test_without_numba_the_sketch_and_the_outcome_are_the_same(many_texts: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The core install (no numba) sketches with numpy in the workers too: the same keys, flags, signatures and
    shingle sets as the compiled path, so the same duplicates on both."""
    texts, settings = many_texts, DedupSettings()
    keys, usable, sigs, sets = dedup._sketch(texts, settings)  # two workers: compiled
    fast = deduplicate(texts, settings)
    monkeypatch.setattr(dedup, "COMPILED", False)  # the parent's choice, sent to the workers with each chunk
    n_keys, n_usable, n_sigs, n_sets = dedup._sketch(texts, settings)
    assert keys == n_keys and np.array_equal(usable, n_usable)
    assert np.array_equal(sigs.columns(0, settings.num_perm), n_sigs.columns(0, settings.num_perm))
    assert sets is not None and n_sets is not None
    assert all(np.array_equal(x, y) for x, y in zip(sets, n_sets, strict=True))
    _assert_same(fast, deduplicate(texts, settings))
    assert not fast.kept.all()  # the texts hold duplicates: the comparison says something


def test_a_numba_that_cannot_load_falls_back_to_numpy(base_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """numba installed but unable to load (here: its import made to fail) sketches with numpy, same values."""
    texts, settings = base_texts[:300], DedupSettings()
    serial = dedup._sketch_part(texts, settings, True)
    monkeypatch.setitem(sys.modules, "dataprep.text.compiled", None)  # `import` of it now raises ImportError
    dedup._kernel.cache_clear()
    try:
        assert dedup._kernel() is None
        fallen = dedup._sketch_part(texts, settings, True, compiled=True)
    finally:
        dedup._kernel.cache_clear()
    assert serial[0] == fallen[0] and np.array_equal(serial[2], fallen[2])
    assert all(np.array_equal(x, y) for x, y in zip(serial[3] or [], fallen[3] or [], strict=True))


def test_ngram_sizes_the_fold_has_no_weights_for_are_refused() -> None:
    for ngram in (0, 65):
        with pytest.raises(ValueError, match="n-gram size"):
            shingle_hashes("a b c", ngram)
        with pytest.raises(ValueError, match="n-gram size"):
            deduplicate(["a b c", "a b d"], DedupSettings(ngram=ngram))


# ------------------------------------------------------------------ the paths that only large inputs take


@pytest.fixture(scope="module")
def many_texts(base_texts: list[str]) -> list[str]:
    """6,000 texts, over `_PARALLEL_MIN` and over one `_SKETCH_BLOCK`: the distinct records, then planted
    near-duplicates (each kind of small edit), exact copies that differ in case, and a few empty texts."""
    rng = random.Random(13)
    texts = list(base_texts)
    for k in range(6000 - len(texts)):
        original = base_texts[(k * 7) % len(base_texts)]
        if k % 500 == 0:
            texts.append("")
        elif k % 9 == 0:
            texts.append(original.upper())
        else:
            texts.append(small_edit(original, k % 4, rng))
    return texts


def _serial(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dedup, "_PARALLEL_MIN", 10**9)


@pytest.mark.parametrize("block", [None, 700], ids=["default-blocks", "9-blocks"])
def test_sketch_two_processes_equals_serial(many_texts: list[str], block: int | None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The two-process sketch gives the serial sketch's exact keys, usable flags, signatures and shingle sets,
    hence the same clusters and Jaccards; and the signatures are those of `minhash_signatures` per text.

    700-text blocks (the parent cuts the chunks) put 9 chunks through `ordered_map`'s 4-chunk window.
    """
    settings = DedupSettings()
    assert len(many_texts) >= dedup._PARALLEL_MIN  # the default threshold sends these to two processes
    if block is not None:
        monkeypatch.setattr(dedup, "_SKETCH_BLOCK", block)
    keys, usable, sigs, sets = dedup._sketch(many_texts, settings)
    parallel = deduplicate(many_texts, settings)
    with monkeypatch.context() as serial_only:
        _serial(serial_only)
        s_keys, s_usable, s_sigs, s_sets = dedup._sketch(many_texts, settings)
        serial = deduplicate(many_texts, settings)

    assert keys == s_keys
    assert np.array_equal(usable, s_usable)
    assert np.array_equal(sigs.columns(0, settings.num_perm), s_sigs.columns(0, settings.num_perm))
    assert sets is not None and s_sets is not None and len(sets) == len(s_sets) == len(many_texts)
    assert all(np.array_equal(a, b) for a, b in zip(sets, s_sets, strict=True))
    # An oracle outside the sketch: each text's signature and shingle set, computed on its own.
    own = [shingle_hashes(normalise(t), settings.ngram) for t in many_texts]
    assert np.array_equal(sigs.columns(0, settings.num_perm), minhash_signatures(own, settings.num_perm, settings.seed))
    assert all(np.array_equal(a, b) for a, b in zip(sets, own, strict=True))
    assert usable.tolist() == [bool(normalise(t)) for t in many_texts]

    _assert_same(parallel, serial)
    # The input exercises every outcome, across chunk boundaries.
    exact, near = parallel.exact_of >= 0, parallel.near_of >= 0
    assert exact[-1000:].sum() > 100 and near[-1000:].sum() > 100 and exact.sum() + near.sum() > 4000


@pytest.mark.parametrize("processes", [1, 2])
def test_reshingling_above_keep_sets_equals_kept_sets(many_texts: list[str], processes: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Above `_KEEP_SETS` texts the sketch keeps no shingle sets and verification shingles the candidates
    again: forced here on 6,000 texts, it must give the same clusters and Jaccards as the kept sets. On two
    processes the 2,843 texts in candidate pairs are over the (lowered) two-process minimum, so the workers
    shingle them, as at a million records, in blocks of 700 texts (each looked up in its own block's sets)."""
    settings = DedupSettings()
    if processes == 1:
        _serial(monkeypatch)
    else:
        monkeypatch.setattr(dedup, "_PARALLEL_MIN", 1000)
        monkeypatch.setattr(dedup, "_SKETCH_BLOCK", 700)
    kept_sets = deduplicate(many_texts, settings)
    monkeypatch.setattr(dedup, "_KEEP_SETS", 0)
    assert dedup._sketch(many_texts[:10], settings)[3] is None  # the path under test is taken
    reshingled = deduplicate(many_texts, settings)
    _assert_same(reshingled, kept_sets)

    if processes == 1:
        # Verification decides here (skipping it merges many more texts), so a re-shingling path that verified
        # against wrong or missing sets could not give the same clusters.
        unverified = deduplicate(many_texts, DedupSettings(verify=False))
        assert unverified.kept.sum() < kept_sets.kept.sum() - 100
    # And the Jaccards it reports are the true ones, by the independent string-shingle oracle.
    near = np.flatnonzero(reshingled.near_of >= 0)
    for i in near[:: max(1, len(near) // 300)].tolist():
        truth = _jaccard(many_texts[i], many_texts[reshingled.near_of[i]], settings.ngram)
        assert reshingled.jaccard[i] == pytest.approx(truth)
        assert truth >= settings.threshold


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1])
@pytest.mark.parametrize("num_perm", [1, 64, 128, 256])
def test_permutations_are_datasketch_legacy_ones(seed: int, num_perm: int) -> None:
    """Our (a, b) are drawn as datasketch draws them, without building a datasketch MinHash for them."""
    from dataprep.text.dedup import _permutations

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="legacy").permutations
    ours = _permutations(num_perm, seed)
    assert np.array_equal(ours[0], np.asarray(a, dtype=np.uint64))
    assert np.array_equal(ours[1], np.asarray(b, dtype=np.uint64))


def test_the_dedup_step_does_not_import_datasketch() -> None:
    """datasketch (and scipy.integrate, which it imports: ~0.5 s) stays out of a build with the default bands and
    rows; numba (half a second too) is imported only when texts are sketched, not with the module."""
    import subprocess
    import sys

    code = ("import sys; from dataprep.text.dedup import minhash_signatures, shingle_hashes, DedupSettings, "
            "lsh_params; print('numba' in sys.modules); minhash_signatures([shingle_hashes('a b c d e f g', 3)], "
            "128, 1); lsh_params(DedupSettings()); print('datasketch' in sys.modules, "
            "'scipy.integrate' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "False"]


@pytest.mark.parametrize(("num_perm", "width"), [(128, 8), (100, 8), (16, 16)], ids=["bands", "ragged", "one-block"])
def test_spilled_signatures_read_back_as_held(tmp_path: Path, num_perm: int, width: int) -> None:
    """Past its budget the matrix waits in a nameless file, block-major: every column range and every pair's
    agreement is the in-memory matrix's, to the bit, whatever the row blocks it was written in."""
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 50, size=(1_000, num_perm), dtype=np.uint32)  # small values: many equal positions
    held = Signatures(len(matrix), num_perm, width, (tmp_path, len(matrix) * num_perm * 4))
    spilled = Signatures(len(matrix), num_perm, width, (tmp_path, len(matrix) * num_perm * 4 - 1))
    for start in (0, 333, 700):  # uneven row blocks, as the workers' chunks arrive
        end = {0: 333, 333: 700, 700: 1_000}[start]
        held.put(start, matrix[start:end])
        spilled.put(start, matrix[start:end])
    assert not held.spilled and spilled.spilled and list(tmp_path.iterdir()) == []
    for left, right in [(0, num_perm), (0, width), (width - 1, min(2 * width, num_perm)), (3, num_perm - 5)]:
        assert np.array_equal(spilled.columns(left, right), matrix[:, left:right])
        assert np.array_equal(held.columns(left, right), matrix[:, left:right])
    pairs = rng.integers(0, len(matrix), size=(5_000, 2))
    expected = (matrix[pairs[:, 0]] == matrix[pairs[:, 1]]).mean(axis=1)
    assert np.array_equal(spilled.agreement(pairs), expected) and np.array_equal(held.agreement(pairs), expected)


def test_a_dedup_with_its_signatures_spilled_finds_the_same(many_texts: list[str], tmp_path: Path) -> None:
    settings = DedupSettings()
    _assert_same(deduplicate(many_texts, settings, spill=(tmp_path, 0)), deduplicate(many_texts, settings))
