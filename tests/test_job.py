"""`dataprep job`: the request body against botocore's CreateModelCustomizationJob shape, and every refusal.

Every OUT folder here is written by the real `dataprep build` from the shipped raw samples: once per
(model, task, flags) for the session, in-process through `dataprep.cli.app` (`--no-report`, fasttext language
detection, for speed), and copied per test (`shutil.copytree`) so a test may tamper with its copy. The job
runs through typer's CliRunner on a small app that registers `job` as the cli does; the golden tests at the
end run both commands as subprocesses and pin job.json and the printed plan byte for byte.

The manifest those builds write is also checked against the one manifest schema (`dataprep.manifest`), and
each way a manifest can break it is shown to stop `dataprep job` with DP601.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from botocore.session import get_session
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from dataprep.cli.job import job
from dataprep.manifest import digest, manifest_problems, read_manifest
from dataprep.profiles import load_profiles

ROOT = Path(__file__).resolve().parents[1]
RAW = {"fine-tuning": ROOT / "sample_data" / "raw" / "finetune",
       "continued-pretraining": ROOT / "sample_data" / "raw" / "pretraining"}
ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization"
BUCKET = "s3://my-bucket/runs/one/"
PROFILES = load_profiles()
# Every model and task whose minimum the raw samples (167 fine-tuning records) can meet: Nova 2 Lite needs 200
# training records, so its build stops at DP304 (tests/test_media.py builds nothing for it either). Distillation
# and RFT jobs have no string hyperParameters and need their own flags: tests/test_distillation_rft.py. The image
# models learn from image-caption pairs, not these texts: tests/test_image_caption.py builds and submits theirs.
CASES = [(p.id, task) for p in PROFILES.values() for task in p.tasks
         if task in RAW and (p.task(task).quota("min_train_records") or 0) <= 150
         and p.task(task).format != "image-caption"]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(job)


@app.callback()
def _root() -> None:
    """A stand-in for cli.app: with a callback, typer keeps `job` as a named subcommand."""


class Builds:
    """Folders written by the real `dataprep build`, each built once per session on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.folders: dict[tuple[str, ...], Path] = {}

    def get(self, model: str, task: str = "fine-tuning", *flags: str) -> Path:
        key = (model, task, *flags)
        if key not in self.folders:
            from dataprep.cli import app as dataprep_app

            out = self.root / "-".join(key).replace("/", "_")
            result = CliRunner().invoke(dataprep_app, [
                "build", str(RAW[task]), str(out), "-q", "--no-report", "--model", model, "--task", task,
                "--lang-detector", "fasttext", *flags])
            assert result.exit_code == 0, result.output
            self.folders[key] = out
        return self.folders[key]


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(tmp_path_factory.mktemp("builds"))


@pytest.fixture
def fresh(builds: Builds, tmp_path: Path) -> Callable[..., Path]:
    """`fresh(model, task, *flags)`: this test's own copy of a built folder, at tmp_path/out."""

    def copy_of(model: str, task: str = "fine-tuning", *flags: str) -> Path:
        out = tmp_path / "out"
        shutil.copytree(builds.get(model, task, *flags), out)
        return out

    return copy_of


def run(out: Path, *args: str, s3: str = BUCKET, role: str = ROLE) -> Any:
    return CliRunner().invoke(app, ["job", str(out), "--s3-uri", s3, "--role-arn", role, *args])


