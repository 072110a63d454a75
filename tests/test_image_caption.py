"""Image-caption records (F5, #15 item 5) and the image models' profiles (#15 item 1): Titan Image Generator G1
v1/v2, Nova Canvas, Titan Multimodal Embeddings G1.

Real files through the real `dataprep validate`, the real profiles and the real format module; the shipped
sample (1,000 records, the strictest minimum) must validate clean for every image model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import BEDROCK, validate_json
from typer.testing import CliRunner

from dataprep.formats import detect, image_caption
from dataprep.formats.base import Canonical, Media
from dataprep.profiles import load_profiles

SAMPLE = BEDROCK / "image-caption" / "train.jsonl"
IMAGE_MODELS = ("titan-image-generator-v2", "titan-image-generator-v1", "nova-canvas", "titan-embed-image")
PROFILES = load_profiles()


def record(n: int, caption: str, suffix: str = "png") -> dict[str, str]:
    return {"image-ref": f"s3://amzn-s3-demo-bucket/kites/{n}.{suffix}", "caption": caption}


def write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def sample_lines(n: int) -> list[dict[str, object]]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()[:n]]


def codes(findings: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((f["code"], f["line"]) for f in findings)


# --------------------------------------------------------------------------------------------------------
# The format


def test_an_image_ref_record_is_detected_as_image_caption_by_validate_and_build() -> None:
    value = record(1, "a red kite")
    assert detect(value) == detect(value, sources=True) == "image-caption"
    assert detect({"caption": "a red kite"}) == "image-caption"  # the check then says image-ref is missing


@pytest.mark.parametrize(("ref", "fmt"), [("s3://b-1/a/cat.png", "png"), ("s3://b-1/a/cat.jpg", "jpeg"),
                                          ("s3://b-1/a/cat.JPEG", "jpeg"), ("s3://b-1/a.b/cat", None),
                                          ("s3://b-1/a/cat.txt", None), ("s3://b-1/a/.png", None)])
def test_the_image_format_is_read_from_the_key_suffix(ref: str, fmt: str | None) -> None:
    assert image_caption.image_format(ref) == fmt


def test_check_gives_the_caption_with_its_image_and_render_writes_it_back() -> None:
    found: list[tuple[str, str, str | None]] = []
    value = record(7, "a red kite over a beach", "jpg")
    row = image_caption.check(value, lambda *f: found.append(f))
    assert found == []
    assert row == Canonical(text="a red kite over a beach", media=(Media("image", "jpeg", value["image-ref"]),))
    assert image_caption.render(row) == value


def test_render_writes_the_location_the_build_gives_the_image() -> None:
    row = Canonical(text="a kite", media=(Media("image", "png", "s3://out-bucket/media/ab12.png", "ab12"),))
    assert image_caption.render(row) == {"image-ref": "s3://out-bucket/media/ab12.png", "caption": "a kite"}


def test_every_bad_field_is_reported_once_at_its_key(tmp_path: Path) -> None:
    path = write(tmp_path / "train.jsonl", [
        *sample_lines(5),
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/6.png", "caption": "a kite", "label": "kite"},  # DP206
        {"image-ref": 6, "caption": "a kite"},  # DP204
        {"caption": "a kite"},  # DP203
        {"image-ref": "s3://Bad_Bucket/kites/9.png", "caption": "a kite"},  # DP220 (upper case, underscore)
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/10.webp", "caption": "a kite"},  # DP219
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/", "caption": "a kite"},  # DP220: no object key
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/12", "caption": "a kite"},  # DP224
        {"image-ref": "s3://amzn-s3-demo-bucket/kites/13.png", "caption": ["a", "kite"]},  # DP204
    ])
    status, findings = validate_json(path, "--model", "titan-image-generator-v2")
    assert status == 1
    assert codes(findings) == [("DP203", 8), ("DP204", 7), ("DP204", 13), ("DP206", 6), ("DP219", 10),
                               ("DP220", 9), ("DP220", 11), ("DP224", 12)]
    webp = next(f for f in findings if f["code"] == "DP219")
    assert "'webp' is not accepted by titan-image-generator-v2; use one of png, jpeg" in webp["message"]
    assert webp["col"] == 2  # at "image-ref"


# --------------------------------------------------------------------------------------------------------
# Caption length (DP223) and the caption's tokens


@pytest.mark.parametrize(("model", "low", "high"), [("titan-image-generator-v2", 3, 1024),
                                                    ("titan-image-generator-v1", 3, 1024),
                                                    ("nova-canvas", 3, 1024), ("titan-embed-image", 0, 2560)])
def test_caption_bounds_are_the_profiles_and_both_ends_are_inclusive(model: str, low: int, high: int) -> None:
    rules = image_caption.CaptionRules.of(PROFILES[model])
    assert (rules.formats, rules.min_chars, rules.max_chars) == (("png", "jpeg"), low, high)
    found: list[tuple[str, str, str | None]] = []

    def emit(*f: object) -> None:
        found.append(f)  # type: ignore[arg-type]

    for chars, ok in ((low, True), (high, True), (high + 1, False), (low - 1, low == 0)):
        found.clear()
        row = image_caption.check(record(1, "k" * max(chars, 0)), emit, rules)
        assert (row is not None) == ok, (model, chars, found)
        assert [f[0] for f in found] == ([] if ok else ["DP223"])


def test_an_empty_caption_is_accepted_for_titan_embeddings_only(tmp_path: Path) -> None:
    lines = sample_lines(5)
    lines[2]["caption"] = ""
    path = write(tmp_path / "train.jsonl", lines)
    _, canvas = validate_json(path, "--model", "nova-canvas")
    assert codes(canvas) == [("DP223", 3)]
    _, embeddings = validate_json(path, "--model", "titan-embed-image")
    assert codes(embeddings) == [("DP304", 0)]  # 5 of the 1,000 records it needs; the empty caption is fine


def test_titan_embeddings_counts_the_captions_tokens(tmp_path: Path) -> None:
    lines = sample_lines(3)
    lines[1]["caption"] = " ".join(f"kite{i}" for i in range(100))  # about 200 cl100k tokens, 590 characters
    _, findings = validate_json(write(tmp_path / "train.jsonl", lines), "--model", "titan-embed-image")
    dp305 = [f for f in findings if f["code"] == "DP305"]
    assert [f["line"] for f in dp305] == [2]
    assert "allows 128" in dp305[0]["message"]
    _, canvas = validate_json(tmp_path / "train.jsonl", "--model", "nova-canvas")  # no token limit documented
    assert codes(canvas) == [("DP304", 0)]


# --------------------------------------------------------------------------------------------------------
# Duplicates: an image-caption record is its image and its caption


def test_the_same_caption_on_another_image_is_not_a_duplicate(tmp_path: Path) -> None:
    lines = [record(n, "a photo of Ron the dog on a sofa") for n in range(1, 6)]
    lines.append(record(3, "A photo of Ron the dog, on a sofa."))  # image 3 again, same caption
    status, findings = validate_json(write(tmp_path / "train.jsonl", lines), "--model", "nova-canvas")
    assert codes(findings) == [("DP401", 6)]
    assert "duplicate of line 3" in findings[0]["message"]
    assert status == 0  # DP401 is a warning


# --------------------------------------------------------------------------------------------------------
# File-level quotas: minimums and the validation file


def test_the_shipped_sample_meets_the_strictest_minimum_and_one_record_less_does_not(tmp_path: Path) -> None:
    assert PROFILES["titan-embed-image"].task().quota("min_train_records") == 1000
    assert len(SAMPLE.read_text(encoding="utf-8").splitlines()) == 1000
    _, findings = validate_json(write(tmp_path / "train.jsonl", sample_lines(999)), "--model", "titan-embed-image")
    assert [(f["code"], f["message"]) for f in findings] == [
        ("DP304", "999 training records; at least 1,000 are needed")]


@pytest.mark.parametrize(("model", "accepted"), [("titan-image-generator-v2", False),
                                                 ("titan-image-generator-v1", False),
                                                 ("titan-embed-image", False), ("nova-canvas", True)])
def test_a_validation_file_only_where_the_guide_takes_one(tmp_path: Path, model: str, accepted: bool) -> None:
    write(tmp_path / "train.jsonl", sample_lines(1000))
    write(tmp_path / "validation.jsonl", [record(n, f"kite number {n} against a grey sky") for n in range(10)])
    status, findings = validate_json(tmp_path, "--model", model)
    assert [(Path(str(f["path"])).name, f["code"]) for f in findings] == \
        ([] if accepted else [("validation.jsonl", "DP310")])
    assert status == (0 if accepted else 1)


def test_a_text_model_refuses_image_caption_records(tmp_path: Path) -> None:
    _, findings = validate_json(write(tmp_path / "train.jsonl", sample_lines(3)), "--model", "nova-micro")
    assert ("DP201", 1) in codes(findings)
    assert "records are image-caption, but nova-micro fine-tuning expects bedrock-conversation" in \
        next(f["message"] for f in findings if f["code"] == "DP201")


# --------------------------------------------------------------------------------------------------------
# Profiles


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_image_profiles_name_their_format_formats_and_image_limits(model: str) -> None:
    profile = PROFILES[model]
    spec = profile.task()
    assert list(profile.tasks) == ["fine-tuning"] and spec.format == "image-caption"
    assert profile.media == () and dict(profile.media_formats) == {"image": ("png", "jpeg")}
    assert spec.quota("max_image_pixels") == 12_582_912  # §7 item 8: not the 12,528,912 typo
    assert spec.quota("max_aspect_ratio") == 4
    assert spec.quota("max_image_side_px") == 4096
    for entry in spec.quotas.values():
        assert entry.source.startswith("https://docs.aws.amazon.com/") and entry.date in ("2026-11-22", "2026-12-06")
    for hp in spec.hyperparameters.values():
        assert hp.source.startswith("https://docs.aws.amazon.com/")


def test_base_model_ids_legacy_and_validation_support() -> None:
    ids = {m: PROFILES[m].base_model_id for m in IMAGE_MODELS}
    assert ids == {"titan-image-generator-v2": "amazon.titan-image-generator-v2:0",
                   "titan-image-generator-v1": "amazon.titan-image-generator-v1:0",
                   "nova-canvas": "amazon.nova-canvas-v1:0", "titan-embed-image": "amazon.titan-embed-image-v1:0"}
    assert [m for m in IMAGE_MODELS if PROFILES[m].legacy] == ["titan-image-generator-v1"]
    assert "newest one names only v2" in PROFILES["titan-image-generator-v1"].status_note
    assert [m for m in IMAGE_MODELS if PROFILES[m].task().validation_supported] == ["nova-canvas"]
    embeddings = PROFILES["titan-embed-image"].task()
    assert (embeddings.quota("min_train_records"), embeddings.quota("max_train_records")) == (1000, 500_000)


def test_auto_is_recorded_where_the_guide_allows_it() -> None:
    auto = {(m, name): hp.auto for m in IMAGE_MODELS for name, hp in PROFILES[m].task().hyperparameters.items()
            if hp.auto is not None}
    assert auto == {("titan-image-generator-v2", "stepCount"): "auto",
                    ("titan-image-generator-v1", "stepCount"): "auto",
                    ("titan-embed-image", "epochCount"): "Auto"}


def test_image_formats_without_an_image_caption_task_is_still_refused(tmp_path: Path) -> None:
    from dataprep.errors import ProfileError

    text = (BEDROCK.parents[1] / "rules" / "models" / "nova-canvas.toml").read_text(encoding="utf-8")
    path = tmp_path / "canvas-as-text.toml"
    path.write_text(text.replace('id = "nova-canvas"', 'id = "canvas-text"')
                    .replace('base_model_id = "amazon.nova-canvas-v1:0"', 'base_model_id = "x.canvas-text"')
                    .replace('aliases = ["amazon.nova-canvas-v1", "amazon.nova-canvas-v1:0"]', "aliases = []")
                    .replace('format = "image-caption"', 'format = "prompt-completion"'), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"\[image_formats\] is set, but 'image' is not in media"):
        load_profiles([path])


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_models_lists_and_shows_the_image_models(model: str) -> None:
    from dataprep.cli import app

    listing = CliRunner().invoke(app, ["models"])
    assert listing.exit_code == 0, listing.output
    [line] = [ln for ln in listing.output.splitlines() if ln.split()[:1] == [model]]
    assert "fine-tuning" in line and "image-caption" in line
    shown = CliRunner().invoke(app, ["models", model])
    assert shown.exit_code == 0, shown.output
    assert "format image-caption" in shown.output and "min_caption_chars" in shown.output


# --------------------------------------------------------------------------------------------------------
# Build target and job bodies (#15 items 3, 7)

ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization"
BUCKET = "s3://my-bucket/runs/one/"
# What each model's job needs besides the defaults: the hyperparameters the guide gives no default for.
REQUIRED = {"titan-image-generator-v2": ["stepCount=auto"], "titan-image-generator-v1": ["stepCount=1000"],
            "nova-canvas": [], "titan-embed-image": ["epochCount=Auto"]}


def cli(*args: str) -> Any:
    from dataprep.cli import app

    return CliRunner().invoke(app, [*args])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped sample built once for each image model (the real `dataprep build`, no report)."""
    root = tmp_path_factory.mktemp("image-builds")
    outs = {}
    for model in IMAGE_MODELS:
        out = root / model
        result = cli("build", str(SAMPLE.parent), str(out), "-q", "--no-report", "--model", model,
                     "--lang-detector", "fasttext")
        assert result.exit_code == 0, result.output
        outs[model] = out
    return outs


