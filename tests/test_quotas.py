"""Quotas and limits, in `validate` (DP301-DP310) and in `build` (caps, --max-train-records, DP504).

Shipped quotas are in the thousands, so most tests pass a `--profile-file` that lowers one quota (the README's
"Model profiles" mechanism) and check both sides of its boundary: one record or byte under must be clean.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from catalogue import conv, j
from conftest import LLAMA, TOOLFORMER, build, jsonl, override, profile_file, validate_json

NOVA = "nova-micro"
FT = "fine-tuning"


def pc(i: int, words: int = 2) -> bytes:
    return j({"prompt": f"question {i} " + "word " * (words - 2), "completion": f"answer {i}"})


def sub(folder: Path) -> Path:
    """A second folder for a second profile file of the same quota."""
    (folder / "second").mkdir(exist_ok=True)
    return folder / "second"


def codes_at(findings: list[dict], name: str) -> set[tuple[str, int]]:
    return {(f["code"], f["line"]) for f in findings if Path(f["path"]).name == name}


# ----------------------------------------------------------------------------------------------- validate


def test_dp301_train_over_quota_is_an_error_one_record_over(tmp_path: Path) -> None:
    profile = override(tmp_path, LLAMA, FT, "max_train_records", 3)
    train = tmp_path / "train.jsonl"
    train.write_bytes(b"".join(pc(i) for i in range(3)))
    _, findings = validate_json(train, "--model", LLAMA, "--profile-file", profile)
    assert "DP301" not in {f["code"] for f in findings}
    train.write_bytes(b"".join(pc(i) for i in range(4)))
    status, findings = validate_json(train, "--model", LLAMA, "--profile-file", profile)
    assert ("DP301", 0) in codes_at(findings, "train.jsonl") and status == 1
    assert next(f for f in findings if f["code"] == "DP301")["severity"] == "error"


def test_dp303_train_plus_validation_over_the_total_quota(tmp_path: Path) -> None:
    # Nova has only a total quota (train + validation); neither file alone is over it.
    profile = override(tmp_path, NOVA, FT, "max_total_records", 10)
    records = [conv(("user", f"question {i}"), ("assistant", f"answer {i}")) for i in range(11)]
    (tmp_path / "train.jsonl").write_bytes(b"".join(records[:8]))
    (tmp_path / "validation.jsonl").write_bytes(b"".join(records[8:10]))
    status, findings = validate_json(tmp_path, "--model", NOVA, "--profile-file", profile)
    assert findings == [] and status == 0, findings  # 8 + 2 = 10: at the quota, not over
    (tmp_path / "validation.jsonl").write_bytes(b"".join(records[8:11]))
    status, findings = validate_json(tmp_path, "--model", NOVA, "--profile-file", profile)
    assert [f["code"] for f in findings] == ["DP303"] and findings[0]["line"] == 0 and status == 1, findings
    assert "11" in findings[0]["message"]


def test_dp306_input_tokens_over_the_input_limit(tmp_path: Path) -> None:
    # Shipped profiles set max_input_tokens equal to the per-record limit (DP305 wins), so lower it.
    profile = override(tmp_path, LLAMA, FT, "max_input_tokens", 50)
    train = tmp_path / "train.jsonl"
    long_completion = j({"prompt": "Say it at length.", "completion": " ".join(["word"] * 80)})
    train.write_bytes(pc(1) + pc(2, words=80) + long_completion + pc(4, words=30))
    status, findings = validate_json(train, "--model", LLAMA, "--profile-file", profile)
    # Only the long prompt is over: a long completion does not count as input, a 30-word prompt is under.
    assert {(f["code"], f["line"]) for f in findings if f["line"] and f["code"].startswith("DP3")} == {("DP306", 2)}
    assert status == 1


@pytest.mark.parametrize(("name", "quota"), [("train.jsonl", "max_train_file_bytes"),
                                             ("validation.jsonl", "max_validation_file_bytes")])
def test_dp309_file_over_its_size_quota(tmp_path: Path, name: str, quota: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"".join(pc(i) for i in range(5)))
    size = path.stat().st_size
    at = override(tmp_path, LLAMA, FT, quota, size)
    _, findings = validate_json(path, "--model", LLAMA, "--profile-file", at)
    assert "DP309" not in {f["code"] for f in findings}
    under = override(sub(tmp_path), LLAMA, FT, quota, size - 1)
    status, findings = validate_json(path, "--model", LLAMA, "--profile-file", under)
    assert ("DP309", 0) in codes_at(findings, name) and status == 1, findings


def test_dp310_validation_file_for_a_model_that_takes_none(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, LLAMA, "[tasks.fine-tuning]\nvalidation_supported = false\n")
    (tmp_path / "train.jsonl").write_bytes(b"".join(pc(i) for i in range(3)))
    _, findings = validate_json(tmp_path / "train.jsonl", "--model", LLAMA, "--profile-file", profile)
    assert "DP310" not in {f["code"] for f in findings}
    (tmp_path / "validation.jsonl").write_bytes(pc(7))
    _, findings = validate_json(tmp_path, "--model", LLAMA)
    assert "DP310" not in {f["code"] for f in findings}  # the shipped profile takes a validation set
    status, findings = validate_json(tmp_path, "--model", LLAMA, "--profile-file", profile)
    assert ("DP310", 0) in codes_at(findings, "validation.jsonl") and status == 1, findings
    assert ("DP310", 0) not in codes_at(findings, "train.jsonl")


# ------------------------------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 distinct records (the first 200 of the toolformer sample)."""
    path = tmp_path_factory.mktemp("corpus") / "tools.jsonl"
    path.write_text("\n".join(TOOLFORMER.read_text(encoding="utf-8").splitlines()[:200]) + "\n", encoding="utf-8")
    return path


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def splits(out: Path) -> tuple[list[str], list[str], Counter[str]]:
    """train lines, validation lines, ledger codes."""
    return lines(out / "train.jsonl"), lines(out / "validation.jsonl"), \
        Counter(r["code"] for r in jsonl(out / "rejected.jsonl"))


