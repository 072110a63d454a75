"""A user's own validation file: in `dataprep build --validation-file` and in `dataprep validate` with both files.

The build converts and cleans the validation file like RAW, writes it as validation.jsonl, and removes from
train every record that is the same (DP501) or a near duplicate (DP502, DP402's definition) of one of its
records, filing the pair (train source:line ↔ validation source:line, Jaccard). Validate reports the same
pairs on the validation side. Records are real (tests/data/toolformer-1000.jsonl, distinct by construction).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from catalogue import PAIR_CASES
from conftest import LLAMA, TOOLFORMER, build, jsonl, override, validate_json
from planting import oracle


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in TOOLFORMER.read_text(encoding="utf-8").splitlines()[:220]]
    return [{"prompt": f"{r['instruction']}\n{r['input']}", "completion": r["response"]} for r in rows]


def one_word_edit(row: dict[str, str]) -> dict[str, str]:
    words = row["prompt"].split(" ")
    words[len(words) // 2] = "zyxwv"
    return {**row, "prompt": " ".join(words)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, str]]) -> Path:
    """RAW: records 1-180. Validation file: 10 of them as they are, 5 with other case and punctuation, 5 with
    one word changed, 20 new ones."""
    folder = tmp_path_factory.mktemp("holdout")
    same = records[150:160]
    restyled = [{**r, "prompt": r["prompt"].replace("toolformer", "Toolformer!")} for r in records[160:165]]
    near = [one_word_edit(r) for r in records[165:170]]
    write(folder / "raw.jsonl", records[:180])
    write(folder / "mine.jsonl", same + restyled + near + records[180:200])
    out = folder / "out"
    done = build(folder / "raw.jsonl", out, "--no-report", "--model", LLAMA, "--validation-file", folder / "mine.jsonl")
    assert done.returncode == 0, done.stderr
    return out


def test_the_validation_file_is_the_validation_split(built: Path, records: list[dict[str, str]]) -> None:
    validation = jsonl(built / "validation.jsonl")
    assert len(validation) == 40
    lineage = jsonl(built / "lineage.jsonl")
    assert {Path(e["source"]).name for e in lineage if e["split"] == "validation"} == {"mine.jsonl"}
    assert {Path(e["source"]).name for e in lineage if e["split"] == "train"} == {"raw.jsonl"}


def test_train_duplicates_of_validation_records_are_removed_with_the_pair(built: Path,
                                                                          records: list[dict[str, str]]) -> None:
    rejected = jsonl(built / "rejected.jsonl")
    by_code: dict[str, list[int]] = {}
    for entry in rejected:
        by_code.setdefault(entry["code"], []).append(entry["line"])
    assert sorted(by_code) == ["DP501", "DP502"]
    assert sorted(by_code["DP501"]) == list(range(151, 166))  # as they are, and in other case and punctuation
    assert sorted(by_code["DP502"]) == list(range(166, 171))
    for entry in rejected:
        train_line, val_line = map(int, re.findall(r"raw\.jsonl:(\d+) ↔ .*mine\.jsonl:(\d+)", entry["reason"])[0])
        assert train_line == entry["line"] and val_line == entry["line"] - 150
        if entry["code"] == "DP502":
            truth = oracle(*("\n".join((r["prompt"], r["completion"])) for r in
                             (records[train_line - 1], one_word_edit(records[train_line - 1]))))
            assert f"Jaccard {math.floor(truth * 100) / 100:.2f} ≥ 0.8" in entry["reason"]  # cut, not rounded
    assert len(jsonl(built / "train.jsonl")) == 160
    # What was written has no overlap left, by validate's own definition.
    _status, findings = validate_json(built / "train.jsonl", built / "validation.jsonl")
    assert not [f for f in findings if f["code"] in ("DP501", "DP502")], findings


@pytest.mark.parametrize(("train", "validation", "model", "task", "code", "line"),
                         [c[1:] for c in PAIR_CASES], ids=[c[0] for c in PAIR_CASES])
def test_validate_shows_the_pair(tmp_path: Path, train: bytes, validation: bytes, model: str | None,
                                 task: str | None, code: str, line: int) -> None:
    (tmp_path / "train.jsonl").write_bytes(train)
    (tmp_path / "validation.jsonl").write_bytes(validation)
    _status, findings = validate_json(tmp_path / "train.jsonl", tmp_path / "validation.jsonl")
    found = [f for f in findings if f["code"] in ("DP501", "DP502")]
    assert [(f["code"], Path(f["path"]).name, f["line"]) for f in found] == [(code, "validation.jsonl", line)]
    assert f"line {line} ↔ {tmp_path / 'train.jsonl'}:2" in found[0]["message"]
    if code == "DP502":
        assert re.search(r"Jaccard 0\.\d\d ≥ 0\.8", found[0]["message"])


def test_validation_file_usage_errors(tmp_path: Path, records: list[dict[str, str]]) -> None:
    raw = write(tmp_path / "raw.jsonl", records[:120])
    for args, message in ((["--validation-file", tmp_path / "missing.jsonl"], "is not a file"),
                          (["--validation-file", raw, "--validation-fraction", "0.2"], "exclude each other")):
        done = build(raw, tmp_path / "out", "--no-report", "--model", LLAMA, *args)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_config_names_the_validation_file_relative_to_itself(tmp_path: Path, records: list[dict[str, str]]) -> None:
    project = tmp_path / "project"
    project.mkdir()
    write(project / "raw.jsonl", records[:150])
    write(project / "mine.jsonl", records[140:160])
    config = project / "dataprep.toml"
    config.write_text('validation-file = "mine.jsonl"\ndedup-keep = "longest"\n', encoding="utf-8")
    out = tmp_path / "out"
    done = build(project / "raw.jsonl", out, "--no-report", "--model", LLAMA, "--config", config, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(jsonl(out / "validation.jsonl")) == 20
    assert sorted(r["line"] for r in jsonl(out / "rejected.jsonl") if r["code"] == "DP501") == list(range(141, 151))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["dedup"]["keep"] == "longest"


def test_a_total_quota_counts_the_validation_file(tmp_path: Path, records: list[dict[str, str]]) -> None:
    """train + validation <= max_total_records: the sample of train leaves room for the whole validation file."""
    write(tmp_path / "raw.jsonl", records[:180])
    write(tmp_path / "mine.jsonl", records[180:200])
    profile = override(tmp_path, LLAMA, "fine-tuning", "max_total_records", 150)
    out = tmp_path / "out"
    done = build(tmp_path / "raw.jsonl", out, "--no-report", "--model", LLAMA, "--profile-file", profile,
                 "--max-train-records", "140", "--validation-file", tmp_path / "mine.jsonl")
    assert done.returncode == 0, done.stderr
    assert (len(jsonl(out / "train.jsonl")), len(jsonl(out / "validation.jsonl"))) == (130, 20)
    assert sum(r["code"] == "DP504" for r in jsonl(out / "rejected.jsonl")) == 50
