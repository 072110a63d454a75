"""Near-duplicates you can defend: every drop rests on a true Jaccard to a record that is kept, no duplicate
cluster or pre-training document straddles splits, and validate reports near-duplicate leakage (DP502) with
the build's own definition.

The algorithm tests plant chains of edits into real records (tests/data/toolformer-1000.jsonl, whose
author removed every pair above 0.6 similarity, see tests/data/SOURCE.md): a chain a ~ b ~ c is exactly
where union-find dropped c for a although the two share far fewer shingles than the threshold asks. The
oracle is the string-shingle Jaccard, independent of the stage's hashing.
"""

from __future__ import annotations

import json
import math
import random
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import LLAMA, PRETRAIN, TOOLFORMER, build, jsonl, override, validate_json
from planting import oracle, small_edit

from dataprep.build import dedup as dedup_step
from dataprep.build.ledger import Ledger
from dataprep.build.model import Unit, no_progress
from dataprep.build.split import TRAIN, VALIDATION, Placer
from dataprep.checks.duplicates import record_key
from dataprep.formats.base import Canonical
from dataprep.registry import RulePolicy
from dataprep.text.dedup import DedupSettings, cross_duplicates, deduplicate
from dataprep.validate import validate_paths

SETTINGS = DedupSettings()


@pytest.fixture(scope="module")
def base() -> list[str]:
    records = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    return ["\n".join((r["instruction"], r["input"], r["response"])) for r in records]


def edit_at(text: str, positions: list[int]) -> str:
    """`text` with the words at `positions` replaced by distinct nonsense words."""
    words = text.split(" ")
    for k, i in enumerate(positions):
        words[i] = f"qzx{k}vw"
    return " ".join(words)