def input_shape() -> Any:
    return get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def edit_manifest(out: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = out / "manifest.json"
    manifest = read_json(path)
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def rehash(out: Path, split: str) -> None:
    """Make the manifest describe the file as it is now (an edit that the hash check would not catch)."""
    d = digest(out / f"{split}.jsonl")
    edit_manifest(out, lambda m: m["outputs"][split].update(sha256=d.sha256, bytes=d.bytes, records=d.records))


def train_sha(out: Path) -> str:
    return read_json(out / "manifest.json")["outputs"]["train"]["sha256"]


# --------------------------------------------------------------------------------------------------------
# The manifest schema


@pytest.mark.parametrize(("model", "task"), CASES, ids=[f"{m}:{t}" for m, t in CASES])
def test_the_manifest_a_build_writes_matches_the_schema(builds: Builds, model: str, task: str) -> None:
    out = builds.get(model, task)
    manifest = read_json(out / "manifest.json")
    assert manifest_problems(manifest) == []
    assert read_manifest(out) == manifest
    assert set(manifest["outputs"]) == {"train", "validation", "rejected", "lineage"}


def test_a_manifest_with_a_test_split_matches_the_schema(builds: Builds) -> None:
    out = builds.get("llama3-1-8b-instruct", "fine-tuning", "--test-fraction", "0.1")
    manifest = read_json(out / "manifest.json")
    assert "test" in manifest["outputs"] and manifest_problems(manifest) == []
    del manifest["outputs"]["validation"], manifest["outputs"]["test"]  # both optional
    manifest["profile"]["token_margin"] = 0  # a whole number is a number
    assert manifest_problems(manifest) == []


def _drop(*keys: str) -> Callable[[dict[str, Any]], object]:
    def change(m: dict[str, Any]) -> None:
        *parents, last = keys
        for key in parents:
            m = m[key]
        del m[last]

    return change


def _set(value: object, *keys: str | int) -> Callable[[dict[str, Any]], object]:
    def change(m: dict[str, Any]) -> None:
        *parents, last = keys
        for key in parents:
            m = m[key]
        m[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_drop("profile", "task"), "[profile.task] is missing"),
        (_drop("outputs", "train"), "[outputs.train] is missing"),
        (_drop("counts"), "[counts] is missing"),
        (_set(3, "profile", "id"), "[profile.id] must be a string, found 3"),
        (_set(None, "profile", "format"), "[profile.format] must be a string, found null"),
        (_set("12", "outputs", "train", "records"), '[outputs.train.records] must be a whole number, found "12"'),
        (_set(-1, "outputs", "validation", "tokens"), "[outputs.validation.tokens] must be at least 0, found -1"),
        (_set(1.5, "outputs", "rejected", "bytes"), "[outputs.rejected.bytes] must be a whole number, found 1.5"),
        (_set(True, "inputs", 0, "records"), "[inputs[0].records] must be a whole number, found true"),
        (_set(1, "profile", "token_counts_exact"), "[profile.token_counts_exact] must be true or false, found 1"),
        (_set({}, "inputs"), "[inputs] must be a list, found {}"),
        (_set([], "outputs"), "[outputs] must be an object, found []"),
        (_set("x", "profile", "colour"), "[profile.colour] is not a key of the manifest"),
        (_set({"file": "x.jsonl"}, "outputs", "extra"), "[outputs.extra] is not a key of the manifest"),
        (_set(2, "manifest_version"), "[manifest_version] must be 1, found 2"),
    ],
)
def test_schema_problems_name_the_key(builds: Builds, change: Callable[[dict[str, Any]], object],
                                      problem: str) -> None:
    manifest = copy.deepcopy(read_json(builds.get("nova-micro") / "manifest.json"))
    change(manifest)
    assert manifest_problems(manifest) == [problem]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop("outputs", "train"), "[outputs.train] is missing"),
        (_set(3, "profile", "id"), "[profile.id] must be a string, found 3"),
        (_drop("profile", "format"), "[profile.format] is missing"),
        (_set({"records": 1}, "outputs", "lineage"), "[outputs.lineage.file] is missing"),
        (_set("many", "outputs", "validation", "tokens"), '[outputs.validation.tokens] must be a whole number'),
    ],
)
def test_a_manifest_that_breaks_the_schema_stops_the_job(fresh: Callable[..., Path],
                                                         change: Callable[[dict[str, Any]], object],
                                                         message: str) -> None:
    out = fresh("nova-micro")
    edit_manifest(out, change)
    result = run(out)
    assert result.exit_code == 1, result.output
    assert f"{out / 'manifest.json'}: DP601 {message}" in result.output
    assert "rebuild the folder with `dataprep build`" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (out / "job.json").exists()


# --------------------------------------------------------------------------------------------------------
# Requests


