"""The media objects themselves (DP225-DP229, dataprep.checks.media_files) through `dataprep validate --media-root`.

Every image is a real file Pillow writes here (PNG, JPEG, GIF, WebP of chosen sizes), every video a real container
PyAV encodes here (a few black frames, so the files stay a few kilobytes whatever their duration); the S3 case runs
against the moto server process tests/test_s3.py uses, reached over HTTP like real S3. Nothing is patched.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, profile_file, validate_json
from PIL import Image  # the [media] extra, which `make test` installs

from dataprep.checks.media_files import MediaLimits, S3Object, image_tokens, inspect, read
from dataprep.profiles import resolve_model

BUCKET = "media-bucket"
PIL_NAMES = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
CONTAINERS = {"mp4": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm"}


def image(path: Path, size: tuple[int, int], fmt: str = "png") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, PIL_NAMES[fmt])
    return path


def video(path: Path, seconds: int, fmt: str = "mp4", *, noise: bool = False) -> Path:
    """A real `fmt` container of `seconds` frames, one a second, encoded with PyAV: black 16x16 frames (a few
    kilobytes), or with `noise` 128x128 random ones at 8 Mbit/s (about 20 kB a second, the index at the end)."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    codec = "libvpx" if fmt == "webm" else "mpeg4"
    side, rng = (128 if noise else 16), np.random.default_rng(0)
    with av.open(str(path), "w", format=CONTAINERS[fmt]) as container:
        stream = container.add_stream(codec, rate=1)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 8_000_000
        for _ in range(seconds):
            pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8) if noise else \
                np.zeros((side, side, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def block(kind: str, fmt: str, key: str) -> dict[str, Any]:
    return {kind: {"format": fmt, "source": {"s3Location": {"uri": f"s3://{BUCKET}/{key}"}}}}


def record(*blocks: dict[str, Any], text: str = "What does this show?") -> dict[str, Any]:
    return {"schemaVersion": "bedrock-conversation-2024", "messages": [
        {"role": "user", "content": [{"text": text}, *blocks]},
        {"role": "assistant", "content": [{"text": "A red square on a plain background."}]}]}


def write(folder: Path, *records: dict[str, Any]) -> Path:
    path = folder / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def media_findings(*args: str | Path) -> list[tuple[int, str, str]]:
    """(line, code, message) of the DP225-DP229 findings `dataprep validate ARGS` reports."""
    _, found = validate_json(*args)
    return [(f["line"], f["code"], f["message"]) for f in found if "DP225" <= f["code"] <= "DP229"]


def test_images_clean_format_mismatch_cut_off_and_missing_each_at_its_line(tmp_path: Path) -> None:
    root = tmp_path / "copies" / BUCKET
    for fmt in PIL_NAMES:
        image(root / f"ok.{fmt}", (640, 480), fmt)
    image(root / "png-as-jpeg.png", (64, 64))
    whole = image(root / "whole.png", (300, 200)).read_bytes()
    (root / "cut.png").write_bytes(whole[:-30])  # the header is there, the data and IEND are not
    jpeg = image(root / "whole.jpg", (300, 200), "jpeg").read_bytes()
    (root / "cut.jpg").write_bytes(jpeg[:-200])
    data = write(tmp_path, record(*(block("image", fmt, f"ok.{fmt}") for fmt in PIL_NAMES)),
                 record(block("image", "jpeg", "png-as-jpeg.png")),
                 record(block("image", "png", "cut.png")),
                 record(block("image", "png", "gone/missing.png")),
                 record(block("image", "jpeg", "cut.jpg")))
    found = media_findings(data, "--model", "nova-lite", "--media-root", tmp_path / "copies")
    assert [(line, code) for line, code, _ in found] == [(2, "DP226"), (3, "DP225"), (4, "DP225"), (5, "DP225")]
    assert "png format, not 'jpeg' as the record declares" in found[0][2]
    assert "cut off: no IEND chunk" in found[1][2]
    missing = tmp_path / "copies" / BUCKET / "gone" / "missing.png"
    assert found[2][2] == f"s3://{BUCKET}/gone/missing.png: not found at {missing}"
    assert "cut off: no end-of-image marker" in found[3][2]


def test_finding_column_points_at_the_uri(tmp_path: Path) -> None:
    data = write(tmp_path, record(block("image", "png", "missing.png")))
    _, found = validate_json(data, "--model", "nova-lite", "--media-root", tmp_path)
    hit = next(f for f in found if f["code"] == "DP225")
    text = data.read_text(encoding="utf-8")
    assert hit["line"] == 1 and text[hit["col"] - 1:].startswith(f"s3://{BUCKET}/missing.png")


def test_llama_image_sides_and_bytes(tmp_path: Path) -> None:
    root = tmp_path / BUCKET
    image(root / "tiny.png", (5, 40))
    image(root / "long.png", (8200, 12))  # over 8,192 on a side (and a small file: a flat colour compresses)
    image(root / "fine.webp", (900, 700), "webp")
    data = write(tmp_path, record(block("image", "png", "tiny.png")), record(block("image", "png", "long.png")),
                 record(block("image", "webp", "fine.webp")))
    found = media_findings(data, "--model", "llama3-2-11b-instruct", "--media-root", tmp_path)
    assert [(line, code) for line, code, _ in found] == [(1, "DP227"), (2, "DP227")]
    assert "width 5 px, under 10" in found[0][2] and "llama3-2-11b-instruct's limits" in found[0][2]
    assert "width 8,200 px, over 8,192" in found[1][2]
    limit = min(p.stat().st_size for p in root.iterdir()) - 1
    small = profile_file(tmp_path, "llama3-2-11b-instruct", '[tasks.fine-tuning.quotas.max_image_bytes]\n'
                         f'value = {limit}\nsource = "test"\ndate = "2026-12-06"\n')
    over = media_findings(data, "--model", "llama3-2-11b-instruct", "--profile-file", small, "--media-root", tmp_path)
    assert [line for line, code, message in over if code == "DP227" and f"bytes, over {limit:,}" in message] == \
        [1, 2, 3]


def test_total_pixels_and_aspect_ratio_limits(tmp_path: Path) -> None:
    """The image-caption models' limits (Titan Image Generator: <= 12,582,912 pixels, 1:4 to 4:1), on real files."""
    rules = MediaLimits("titan", {"max_image_pixels": 12_582_912, "max_aspect_ratio": 4, "min_image_side_px": 512,
                                  "max_image_side_px": 4096})
    assert inspect(image(tmp_path / "ok.png", (1024, 512)), "image", "png", rules) == []
    [(code, message)] = inspect(image(tmp_path / "wide.png", (4096, 600)), "image", "png", rules)
    assert code == "DP227" and "aspect ratio 4096:600, beyond 1:4 to 4:1" in message
    [(code, message)] = inspect(image(tmp_path / "big.png", (4000, 3200)), "image", "png", rules)
    assert code == "DP227" and "12,800,000 pixels in all, over 12,582,912" in message
    [(code, message)] = inspect(tmp_path / "none.png", "image", "png", rules)
    assert code == "DP225" and message.endswith("not found at " + str(tmp_path / "none.png"))


def test_image_caption_records_image_ref(tmp_path: Path) -> None:
    """F5 records (Titan Image Generator v2: sides 512-4,096, 1:4 to 4:1): the image-ref's suffix is its format."""
    root = tmp_path / BUCKET
    image(root / "ok.png", (1024, 768))
    image(root / "png-named.jpg", (1024, 768))
    image(root / "small.png", (400, 600))
    image(root / "wide.png", (4000, 600))
    rows = [{"image-ref": f"s3://{BUCKET}/{key}", "caption": "a red square on a white wall"}
            for key in ("ok.png", "png-named.jpg", "small.png", "wide.png", "gone.png")]
    data = write(tmp_path, *rows)
    found = media_findings(data, "--model", "titan-image-generator-v2", "--media-root", tmp_path)
    assert [(line, code) for line, code, _ in found] == [(2, "DP226"), (3, "DP227"), (4, "DP227"), (5, "DP225")]
    assert "width 400 px, under 512" in found[1][2] and "aspect ratio 4000:600, beyond 1:4 to 4:1" in found[2][2]


@pytest.mark.parametrize("fmt", list(CONTAINERS))
def test_video_formats_and_durations_are_read_from_the_container(tmp_path: Path, fmt: str) -> None:
    path = video(tmp_path / f"clip.{fmt}", 3, fmt)
    with path.open("rb") as handle:
        facts = read(handle, path.stat().st_size, "video")
    assert facts.format == fmt and facts.seconds == pytest.approx(3, abs=0.5) and facts.unreadable is None


def test_nova_video_duration_bytes_format_and_missing(tmp_path: Path) -> None:
    root = tmp_path / BUCKET
    video(root / "short.mp4", 4)
    video(root / "long.mp4", 95)  # over Nova's 90 seconds
    video(root / "clip.mkv", 2, "mkv")
    (root / "junk.mp4").write_bytes(b"this is not a video at all")
    whole = (root / "short.mp4").read_bytes()
    (root / "cut.mp4").write_bytes(whole[:len(whole) // 2])  # the index (moov) is written last: it is gone
    data = write(tmp_path, record(block("video", "mp4", "short.mp4")), record(block("video", "mp4", "long.mp4")),
                 record(block("video", "mp4", "clip.mkv")), record(block("video", "mp4", "junk.mp4")),
                 record(block("video", "mp4", "absent.mp4")), record(block("video", "mp4", "cut.mp4")))
    found = media_findings(data, "--model", "nova-pro", "--media-root", tmp_path)
    assert [(line, code) for line, code, _ in found] == [(2, "DP228"), (3, "DP226"), (4, "DP225"), (5, "DP225"),
                                                         (6, "DP225")]
    assert "the mp4 container cannot be read" in found[4][2] or "states no duration" in found[4][2]
    assert "seconds long, over 90" in found[0][2] and "a video in mkv format" in found[1][2]
    tight = profile_file(tmp_path, "nova-pro", '[tasks.fine-tuning.quotas.max_video_bytes]\n'
                         'value = 500\nsource = "test"\ndate = "2026-12-06"\n')
    over = media_findings(data, "--model", "nova-pro", "--profile-file", tight, "--media-root", tmp_path)
    assert (1, "DP228") in [(line, code) for line, code, message in over if "bytes, over 500" in message]


def test_llama_90b_image_tokens_count_against_the_record_budget(tmp_path: Path) -> None:
    assert (image_tokens(559, 559), image_tokens(1200, 300), image_tokens(1200, 1200), image_tokens(9000, 9000)) == \
        (1601, 3202, 6404, 6404)
    root = tmp_path / BUCKET
    image(root / "big.png", (1200, 1200))
    image(root / "small.png", (500, 500))
    data = write(tmp_path, record(block("image", "png", "big.png"), block("image", "png", "big.png")),
                 record(block("image", "png", "big.png"), block("image", "png", "small.png")))
    found = media_findings(data, "--model", "llama3-2-90b-instruct", "--media-root", tmp_path)
    assert [(line, code) for line, code, _ in found] == [(1, "DP229")]  # 12,808 image tokens; the second has 8,005
    assert "+ 12,808 image tokens" in found[0][2] and "allows 10,000 per record" in found[0][2]
    # 11B's budget is 16,000: the same record fits; Nova bills images differently and has no such rule.
    assert media_findings(data, "--model", "llama3-2-11b-instruct", "--media-root", tmp_path) == []
    assert media_findings(data, "--model", "nova-lite", "--media-root", tmp_path) == []
    assert MediaLimits.of(resolve_model("llama3-2-90b-instruct")).token_budget == 10_000
    assert MediaLimits.of(resolve_model("nova-lite")).token_budget is None


def test_nothing_is_read_without_the_flag(tmp_path: Path) -> None:
    data = write(tmp_path, record(block("image", "png", "missing.png")), record(block("video", "mp4", "x.mp4")))
    _, found = validate_json(data, "--model", "nova-lite")
    assert not [f for f in found if "DP225" <= f["code"] <= "DP229"]
    # No credentials and an endpoint nothing listens on: any S3 request would fail the run; none is made.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_EC2_METADATA_DISABLED="true")
    done = subprocess.run([*CLI, "validate", str(data), "--model", "nova-lite", "--output-format", "json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and "DP22" not in done.stdout.replace("DP220", "") and done.stderr == ""


def test_missing_extra_and_bad_root_are_one_line(tmp_path: Path) -> None:
    data = write(tmp_path, record(block("image", "png", "a.png")))
    hidden = [CLI[0], "-c", "import sys; sys.modules['PIL'] = None; from dataprep.cli import main; main()"]
    done = subprocess.run([*hidden, "validate", str(data), "--media-root", str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("dataprep: error: --media-root reads the images and videos with Pillow and PyAV, which are "
                           "not installed (pillow): pip install 'bedrock-dataprep[media]'\n")
    done = subprocess.run([*CLI, "validate", str(data), "--media-root", str(tmp_path / "nope")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "is not a folder" in done.stderr


def test_each_object_is_read_once_per_run(tmp_path: Path) -> None:
    from dataprep.checks.media_files import MediaObjects

    path = image(tmp_path / BUCKET / "same.png", (64, 64))
    data = write(tmp_path, *(record(block("image", "jpeg", "same.png")) for _ in range(3)))
    found = media_findings(data, "--model", "nova-lite", "--media-root", tmp_path)
    assert [(line, code) for line, code, _ in found] == [(1, "DP226"), (2, "DP226"), (3, "DP226")]
    objects = MediaObjects(tmp_path)
    first = objects.facts(f"s3://{BUCKET}/same.png", "image", tmp_path)
    path.unlink()  # a second look would now find nothing: the run keeps what it read
    assert objects.facts(f"s3://{BUCKET}/same.png", "image", tmp_path) == first and first[0].width == 64


# ------------------------------------------------------------------------------------------------ S3 itself


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from test_s3 import _isolated_env, _moto_server

    tmp = tmp_path_factory.mktemp("media-s3")
    with _moto_server(tmp / "server.log") as endpoint:
        yield _isolated_env(tmp, endpoint), tmp / "server.log"


def _client(env: dict[str, str]) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    return session.create_client("s3", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                                 aws_access_key_id="testing", aws_secret_access_key="testing")


def test_s3_objects_are_inspected_with_ranged_reads(tmp_path: Path, s3_env: Any) -> None:
    env, _ = s3_env
    s3 = _client(env)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="ok.png", Body=image(tmp_path / "ok.png", (64, 64)).read_bytes())
    s3.put_object(Bucket=BUCKET, Key="as-jpeg.png", Body=(tmp_path / "ok.png").read_bytes())
    clip = video(tmp_path / "clip.mp4", 95, noise=True)
    s3.put_object(Bucket=BUCKET, Key="clip.mp4", Body=clip.read_bytes())
    data = write(tmp_path, record(block("image", "png", "ok.png")), record(block("image", "jpeg", "as-jpeg.png")),
                 record(block("image", "png", "no-such.png")))
    done = subprocess.run([*CLI, "validate", str(data), "--model", "nova-lite", "--media-root", "s3",
                           "--output-format", "json-lines"], capture_output=True, text=True, timeout=120, env=env)
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(f["line"], f["code"]) for f in found if "DP225" <= f["code"] <= "DP229"] == [(2, "DP226"), (3, "DP225")]
    assert "no such object in S3" in next(f["message"] for f in found if f["code"] == "DP225")
    # A video's duration needs its container's header and index, not the whole object.
    big = s3.head_object(Bucket=BUCKET, Key="clip.mp4")["ContentLength"]
    handle = S3Object(s3, BUCKET, "clip.mp4", big)
    facts = read(handle, big, "video")  # type: ignore[arg-type]
    assert facts.format == "mp4" and facts.seconds == pytest.approx(95, abs=1)
    assert big > 1_000_000 and 0 < handle.fetched < big / 2, (handle.fetched, big)


def test_s3_failures_other_than_a_missing_object_are_one_usage_line(tmp_path: Path, s3_env: Any) -> None:
    env, _ = s3_env
    data = write(tmp_path, record(block("image", "png", "ok.png")))
    no_keys = {k: v for k, v in env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    done = subprocess.run([*CLI, "validate", str(data), "-m", "nova-lite", "--media-root", "s3"], capture_output=True,
                          text=True, timeout=120, env=no_keys)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1
    assert "no AWS credentials found" in done.stderr and "Traceback" not in done.stderr


def test_the_config_media_root_is_relative_to_the_config_file(tmp_path: Path) -> None:
    """`media-root` in dataprep.toml inspects as the flag does, from the config's folder; the flag wins."""
    root = tmp_path / "copies" / BUCKET
    image(root / "png-as-jpeg.png", (64, 64))
    data = write(tmp_path, record(block("image", "jpeg", "png-as-jpeg.png")))
    config = tmp_path / "dataprep.toml"
    config.write_text('model = "nova-lite"\nmedia-root = "copies"\n', encoding="utf-8")
    found = media_findings(data, "--config", config)
    assert [(line, code) for line, code, _ in found] == [(1, "DP226")]
    config.write_text('model = "nova-lite"\nmedia-root = "nowhere"\n', encoding="utf-8")
    done = subprocess.run([*CLI, "validate", str(data), "--config", str(config)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and f"{config}: 'media-root'" in done.stderr
    assert media_findings(data, "--config", config, "--media-root", tmp_path / "copies") == found