@pytest.fixture
def fresh(built: dict[str, Path], tmp_path: Path) -> Any:
    import shutil

    return lambda model: Path(shutil.copytree(built[model], tmp_path / "out"))


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_the_build_writes_records_validate_accepts(built: dict[str, Path], model: str) -> None:
    out = built[model]
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    validation = out / "validation.jsonl"
    held = len(validation.read_text(encoding="utf-8").splitlines()) if validation.exists() else 0
    assert len(rows) + held == 1000 and all(set(r) == {"image-ref", "caption"} for r in rows)
    assert validation.exists() == PROFILES[model].task().validation_supported
    originals = {r["image-ref"]: r["caption"] for r in sample_lines(1000)}
    assert all(originals[r["image-ref"]] == r["caption"] for r in rows)
    assert validate_json(out, "--model", model) == (0, [])


@pytest.mark.parametrize("model", IMAGE_MODELS)
def test_every_image_model_gets_a_fine_tuning_body_botocore_accepts(fresh: Any, model: str) -> None:
    from botocore.session import get_session
    from botocore.validate import ParamValidator

    out = fresh(model)
    extra = [a for pair in REQUIRED[model] for a in ("--hyperparameter", pair)]
    result = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, *extra)
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    shape = get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    spec = PROFILES[model].task()
    assert body["customizationType"] == "FINE_TUNING"
    assert body["baseModelIdentifier"] == PROFILES[model].base_model_id
    assert body["trainingDataConfig"] == {"s3Uri": BUCKET + "train.jsonl"}
    assert ("validationDataConfig" in body) == spec.validation_supported
    assert set(body["hyperParameters"]) == set(spec.hyperparameters)
    assert all(isinstance(v, str) for v in body["hyperParameters"].values())
    for pair in REQUIRED[model]:
        name, value = pair.split("=")
        assert body["hyperParameters"][name] == value


