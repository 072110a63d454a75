"""Which member a duplicate cluster keeps: an eligible one, chosen by `--dedup-keep`.

A cluster's kept record used to be chosen before the per-record checks that come after dedup (token and
character limits, `--lang`): when it then failed one, every member was lost although the others would have
passed. Now the kept record is the first member, in the `--dedup-keep` order, that passes those checks; a
member is dropped only for a record that is kept, at a true Jaccard at or above the threshold. The records
are real (tests/data/toolformer-1000.jsonl, distinct by construction); the planted copies are one-edit or
padded variants of them.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest
from conftest import LLAMA, TOOLFORMER, build, jsonl, override
from planting import oracle

from dataprep.text.dedup import deduplicate, normalise

# ~600 tokens in one "word" of seeded random letters: at most three new word 3-grams, so the copy stays a near
# duplicate, and no loop ("more more more…" is one: DP420 would drop the copy first).
PAD = " " + "".join(random.Random(0).choices(string.ascii_lowercase, k=1600))


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    """Short real records (well under 270 tokens) as prompt/completion."""
    rows = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    out = [{"prompt": f"{r['instruction']}\n{r['input']}", "completion": r["response"]} for r in rows]
    return [r for r in out if len(r["prompt"]) + len(r["completion"]) < 700][:120]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def placed_lines(out: Path) -> dict[int, str]:
    return {e["source_line"]: e["split"] for e in jsonl(out / "lineage.jsonl")}


def test_a_cluster_keeps_a_member_that_passes_the_limits(tmp_path: Path, records: list[dict[str, str]]) -> None:
    """Each of 60 records has a padded copy over the token limit: the record reaches a split whichever of the
    two comes first in the cluster's order, and every duplicate reason names a record that was placed."""
    copies = [{"prompt": r["prompt"], "completion": r["completion"] + PAD} for r in records[:60]]
    raw = write(tmp_path / "raw.jsonl", records + copies)
    profile = override(tmp_path, LLAMA, "fine-tuning", "max_tokens_per_record", 300)
    out = tmp_path / "out"
    done = build(raw, out, "--no-report", "--model", LLAMA, "--profile-file", profile)
    assert done.returncode == 0, done.stderr
    placed = placed_lines(out)
    assert set(range(1, len(records) + 1)) <= set(placed), "a record was lost with its over-limit copy"
    rejected = jsonl(out / "rejected.jsonl")
    assert {r["line"] for r in rejected} == set(range(len(records) + 1, len(records) + 61))
    codes = {r["code"] for r in rejected}
    assert codes <= {"DP402", "DP305"} and len(codes) == 2, codes  # both orders occur among 60 pairs
    for entry in rejected:
        if entry["code"] == "DP402":
            named = int(re.findall(r"raw\.jsonl:(\d+)", entry["reason"])[-1])
            assert named in placed, entry["reason"]


