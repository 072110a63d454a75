"""The edges of rules that the mutation run (`benchmarks/mutants.py`) showed no test pinned.

Each test names the rule and the boundary: a pre-filter that counts bytes, an upper-case hint, a closing
template token, the first copy a duplicate names, a file whose name gives no split, a blank line of
spaces, blank-line runs, an end token inside a prompt, exact packing, the warning count of the summary
line, the truncation heuristic's two edges, exact copies of the first record, and a regional language code.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import LLAMA, build, dataprep, jsonl, override, profile_file, validate_json

from dataprep.checks.text_quality import looks_truncated
from dataprep.formats.base import Canonical, Turn
from dataprep.text.chunk import chunk_text
from dataprep.text.clean import clean, clean_text


def _write(path: Path, *records: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _codes(findings: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(f["code"], f["line"]) for f in findings}


def test_dp305_counts_utf8_bytes_before_skipping_the_tokenizer(tmp_path: Path) -> None:
    # 60 emoji: 60 characters (under the 100-token limit) but 240 bytes and well over 100 tokens.
    emoji = "".join(chr(0x1F600 + i) for i in range(60))
    small = override(tmp_path, LLAMA, "fine-tuning", "max_tokens_per_record", 100)
    path = _write(tmp_path / "train.jsonl", {"prompt": "Say it.", "completion": emoji})
    _, findings = validate_json(path, "--model", LLAMA, "--profile-file", small)
    assert ("DP305", 1) in _codes(findings), findings


def test_dp409_finds_an_upper_case_aws_secret_assignment(tmp_path: Path) -> None:
    secret = "AWS_SECRET_ACCESS_KEY=" + "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"
    path = _write(tmp_path / "train.jsonl", {"prompt": f"Use {secret} here", "completion": "Done it."})
    _, findings = validate_json(path)
    assert ("DP409", 1) in _codes(findings), findings


def test_dp406_finds_a_lone_closing_inst_token(tmp_path: Path) -> None:
    path = _write(tmp_path / "train.jsonl", {"prompt": "Tell me a joke", "completion": "A pun. [/INST]"})
    _, findings = validate_json(path)
    assert ("DP406", 1) in _codes(findings), findings


def test_dp401_names_the_first_copy_every_time(tmp_path: Path) -> None:
    record = {"prompt": "What is two plus two?", "completion": "Four."}
    path = _write(tmp_path / "train.jsonl", record, record, record)
    _, findings = validate_json(path)
    assert [f["message"] for f in findings if f["code"] == "DP401"] == ["duplicate of line 1"] * 2


def test_a_file_whose_name_gives_no_split_counts_as_training_data(tmp_path: Path) -> None:
    no_validation = profile_file(tmp_path, LLAMA, "[tasks.fine-tuning]\nvalidation_supported = false\n")
    few = override(tmp_path, LLAMA, "fine-tuning", "max_train_records", 1)
    path = _write(tmp_path / "data.jsonl", {"prompt": "Hello there", "completion": "Hi you."},
                  {"prompt": "Good morning", "completion": "Morning to you."})
    _, findings = validate_json(path, "--model", LLAMA, "--profile-file", no_validation)
    assert "DP310" not in {f["code"] for f in findings}
    _, findings = validate_json(path, "--model", LLAMA, "--profile-file", few)
    assert ("DP301", 0) in _codes(findings), findings


def test_dp103_a_line_of_spaces_is_blank(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text('{"prompt": "a b", "completion": "c d"}\n   \n{"prompt": "e f", "completion": "g h"}\n',
                    encoding="utf-8")
    _, findings = validate_json(path)
    assert ("DP103", 2) in _codes(findings) and "DP104" not in {f["code"] for f in findings}, findings


def test_dp414_collapses_a_run_of_three_newlines() -> None:
    fixes: set[str] = set()
    assert clean_text("a\n\n\nb", fixes) == "a\n\nb"
    assert "DP414" in fixes


def test_dp416_removes_an_end_marker_from_the_end_of_every_turn_but_not_html() -> None:
    row = Canonical(turns=(Turn("user", "List three colours.<|im_end|>"), Turn("assistant", "Red, blue, green.</s>")))
    assert [t.text for t in clean(row).row.turns] == ["List three colours.", "Red, blue, green."]
    html = Canonical(turns=(Turn("user", "Strike the price."), Turn("assistant", "It costs <s>$20</s>")))
    assert clean(html).row == html


def test_chunks_pack_pieces_that_sum_exactly_to_the_limit() -> None:
    def count(texts: list[str]) -> np.ndarray:
        return np.array([len(t.split()) for t in texts])

    text = "one two three\n\nfour five six\n\nseven eight"
    assert chunk_text(text, 6, count) == ["one two three\n\nfour five six", "seven eight"]


def test_the_summary_line_counts_warnings_apart_from_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "train.jsonl", {"prompt": "Mail maria.kowalski@fastmail.net", "completion": "Done now."})
    done = dataprep("validate", path)
    assert "1 finding(s): 0 error(s), 1 warning(s)" in done.stderr, done.stderr


def test_dp408_edges_a_comma_and_exactly_thirty_words() -> None:
    words = " ".join(f"word{i}" for i in range(29))
    assert looks_truncated(words + " and,")
    assert looks_truncated(words + " endin")  # exactly 30 words, cut mid-word
    assert not looks_truncated(" ".join(f"word{i}" for i in range(28)) + " endin")  # 29 words
    assert not looks_truncated(words + " end.")


def test_exact_copies_are_dp401_whichever_record_they_copy(tmp_path: Path) -> None:
    rows = [{"prompt": f"Question {i}: how tall is tree number {i}?", "completion": f"Tree {i} is {i + 3} m."}
            for i in range(110)]
    raw = _write(tmp_path / "raw.jsonl", *rows, *rows)
    assert build(raw, tmp_path / "out", "--model", LLAMA, "--no-report").returncode == 0
    codes = [r["code"] for r in jsonl(tmp_path / "out" / "rejected.jsonl")]
    assert codes == ["DP401"] * 110


def test_lang_keeps_regional_codes_of_an_allowed_language(tmp_path: Path) -> None:
    # langdetect names Chinese zh-cn / zh-tw: `--lang zh` allows both.
    rows = [{"prompt": f"请告诉我第{i}座城市的名字和它的历史。",
             "completion": f"第{i}座城市很古老。有很多博物馆和公园。"} for i in range(120)]
    raw = _write(tmp_path / "raw.jsonl", *rows)
    done = build(raw, tmp_path / "out", "--model", LLAMA, "--lang", "zh", "--no-report")
    assert done.returncode == 0, done.stderr
    lineage = jsonl(tmp_path / "out" / "lineage.jsonl")
    assert len(lineage) == 120 and all(e["lang"].split("-")[0] == "zh" for e in lineage)  # the script says zh
    assert "DP411" not in {r["code"] for r in jsonl(tmp_path / "out" / "rejected.jsonl")}
