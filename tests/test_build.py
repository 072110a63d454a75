"""End-to-end tests of `dataprep build` on real files: accounting, planted problems, dedup, splits, quotas.

Every build runs the real command line in a subprocess (exit codes and messages are part of the contract)
on `sample_data/` and on corpora generated from `tests/data/toolformer-1000.jsonl`.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import (
    FINETUNE,
    LLAMA,
    PRETRAIN,
    TOOLFORMER,
    build,
    dataprep,
    element_lines,
    jsonl,
    override,
    summary_rules,
)
from planting import small_edit


def placements(out: Path) -> Counter[tuple[str, int]]:
    """How many output or ledger units each input (source, line) became."""
    places: Counter[tuple[str, int]] = Counter()
    for entry in jsonl(out / "lineage.jsonl"):
        places[Path(entry["source"]).name, entry["source_line"]] += 1
    for entry in jsonl(out / "rejected.jsonl"):
        places[Path(entry["source"]).name, entry["line"]] += 1
    return places


def rejected_codes(out: Path) -> dict[tuple[str, int], str]:
    return {(Path(r["source"]).name, r["line"]): r["code"] for r in jsonl(out / "rejected.jsonl")}


def assert_accounted(out: Path, inputs: list[Path]) -> None:
    """Every input record is in exactly one place, output lines match the lineage, counts reconcile."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    places = placements(out)
    expected = {(p.name, line) for p in inputs for line in element_lines(p)}
    assert set(places) == expected
    chunked = {k for k, n in places.items() if n > 1}
    if manifest["profile"]["format"] != "pretraining":
        assert not chunked, "only pre-training documents may become several units"
    lineage = jsonl(out / "lineage.jsonl")
    for split in ("train", "validation", "test"):
        path = out / f"{split}.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        assert len(lines) == sum(e["split"] == split for e in lineage) == manifest["counts"][split]
    counts = manifest["counts"]
    assert counts["input_records"] == len(expected)
    assert counts["units"] == counts["train"] + counts["validation"] + counts["test"] + counts["rejected"]
    assert sum(places.values()) == counts["units"]


# ------------------------------------------------------------------------------------------ sample_data


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    done = build(FINETUNE, out, "--no-report", "--model", LLAMA, "--lang", "en")
    assert done.returncode == 0, done.stderr
    return out


def test_sample_data_every_record_accounted_for(sample_out: Path) -> None:
    assert_accounted(sample_out, sorted(FINETUNE.iterdir()))


def test_outputs_pass_validate(sample_out: Path) -> None:
    done = dataprep("validate", sample_out, "--model", LLAMA)
    assert done.returncode == 0, done.stdout
    raw = (sample_out / "train.jsonl").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw and raw.endswith(b"\n")
    assert all(set(r) == {"prompt", "completion"} for r in jsonl(sample_out / "train.jsonl"))


def test_planted_problems_land_in_the_ledger_with_their_code(sample_out: Path) -> None:
    codes = rejected_codes(sample_out)
    sharegpt = element_lines(FINETUNE / "sharegpt.json")
    parquet = element_lines(FINETUNE / "qa.parquet")
    assert codes[("broken.jsonl", 4)] == "DP104"
    assert codes[("broken.jsonl", 7)] == "DP103"
    assert codes[("dolly.jsonl", 10)] == "DP406"
    assert codes[("qa.csv", 31)] == "DP411"  # German
    assert codes[("sharegpt.json", sharegpt[6])] == "DP411"  # French
    assert codes[("qa.parquet", parquet[11])] == "DP205"
    assert codes[("openai_messages.jsonl", 6)] == "DP409"
    assert codes[("prompt_completion.jsonl", 17)] == "DP405"
    assert codes[("claude_messages.jsonl", 11)] == "DP407"


@pytest.mark.parametrize(("name", "first", "second"), [
    ("alpaca.json", 2, 6), ("alpaca.json", 10, 15), ("dolly.jsonl", 5, 12), ("qa.csv", 11, 56),
    ("openai_messages.jsonl", 8, 13), ("prompt_completion.jsonl", 4, 11), ("conversation.jsonl", 1, 10),
    ("claude_messages.jsonl", 3, 13),
])
def test_planted_duplicates_keep_exactly_one(sample_out: Path, name: str, first: int, second: int) -> None:
    if name.endswith(".json"):  # PLANTED.md counts JSON-array records from 0
        lines = element_lines(FINETUNE / name)
        first, second = lines[first], lines[second]
    codes = rejected_codes(sample_out)
    dropped = [codes.get((name, line)) for line in (first, second)]
    assert sorted(dropped, key=str) == sorted([None, dropped[0] or dropped[1]], key=str)
    assert (dropped[0] or dropped[1]) in ("DP401", "DP402")


