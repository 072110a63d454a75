"""Media, reasoning and tool blocks (dataprep.checks.media) through the real `dataprep validate`, on real files.

The catalogue has one case per code; these are the edges: limits met exactly, the file-level mix reported once
with both lines, a record holding both kinds not reported twice, a text-only model, the Nova 2 Lite sample
against a model without reasoning, Nova 2 Lite's refused validation file and minimum.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import BEDROCK, validate_json

from dataprep.checks.media import MediaRules, RecordBlocks, mixed_media
from dataprep.profiles import resolve_model

ASSISTANT = {"role": "assistant", "content": [{"text": "It is a small grey cat."}]}


def block(kind: str, fmt: str = "png", uri: str = "s3://my-bucket/a/cat.png", **location: Any) -> dict[str, Any]:
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": uri, **location}}}}


def record(*user: dict[str, Any], assistant: dict[str, Any] = ASSISTANT, text: str = "What is this?") -> str:
    return json.dumps({"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [*user, {"text": text}]}, assistant]})


def findings(tmp_path: Path, model: str, *records: str) -> list[tuple[str, int]]:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(f"{r}\n" for r in records), encoding="utf-8")
    _, found = validate_json(path, "--model", model)
    return [(f["code"], f["line"]) for f in found if f["line"]]


def test_limits_are_inclusive(tmp_path: Path) -> None:
    ten = [block("image", uri=f"s3://my-bucket/cat{i}.png") for i in range(10)]
    assert findings(tmp_path, "nova-lite", record(*ten), record(block("video", "mp4", "s3://my-bucket/v.mp4"),
                                                                text="And this clip?")) == [("DP217", 2)]
    assert findings(tmp_path, "nova-lite", record(*ten, block("image", uri="s3://my-bucket/x.png"))) == [
        ("DP218", 1)]


def test_mixing_across_records_is_reported_once_with_both_lines(tmp_path: Path) -> None:
    image, video = block("image"), block("video", "mp4", "s3://my-bucket/v.mp4")
    rows = [record(image, video, text="Both at once?"), record(image, text="A photo?"), record(image, text="And?")]
    rows += [record(video, text="A clip?"), record(video, text="More?")]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(f"{r}\n" for r in rows), encoding="utf-8")
    _, found = validate_json(path, "--model", "nova-pro")
    mixed = [f for f in found if f["code"] == "DP217"]
    # Line 1 holds both kinds (its own finding, left out of the file-level scan); line 4 is the first
    # video-only record after image-only ones.
    assert [f["line"] for f in mixed] == [1, 4]
    assert "line 4 has videos but line 2 has images" in mixed[1]["message"]


def test_text_only_models_take_no_media_and_documents_are_never_taken(tmp_path: Path) -> None:
    for model in ("nova-micro", "llama3-2-1b-instruct", "llama3-2-3b-instruct"):
        assert findings(tmp_path, model, record(block("image"))) == [("DP214", 1)], model
    document = {"document": {"format": "pdf", "source": {"s3Location": {"uri": "s3://my-bucket/a.pdf"}}}}
    assert findings(tmp_path, "nova-2-lite", record(document)) == [("DP214", 1)]
    assistant_image = {"role": "assistant", "content": [block("image"), {"text": "A cat."}]}
    assert findings(tmp_path, "llama3-2-11b-instruct", record(assistant=assistant_image)) == [("DP214", 1)]


def test_s3_locations(tmp_path: Path) -> None:
    good = ["s3://my-bucket/cat.png", "s3://my.bucket-2/deep/path/cat.png", "s3://abc/k"]
    bad = ["s3://My-Bucket/cat.png", "s3://my-bucket/", "s3://my-bucket", "https://my-bucket/cat.png",
           "s3://ab/cat.png", "s3://my-bucket/a cat.png"]
    rows = [record(block("image", uri=uri), text=f"Question about {uri}?") for uri in good + bad]
    rows.append(record(block("image", bucketOwner=123456789012), text="Owner as a number?"))
    rows.append(record(block("image", bucketOwner="123456789012"), text="Owner as a string?"))
    assert findings(tmp_path, "nova-lite", *rows) == [("DP220", n) for n in range(4, 11)]


def test_declared_formats_follow_the_model(tmp_path: Path) -> None:
    webp = record(block("image", "webp", "s3://my-bucket/cat.webp"))
    webm = record(block("video", "webm", "s3://my-bucket/v.webm"))
    assert findings(tmp_path, "nova-lite", webp) == []
    assert findings(tmp_path, "nova-2-lite", webp) == [("DP219", 1)]
    assert findings(tmp_path, "nova-2-lite", webm) == [("DP219", 1)]
    assert findings(tmp_path, "llama3-2-90b-instruct", record(block("image", "jpeg", "s3://b-1/x.jpg"))) == []
    assert findings(tmp_path, "nova-lite", record(block("image", None))) == [("DP215", 1)]


def test_the_nova_2_lite_sample_is_refused_by_a_model_without_reasoning(tmp_path: Path) -> None:
    sample = BEDROCK / "nova-2-lite" / "bedrock-conversation" / "train.jsonl"
    assert validate_json(sample, "--model", "nova-2-lite") == (0, [])
    found = findings(tmp_path, "nova-lite", *sample.read_text(encoding="utf-8").splitlines())
    assert found == [("DP221", n) for n in range(1, 201)]


def test_nova_2_lite_refuses_a_validation_file_and_needs_200_records(tmp_path: Path) -> None:
    sample = BEDROCK / "nova-2-lite" / "bedrock-conversation" / "train.jsonl"
    lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "train.jsonl").write_text("".join(lines[:190]), encoding="utf-8")
    (tmp_path / "validation.jsonl").write_text("".join(lines[190:]), encoding="utf-8")
    status, found = validate_json(tmp_path, "--model", "nova-2-lite")
    assert status == 1
    assert {(Path(f["path"]).name, f["code"]) for f in found} == {("train.jsonl", "DP304"),
                                                                  ("validation.jsonl", "DP310")}
    shutil.copy(sample, tmp_path / "train.jsonl")
    (tmp_path / "validation.jsonl").unlink()
    assert validate_json(tmp_path, "--model", "nova-2-lite") == (0, [])


def test_reasoning_counts_as_assistant_text_and_its_shape_is_checked() -> None:
    rules = MediaRules.of(resolve_model("nova-2-lite"))
    seen: list[str] = []
    blocks = RecordBlocks(rules, lambda code, message, key: seen.append(code))
    think = {"reasoningText": {"text": "Two and two make four.", "signature": "abc"}}
    assert blocks.block("reasoningContent", think, "message 2", "assistant") == "Two and two make four."
    for bad in ({"reasoningText": {"text": 4}}, {"redactedContent": "eA=="}, {"reasoningText": {"txt": "x"}},
                "Two and two"):
        assert blocks.block("reasoningContent", bad, "message 2", "assistant") is None
    assert seen == ["DP221"] * 4


def test_mixed_media_ignores_text_and_malformed_records() -> None:
    image, video = json.loads(record(block("image"))), json.loads(record(block("video", "mp4")))
    assert mixed_media([(1, {"messages": "x"}), (2, image), (3, ["not", "a", "record"]), (4, image)]) == []
    assert [line for line, _, _ in mixed_media([(1, video), (2, {"prompt": "p"}), (3, image)])] == [3]
