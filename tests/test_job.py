"""`dataprep job`: the request body against botocore's CreateModelCustomizationJob shape, and every refusal.

Each test builds a real OUT folder from the shipped sample data plus a manifest written the way
`dataprep build` writes it (hashes from dataprep.manifest.digest, tokens from dataprep.tokens), and runs
the command through typer's CliRunner on a small app that registers `job` as cli.py does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer
from botocore.session import get_session
from botocore.validate import ParamValidator
from typer.testing import CliRunner

from dataprep import formats
from dataprep.cli.job import job
from dataprep.manifest import digest
from dataprep.profiles import Profile, load_profiles
from dataprep.tokens import counter

SAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "bedrock"
ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization"
BUCKET = "s3://my-bucket/runs/one/"
PROFILES = load_profiles()
CASES = [(p.id, task) for p in PROFILES.values() for task in p.tasks]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(job)


@app.callback()
def _root() -> None:
    """A stand-in for cli.app: with a callback, typer keeps `job` as a named subcommand."""


@cache
def _tokens(path: Path, tokenizer: str) -> int:
    """Input + output tokens of every record, summed, as the build's manifest records them."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        rows.append(formats.MODULES[formats.detect(record)].check(record, lambda *_: None))
    count = counter(tokenizer).count
    return int(count([r.input_text() for r in rows]).sum() + count([r.output_text() for r in rows]).sum())


def build_out(tmp_path: Path, profile: Profile, task: str, *, test_split: bool = False) -> Path:
    """An OUT folder as `dataprep build` leaves it: the splits, a ledger and manifest.json."""
    spec = profile.task(task)
    out = tmp_path / "out"
    out.mkdir()
    outputs: dict[str, Any] = {}
    for split in ("train", "validation"):
        shutil.copy(SAMPLES / spec.format / f"{split}.jsonl", out / f"{split}.jsonl")
    if test_split:
        lines = (out / "validation.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        (out / "validation.jsonl").write_text("".join(lines[:-5]), encoding="utf-8")
        (out / "test.jsonl").write_text("".join(lines[-5:]), encoding="utf-8")
    (out / "rejected.jsonl").write_text('{"source": "raw/a.jsonl", "line": 3, "code": "DP401"}\n', encoding="utf-8")
    for split in ("train", "validation", "test", "rejected"):
        path = out / f"{split}.jsonl"
        if not path.exists():
            continue
        d = digest(path)
        outputs[split] = {"file": path.name, "sha256": d.sha256, "bytes": d.bytes, "records": d.records}
        if split != "rejected":
            outputs[split]["tokens"] = _tokens(path, profile.tokenizer)
    manifest = {
        "manifest_version": 1,
        "tool": {"name": "dataprep", "version": "0.1.0"},
        "profile": {"id": profile.id, "base_model_id": profile.base_model_id, "task": task, "format": spec.format,
                    "tokenizer": profile.tokenizer, "token_counts_exact": profile.tokenizer == "llama3"},
        "settings": {"seed": 0, "validation_fraction": 0.1},
        "inputs": [{"path": "raw/a.jsonl", "sha256": "0" * 64, "bytes": 1, "records": 1}],
        "outputs": outputs,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return out


def run(out: Path, *args: str, s3: str = BUCKET, role: str = ROLE) -> Any:
    return CliRunner().invoke(app, ["job", str(out), "--s3-uri", s3, "--role-arn", role, *args])


def input_shape() -> Any:
    return get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape


@pytest.mark.parametrize(("model", "task"), CASES, ids=[f"{m}:{t}" for m, t in CASES])
def test_every_profile_gives_a_body_botocore_accepts(tmp_path: Path, model: str, task: str) -> None:
    profile = PROFILES[model]
    spec = profile.task(task)
    out = build_out(tmp_path, profile, task)
    result = run(out, "--model", model)
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))

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


def test_body_layout_defaults_and_billed_tokens(tmp_path: Path) -> None:
    profile = PROFILES["llama3-1-8b-instruct"]
    out = build_out(tmp_path, profile, "fine-tuning", test_split=True)
    result = run(out, "--epochs", "3", "--learning-rate", "2e-5")
    assert result.exit_code == 0, result.output
    text = (out / "job.json").read_text(encoding="utf-8")
    assert text.endswith("}\n") and text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    body = json.loads(text)
    assert body["hyperParameters"] == {"epochCount": "3", "batchSize": "1", "learningRate": "0.00002"}
    assert "customModelKmsKeyId" not in body and "vpcConfig" not in body
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
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


def train_sha(out: Path) -> str:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]["train"]["sha256"]


def test_optional_members_kms_vpc_names_and_other_hyperparameters(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["claude-3-haiku"], "fine-tuning")
    key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = run(out, "--kms-key-id", key, "--vpc-subnet", "subnet-0123456789abcdef0", "--vpc-security-group",
                 "sg-0123456789abcdef0", "--job-name", "haiku.run+1", "--model-name", "haiku_run-1",
                 "--hyperparameter", "earlyStoppingPatience=4", "--hyperparameter", "learningRateMultiplier=0.5")
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
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
def test_out_of_range_hyperparameters_are_refused_with_the_range(tmp_path: Path, model: str, args: list[str],
                                                                 message: str) -> None:
    out = build_out(tmp_path, PROFILES[model], "fine-tuning")
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
def test_hyperparameters_the_model_does_not_take(tmp_path: Path, args: list[str], code: str, message: str) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    result = run(out, *args)
    assert result.exit_code == 1 and f"{code} {message}" in result.output