def test_fixes_are_made_and_counted(sample_out: Path) -> None:
    lineage = jsonl(sample_out / "lineage.jsonl")
    rows = {split: jsonl(sample_out / f"{split}.jsonl") for split in ("train", "validation")}
    by_source = {(Path(e["source"]).name, e["source_line"]): rows[e["split"]][e["line"] - 1] for e in lineage}
    zero_width = by_source[("conversation.jsonl", 7)]
    assert not re.search("[\u200b\u200d\u0007]", json.dumps(zero_width, ensure_ascii=False))
    for line in (2, 9, 15):  # T0 completions that ended in <|endoftext|>
        assert not by_source[("prompt_completion.jsonl", line)]["completion"].endswith("<|endoftext|>")
    email = by_source[("claude_messages.jsonl", 5)]  # PII is reported, and kept by the default policy
    assert "jane.doe@example.com" in json.dumps(email)


def test_secrets_and_pii_can_be_redacted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = build(FINETUNE, out, "--no-report", "--model", LLAMA, "--secrets", "redact", "--pii", "redact")
    assert done.returncode == 0, done.stderr
    text = (out / "train.jsonl").read_text() + (out / "validation.jsonl").read_text()
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "[REDACTED-SECRET]" in text
    assert "jane.doe@example.com" not in text and "[REDACTED-EMAIL]" in text
    assert ("openai_messages.jsonl", 6) not in rejected_codes(out)


def test_same_seed_is_byte_identical_and_shuffled_input_gives_the_same_splits(tmp_path: Path) -> None:
    first, second, shuffled = tmp_path / "a", tmp_path / "b", tmp_path / "shuffled"
    for out in (first, second):
        assert build(FINETUNE, out, "--no-report", "--model", LLAMA).returncode == 0
    for name in ("train.jsonl", "validation.jsonl", "rejected.jsonl", "lineage.jsonl", "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name

    raw = tmp_path / "raw"
    raw.mkdir()
    rng = random.Random(7)
    for path in FINETUNE.iterdir():
        if path.suffix == ".jsonl" and path.name != "broken.jsonl":
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            rng.shuffle(lines)
            (raw / path.name).write_text("".join(lines), encoding="utf-8")
        elif path.suffix == ".json":
            records = json.loads(path.read_text(encoding="utf-8"))
            rng.shuffle(records)
            (raw / path.name).write_text(json.dumps(records, indent=1), encoding="utf-8")
        else:
            shutil.copy(path, raw / path.name)
    assert build(raw, shuffled, "--no-report", "--model", LLAMA).returncode == 0
    for name in ("train.jsonl", "validation.jsonl"):
        assert (first / name).read_bytes() == (shuffled / name).read_bytes(), name


def test_a_different_seed_gives_a_different_split(tmp_path: Path) -> None:
    assert build(FINETUNE, tmp_path / "a", "--no-report", "--model", LLAMA, "--seed", "1").returncode == 0
    assert build(FINETUNE, tmp_path / "b", "--no-report", "--model", LLAMA, "--seed", "2").returncode == 0
    assert (tmp_path / "a" / "validation.jsonl").read_bytes() != (tmp_path / "b" / "validation.jsonl").read_bytes()


def test_over_quota_fails_naming_the_quota_and_the_flag_and_writes_nothing(tmp_path: Path) -> None:
    profile = override(tmp_path, LLAMA, "fine-tuning", "max_train_records", 120)
    out = tmp_path / "out"
    done = build(FINETUNE, out, "--no-report", "--model", LLAMA, "--profile-file", str(profile))
    assert done.returncode == 1
    assert "quota (max_train_records) is 120" in done.stderr and "--max-train-records" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "train.jsonl").exists()

    sampled = build(FINETUNE, out, "--no-report", "--model", LLAMA, "--profile-file", str(profile),
                    "--max-train-records", "100")
    assert sampled.returncode == 0, sampled.stderr
    assert len(jsonl(out / "train.jsonl")) == 100
    assert "DP504" in set(rejected_codes(out).values())
    assert_accounted(out, sorted(FINETUNE.iterdir()))

    # A stopped build replaces them as one set: its ledger and a manifest saying why, no splits (test_publish.py).
    assert build(FINETUNE, out, "--no-report", "--model", LLAMA, "--profile-file", str(profile)).returncode == 1
    assert "stopped" in json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert not (out / "train.jsonl").exists()