@pytest.mark.parametrize(("model", "task"), CASES, ids=[f"{m}:{t}" for m, t in CASES])
def test_every_profile_gives_a_body_botocore_accepts(fresh: Callable[..., Path], model: str, task: str) -> None:
    profile = PROFILES[model]
    spec = profile.task(task)
    out = fresh(model, task)
    result = run(out, "--model", model)
    assert result.exit_code == 0, result.output
    body = read_json(out / "job.json")

    report = ParamValidator().validate(body, input_shape())
    assert not report.has_errors(), report.generate_report()
    assert body["customizationType"] == spec.customization_type
    assert body["baseModelIdentifier"] == profile.base_model_id
    assert body["roleArn"] == ROLE
    assert body["outputDataConfig"] == {"s3Uri": BUCKET + "output/"}
    assert all(isinstance(v, str) for v in body["hyperParameters"].values())
    assert set(body["hyperParameters"]) <= set(spec.hyperparameters)
    assert body["jobName"].startswith(model.replace(".", "-")) and len(body["jobName"]) <= 63

    uris = [body["trainingDataConfig"]["s3Uri"]] + [v["s3Uri"] for v in body["validationDataConfig"]["validators"]]
    assert uris == [BUCKET + "train.jsonl", BUCKET + "validation.jsonl"]
    copies = [line.split()[-2:] for line in result.output.splitlines() if "aws s3 cp" in line]
    assert copies == [[str(out / "train.jsonl"), uris[0]], [str(out / "validation.jsonl"), uris[1]]]
    assert f"--cli-input-json file://{out / 'job.json'}" in result.output


def test_body_layout_defaults_and_billed_tokens(fresh: Callable[..., Path]) -> None:
    out = fresh("llama3-1-8b-instruct", "fine-tuning", "--test-fraction", "0.1")
    assert (out / "test.jsonl").is_file()
    result = run(out, "--epochs", "3", "--learning-rate", "2e-5")
    assert result.exit_code == 0, result.output
    text = (out / "job.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    body = json.loads(text)
    assert body["hyperParameters"] == {"epochCount": "3", "batchSize": "1", "learningRate": "0.00002"}
    assert "customModelKmsKeyId" not in body and "vpcConfig" not in body
    manifest = read_json(out / "manifest.json")
    train = manifest["outputs"]["train"]["tokens"]
    assert f"billed training tokens (estimate): {train:,} x 3 epochs = {train * 3:,} (exact)" in result.output
    assert f"validation tokens: {manifest['outputs']['validation']['tokens']:,}" in result.output
    assert "batchSize=1 (default)" in result.output and "epochCount=3," in result.output
    assert "test.jsonl" not in " ".join(line for line in result.output.splitlines() if "aws s3 cp" in line)
    assert "kept local" in result.output
    # Same build, same name: a re-run writes the same request.
    name = body["jobName"]
    assert name == body["customModelName"] == f"llama3-1-8b-instruct-ft-{train_sha(out)[:12]}"
    assert run(out, "--epochs", "3", "--learning-rate", "2e-5").exit_code == 0
    assert (out / "job.json").read_text(encoding="utf-8") == text


def test_optional_members_kms_vpc_names_and_other_hyperparameters(fresh: Callable[..., Path]) -> None:
    out = fresh("claude-3-haiku")
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = run(out, "--kms-key-id", key, "--vpc-subnet", "subnet-0123456789abcdef0", "--vpc-security-group",
                 "sg-0123456789abcdef0", "--job-name", "haiku.run+1", "--model-name", "haiku_run-1",
                 "--hyperparameter", "earlyStoppingPatience=4", "--hyperparameter", "learningRateMultiplier=0.5")
    assert result.exit_code == 0, result.output
    body = read_json(out / "job.json")
    assert not ParamValidator().validate(body, input_shape()).has_errors()
    assert body["customModelKmsKeyId"] == key
    vpc = {"subnetIds": ["subnet-0123456789abcdef0"], "securityGroupIds": ["sg-0123456789abcdef0"]}
    assert body["vpcConfig"] == vpc
    assert (body["jobName"], body["customModelName"]) == ("haiku.run+1", "haiku_run-1")
    assert body["hyperParameters"]["earlyStoppingPatience"] == "4"
    assert body["hyperParameters"]["learningRateMultiplier"] == "0.5"
    assert "learningRate" not in body["hyperParameters"]


@pytest.mark.parametrize(
    ("model", "args", "message"),
    [
        ("llama3-1-8b-instruct", ["--epochs", "11"], "epochCount = 11 is out of range for Meta Llama 3.1 8B Instruct: "
         "allowed 1 to 10, default 5"),
        ("llama3-1-8b-instruct", ["--batch-size", "2"], "allowed 1 to 1, default 1"),
        ("nova-micro", ["--learning-rate", "0.001"], "allowed 1e-06 to 0.0001, default 1e-05"),
        ("claude-3-haiku", ["--hyperparameter", "earlyStoppingThreshold=0.5"], "allowed 0 to 0.1, default 0.001"),
        ("titan-text-express", ["--warmup-steps", "251"], "allowed 0 to 250, default 5"),
    ],
)
def test_out_of_range_hyperparameters_are_refused_with_the_range(fresh: Callable[..., Path], model: str,
                                                                 args: list[str], message: str) -> None:
    out = fresh(model)
    result = run(out, *args)
    assert result.exit_code == 1
    assert "DP604" in result.output and message in result.output
    assert not (out / "job.json").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--batch-size", "4"], "DP605", "Amazon Nova Micro fine-tuning takes no hyperparameter 'batchSize'; "
         "it takes: epochCount, learningRate, learningRateWarmupSteps"),
        (["--hyperparameter", "epochCount=2.5"], "DP605", "epochCount must be a whole number, found '2.5'"),
        (["--hyperparameter", "learningRate=fast"], "DP605", "learningRate must be a number, found 'fast'"),
    ],
)
def test_hyperparameters_the_model_does_not_take(fresh: Callable[..., Path], args: list[str], code: str,
                                                 message: str) -> None:
    out = fresh("nova-micro")
    result = run(out, *args)
    assert result.exit_code == 1 and f"{code} {message}" in result.output