def test_eval_percentage_only_without_validation(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["cohere-command"], "fine-tuning")
    result = run(out)
    assert result.exit_code == 0, result.output
    assert "evalPercentage" not in json.loads((out / "job.json").read_text(encoding="utf-8"))["hyperParameters"]
    result = run(out, "--hyperparameter", "evalPercentage=10")
    assert result.exit_code == 0 and "DP613" in result.output


def test_tampered_train_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["llama3-1-8b-instruct"], "fine-tuning")
    train = out / "train.jsonl"
    train.write_text(train.read_text(encoding="utf-8").replace("Company", "Corporation", 1), encoding="utf-8")
    result = run(out)
    assert result.exit_code == 1
    assert f"{train}: DP602 sha256" in result.output and "rebuild" in result.output
    assert not (out / "job.json").exists()


def test_missing_validation_file_is_refused(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    (out / "validation.jsonl").unlink()
    result = run(out)
    assert result.exit_code == 1
    assert f"{out / 'validation.jsonl'}: DP602" in result.output and "missing" in result.output


def test_data_that_fails_validation_is_refused_with_its_findings(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["llama3-1-8b-instruct"], "fine-tuning")
    train = out / "train.jsonl"
    with train.open("a", encoding="utf-8") as fh:
        fh.write('{"prompt": "What is the capital of France?"}\n')
    d = digest(train)
    edit_manifest(out, lambda m: m["outputs"]["train"].update(sha256=d.sha256, bytes=d.bytes, records=d.records))
    result = run(out)
    assert result.exit_code == 1
    assert f"{train}:121:1: DP203" in result.output
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
def test_bad_request_values_are_refused(tmp_path: Path, args: list[str], code: str, where: str) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    result = CliRunner().invoke(app, ["job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, *args])
    assert result.exit_code == 1, result.output
    assert f"{where}: {code} " in result.output
    assert not (out / "job.json").exists()


def test_s3_uri_without_trailing_slash_is_a_folder(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    result = run(out, s3="s3://my-bucket/data")
    assert result.exit_code == 0, result.output
    assert "DP607" in result.output and "s3://my-bucket/data/train.jsonl" in result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    assert body["trainingDataConfig"]["s3Uri"] == "s3://my-bucket/data/train.jsonl"


def test_validation_file_for_a_model_that_takes_none_is_left_out(tmp_path: Path) -> None:
    override = tmp_path / "no-validation.toml"
    override.write_text('id = "nova-micro"\n[tasks.fine-tuning]\nvalidation_supported = false\n', encoding="utf-8")
    profile = load_profiles([override])["nova-micro"]
    out = build_out(tmp_path, profile, "fine-tuning")
    result = run(out, "--profile-file", str(override))
    assert result.exit_code == 0, result.output
    assert f"{out / 'validation.jsonl'}: DP612" in result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    assert "validationDataConfig" not in body
    assert not ParamValidator().validate(body, input_shape()).has_errors()
    assert [line for line in result.output.splitlines() if "aws s3 cp" in line] == [
        f"  aws s3 cp {out / 'train.jsonl'} {BUCKET}train.jsonl"]


def test_batch_size_above_the_threshold_applies_the_lower_token_limit(tmp_path: Path) -> None:
    profile = PROFILES["titan-text-express"]
    out = build_out(tmp_path, profile, "continued-pretraining")
    train = out / "train.jsonl"
    long_text = " ".join(f"w{i}" for i in range(1200))  # about 2,400 cl100k tokens: over 2,048, under 4,096
    with train.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"input": long_text}) + "\n")
    d = digest(train)
    edit_manifest(out, lambda m: m["outputs"]["train"].update(sha256=d.sha256, bytes=d.bytes, records=d.records))
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
def test_usage_and_manifest_errors(tmp_path: Path, setup: str, args: list[str], code: int, text: str) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
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


def edit_manifest(out: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = out / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_a_profile_that_changed_since_the_build_is_refused(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    edit_manifest(out, lambda m: m["profile"].update(base_model_id="amazon.nova-micro-v1:0"))  # an alias: fine
    assert run(out).exit_code == 0
    edit_manifest(out, lambda m: m["profile"].update(format="prompt-completion"))
    result = run(out)
    assert result.exit_code == 1
    assert "manifest.json [profile]: DP603 built as prompt-completion records" in result.output


def test_role_arn_is_required(tmp_path: Path) -> None:
    out = build_out(tmp_path, PROFILES["nova-micro"], "fine-tuning")
    result = CliRunner().invoke(app, ["job", str(out), "--s3-uri", BUCKET])
    assert result.exit_code == 2 and "--role-arn" in result.output


# --------------------------------------------------------------------------------------------------------
# Golden: job.json and the printed plan for folders written by the real `dataprep build`

ROOT = Path(__file__).resolve().parents[1]
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