def test_members_far_from_each_other_are_both_kept_when_their_head_fails(records: list[dict[str, str]]) -> None:
    """a ~ b and b ~ c pass the threshold, a ~ c does not, and b (first in order) fails a later check: a is
    kept, and c, compared with a and not with the failed b, is kept too (not dropped with a false reason)."""
    checked = 0
    for r in records:
        words = f"{r['prompt']} {r['completion']}".split(" ")
        step = max(1, len(words) // 8)
        b = " ".join(words)
        a = " ".join(f"qa{k}x" if k in (step, 2 * step) else w for k, w in enumerate(words))
        c = " ".join(f"qc{k}x" if k in (5 * step, 6 * step) else w for k, w in enumerate(words))
        if not (oracle(a, b) >= 0.8 and oracle(b, c) >= 0.8 and oracle(a, c) < 0.8):
            continue
        old = deduplicate([b, a, c])
        if old.kept.tolist() != [True, False, False]:  # without eligibility both are dropped for b
            continue  # (unless LSH missed a pair, rare at 0.8+: nothing to check)
        result = deduplicate([b, a, c], eligible=lambda idx: idx != 0)
        assert result.kept.tolist() == [True, True, True]  # b passes dedup only to be filed by its own check
        assert result.near_of.tolist() == [-1, -1, -1]
        checked += 1
    assert checked >= 20


def test_an_exact_group_keeps_its_first_eligible_copy(records: list[dict[str, str]]) -> None:
    texts = [records[0]["prompt"], records[0]["prompt"].upper(), records[0]["prompt"] + "!", records[1]["prompt"]]
    result = deduplicate(texts, eligible=lambda idx: idx != 0)
    # 0 would fail a later check: 1 is kept, and 0 and 2 are its copies (a copy of a kept record is DP401)
    assert result.cluster.tolist() == [1, 1, 1, 3]
    assert result.exact_of.tolist() == [1, -1, 1, -1]
    assert result.jaccard[[0, 2]].tolist() == [1.0, 1.0]
    none = deduplicate(texts, eligible=lambda idx: ~((idx >= 0) & (idx <= 2)))
    assert none.cluster.tolist() == [0, 1, 2, 3]  # no copy can be kept: each is filed by its own check


def test_records_only_in_a_cluster_are_checked_early(records: list[dict[str, str]]) -> None:
    """Eligibility is asked only of texts kept with others dropped for them: the rest change nothing here
    and are checked by the split walk."""
    rng = random.Random(2)
    texts = [r["prompt"] + "\n" + r["completion"] for r in records[:50]]
    texts += [texts[3].lower(), texts[7].replace(" ", "  ")]
    copies = {texts[3], texts[7], texts[-1], texts[-2]}
    rng.shuffle(texts)
    asked: list[int] = []

    def eligible(idx):  # type: ignore[no-untyped-def]
        asked.extend(idx.tolist())
        return idx >= 0

    result = deduplicate(texts, eligible=eligible)
    assert int((~result.kept).sum()) == 2
    assert len(asked) == 2 and {texts[i] for i in asked} <= copies, asked


# ------------------------------------------------------------------------------------------------ --dedup-keep


def keep_build(tmp_path: Path, name: str, files: list[tuple[str, list[dict[str, str]]]], *args: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, rows in files:
        write(folder / file, rows)
    out = tmp_path / f"{name}-out"
    done = build(folder, out, "--no-report", "--model", LLAMA, *args)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def variants(records: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Per record: the record, a shorter near copy (one word gone) and a longer one (a word added), in that
    input order; the three are one cluster."""
    out = []
    for r in records[:30]:
        words = r["prompt"].split(" ")
        mid = len(words) // 2
        shorter = " ".join(words[:mid] + words[mid + 1 :])
        longer = " ".join([*words[:mid], "indeed", *words[mid:]])
        group = [r, {**r, "prompt": shorter}, {**r, "prompt": longer}]
        prompts = [g["prompt"] + "\n" + g["completion"] for g in group]
        if all(oracle(prompts[0], p) >= 0.85 for p in prompts[1:]) and oracle(prompts[1], prompts[2]) >= 0.8:
            out.append(group)
    assert len(out) >= 15
    return out


def test_keep_first_longest_and_lowest_hash(tmp_path: Path, records: list[dict[str, str]],
                                             variants: list[list[dict[str, str]]]) -> None:
    """`first` keeps the input's first member, `longest` the one with most characters, the default the
    lowest content hash: each is a different member for some cluster, and always exactly one per cluster."""
    rows = [m for g in variants for m in g] + records[30:]
    chosen: dict[str, list[int]] = {}
    for keep in ("first", "longest", "lowest-hash"):
        out = keep_build(tmp_path, keep, [("raw.jsonl", rows)], "--dedup-keep", keep)
        placed = {normalise(r["prompt"]) for r in jsonl(out / "train.jsonl") + jsonl(out / "validation.jsonl")}
        picks = []
        for group in variants:
            hits = [k for k, m in enumerate(group) if normalise(m["prompt"]) in placed]
            assert len(hits) == 1, (keep, hits)
            picks.append(hits[0])
        chosen[keep] = picks
    assert chosen["first"] == [0] * len(variants)
    assert chosen["longest"] == [2] * len(variants)
    assert set(chosen["lowest-hash"]) == {0, 1, 2}  # by hash: any member, decided by content alone


def test_the_default_keep_does_not_depend_on_file_order(tmp_path: Path, records: list[dict[str, str]],
                                                        variants: list[list[dict[str, str]]]) -> None:
    """The same records in other files and another order: the same bytes (train, validation, rejected
    reasons aside from the file names); `first` does depend on the order, as it says."""
    rows = [m for g in variants for m in g] + records[30:]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    a = keep_build(tmp_path, "a", [("raw.jsonl", rows)])
    b = keep_build(tmp_path, "b", [("part1.jsonl", shuffled[:70]), ("part2.jsonl", shuffled[70:])])
    for name in ("train.jsonl", "validation.jsonl"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    a_first = keep_build(tmp_path, "a-first", [("raw.jsonl", rows)], "--dedup-keep", "first")
    b_first = keep_build(tmp_path, "b-first", [("part1.jsonl", shuffled[:70]), ("part2.jsonl", shuffled[70:])],
                         "--dedup-keep", "first")
    assert (a_first / "train.jsonl").read_bytes() != (b_first / "train.jsonl").read_bytes()


def test_an_unknown_keep_is_a_usage_error(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw.jsonl", [{"prompt": "a b c", "completion": "d e f"}])
    done = build(raw, tmp_path / "out", "--no-report", "--model", LLAMA, "--dedup-keep", "newest")
    assert done.returncode == 2 and "--dedup-keep must be one of lowest-hash, first, longest" in done.stderr
    assert "Traceback" not in done.stderr