def test_eval_percentage_only_without_validation(fresh: Callable[..., Path]) -> None:
    out = fresh("cohere-command")
    result = run(out)
    assert result.exit_code == 0, result.output
    assert "evalPercentage" not in read_json(out / "job.json")["hyperParameters"]
    result = run(out, "--hyperparameter", "evalPercentage=10")
    assert result.exit_code == 0 and "DP613" in result.output


def test_tampered_train_file_is_refused_naming_the_file(fresh: Callable[..., Path]) -> None:
    out = fresh("llama3-1-8b-instruct")
    train = out / "train.jsonl"
    first, second, *rest = train.read_text(encoding="utf-8").splitlines(keepends=True)
    train.write_text("".join([second, first, *rest]), encoding="utf-8")  # the same records, other bytes
    result = run(out)
    assert result.exit_code == 1
    assert f"{train}: DP602 sha256" in result.output and "rebuild" in result.output
    assert not (out / "job.json").exists()


@pytest.mark.parametrize("name", ["test.jsonl", "rejected.jsonl"])
def test_files_that_are_not_uploaded_are_hash_checked_too(fresh: Callable[..., Path], name: str) -> None:
    """The manifest is the audit record: a held-out test set or ledger changed after the build is refused."""
    out = fresh("llama3-1-8b-instruct", "fine-tuning", "--test-fraction", "0.1")
    with (out / name).open("a", encoding="utf-8") as fh:
        fh.write("{}\n")
    result = run(out)
    assert result.exit_code == 1
    assert f"{out / name}: DP602 sha256" in result.output
    assert not (out / "job.json").exists()


def test_missing_validation_file_is_refused(fresh: Callable[..., Path]) -> None:
    out = fresh("nova-micro")
    (out / "validation.jsonl").unlink()
    result = run(out)
    assert result.exit_code == 1
    assert f"{out / 'validation.jsonl'}: DP602" in result.output and "missing" in result.output