def test_a_required_hyperparameter_is_asked_for_with_its_auto_word(fresh: Any) -> None:
    out = fresh("titan-image-generator-v2")
    result = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE)
    assert result.exit_code == 1
    assert "DP605 Amazon Titan Image Generator G1 v2 has no default for stepCount; pass --hyperparameter " \
        "stepCount=VALUE (10 to 40000, or auto)" in result.output
    assert not (out / "job.json").exists()


@pytest.mark.parametrize(("model", "pair", "code", "message"), [
    ("titan-image-generator-v2", "stepCount=40001", "DP604", "stepCount = 40001 is out of range for Amazon Titan "
     "Image Generator G1 v2: allowed 10 to 40000, or auto, default none (must be set)"),
    ("titan-image-generator-v2", "stepCount=many", "DP605", "stepCount must be a number or 'auto', found 'many'"),
    ("nova-canvas", "stepCount=auto", "DP605", "stepCount must be a number, found 'auto'"),  # no auto documented
    ("nova-canvas", "epochCount=2", "DP605", "takes no hyperparameter 'epochCount'"),
    ("titan-embed-image", "batchSize=255", "DP604", "allowed 256 to 9216, default 576"),
])
def test_image_hyperparameters_are_checked_against_the_guides_ranges(fresh: Any, model: str, pair: str, code: str,
                                                                     message: str) -> None:
    out = fresh(model)
    pairs = [p for p in REQUIRED[model] if p.split("=")[0] != pair.split("=")[0]] + [pair]
    extra = [a for p in pairs for a in ("--hyperparameter", p)]
    result = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, *extra)
    assert result.exit_code == 1, result.output
    assert f"{code} " in result.output and message in result.output, result.output