@pytest.mark.parametrize("args", [
    ["--model", LLAMA, "--validation-fraction", "1.5"],
    ["--model", "no-such-model"],
    ["--model", LLAMA, "--max-train-records", "20000"],
    ["--model", LLAMA, "--secrets", "shred"],
    ["--model", "titan-text-express", "--task", "continued-pretraining", "--validation-fraction", "0.1",
     "--test-fraction", "0.95"],
])
def test_usage_errors_exit_2_without_traceback(tmp_path: Path, args: list[str]) -> None:
    done = build(FINETUNE, tmp_path / "out", "--no-report", *args)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("dataprep: error:") and "Traceback" not in done.stderr


def test_settings_come_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dataprep]\nmodel = "llama3-1-8b-instruct"\nseed = 5\nlang = ["en"]\ntest-fraction = 0.1\n',
        encoding="utf-8")
    done = dataprep("build", FINETUNE, "out", "-q", "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["seed"] == 5 and manifest["settings"]["lang"] == ["en"]
    assert manifest["counts"]["test"] == len(jsonl(tmp_path / "out" / "test.jsonl")) > 0


def test_job_request_from_a_build(sample_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_out, out)
    done = dataprep("job", out, "--s3-uri", "s3://my-bucket/data/", "--role-arn",
                    "arn:aws:iam::123456789012:role/BedrockCustomization")
    assert done.returncode == 0, done.stdout + done.stderr
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    assert body["trainingDataConfig"]["s3Uri"] == "s3://my-bucket/data/train.jsonl"


# ------------------------------------------------------------------------------------- pre-training

def test_pretraining_documents_are_chunked_and_traceable(tmp_path: Path) -> None:
    # A small limit forces most documents into chunks.
    profile = override(tmp_path, "titan-text-express", "continued-pretraining", "max_tokens_per_record_batched", 300)
    out = tmp_path / "out"
    done = build(PRETRAIN, out, "--no-report", "--model", "titan-text-express", "--task", "continued-pretraining",
                 "--profile-file", str(profile))
    assert done.returncode == 0, done.stderr
    assert_accounted(out, sorted(PRETRAIN.iterdir()))
    lineage = jsonl(out / "lineage.jsonl") + jsonl(out / "rejected.jsonl")
    chunks: dict[str, set[int]] = {}
    for entry in lineage:
        if "chunks" in entry:
            chunks.setdefault(entry["source"], set()).add(entry["chunk"])
            assert entry["chunks"] > 1
    assert len(chunks) >= 10
    for source, seen in chunks.items():
        total = next(e["chunks"] for e in lineage if e["source"] == source and "chunks" in e)
        assert seen == set(range(total)), source
    # One DP415 fix per chunked document (not per chunk), as the summary reports it.
    assert summary_rules(done.stderr)["DP415"] == {"dropped": 0, "fixed": len(chunks), "warned": 0}
    from dataprep.tokens import counter  # an oracle: the shipped token counter

    count = counter("cl100k").count
    texts = [r["input"] for r in jsonl(out / "train.jsonl") + jsonl(out / "validation.jsonl")]
    assert max(count(texts)) <= 300
    words = Counter(w for t in texts for w in t.split())
    from dataprep.text.markdown import to_text  # the .md pages are trained on as rendered text (DP417)

    sources = [p.read_text(encoding="utf-8") for p in sorted(PRETRAIN.iterdir())]
    rendered = [to_text(t) if p.suffix == ".md" else t for p, t in zip(sorted(PRETRAIN.iterdir()), sources,
                                                                       strict=True)]
    original = Counter(w for t in rendered for w in t.split())
    assert sum((original - words).values()) < 0.02 * sum(original.values())  # near-dup chunks aside, no word lost
    assert dataprep("validate", out, "--model", "titan-text-express", "--task", "continued-pretraining",
                    "--profile-file", str(profile)).returncode == 0


# ------------------------------------------------------------------ generated corpus, planted problems


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple[int, int]]]:
    """1,000 distinct records plus 200 planted near-duplicates and broken lines, in JSONL and CSV."""
    folder = tmp_path_factory.mktemp("generated")
    raw = folder / "raw"
    raw.mkdir()
    base = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(11)
    copies = []
    long_enough = [i for i, r in enumerate(base) if len(r["response"].split(" ")) >= 8]
    for index in rng.sample(long_enough, 200):
        record = dict(base[index])
        record["response"] = small_edit(record["response"], len(copies) % 4, rng)
        copies.append((index, record))
    lines = [json.dumps(r, ensure_ascii=False) for r in base]
    pairs = []
    for index, record in copies:
        lines.append(json.dumps(record, ensure_ascii=False))
        pairs.append((index + 1, len(lines)))
    lines[100] = lines[100][:40]  # a cut-off line
    lines.insert(500, "")  # a blank line shifts the rest by one
    pairs = [(a + (a > 500), b + (b > 500)) for a, b in pairs]
    (raw / "tools.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (raw / "extra.csv").write_text('question,answer\n"What is 2+2?","4"\n"Empty answer",""\n', encoding="utf-8")
    out = folder / "out"
    done = build(raw, out, "--no-report", "--model", LLAMA)
    assert done.returncode == 0, done.stderr
    return raw, out, [p for p in pairs if 101 not in p]


def test_generated_corpus_every_line_accounted_for(generated: tuple[Path, Path, list[tuple[int, int]]]) -> None:
    raw, out, _ = generated
    assert_accounted(out, sorted(raw.iterdir()))
    codes = rejected_codes(out)
    assert codes[("tools.jsonl", 101)] == "DP104" and codes[("tools.jsonl", 501)] == "DP103"
    assert codes[("extra.csv", 3)] == "DP205"


def test_planted_near_duplicates_recall_and_loss(generated: tuple[Path, Path, list[tuple[int, int]]]) -> None:
    _, out, pairs = generated
    codes = rejected_codes(out)
    dedup = {k: v for k, v in codes.items() if v in ("DP401", "DP402")}
    collapsed = sum(((("tools.jsonl", a) in dedup) != (("tools.jsonl", b) in dedup)) for a, b in pairs)
    assert collapsed / len(pairs) >= 0.95
    copies = {b for _, b in pairs}
    lost = [k for k in dedup if k[1] not in copies and not any(k[1] == a for a, _ in pairs)]
    assert len(lost) <= 0.01 * 1000


def test_no_near_duplicate_pair_spans_train_and_validation(
        generated: tuple[Path, Path, list[tuple[int, int]]]) -> None:
    _, out, _ = generated
    from dataprep.text.dedup import DedupSettings, deduplicate, normalise, shingles  # the oracle

    rows = jsonl(out / "train.jsonl") + jsonl(out / "validation.jsonl")
    texts = [r["prompt"] + "\n" + r["completion"] for r in rows]
    assert deduplicate(texts, DedupSettings()).kept.all()
    # Brute force, without LSH: every validation record's true Jaccard to every training record is below the
    # build's threshold, with the build's shingles.
    settings = DedupSettings()
    n_train = len(jsonl(out / "train.jsonl"))
    train = [set(shingles(normalise(t), settings.ngram)) for t in texts[:n_train]]
    for text in texts[n_train:]:
        mine = set(shingles(normalise(text), settings.ngram))
        assert max(len(mine & t) / len(mine | t) for t in train) < settings.threshold


def test_adding_records_does_not_move_the_others(sample_out: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(FINETUNE, raw)
    extra = TOOLFORMER.read_text(encoding="utf-8").splitlines()[-60:]
    (raw / "more.jsonl").write_text("\n".join(extra) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert build(raw, out, "--no-report", "--model", LLAMA, "--lang", "en").returncode == 0
    before = {split: set((sample_out / f"{split}.jsonl").read_text().splitlines()) for split in ("train", "validation")}
    after = {split: set((out / f"{split}.jsonl").read_text().splitlines()) for split in ("train", "validation")}
    assert before["train"] <= after["train"] and before["validation"] <= after["validation"]
    assert len(after["train"]) + len(after["validation"]) > len(before["train"]) + len(before["validation"]) + 50