def test_data_that_fails_validation_is_refused_with_its_findings(fresh: Callable[..., Path]) -> None:
    out = fresh("llama3-1-8b-instruct")
    train = out / "train.jsonl"
    records = read_json(out / "manifest.json")["outputs"]["train"]["records"]
    with train.open("a", encoding="utf-8") as fh:
        fh.write('{"prompt": "What is the capital of France?"}\n')
    rehash(out, "train")
    result = run(out)
    assert result.exit_code == 1
    assert f"{train}:{records + 1}:1: DP203" in result.output
    assert not (out / "job.json").exists()


@pytest.mark.parametrize(
    ("args", "code", "where"),
    [
        (["--s3-uri", "https://my-bucket.s3.amazonaws.com/data/"], "DP606", "--s3-uri"),
        (["--s3-uri", "s3://My_Bucket/data/"], "DP606", "--s3-uri"),
        (["--s3-uri", "s3://my-bucket/my data=1/"], "DP606", "--s3-uri"),
        (["--role-arn", "BedrockCustomization"], "DP608", "--role-arn"),
        (["--role-arn", "arn:aws:iam::12345:role/x"], "DP608", "--role-arn"),
        (["--kms-key-id", "my-key"], "DP609", "--kms-key-id"),
        (["--kms-key-id", "arn:aws:kms:us-east-1:123456789012:secret/x"], "DP609", "--kms-key-id"),
        (["--vpc-subnet", "subnet-0123456789abcdef0"], "DP610", "--vpc-subnet/--vpc-security-group"),
        (["--vpc-subnet", "subnet-01", "--vpc-security-group", "group-1"], "DP610", "--vpc-security-group"),
        (["--job-name", "my job"], "DP611", "--job-name"),
        (["--model-name", "model.v1"], "DP611", "--model-name"),
        (["--model-name", "m" * 64], "DP611", "--model-name"),
    ],
)
def test_bad_request_values_are_refused(fresh: Callable[..., Path], args: list[str], code: str, where: str) -> None:
    out = fresh("nova-micro")
    result = CliRunner().invoke(app, ["job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, *args])
    assert result.exit_code == 1, result.output
    assert f"{where}: {code} " in result.output
    assert not (out / "job.json").exists()


def test_shape_limits_point_at_the_flag() -> None:
    """Limits ParamValidator leaves to the service (list lengths, enums) are found and mapped to a flag."""
    from dataprep.job.botocore_shape import request_shape_problems

    body = {"jobName": "j", "customModelName": "m", "roleArn": ROLE, "baseModelIdentifier": "x",
            "customizationType": "SOMETHING", "trainingDataConfig": {"s3Uri": BUCKET + "train.jsonl"},
            "outputDataConfig": {"s3Uri": BUCKET + "output/"}, "hyperParameters": {"epochCount": "1"},
            "validationDataConfig": {"validators": [{"s3Uri": f"{BUCKET}v{i}.jsonl"} for i in range(11)]},
            "vpcConfig": {"subnetIds": ["subnet-01"] * 17, "securityGroupIds": ["sg-01"]}}
    problems = request_shape_problems(body)
    assert ("--s3-uri", "validationDataConfig.validators has 11 items; at most 10 are allowed") in problems
    assert ("--vpc-subnet/--vpc-security-group", "vpcConfig.subnetIds has 17 items; at most 16 are allowed") in problems
    assert any(where == "job.json" and message.startswith("customizationType 'SOMETHING' is not one of FINE_TUNING, ")
               for where, message in problems)
    assert len(problems) == 3, problems
    assert request_shape_problems({**body, "customizationType": "FINE_TUNING", "validationDataConfig": {
        "validators": [{"s3Uri": BUCKET + "validation.jsonl"}]}, "vpcConfig": {
        "subnetIds": ["subnet-01"], "securityGroupIds": ["sg-01"]}}) == []


def test_hyperparameters_at_either_end_of_the_range_are_accepted(fresh: Callable[..., Path]) -> None:
    out = fresh("llama3-1-8b-instruct")
    for epochs in ("1", "10"):  # allowed 1 to 10
        result = run(out, "--epochs", epochs)
        assert result.exit_code == 0, result.output
        assert read_json(out / "job.json")["hyperParameters"]["epochCount"] == epochs


@pytest.mark.parametrize(
    ("uri", "codes", "prefix"),
    [
        ("s3://" + "b" * 63 + "/data/", [], "s3://" + "b" * 63 + "/data/"),
        ("s3://abc/data/", [], "s3://abc/data/"),
        ("s3://" + "b" * 64 + "/data/", ["DP606"], None),
        ("s3://ab/data/", ["DP606"], None),
        ("s3://my-bucket", [], "s3://my-bucket/"),  # a bucket alone is already a folder
        ("s3://my-bucket/data", ["DP607"], "s3://my-bucket/data/"),
        ("s3://my-bucket//data/", ["DP606"], None),
        ("s3://192.168.1.1/data/", ["DP606"], None),
    ],
)
def test_s3_uri_shapes(uri: str, codes: list[str], prefix: str | None) -> None:
    from dataprep.job.identifiers import s3_prefix

    found: list[str] = []
    got = s3_prefix(uri, lambda where, code, message: found.append(code))
    assert found == codes
    if prefix is not None:
        assert got == prefix


def test_s3_uri_without_trailing_slash_is_a_folder(fresh: Callable[..., Path]) -> None:
    out = fresh("nova-micro")
    result = run(out, s3="s3://my-bucket/data")
    assert result.exit_code == 0, result.output
    assert "DP607" in result.output and "s3://my-bucket/data/train.jsonl" in result.output
    body = read_json(out / "job.json")
    assert body["trainingDataConfig"]["s3Uri"] == "s3://my-bucket/data/train.jsonl"


def test_validation_file_for_a_model_that_takes_none_is_left_out(fresh: Callable[..., Path], tmp_path: Path) -> None:
    out = fresh("nova-micro")  # built while the profile took a validation set
    override = tmp_path / "no-validation.toml"
    override.write_text('id = "nova-micro"\n[tasks.fine-tuning]\nvalidation_supported = false\n', encoding="utf-8")
    result = run(out, "--profile-file", str(override))
    assert result.exit_code == 0, result.output
    assert f"{out / 'validation.jsonl'}: DP612" in result.output
    body = read_json(out / "job.json")
    assert "validationDataConfig" not in body
    assert not ParamValidator().validate(body, input_shape()).has_errors()
    assert [line for line in result.output.splitlines() if "aws s3 cp" in line] == [
        f"  aws s3 cp {out / 'train.jsonl'} {BUCKET}train.jsonl"]


def test_batch_size_above_the_threshold_applies_the_lower_token_limit(fresh: Callable[..., Path]) -> None:
    out = fresh("titan-text-express", "continued-pretraining")
    train = out / "train.jsonl"
    long_text = " ".join(f"w{i}" for i in range(1200))  # about 2,400 cl100k tokens: over 2,048, under 4,096
    with train.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"input": long_text}) + "\n")
    rehash(out, "train")
    assert run(out).exit_code == 0  # batchSize 1 (default): the 4,096 limit applies
    result = run(out, "--batch-size", "8")
    assert result.exit_code == 1 and "DP311" in result.output and "batchSize 8 is above 1" in result.output


