"""The multimodal build (#15 item 6): chat records with images become bedrock-conversation image blocks.

Every test builds real files through the command line (`sample_data/raw/multimodal`: OpenAI `image_url`
parts, LLaMA-Factory `<image>` placeholders in messages and in ShareGPT conversations, a Hugging Face
`datasets` Parquet shard with an Image feature column) and reads what the build wrote: the records, the
content-addressed copies in OUT/media/, the manifest's media list, the ledger, and the objects S3 holds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, RAW, build, jsonl, read_json, validate_json

SAMPLE = RAW / "multimodal"
PREFIX = "s3://media-bucket/shared/"
IMAGES = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (SAMPLE / "images").iterdir()}
ROLE = "arn:aws:iam::123456789012:role/BedrockFineTuning"


def _images(record: dict[str, Any]) -> list[str]:
    """The image URIs of a built record, in order."""
    return [b["image"]["source"]["s3Location"]["uri"] for m in record["messages"] for b in m["content"]
            if "image" in b]


def _texts(record: dict[str, Any]) -> list[str]:
    return [b["text"] for m in record["messages"] for b in m["content"] if "text" in b]


def _built(out: Path) -> list[dict[str, Any]]:
    return [*jsonl(out / "train.jsonl"), *(jsonl(out / "validation.jsonl") if (out / "validation.jsonl").exists()
                                          else [])]


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built for nova-lite once for the module (read-only for the tests)."""
    out = tmp_path_factory.mktemp("mm") / "out"
    done = build(SAMPLE, out, "--model", "nova-lite", "--no-report", "--media-prefix", PREFIX.rstrip("/"))
    assert done.returncode == 0, done.stderr
    return out


def test_each_importer_shape_becomes_image_blocks_under_the_prefix(sample_build: Path) -> None:
    records = _built(sample_build)
    lineage = jsonl(sample_build / "lineage.jsonl")
    by_source: dict[str, list[dict[str, Any]]] = {}
    for entry, record in zip(lineage, records, strict=True):
        by_source.setdefault(Path(entry["source"]).name, []).append(record)
    red, orange = IMAGES["red-circle.png"], IMAGES["orange-circle.png"]
    green, blue = IMAGES["green-triangle.jpg"], IMAGES["blue-square.png"]
    shown = {name: sorted(u for r in rs for u in _images(r)) for name, rs in by_source.items()}
    data_uri = json.loads((SAMPLE / "openai_vision.jsonl").read_text(encoding="utf-8").splitlines()[2])
    purple = base64.b64decode(data_uri["messages"][0]["content"][1]["image_url"]["url"].split(",", 1)[1])
    # Two local paths and a data: URI (its bytes become an object of their own); the web URL is refused.
    assert shown["openai_vision.jsonl"] == sorted([f"{PREFIX}{red}.png", f"{PREFIX}{blue}.png",
                                                   f"{PREFIX}{hashlib.sha256(purple).hexdigest()}.png"])
    assert shown["llamafactory_mllm.json"] == sorted([f"{PREFIX}{green}.jpeg", f"{PREFIX}{red}.png",
                                                      f"{PREFIX}{orange}.png"])
    assert shown["sharegpt_images.jsonl"] == sorted([f"{PREFIX}{blue}.png", f"{PREFIX}{orange}.png"])
    # The Parquet shard: an Image feature's bytes (the triangle) and one with a path only (the circle).
    assert shown["vqa_image_feature.parquet"] == sorted([f"{PREFIX}{green}.jpeg", f"{PREFIX}{red}.png"])
    # Placeholders are removed where their images go; the two images of one turn keep their order.
    texts = [t for r in by_source["llamafactory_mllm.json"] for t in _texts(r)]
    assert not any("<image>" in t for t in texts)
    assert "Are the shapes in these two pictures alike?" in texts and "Name the colour of the shape." in texts
    two = next(r for r in by_source["llamafactory_mllm.json"] if len(_images(r)) == 2)
    assert _images(two) == [f"{PREFIX}{red}.png", f"{PREFIX}{orange}.png"]
    # Bedrock's examples: the text block, then the image block, in the user turn only.
    for record in records:
        assert list(record["messages"][0]["content"][0]) == ["text"]
        assert all("image" not in b for m in record["messages"][1:] for b in m["content"] if m["role"] == "assistant")


