"""Root cause first (#14 items 3-4): a record's one malformed part is its finding, never an order rule it keeps.

Every catalogue case whose records are conversations is read again here, raw: a DP208/DP209/DP211 finding
must agree with the messages as written (their count, the first and last role), whatever else is wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from catalogue import CASES, IMAGE, UA, conv, j
from conftest import validate_json

_MESSAGE_CASES = [c for c in CASES if b'"messages"' in c[2]]


def _raw_messages(content: bytes) -> dict[int, list[Any]]:
    """line -> the raw `messages` list of each line that parses as a record with one."""
    out: dict[int, list[Any]] = {}
    for number, line in enumerate(content.split(b"\n"), 1):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("messages"), list):
            out[number] = value["messages"]
    return out


def _contradicted(finding: dict[str, Any], messages: list[Any]) -> bool:
    """True when a structural finding says something the raw messages disprove."""
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    quoted = re.search(r"has role '([^']*)'", finding["message"])
    if finding["code"] == "DP211":
        count = re.search(r"has (\d+) message", finding["message"])
        return count is None or int(count.group(1)) != len(messages)
    if finding["code"] == "DP208":
        return not roles or roles[0] == "user" or quoted is None or quoted.group(1) != roles[0]
    if finding["code"] == "DP209":
        return not roles or roles[-1] == "assistant" or quoted is None or quoted.group(1) != roles[-1]
    return False


@pytest.mark.parametrize(("name", "content", "model", "task"), [(c[1], c[2], c[3], c[4]) for c in _MESSAGE_CASES],
                         ids=[c[0] for c in _MESSAGE_CASES])
def test_no_structural_finding_the_raw_record_contradicts(tmp_path: Path, name: str, content: bytes,
                                                          model: str | None, task: str | None) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    _, findings = validate_json(path, *(["--model", model] if model else []), *(["--task", task] if task else []))
    raw = _raw_messages(content)
    wrong = [f for f in findings if f["line"] in raw and _contradicted(f, raw[f["line"]])]
    assert not wrong, wrong


def test_catalogue_has_root_cause_cases() -> None:
    ids = {c[0] for c in CASES}
    assert {"claude-content-number", "claude-role-missing", "nova-bad-role", "haiku-system-blocks"} <= ids


def test_one_bad_block_is_the_only_record_finding(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(conv(("user", [{"foo": "bar"}]), UA[1]))
    _, findings = validate_json(path, "--model", "nova-micro")
    assert [f["code"] for f in findings if f["line"]] == ["DP215"]


def test_haiku_records_get_haiku_advice(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(j({"system": "Be brief.", "messages": [{"role": "user", "content": [{"text": "Hi there"}]},
                                                              {"role": "assistant", "content": "Hello."}]}))
    _, findings = validate_json(path, "--model", "claude-3-haiku")
    messages = [f["message"] for f in findings if f["line"]]
    assert messages == ["message 1: 'content' must be a string for Claude 3 Haiku, not a list of blocks"], messages
    assert not any("schemaVersion" in m or "must be a list" in m for m in messages)


def test_dp214_reads_as_a_sentence(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(conv(("user", [IMAGE, {"text": "What is this?"}]), UA[1]))
    _, findings = validate_json(path, "--model", "nova-micro")
    [dp214] = [f for f in findings if f["code"] == "DP214"]
    assert dp214["message"] == "message 1: nova-micro does not accept image blocks"


def test_titan_input_records_are_continued_pretraining(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(j({"input": f"Document {i} talks about rivers, hills and the weather."})
                              for i in range(3)))
    _, findings = validate_json(path, "--model", "titan-text-express")
    assert not [f for f in findings if f["code"] == "DP201"], findings
    # An explicit --task still wins: the same file checked as fine-tuning is told to convert.
    _, explicit = validate_json(path, "--model", "titan-text-express", "--task", "fine-tuning")
    assert [f["code"] for f in explicit if f["code"] == "DP201"] == ["DP201"]


def test_a_raw_dataset_is_one_finding_with_the_build_command(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(j({"instruction": f"Task {i}", "input": "", "output": f"Done {i}."})
                              for i in range(300)))
    status, findings = validate_json(path, "--model", "llama3-1-8b-instruct")
    assert [f["code"] for f in findings] == ["DP118"], findings
    assert findings[0]["message"] == (f"JSONL of alpaca records, not Bedrock JSONL: convert it with `dataprep build "
                                      f"{path} {tmp_path / 'bedrock'} --model llama3-1-8b-instruct`, then validate "
                                      "that folder")
    assert status == 1


def test_a_parquet_file_is_named_as_such(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_data" / "raw" / "finetune" / "qa.parquet"
    path = tmp_path / "train.jsonl"  # a Parquet file under a JSONL name is recognised by its magic bytes
    path.write_bytes(sample.read_bytes())
    _, findings = validate_json(path)
    assert [(f["code"], f["message"].split(",")[0]) for f in findings] == [("DP118", "a Parquet file")]


def test_a_whole_claude_file_for_nova_is_one_format_finding(tmp_path: Path) -> None:
    from catalogue import claude

    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(claude(("user", f"Question {i}?"), ("assistant", f"Answer {i}.")) for i in range(20)))
    _, findings = validate_json(path, "--model", "nova-micro")
    assert [f["code"] for f in findings if f["line"]] == ["DP201"], findings