def test_auto_is_matched_in_any_case_and_sent_as_the_guide_spells_it(fresh: Any) -> None:
    out = fresh("titan-embed-image")
    result = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, "--hyperparameter", "epochCount=AUTO")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "job.json").read_text(encoding="utf-8"))["hyperParameters"]["epochCount"] == "Auto"
    assert "billed training tokens" not in result.output  # the service picks the epochs: no tokens x epochs


def test_an_image_model_gets_no_tokens_x_epochs_estimate(fresh: Any) -> None:
    out = fresh("titan-embed-image")
    result = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, "--hyperparameter", "epochCount=3")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "job.json").read_text(encoding="utf-8"))["hyperParameters"]["epochCount"] == "3"
    assert "billed training tokens" not in result.output  # images, not caption tokens, are what it trains on


def test_a_text_source_cannot_build_an_image_caption_model(tmp_path: Path) -> None:
    raw = write(tmp_path / "raw.jsonl", [{"prompt": f"q {i}", "completion": f"a {i}"} for i in range(6)])
    result = cli("build", str(raw), str(tmp_path / "out"), "-q", "--no-report", "--model", "nova-canvas")
    assert result.exit_code == 1
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert {r["code"] for r in rejected} == {"DP201"}
    assert "with no image of its own cannot fine-tune nova-canvas, which learns from image-caption pairs" in \
        rejected[0]["reason"]