def test_media_are_copied_once_each_and_listed_in_the_manifest(sample_build: Path) -> None:
    manifest = read_json(sample_build / "manifest.json")
    records = _built(sample_build)
    uris = sorted({u for r in records for u in _images(r)})
    assert sum(len(_images(r)) for r in records) > len(uris)  # some objects are shown by several records
    copies = sorted((sample_build / "media").iterdir())
    assert [p.name for p in copies] == sorted(u.removeprefix(PREFIX) for u in uris)
    listed = manifest["media"]
    assert [m["uri"] for m in listed] == uris
    for entry, path in zip(listed, copies, strict=True):
        body = path.read_bytes()
        assert entry["file"] == f"media/{path.name}" and entry["bytes"] == len(body)
        assert entry["sha256"] == hashlib.sha256(body).hexdigest() == path.name.split(".")[0]
        assert manifest["files"][entry["file"]] == entry["sha256"]
    assert set(IMAGES.values()) <= {m["sha256"] for m in listed}  # the sample's own files, by content
    assert manifest["settings"]["media_prefix"] == PREFIX


def test_built_files_validate_clean_for_nova_lite_and_not_for_nova_micro(sample_build: Path) -> None:
    code, findings = validate_json(sample_build, "--model", "nova-lite")
    assert (code, findings) == (0, [])
    code, findings = validate_json(sample_build / "train.jsonl", "--model", "nova-micro")
    assert code == 1 and {f["code"] for f in findings} == {"DP214"}


def test_a_text_only_model_rejects_the_records_instead_of_dropping_their_images(tmp_path: Path) -> None:
    for model in ("nova-micro", "llama3-1-8b-instruct"):
        out = tmp_path / model
        done = build(SAMPLE, out, "--model", model, "--no-report", "--media-prefix", PREFIX)
        assert done.returncode == 1, done.stderr  # no record is left: the build stops
        ledger = jsonl(out / "rejected.jsonl")
        assert {e["code"] for e in ledger} == {"DP214", "DP236"}, ledger
        assert not (out / "media").exists() and "Traceback" not in done.stderr


def test_a_web_url_goes_to_the_ledger_saying_why(sample_build: Path) -> None:
    ledger = jsonl(sample_build / "rejected.jsonl")
    assert [(Path(e["source"]).name, e["line"], e["code"]) for e in ledger] == [("openai_vision.jsonl", 4, "DP236")]
    assert "https://example.com/whiteboard.png" in ledger[0]["reason"] and "on the web" in ledger[0]["reason"]
    assert "s3://" in ledger[0]["reason"]  # the fix: upload it and give its s3:// URI


def _openai(text: str, image: str, answer: str = "It is a small coloured shape on white.") -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": [{"type": "text", "text": text},
                                                      {"type": "image_url", "image_url": {"url": image}}]},
                         {"role": "assistant", "content": answer}]}


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_missing_files_are_DP235_and_local_media_need_the_prefix(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "images", tmp_path / "images")
    raw = _write(tmp_path / "chat.jsonl", [_openai("What colour is the circle in this picture?",
                                                   "images/red-circle.png"),
                                           _openai("What colour is the square in this picture?", "images/gone.png"),
                                           _openai("And this picture, what does it show to you?", "images"),
                                           _openai("What does this picture say?", "data:text/plain;base64,aGk=")])
    out = tmp_path / "out"
    done = build(raw, out, "--model", "nova-lite", "--no-report", "--validation-fraction", "0")
    assert done.returncode == 2 and "--media-prefix" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
    done = build(raw, out, "--model", "nova-lite", "--no-report", "--validation-fraction", "0",
                 "--media-prefix", "s3://Not_A_Bucket/")
    assert done.returncode == 2 and "--media-prefix" in done.stderr
    done = build(raw, out, "--model", "nova-lite", "--no-report", "--validation-fraction", "0",
                 "--media-prefix", PREFIX)
    assert done.returncode == 1 and "DP304 1 training records; at least 8" in done.stderr, done.stderr  # Nova's minimum
    ledger = jsonl(out / "rejected.jsonl")
    assert [(e["line"], e["code"]) for e in ledger] == [(2, "DP235"), (3, "DP235"), (4, "DP236")]
    assert "does not exist" in ledger[0]["reason"] and "is a folder" in ledger[1]["reason"]
    assert "data:image/...;base64" in ledger[2]["reason"]


