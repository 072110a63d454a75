"""A catalogue of bad inputs: each case is a real file on disk and must yield its rule code at its line.

Line 0 means a file-level finding (quotas). Every case also asserts that nothing else is wrong with
the good lines around it, by checking the exact (code, line) pair rather than only the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from catalogue import CASES, PC, PC2, UA, conv, j

from dataprep.findings import Severity
from dataprep.profiles import resolve_model
from dataprep.validate import validate_paths


@pytest.mark.parametrize(("name", "content", "model", "task", "code", "line"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_gives_code_at_line(tmp_path: Path, name: str, content: bytes, model: str | None,
                                      task: str | None, code: str, line: int) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    profile = resolve_model(model) if model else None
    findings = validate_paths([path], profile, task)
    assert (code, line) in {(f.code, f.line) for f in findings}, findings
    assert all(f.path == str(path) for f in findings)


def test_catalogue_is_large_enough() -> None:
    assert len({c[0] for c in CASES}) == len(CASES) >= 30


def test_train_validation_overlap(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(PC + PC2)
    (tmp_path / "validation.jsonl").write_bytes(j({"prompt": "x y", "completion": "z w"}) + PC2)
    findings = validate_paths([tmp_path], None)
    overlap = [f for f in findings if f.code == "DP501"]
    assert [(Path(f.path).name, f.line) for f in overlap] == [("validation.jsonl", 2)]
    assert "train.jsonl:2" in overlap[0].message


def test_nova_case_insensitive_keyword_is_error(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(conv(("user", "the bot: said hi"), UA[1]))
    findings = validate_paths([path], resolve_model("amazon.nova-micro-v1:0:128k"))
    assert [(f.code, f.severity) for f in findings if f.line] == [("DP212", Severity.ERROR)]


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
    ("pretraining", "titan-text-express", "continued-pretraining"),
    ("pretraining", "titan-text-lite", "continued-pretraining"),
])
def test_sample_data_good_files_validate_clean(folder: str, model: str, task: str | None) -> None:
    root = Path(__file__).resolve().parent.parent / "sample_data" / "bedrock" / folder
    assert validate_paths([root], resolve_model(model), task) == []