@pytest.mark.parametrize(
    ("setup", "args", "code", "text"),
    [
        ("no-manifest", [], 1, "DP601"),
        ("broken-manifest", [], 1, "DP601"),
        ("unknown-profile", [], 2, "built for profile 'my-model', which is not loaded"),
        ("none", ["--model", "nova-lite"], 2, "built for nova-micro"),
        ("none", ["--model", "no-such-model"], 2, "unknown model"),
        ("none", ["--hyperparameter", "epochCount"], 2, "expected NAME=VALUE"),
        ("none", ["--epochs", "2", "--hyperparameter", "epochCount=3"], 2, "already set"),
        ("none", ["--epochs", "two"], 2, "Invalid value"),
        ("missing-folder", [], 2, "no such folder"),
    ],
)
def test_usage_and_manifest_errors(fresh: Callable[..., Path], setup: str, args: list[str], code: int,
                                   text: str) -> None:
    out = fresh("nova-micro")
    if setup == "no-manifest":
        (out / "manifest.json").unlink()
    elif setup == "broken-manifest":
        (out / "manifest.json").write_text('{"manifest_version": 1, "outputs": {}}', encoding="utf-8")
    elif setup == "missing-folder":
        shutil.rmtree(out)
    elif setup == "unknown-profile":
        edit_manifest(out, lambda m: m["profile"].update(id="my-model"))
    result = run(out, *args)
    assert result.exit_code == code, result.output
    assert text in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_profile_that_changed_since_the_build_is_refused(fresh: Callable[..., Path]) -> None:
    out = fresh("nova-micro")
    edit_manifest(out, lambda m: m["profile"].update(base_model_id="amazon.nova-micro-v1:0"))  # an alias: fine
    assert run(out).exit_code == 0
    edit_manifest(out, lambda m: m["profile"].update(format="prompt-completion"))
    result = run(out)
    assert result.exit_code == 1
    assert "manifest.json [profile]: DP603 built as prompt-completion records" in result.output


