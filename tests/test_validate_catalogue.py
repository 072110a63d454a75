"""A catalogue of bad inputs: each case is a real file on disk and must yield its rule code at its line.

Line 0 means a file-level finding (quotas). Every case also asserts that nothing else is wrong with
the good lines around it, by checking the exact (code, line) pair rather than only the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogue import CASES, PC, PC2, UA, conv, j
from conftest import BEDROCK, validate_json


def model_args(model: str | None, task: str | None) -> list[str]:
    return [*(["--model", model] if model else []), *(["--task", task] if task else [])]


@pytest.mark.parametrize(("name", "content", "model", "task", "code", "line"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_code_at_line(tmp_path: Path, name: str, content: bytes, model: str | None,
                                      task: str | None, code: str, line: int) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, findings = validate_json(path, *model_args(model, task))
    assert (code, line) in {(f["code"], f["line"]) for f in findings}, findings
    assert all(f["path"] == str(path) for f in findings)
    assert status == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_catalogue_is_large_enough() -> None:
    assert len({c[0] for c in CASES}) == len(CASES) >= 30


def test_train_validation_overlap(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(PC + PC2)
    (tmp_path / "validation.jsonl").write_bytes(j({"prompt": "x y", "completion": "z w"}) + PC2)
    _, findings = validate_json(tmp_path)
    overlap = [f for f in findings if f["code"] == "DP501"]
    assert [(Path(f["path"]).name, f["line"]) for f in overlap] == [("validation.jsonl", 2)]
    assert "train.jsonl:2" in overlap[0]["message"]


def test_nova_keyword_is_matched_in_its_documented_spelling(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(conv(("user", "the Bot: said hi"), UA[1]) + conv(("user", "the bot: said hello"), UA[1]))
    status, findings = validate_json(path, "--model", "amazon.nova-micro-v1:0:128k")
    [found] = [f for f in findings if f["line"]]
    assert (found["code"], found["severity"], found["line"]) == ("DP212", "error", 1)
    assert "'Bot:'" in found["message"] and "user turn 1, line 1, column 5" in found["message"]
    assert status == 1


@pytest.mark.parametrize(("folder", "model", "task"), [
    ("prompt-completion", "llama3-1-8b-instruct", None),
    ("prompt-completion", "llama3-1-70b-instruct", None),
    ("prompt-completion", "titan-text-express", None),
    ("prompt-completion", "titan-text-lite", None),
    ("prompt-completion", "titan-text-premier", None),
    ("prompt-completion", "cohere-command-light", None),
    ("prompt-completion", "cohere-command", None),
    ("claude-messages", "claude-3-haiku", None),
    ("bedrock-conversation", "nova-micro", None),
    ("bedrock-conversation", "nova-lite", None),
    ("bedrock-conversation", "nova-pro", None),
    ("bedrock-conversation", "llama3-2-1b-instruct", None),
    ("bedrock-conversation", "llama3-2-3b-instruct", None),
    ("nova-2-lite/bedrock-conversation", "nova-2-lite", None),
    ("images/bedrock-conversation", "nova-lite", None),
    ("images/bedrock-conversation", "nova-pro", None),
    ("images/bedrock-conversation", "llama3-2-11b-instruct", None),
    ("images/bedrock-conversation", "llama3-2-90b-instruct", None),
    ("video/bedrock-conversation", "nova-lite", None),
    ("video/bedrock-conversation", "nova-pro", None),
    ("pretraining", "titan-text-express", "continued-pretraining"),
    ("pretraining", "titan-text-lite", "continued-pretraining"),
    ("image-caption", "titan-image-generator-v2", None),
    ("image-caption", "titan-image-generator-v1", None),
    ("image-caption", "nova-canvas", None),
    ("image-caption", "titan-embed-image", None),
])
def test_sample_data_good_files_validate_clean(folder: str, model: str, task: str | None) -> None:
    assert validate_json(BEDROCK / folder, *model_args(model, task)) == (0, [])