LLAMA_ARGS = ("--no-report", "--model", LLAMA, "--validation-fraction", "0.5", "--lang-detector", "fasttext")
NOVA_ARGS = ("--no-report", "--model", NOVA, "--lang-detector", "fasttext")


@pytest.fixture(scope="module")
def llama_reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    out = tmp_path_factory.mktemp("llama-reference") / "out"
    done = build(corpus, out, *LLAMA_ARGS)
    assert done.returncode == 0, done.stderr
    train, validation, codes = splits(out)
    assert len(train) + len(validation) == 200 and not codes and len(train) > 60 and len(validation) > 60
    # --no-report: the build writes no report files.
    assert not [n for n in ("report.json", "report.html", "expectations.json") if (out / n).exists()]
    return train, validation


def test_build_over_train_quota_stops_naming_the_quota_and_the_flag(
        corpus: Path, tmp_path: Path, llama_reference: tuple[list[str], list[str]]) -> None:
    train_quota = len(llama_reference[0]) - 1
    profile = override(tmp_path, LLAMA, FT, "max_train_records", train_quota)
    done = build(corpus, tmp_path / "out", *LLAMA_ARGS, "--profile-file", profile)
    assert done.returncode == 1, done.stderr
    assert f"quota (max_train_records) is {train_quota}" in done.stderr and "--max-train-records" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "train.jsonl").exists()
    # At the quota exactly, the build goes through.
    at = override(sub(tmp_path), LLAMA, FT, "max_train_records", len(llama_reference[0]))
    assert build(corpus, tmp_path / "out", *LLAMA_ARGS, "--profile-file", at).returncode == 0


def test_build_max_train_records_keeps_exactly_n_and_ledgers_the_rest_as_dp504(
        corpus: Path, tmp_path: Path, llama_reference: tuple[list[str], list[str]]) -> None:
    ref_train, ref_validation = llama_reference
    profile = override(tmp_path, LLAMA, FT, "max_train_records", 50)
    out = tmp_path / "out"
    done = build(corpus, out, *LLAMA_ARGS, "--profile-file", profile, "--max-train-records", "40")
    assert done.returncode == 0, done.stderr
    train, validation, codes = splits(out)
    assert len(train) == 40
    assert set(train) <= set(ref_train)  # a sample of the records that would have trained
    assert validation == ref_validation  # the training cap does not touch validation
    assert codes == Counter({"DP504": len(ref_train) - 40})
    lineage = jsonl(out / "lineage.jsonl")
    assert len(lineage) + sum(codes.values()) == 200


def test_build_validation_is_capped_at_its_quota_and_the_overflow_trains(
        corpus: Path, tmp_path: Path, llama_reference: tuple[list[str], list[str]]) -> None:
    ref_train, ref_validation = llama_reference
    profile = override(tmp_path, LLAMA, FT, "max_validation_records", 5)
    out = tmp_path / "out"
    done = build(corpus, out, *LLAMA_ARGS, "--profile-file", profile)
    assert done.returncode == 0, done.stderr
    train, validation, codes = splits(out)
    assert len(validation) == 5 and set(validation) <= set(ref_validation)
    assert set(train) == set(ref_train) | (set(ref_validation) - set(validation))
    assert len(train) == len(ref_train) + len(ref_validation) - 5
    assert not codes  # nothing is lost to the cap


@pytest.fixture(scope="module")
def nova_reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    out = tmp_path_factory.mktemp("nova-reference") / "out"
    done = build(corpus, out, *NOVA_ARGS)
    assert done.returncode == 0, done.stderr
    train, validation, codes = splits(out)
    assert len(train) + len(validation) == 200 and not codes and 0 < len(validation) < 30
    return train, validation


def test_build_total_quota_caps_train_plus_validation(corpus: Path, tmp_path: Path,
                                                      nova_reference: tuple[list[str], list[str]]) -> None:
    ref_train, ref_validation = nova_reference
    profile = override(tmp_path, NOVA, FT, "max_total_records", 30)
    out = tmp_path / "out"
    done = build(corpus, out, *NOVA_ARGS, "--profile-file", profile, "--max-train-records", "100")
    assert done.returncode == 0, done.stderr
    train, validation, codes = splits(out)
    assert len(train) + len(validation) == 30
    assert validation == ref_validation  # validation is filled first, then train up to the total
    assert set(train) <= set(ref_train)
    assert codes == Counter({"DP504": 170})


def test_build_over_total_quota_without_the_flag_names_the_quota(corpus: Path, tmp_path: Path) -> None:
    profile = override(tmp_path, NOVA, FT, "max_total_records", 30)
    done = build(corpus, tmp_path / "out", *NOVA_ARGS, "--profile-file", profile)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "max_total_records" in done.stderr and "--max-train-records" in done.stderr
    assert not (tmp_path / "out" / "train.jsonl").exists()