def test_same_text_other_image_is_not_a_duplicate_the_same_record_twice_is(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE / "images", tmp_path / "images")
    question = "Describe the shape you can see in this picture, please, with its colour and where it sits."
    records = [_openai(question, "images/red-circle.png"), _openai(question, "images/orange-circle.png"),
               _openai(question, "images/red-circle.png")]
    out = tmp_path / "out"
    done = build(_write(tmp_path / "chat.jsonl", records), out, "--model", "nova-lite", "--no-report",
                 "--validation-fraction", "0", "--media-prefix", PREFIX)
    assert done.returncode == 1 and "DP304 2 training records" in done.stderr, done.stderr  # Nova's minimum is 8
    assert sorted(u for r in jsonl(out / "train.jsonl") for u in _images(r)) == \
        sorted([f"{PREFIX}{IMAGES['red-circle.png']}.png", f"{PREFIX}{IMAGES['orange-circle.png']}.png"])
    assert [e["code"] for e in jsonl(out / "rejected.jsonl")] == ["DP401"]


def _reversed_copy(folder: Path) -> Path:
    """The sample with every file's records in the opposite order (the images where they were)."""
    shutil.copytree(SAMPLE, folder)
    for path in folder.glob("*.jsonl"):
        path.write_text("".join(reversed(path.read_text(encoding="utf-8").splitlines(keepends=True))),
                        encoding="utf-8")
    array = folder / "llamafactory_mllm.json"
    array.write_text(json.dumps(list(reversed(json.loads(array.read_text(encoding="utf-8"))))), encoding="utf-8")
    return folder


def test_same_inputs_in_another_order_give_byte_identical_outputs(sample_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = build(_reversed_copy(tmp_path / "raw"), out, "--model", "nova-lite", "--no-report",
                 "--media-prefix", PREFIX)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.glob("*.jsonl")) == sorted(p.name for p in sample_build.glob("*.jsonl"))
    for name in [p.name for p in sample_build.glob("*.jsonl") if p.name != "lineage.jsonl"]:
        if name != "rejected.jsonl":  # the ledger names the line each record was read from
            assert (out / name).read_bytes() == (sample_build / name).read_bytes(), name
    assert {p.name: p.read_bytes() for p in (out / "media").iterdir()} == \
        {p.name: p.read_bytes() for p in (sample_build / "media").iterdir()}
    assert read_json(out / "manifest.json")["media"] == read_json(sample_build / "manifest.json")["media"]