# --------------------------------------------------------------------------------------------------------
# The build's source: a folder of images with its captions file (#15 item 5)

CAPTIONED = BEDROCK.parent / "raw" / "captioned-images"


def read_rows(*paths: Path) -> list[Any]:
    from dataprep.io.read import read_sources
    from dataprep.registry import RulePolicy

    return list(read_sources(list(paths), RulePolicy()).records)


def test_imagefolder_metadata_rows_are_captions_with_their_image_relative_to_the_file() -> None:
    records = read_rows(CAPTIONED)
    assert [r.shape for r in records] == ["captioned-images"] * 6
    metadata = [json.loads(line) for line in (CAPTIONED / "metadata.jsonl").read_text().splitlines()]
    assert [r.row for r in records] == [
        Canonical(text=m["text"], media=(Media("image", image_caption.image_format(m["file_name"]) or "",
                                               m["file_name"]),)) for m in metadata]
    assert {m.format for r in records for m in r.row.media} == {"png", "jpeg"}
    assert all((CAPTIONED / m.location).is_file() for r in records for m in r.row.media)


@pytest.mark.parametrize("header", ["image,caption", "image_path,caption", "file_name,text", "image_file,text"])
def test_a_captions_csv_with_an_image_path_column_reads_the_same_rows(tmp_path: Path, header: str) -> None:
    lines = [header, "shots/kite.png,a red kite over the dunes", 'shots/boat.jpg,"a boat, moored at dusk"']
    (tmp_path / "captions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    kite = Canonical(text="a red kite over the dunes", media=(Media("image", "png", "shots/kite.png"),))
    boat = Canonical(text="a boat, moored at dusk", media=(Media("image", "jpeg", "shots/boat.jpg"),))
    assert [(r.shape, r.row) for r in read_rows(tmp_path / "captions.csv")] == [("captioned-images", kite),
                                                                                 ("captioned-images", boat)]


def test_a_captions_row_without_an_image_file_is_refused_at_its_line(tmp_path: Path) -> None:
    rows = [{"file_name": "a.png", "text": "a kite"}, {"file_name": "notes.txt", "text": "not an image"},
            {"file_name": "", "text": "no path"}, {"file_name": "b.jpg", "text": 7}]
    records = read_rows(write(tmp_path / "metadata.jsonl", rows))
    assert [(r.line, r.code) for r in records] == [(1, None), (2, "DP224"), (3, "DP204"), (4, "DP204")]
    assert "'file_name' 'notes.txt' does not name an image file" in records[1].reason


def test_validate_sends_a_captions_file_to_the_build(tmp_path: Path) -> None:
    path = write(tmp_path / "metadata.jsonl", [{"file_name": "a.png", "text": "a kite"}] * 3)
    _, findings = validate_json(path, "--model", "nova-canvas")
    assert [(f["code"], f["line"]) for f in findings] == [("DP118", 1)]
    assert "JSONL of captioned-images records, not Bedrock JSONL: convert it with `dataprep build" in \
        findings[0]["message"] and "--model nova-canvas" in findings[0]["message"]


def test_the_build_refuses_what_validate_refuses_in_an_image_caption_record(tmp_path: Path) -> None:
    lines = sample_lines(6)
    lines[1]["caption"] = "ok"  # DP223 for Nova Canvas (3 characters at least), fine for the defaults
    lines[4]["image-ref"] = lines[4]["image-ref"].replace("s3://", "s3://UPPER-")  # DP220
    result = cli("build", str(write(tmp_path / "raw.jsonl", lines)), str(tmp_path / "out"), "-q", "--no-report",
                 "--model", "nova-canvas", "--validation-fraction", "0")
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    assert sorted((r["line"], r["code"]) for r in rejected) == [(2, "DP223"), (5, "DP220")], result.output
    assert "nova-canvas takes 3 to 1,024" in next(r["reason"] for r in rejected if r["code"] == "DP223")


def test_a_folder_of_images_builds_and_its_job_uploads_the_images_first(tmp_path: Path) -> None:
    out, prefix = tmp_path / "out", BUCKET + "media/"
    result = cli("build", str(CAPTIONED), str(out), "-q", "--no-report", "--model", "titan-image-generator-v2",
                 "--media-prefix", prefix, "--lang-detector", "fasttext")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    captions = {json.loads(line)["text"] for line in (CAPTIONED / "metadata.jsonl").read_text().splitlines()}
    assert {r["caption"] for r in rows} == captions and (out / "rejected.jsonl").read_text() == ""
    names = sorted(p.name for p in (out / "media").iterdir())
    assert sorted(r["image-ref"].removeprefix(prefix) for r in rows) == names and len(names) == 6
    assert validate_json(out, "--model", "titan-image-generator-v2") == (0, [])
    job = cli("job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, "--hyperparameter", "stepCount=2000")
    assert job.exit_code == 0, job.output
    copies = [line.strip() for line in job.output.splitlines() if line.strip().startswith("aws s3 cp")]
    assert copies == [f"aws s3 cp --recursive {out / 'media'}/ {prefix}",
                      f"aws s3 cp {out / 'train.jsonl'} {BUCKET}train.jsonl"]


def test_an_image_outside_the_models_limits_is_dropped_with_its_line(tmp_path: Path) -> None:
    from PIL import Image

    rows = []
    for n, size in enumerate([(640, 512), (300, 300), (2100, 500), (512, 512), (800, 600), (600, 800)], 1):
        Image.new("RGB", size, (20 * n, 120, 200)).save(tmp_path / f"{n}.png")
        rows.append({"image": f"{n}.png", "caption": f"a flat blue-green panel, number {n}"})
    write(tmp_path / "captions.jsonl", rows)
    result = cli("build", str(tmp_path / "captions.jsonl"), str(tmp_path / "out"), "-q", "--no-report", "--model",
                 "nova-canvas", "--media-prefix", BUCKET + "media/", "--validation-fraction", "0")
    rejected = [json.loads(line) for line in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()]
    # 300 px is under Nova Canvas's 512 px side; 2,100 x 500 is wider than 4:1.
    assert sorted((r["line"], r["code"]) for r in rejected) == [(2, "DP227"), (3, "DP227")], result.output