def chain(text: str) -> list[str]:
    """a, b, c: b is a with three words changed, c is b with three more: a~b and b~c pass 0.8, a~c does not."""
    words = text.split(" ")
    step = max(1, len(words) // 8)
    spots = [step * k for k in range(1, 7)]
    return [text, edit_at(text, spots[:3]), edit_at(text, spots)]


@pytest.fixture(scope="module")
def chains(base: list[str]) -> list[list[str]]:
    """Chains on records long enough that three edits keep a neighbour above the threshold."""
    found = []
    for text in base:
        a, b, c = chain(text)
        if oracle(a, b) >= 0.8 and oracle(b, c) >= 0.8 and oracle(a, c) < 0.8:
            found.append([a, b, c])
    assert len(found) >= 100
    return found[:150]


def test_a_chain_drops_only_what_is_close_to_a_kept_record(chains: list[list[str]]) -> None:
    """a ~ b ~ c with a !~ c: a is kept, b is dropped for a, and c (far from a, close only to a dropped b)
    is kept: union-find dropped it for a."""
    for a, b, c in chains[:20]:
        result = deduplicate([a, b, c])
        if result.near_of[1] < 0:
            continue  # LSH missed a-b (rare at 0.8+): nothing to check
        assert result.kept.tolist() == [True, False, True]
        assert result.near_of.tolist() == [-1, 0, -1]
        assert result.jaccard[1] == pytest.approx(oracle(a, b))


def test_every_drop_has_a_kept_record_at_or_above_the_threshold(base: list[str], chains: list[list[str]]) -> None:
    rng = random.Random(5)
    texts = base + [t for c in chains for t in c[1:]] + [small_edit(t, k % 4, rng) for k, t in enumerate(base[:300])]
    rng.shuffle(texts)
    result = deduplicate(texts)
    dropped = np.flatnonzero(~result.kept).tolist()
    assert len(dropped) > 300
    for i in dropped:
        head = int(result.cluster[i])
        assert result.kept[head], "a record is dropped for a record that is kept"
        truth = oracle(texts[i], texts[head])
        assert truth >= SETTINGS.threshold
        assert result.jaccard[i] == pytest.approx(truth)
        if result.near_of[i] >= 0:
            assert result.near_of[i] == head


def test_the_kept_candidate_with_the_highest_jaccard_is_named(chains: list[list[str]]) -> None:
    """x is close to both a and c (kept, a !~ c): it is dropped for the closer one, whichever comes first."""
    checked = 0
    for a, _b, c in chains:
        # x: a with the first of c's three extra edits, so J(x, a) > J(x, c) and both pass the threshold
        x = edit_at(a, [max(1, len(a.split(" ")) // 8) * 4])
        result = deduplicate([a, c, x])
        if not (result.kept[0] and result.kept[1]) or result.near_of[2] < 0:
            continue
        best = max((0, 1), key=lambda k: (oracle(x, [a, c][k]), -k))
        assert result.near_of[2] == best
        checked += 1
    assert checked >= 20


def test_recall_on_planted_small_edits(base: list[str]) -> None:
    rng = random.Random(7)
    originals = rng.sample(range(len(base)), 400)
    copies = [small_edit(base[o], k % 4, rng) for k, o in enumerate(originals)]
    result = deduplicate(base + copies)
    n = len(base)
    recall = float(np.mean([result.cluster[n + k] == result.cluster[o] for k, o in enumerate(originals)]))
    print(f"\nrecall on 400 planted small edits: {recall:.4f}")
    assert recall >= 0.98
    assert result.kept[:n].all()  # no distinct record lost


# ------------------------------------------------------------------------------- the build step and its ledger


def units_of(texts: list[str], source: str = "raw.jsonl") -> list[Unit]:
    return [Unit(source, line, 0, 1, None, Canonical(text=t), record_key(Canonical(text=t)))
            for line, t in enumerate(texts, start=1)]


def test_the_step_is_order_independent_and_its_reasons_name_kept_records(chains: list[list[str]]) -> None:
    # and exact copies of ten b's: a copy of a b that is dropped names the record kept in b's place
    texts = [t for c in chains[:40] for t in c] + [c[1].upper() for c in chains[:10]]
    outcomes = []
    for seed in (1, 2):
        units = units_of(texts)
        random.Random(seed).shuffle(units)
        ledger = Ledger(no_progress)
        kept, _ = dedup_step.run(units, SETTINGS, ledger)
        by_line = {u.line: u for u in units}
        kept_lines = {u.line for u in kept}
        for entry in ledger.rejected:
            named = re.findall(r"raw\.jsonl:(\d+)", entry.reason)
            assert int(named[-1]) in kept_lines, entry.reason
            value = float(re.findall(r"Jaccard ([0-9.]+)", entry.reason)[-1]) if "Jaccard" in entry.reason else 1.0
            assert value >= SETTINGS.threshold, entry.reason
            if entry.code == "DP402":
                truth = oracle(by_line[entry.line].row.text or "", by_line[int(named[-1])].row.text or "")
                assert f"Jaccard {math.floor(truth * 100) / 100:.2f}" in entry.reason  # cut, not rounded
        dropped = {e.line for e in ledger.rejected}
        copies = [e for e in ledger.rejected if e.line > 120]
        assert [e.code for e in copies] == ["DP401"] * 10
        assert all(("itself a near-duplicate of" in e.reason) == (3 * (e.line - 121) + 2 in dropped) for e in copies)
        assert any("itself a near-duplicate of" in e.reason for e in copies)
        outcomes.append(sorted((e.line, e.code, e.reason) for e in ledger.rejected))
    assert outcomes[0] == outcomes[1]


def test_no_duplicate_cluster_straddles_splits(tmp_path: Path, chains: list[list[str]]) -> None:
    """With a large validation share, every dropped record's kept record is in one split, and validate finds
    no exact (DP501) nor near (DP502) overlap between the written train and validation files."""
    raw = tmp_path / "raw.jsonl"
    rows = [{"prompt": t, "completion": "the answer is in the tool output"} for c in chains for t in c]
    raw.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    done = build(raw, out, "--no-report", "--model", LLAMA, "--validation-fraction", "0.4")
    assert done.returncode == 0, done.stderr
    rejected = jsonl(out / "rejected.jsonl")
    assert sum(r["code"] == "DP402" for r in rejected) >= 100
    split_of = {e["source_line"]: e["split"] for e in jsonl(out / "lineage.jsonl")}
    for entry in rejected:
        if entry["code"] in ("DP401", "DP402"):
            assert int(re.findall(r":(\d+)", entry["reason"])[-1]) in split_of
    _status, findings = validate_json(out / "train.jsonl", out / "validation.jsonl")
    assert not [f for f in findings if f["code"] in ("DP501", "DP502")], findings


def test_a_pretraining_document_lands_in_one_split(tmp_path: Path) -> None:
    profile = override(tmp_path, "titan-text-express", "continued-pretraining", "max_tokens_per_record_batched", 120)
    out = tmp_path / "out"
    done = build(PRETRAIN, out, "--no-report", "--model", "titan-text-express", "--task", "continued-pretraining",
                 "--profile-file", str(profile), "--validation-fraction", "0", "--test-fraction", "0.4")
    assert done.returncode == 0, done.stderr
    splits: dict[tuple[str, int], set[str]] = defaultdict(set)
    chunks: dict[tuple[str, int], list[int]] = defaultdict(list)
    for entry in jsonl(out / "lineage.jsonl"):
        if "chunk" in entry:
            splits[entry["source"], entry["source_line"]].add(entry["split"])
            chunks[entry["source"], entry["source_line"]].append(entry["chunk"])
    assert len(splits) >= 10 and {s for v in splits.values() for s in v} == {"train", "test"}
    assert all(len(s) == 1 for s in splits.values()), splits
    assert all(c == sorted(c) for c in chunks.values())  # and written in document order


def test_a_cap_never_cuts_a_document_across_splits() -> None:
    """A 4-chunk document that wants validation with room for 3 goes to train whole; a 2-chunk one fits."""
    placer = Placer(0.5, 0.0, validation_cap=3, train_cap=None, sample_train=True)
    assert placer.place(0.1, size=4) == TRAIN
    for _ in range(3):
        placer.follow(TRAIN)
    assert placer.place(0.2, size=2) == VALIDATION
    placer.follow(VALIDATION)
    assert placer.counts == {TRAIN: 4, VALIDATION: 2, "test": 0}
    assert placer.place(0.3) == VALIDATION and placer.place(0.3) == TRAIN


# ------------------------------------------------------------------------------------------- DP502 in validate


def test_validation_near_duplicate_of_a_training_record_is_dp502(tmp_path: Path, chains: list[list[str]]) -> None:
    a, b, _ = chains[0]
    far = chains[1][0]
    train = [{"prompt": far, "completion": "first"}, {"prompt": a, "completion": "the tool says so"}]
    validation = [{"prompt": "an unrelated question about the weather in Lisbon", "completion": "sunny"},
                  {"prompt": b, "completion": "the tool says so"},
                  {"prompt": far, "completion": "first"}]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train), encoding="utf-8")
    (tmp_path / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in validation), encoding="utf-8")
    _status, findings = validate_json(tmp_path)
    near = [f for f in findings if f["code"] == "DP502"]
    assert [(Path(f["path"]).name, f["line"], f["severity"]) for f in near] == [("validation.jsonl", 2, "warning")]
    truth = oracle(f"{a}\nthe tool says so", f"{b}\nthe tool says so")
    assert "train.jsonl:2" in near[0]["message"] and f"Jaccard {truth:.2f}" in near[0]["message"]
    # The same record is DP501, and only that.
    assert [(f["code"], f["line"]) for f in findings if f["line"] == 3] == [("DP501", 3)]
    ignored = validate_paths([tmp_path], None, policy=RulePolicy(ignore=frozenset({"DP5"})))
    assert not {f.code for f in ignored} & {"DP501", "DP502"}


def test_cross_duplicates_is_the_build_definition(base: list[str]) -> None:
    """What DP502 reports between two sets is what the build would drop: the pair's true Jaccard >= 0.8."""
    rng = random.Random(3)
    right = [small_edit(t, 0, rng) for t in base[:200]] + base[800:850]
    found = cross_duplicates(base[:500], right)
    assert len(found) >= 0.98 * 200
    for r, left, value in found:
        assert value == pytest.approx(oracle(right[r], base[left])) and value >= SETTINGS.threshold
    assert all(r < 200 for r, _, _ in found)


def test_validate_without_a_validation_file_stays_light(tmp_path: Path) -> None:
    """The near-duplicate machinery (numpy, datasketch) is imported only when there is a pair to compare."""
    (tmp_path / "train.jsonl").write_text('{"prompt": "a b c", "completion": "d e f"}\n', encoding="utf-8")
    code = ("import sys; from pathlib import Path; from dataprep.validate import validate_paths; "
            f"validate_paths([Path({str(tmp_path / 'train.jsonl')!r})], None); "
            "print('dataprep.text.dedup' in sys.modules, 'datasketch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_a_jaccard_is_shown_cut_never_rounded_up() -> None:
    """0.996 is not an exact copy's 1.00, and a value that passed a 3-decimal threshold is not shown below it."""
    from dataprep.checks.duplicates import jaccard_shown

    assert jaccard_shown(0.996, 0.8) == "Jaccard 0.99 ≥ 0.8"
    assert jaccard_shown(0.8866, 0.8) == "Jaccard 0.88 ≥ 0.8"
    assert jaccard_shown(1.0, 0.8) == "Jaccard 1.00 ≥ 0.8"
    assert jaccard_shown(0.8579, 0.855) == "Jaccard 0.857 ≥ 0.855"