def test_role_arn_is_required(fresh: Callable[..., Path]) -> None:
    out = fresh("nova-micro")
    result = CliRunner().invoke(app, ["job", str(out), "--s3-uri", BUCKET])
    assert result.exit_code == 2 and "--role-arn" in result.output


# --------------------------------------------------------------------------------------------------------
# Golden: job.json and the printed plan for folders written by the real `dataprep build`

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("DATAPREP_UPDATE_GOLDEN") == "1"
GOLDEN_S3 = "s3://bucket/prefix/"
GOLDEN_ROLE = "arn:aws:iam::123456789012:role/R"
# build name -> (inputs relative to the repository, so the manifest does not depend on the machine; build flags)
GOLDEN_BUILDS = {
    "finetune-llama": (["sample_data/raw/finetune"], ["--model", "llama3-1-8b-instruct"]),
    "pretraining-titan": (["sample_data/raw/pretraining"], ["--model", "titan-text-express", "--task",
                                                             "continued-pretraining"]),
}
# golden name -> (build, `dataprep job` flags after --s3-uri and --role-arn)
GOLDEN_JOBS = {
    "finetune-llama": ("finetune-llama", []),
    "finetune-llama-refused": ("finetune-llama", ["--epochs", "11", "--job-name", "my job"]),
    # Only botocore's shape (and the limits the service adds) refuses these names: DP611 in the API's words.
    "finetune-llama-bad-names": ("finetune-llama", ["--job-name", "my job", "--model-name", "m" * 64]),
    "pretraining-titan": ("pretraining-titan", [
        "--epochs", "2", "--batch-size", "1", "--kms-key-id", "alias/dataprep", "--vpc-subnet",
        "subnet-0123456789abcdef0", "--vpc-security-group", "sg-0123456789abcdef0", "--model-name", "titan-cpt"]),
}


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess, as a user runs it."""
    return subprocess.run([sys.executable, "-c", "from dataprep.cli import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def golden_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each golden build once per module (no reports); tests copy a folder before running `job` in it."""
    root = tmp_path_factory.mktemp("golden-builds")
    folders = {}
    for name, (inputs, flags) in GOLDEN_BUILDS.items():
        done = cli("build", *inputs, str(root / name), "-q", "--no-report", *flags)
        assert done.returncode == 0, done.stderr
        folders[name] = root / name
    return folders


@pytest.mark.parametrize("name", sorted(GOLDEN_JOBS))
def test_job_output_is_byte_identical_to_golden(golden_builds: dict[str, Path], tmp_path: Path, name: str) -> None:
    build, flags = GOLDEN_JOBS[name]
    out = tmp_path / "out"
    shutil.copytree(golden_builds[build], out)
    done = cli("job", str(out), "--s3-uri", GOLDEN_S3, "--role-arn", GOLDEN_ROLE, *flags)
    job_file = out / "job.json"
    found: dict[str, Any] = {"exit": done.returncode, "stdout": done.stdout.replace(str(out), "OUT"),
                             "stderr": done.stderr.replace(str(out), "OUT")}
    if job_file.exists():
        data = job_file.read_bytes()
        found["job.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "content": json.loads(data)}
    path = GOLDEN / f"job-{name}.json"
    if UPDATE:
        path.write_text(json.dumps(found, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert found == expected, f"{name}: `dataprep job` output differs from {path.relative_to(ROOT)}"