def test_a_later_text_build_into_the_same_out_removes_the_old_media(tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(SAMPLE, tmp_path / "raw")
    assert build(tmp_path / "raw", out, "--model", "nova-lite", "--no-report", "--media-prefix",
                 PREFIX).returncode == 0
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    text = _write(tmp_path / "text.jsonl", [{"question": f"What is {n} plus {n}?", "answer": f"It is {2 * n}."}
                                            for n in range(1, 12)])
    done = build(text, out, "--model", "nova-lite", "--no-report")
    assert done.returncode == 0, done.stderr
    assert not (out / "media").exists() and (out / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert "media" not in read_json(out / "manifest.json")


def test_job_plan_uploads_the_media_first(sample_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(sample_build, out)
    done = subprocess.run([*CLI, "job", str(out), "--s3-uri", "s3://media-bucket/data/", "--role-arn", ROLE],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    media = read_json(out / "manifest.json")["media"]
    assert f"{len(media)} objects {sum(m['bytes'] for m in media):,} bytes -> {PREFIX}" in " ".join(done.stdout.split())
    commands = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("aws s3 cp")]
    assert commands[0] == f"aws s3 cp --recursive {out / 'media'}/ {PREFIX}"
    assert commands[1].endswith("s3://media-bucket/data/train.jsonl")
    # A media copy changed after the build is refused like a split (DP602).
    (out / media[0]["file"]).write_bytes(b"not the image")
    done = subprocess.run([*CLI, "job", str(out), "--s3-uri", "s3://media-bucket/data/", "--role-arn", ROLE],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "DP602" in done.stdout and media[0]["file"] in done.stdout


# --------------------------------------------------------------------------------------------------------
# The upload to S3 (moto's server, as tests/test_s3.py runs it)


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from test_s3 import _isolated_env, _moto_server

    folder = tmp_path_factory.mktemp("moto")
    with _moto_server(folder / "server.log") as endpoint:
        yield _isolated_env(folder, endpoint)


def test_an_s3_out_uploads_the_media_to_their_uris_with_their_sha256(s3_env: dict[str, str], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.session

    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in s3_env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    s3 = botocore.session.get_session().create_client("s3")
    for bucket in ("built", "media-bucket"):
        s3.create_bucket(Bucket=bucket)
    done = subprocess.run([*CLI, "build", str(SAMPLE), "s3://built/runs/mm", "--model", "nova-lite", "-q",
                           "--no-report", "--media-prefix", PREFIX], capture_output=True, text=True, timeout=300,
                          env={**s3_env, "DATAPREP_RAISE_UNEXPECTED": "1"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(s3.get_object(Bucket="built", Key="runs/mm/manifest.json")["Body"].read())
    for entry in manifest["media"]:
        key = entry["uri"].removeprefix("s3://media-bucket/")
        head = s3.head_object(Bucket="media-bucket", Key=key, ChecksumMode="ENABLED")
        assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
        assert hashlib.sha256(s3.get_object(Bucket="media-bucket", Key=key)["Body"].read()).hexdigest() \
            == entry["sha256"]
    under_out = {o["Key"] for o in s3.list_objects_v2(Bucket="built", Prefix="runs/mm/").get("Contents", [])}
    assert not any("/media/" in key for key in under_out)  # sent to their URIs, not copied under OUT too
    train = s3.get_object(Bucket="built", Key="runs/mm/train.jsonl")["Body"].read().decode()
    assert {u for line in train.splitlines() for u in _images(json.loads(line))} <= \
        {m["uri"] for m in manifest["media"]}
    # An s3:// RAW: a relative image path names the object beside the file, already in S3 (nothing copied).
    s3.put_object(Bucket="built", Key="raw/chat.jsonl", Body="".join(
        json.dumps(_openai(f"What colour is the shape in picture {n}?", f"pictures/{n}.png")) + "\n"
        for n in range(8)).encode())
    done = subprocess.run([*CLI, "build", "s3://built/raw/chat.jsonl", str(tmp_path / "local"), "--model",
                           "nova-lite", "-q", "--no-report", "--validation-fraction", "0"], capture_output=True,
                          text=True, timeout=300, env={**s3_env, "DATAPREP_RAISE_UNEXPECTED": "1"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(u for r in jsonl(tmp_path / "local" / "train.jsonl") for u in _images(r)) == \
        sorted(f"s3://built/raw/pictures/{n}.png" for n in range(8))
    assert not (tmp_path / "local" / "media").exists()


def test_the_report_counts_the_media_objects_and_bytes(tmp_path: Path) -> None:
    import jsonschema

    out = tmp_path / "out"
    done = build(SAMPLE, out, "--model", "nova-lite", "--media-prefix", PREFIX)
    assert done.returncode == 0, done.stderr
    report, manifest = read_json(out / "report.json"), read_json(out / "manifest.json")
    schema = json.loads((Path(__file__).resolve().parents[1] / "dataprep/report/schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)
    assert report["media"] == {"objects": len(manifest["media"]), "bytes": sum(m["bytes"] for m in manifest["media"]),
                               "prefix": PREFIX}
    assert f"media: {len(manifest['media'])} objects" in done.stdout + done.stderr


def _bedrock(text: str, kind: str, uri: str) -> dict[str, Any]:
    fmt = uri.rsplit(".", 1)[-1]
    return {"schemaVersion": "bedrock-conversation-2024",
            "messages": [{"role": "user", "content": [{"text": text}, {kind: {"format": fmt, "source": {
                "s3Location": {"uri": uri, "bucketOwner": "123456789012"}}}}]},
                         {"role": "assistant", "content": [{"text": "It shows a short clip of a shape moving."}]}]}


def test_s3_media_are_kept_and_a_dataset_never_mixes_images_and_video(tmp_path: Path) -> None:
    records = [_bedrock(f"What happens in this clip, number {n}?", "video", f"s3://clips/v{n}.mp4") for n in range(9)]
    records += [_bedrock("And what does this picture show?", "image", "s3://clips/still.png"),
                _openai("What is drawn in this photo of the board?", "s3://clips/board.jpeg")]
    out = tmp_path / "out"
    done = build(_write(tmp_path / "mixed.jsonl", records), out, "--model", "nova-lite", "--no-report",
                 "--validation-fraction", "0")  # s3:// media only: no --media-prefix needed
    assert done.returncode == 0, done.stderr
    assert [(e["line"], e["code"]) for e in jsonl(out / "rejected.jsonl")] == [(10, "DP217"), (11, "DP217")]
    built = jsonl(out / "train.jsonl")
    assert sorted(b["video"]["source"]["s3Location"]["uri"] for r in built for m in r["messages"]
                  for b in m["content"] if "video" in b) == sorted(f"s3://clips/v{n}.mp4" for n in range(9))
    assert not (out / "media").exists() and "media" not in read_json(out / "manifest.json")
    done = build(tmp_path / "mixed.jsonl", tmp_path / "llama", "--model", "llama3-2-11b-instruct", "--no-report")
    ledger = jsonl(tmp_path / "llama" / "rejected.jsonl")  # Llama 3.2 Vision takes images only
    assert {e["code"] for e in ledger if e["line"] <= 9} == {"DP214"}


def _clip(path: Path) -> Path:
    """A one-second 64 x 48 MPEG-4 clip (four frames), made with PyAV."""
    av = pytest.importorskip("av", reason="the [media] extra")
    import numpy as np

    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=4)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(4):
            frame = np.zeros((48, 64, 3), dtype=np.uint8)
            frame[:, i * 16:(i + 1) * 16] = (255, 0, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_video_placeholders_become_video_blocks_and_a_cut_off_clip_is_refused(tmp_path: Path) -> None:
    clip = _clip(tmp_path / "clip.mp4")
    (tmp_path / "cut.mp4").write_bytes(clip.read_bytes()[:200])
    records = [{"messages": [{"role": "user", "content": f"<video>Where is the red bar in second {n}?"},
                             {"role": "assistant", "content": "It moves from the left edge to the right."}],
                "videos": ["clip.mp4"]} for n in range(8)]
    records.append({"messages": [{"role": "user", "content": "<video>What moves in this clip?"},
                                 {"role": "assistant", "content": "A red bar."}], "videos": ["cut.mp4"]})
    out = tmp_path / "out"
    done = build(_write(tmp_path / "videos.jsonl", records), out, "--model", "nova-lite", "--no-report",
                 "--validation-fraction", "0", "--media-prefix", PREFIX)
    assert done.returncode == 0, done.stderr
    sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    blocks = [b for r in jsonl(out / "train.jsonl") for b in r["messages"][0]["content"]]
    assert [b for b in blocks if "video" in b] == [{"video": {"format": "mp4", "source": {"s3Location": {
        "uri": f"{PREFIX}{sha}.mp4"}}}}] * 8
    assert not any("<video>" in b.get("text", "") for b in blocks)
    assert [p.name for p in (out / "media").iterdir()] == [f"{sha}.mp4"]
    assert [(e["line"], e["code"]) for e in jsonl(out / "rejected.jsonl")] == [(9, "DP225")]


def test_a_trl_vision_shard_takes_its_images_list_in_order(tmp_path: Path) -> None:
    """HuggingFaceH4/llava-instruct-mix-vsft's shape: `messages` whose parts are {"type": "image"} or text (a
    Parquet struct: every part has index, text and type, nulls where unused), and an `images` list of features."""
    import polars as pl

    part = pl.Struct({"index": pl.Int64, "text": pl.String, "type": pl.String})
    message = pl.Struct({"content": pl.List(part), "role": pl.String})
    red, blue = ((SAMPLE / "images" / name).read_bytes() for name in ("red-circle.png", "blue-square.png"))
    rows = [{"messages": [{"role": "user", "content": [{"index": 0, "text": None, "type": "image"},
                                                       {"index": 1, "text": None, "type": "image"},
                                                       {"index": None, "text": f"Which picture is round ({n})?",
                                                        "type": "text"}]},
                          {"role": "assistant", "content": [{"index": None, "text": "The first one: a circle.",
                                                             "type": "text"}]}],
             "images": [{"bytes": red, "path": None}, {"bytes": blue, "path": None}]} for n in range(8)]
    rows.append({**rows[0], "images": [{"bytes": red, "path": None}]})  # two image parts, one image
    shard = tmp_path / "train-00000-of-00001.parquet"
    pl.DataFrame(rows, schema={"messages": pl.List(message),
                               "images": pl.List(pl.Struct({"bytes": pl.Binary, "path": pl.String}))}
                 ).write_parquet(shard)
    out = tmp_path / "out"
    done = build(shard, out, "--model", "nova-lite", "--no-report", "--validation-fraction", "0",
                 "--media-prefix", PREFIX)
    assert done.returncode == 0, done.stderr
    assert {tuple(_images(r)) for r in jsonl(out / "train.jsonl")} == \
        {(f"{PREFIX}{IMAGES['red-circle.png']}.png", f"{PREFIX}{IMAGES['blue-square.png']}.png")}
    assert [(e["line"], e["code"]) for e in jsonl(out / "rejected.jsonl")] == [(9, "DP236")]


def test_a_rebuilt_s3_image_keeps_its_bucket_owner(tmp_path: Path) -> None:
    """bucketOwner names the account of a cross-account bucket: a build that drops it breaks the job's access."""
    records = [_bedrock(f"What is drawn in picture number {n} of the set?", "image", f"s3://shared-media/p{n}.png")
               for n in range(8)]
    out = tmp_path / "out"
    done = build(_write(tmp_path / "owned.jsonl", records), out, "--model", "nova-lite", "--no-report",
                 "--validation-fraction", "0")
    assert done.returncode == 0, done.stderr
    owners = [b["image"]["source"]["s3Location"] for r in jsonl(out / "train.jsonl") for m in r["messages"]
              for b in m["content"] if "image" in b]
    assert len(owners) == 8 and all(o.get("bucketOwner") == "123456789012" for o in owners), owners


def test_a_nova_job_refuses_media_outside_the_dataset_bucket(sample_build: Path, tmp_path: Path) -> None:
    """Nova reads a dataset's media only from the dataset's own bucket: the job names the other bucket once."""
    out = tmp_path / "out"
    shutil.copytree(sample_build, out)
    done = subprocess.run([*CLI, "job", str(out), "--s3-uri", "s3://other-bucket/data/", "--role-arn", ROLE],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    [line] = [text for text in done.stdout.splitlines() if "DP623" in text]
    assert "names media in bucket 'media-bucket', but the dataset goes to 'other-bucket'" in line
    assert line.split("DP623", 1)[1].split()[0].startswith("train.jsonl:")
    assert not (out / "job.json").exists()


QUESTION = ("Look closely at this photograph from the museum's spring catalogue and describe the painting it "
            "shows, naming the colours, the figures in the foreground and the weather over the hills.")


def _near(text: str, uri: str) -> dict[str, Any]:
    return _bedrock(text, "image", uri)


def test_train_and_validation_overlap_compares_records_showing_the_same_media(tmp_path: Path) -> None:
    """A near-identical question about another picture is not a leak into validation (DP502); about the same one it
    is. validate and the build's --validation-file use the one definition."""
    train = [_near(f"{QUESTION} Picture {n}.", f"s3://museum/p{n}.png") for n in range(9)]
    validation = [_near(f"{QUESTION} Picture 0, please.", "s3://museum/other.png"),  # other image: no overlap
                  _near(f"{QUESTION} Picture 1, please.", "s3://museum/p1.png")]  # same image, near text: DP502
    folder = tmp_path / "data"
    folder.mkdir()
    _write(folder / "train.jsonl", train)
    _write(folder / "validation.jsonl", validation)
    _, found = validate_json(folder, "--model", "nova-lite")
    assert [(f["path"].rsplit("/", 1)[-1], f["line"], f["code"]) for f in found if f["code"] in ("DP501", "DP502")] \
        == [("validation.jsonl", 2, "DP502")]
    out = tmp_path / "out"
    done = build(folder / "train.jsonl", out, "--model", "nova-lite", "--no-report",
                 "--validation-file", folder / "validation.jsonl")
    assert done.returncode == 0, done.stderr
    assert [(e["line"], e["code"]) for e in jsonl(out / "rejected.jsonl")] == [(2, "DP502")]
