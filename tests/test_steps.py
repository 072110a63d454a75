"""Build steps through the real command line: what each step files in the ledger, with which code and reason.

The rule implementations are shared with `validate` (`dataprep.checks`), so a limit or a keyword gives the
same message in a finding and in the ledger; these tests pin the build side.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TOOLFORMER, build, dataprep, jsonl, override, validate_json


def _records(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "raw.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_over_the_training_quota_stops_with_dp503(tmp_path: Path) -> None:
    small = override(tmp_path, "llama3-1-8b-instruct", "fine-tuning", "max_train_records", 50)
    done = build(TOOLFORMER, tmp_path / "out", "--model", "llama3-1-8b-instruct", "--profile-file", small,
                 "--no-report")
    assert done.returncode == 1
    assert "DP503 more than 50 training records remain" in done.stderr
    assert "--max-train-records" in done.stderr


def test_a_record_over_a_token_limit_gets_the_validate_message_and_the_fix(tmp_path: Path) -> None:
    long = " ".join(f"w{i}" for i in range(400))
    rows = [{"prompt": f"Question {i} about the weather today?", "completion": f"Answer number {i} is sunny."}
            for i in range(60)] + [{"prompt": "Write a lot please.", "completion": long}]
    raw = _records(tmp_path, rows)
    small = override(tmp_path, "cohere-command-light", "fine-tuning", "max_output_tokens", 300)
    done = build(raw, tmp_path / "out", "--model", "cohere-command-light", "--profile-file", small, "--no-report")
    assert done.returncode == 0, done.stderr
    [entry] = [r for r in jsonl(tmp_path / "out" / "rejected.jsonl") if r["code"] == "DP307"]
    assert entry["line"] == 61
    # The same words validate uses for the same rule, then the rule's fix.
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"prompt": "Write a lot please.", "completion": long}) + "\n", encoding="utf-8")
    _, findings = validate_json(train, "--model", "cohere-command-light", "--profile-file", small)
    [finding] = [f for f in findings if f["code"] == "DP307"]
    assert entry["reason"].startswith(finding["message"] + ". ")
    assert "allows 300" in finding["message"]


def test_reserved_keyword_message_is_the_same_in_build_and_validate(tmp_path: Path) -> None:
    rows = [{"prompt": f"Tell me fact {i} about rivers.", "completion": f"Rivers fact {i}: they flow."}
            for i in range(20)] + [{"prompt": "Explain this:\nBot: hello there", "completion": "It is a greeting."}]
    raw = _records(tmp_path, rows)
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    [entry] = [r for r in jsonl(tmp_path / "out" / "rejected.jsonl") if r["code"] == "DP212"]
    assert entry["reason"].startswith("reserved keyword 'Bot:' in the text; Amazon Nova Micro jobs fail on it")


def test_too_short_pretraining_text_is_dropped_as_dp412(tmp_path: Path) -> None:
    documents = [" ".join(str(v) for v in r.values()) for r in jsonl(TOOLFORMER)[:30]]
    raw = _records(tmp_path, [{"text": d} for d in documents] + [{"text": "Too short to learn from."}])
    done = build(raw, tmp_path / "out", "--model", "titan-text-express", "--task", "continued-pretraining",
                 "--no-report")
    assert done.returncode == 0, done.stderr
    codes = {r["line"]: r["code"] for r in jsonl(tmp_path / "out" / "rejected.jsonl")}
    assert codes[31] == "DP412"


def test_a_legacy_model_gets_dp614_from_job(tmp_path: Path) -> None:
    rows = [{"prompt": f"Question {i} about rivers and lakes?", "completion": f"Answer {i}: they hold water."}
            for i in range(40)]
    out = tmp_path / "out"
    assert build(_records(tmp_path, rows), out, "--model", "titan-text-lite", "--no-report").returncode == 0
    done = dataprep("job", out, "--s3-uri", "s3://bucket/prefix/", "--role-arn",
                    "arn:aws:iam::123456789012:role/R")
    assert "DP614" in done.stdout + done.stderr
