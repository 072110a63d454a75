"""Distillation prompts (F6) and reinforcement fine-tuning records (F7), end to end (#15 items 4 and 7).

Each new format: its shipped sample validates clean, the build renders records the validator accepts (from a
labeled source: distillation drops the answers, RFT makes them the reference answer), and `dataprep job`
writes a DISTILLATION or REINFORCEMENT_FINE_TUNING body that botocore's own request shape accepts, refusing
what the job needs but lacks (teacher model, grader Lambda) with its code. Real files, the real command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from botocore.session import get_session
from botocore.validate import ParamValidator
from conftest import BEDROCK, validate_json
from typer.testing import CliRunner

from dataprep.cli import app as dataprep_app
from dataprep.cli.job import job
from dataprep.formats import detect
from dataprep.job.botocore_shape import request_shape_problems

ROLE = "arn:aws:iam::123456789012:role/BedrockCustomization"
BUCKET = "s3://my-bucket/runs/one/"
GRADER = "arn:aws:lambda:us-east-1:123456789012:function:math-grader"
CONVERSATION = BEDROCK / "bedrock-conversation" / "train.jsonl"  # 120 records, some multi-turn
PROMPT_COMPLETION = BEDROCK / "prompt-completion" / "train.jsonl"  # 120 records

job_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
job_app.command()(job)


@job_app.callback()
def _root() -> None:
    """With a callback, typer keeps `job` as a named subcommand."""


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def build(raw: Path, out: Path, model: str, task: str) -> None:
    result = CliRunner().invoke(dataprep_app, ["build", str(raw), str(out), "-q", "--no-report", "--model", model,
                                               "--task", task, "--lang-detector", "fasttext"])
    assert result.exit_code == 0, result.output


def run_job(out: Path, *args: str) -> Any:
    return CliRunner().invoke(job_app, ["job", str(out), "--s3-uri", BUCKET, "--role-arn", ROLE, *args])


def codes(output: str) -> set[str]:
    return {word for word in output.split() if word.startswith("DP") and word[2:].isdigit()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One build per new task, from the shipped good fine-tuning samples."""
    root = tmp_path_factory.mktemp("built")
    folders = {"nova": root / "nova-distillation", "haiku": root / "haiku-distillation", "rft": root / "rft"}
    build(CONVERSATION, folders["nova"], "nova-lite", "distillation")
    build(CONVERSATION, folders["haiku"], "claude-3-haiku", "distillation")
    build(PROMPT_COMPLETION, folders["rft"], "nova-2-lite", "reinforcement-fine-tuning")
    return folders


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp_path / "out"))


# --------------------------------------------------------------------------------------------------------
# The samples and the detector


@pytest.mark.parametrize(("folder", "args"), [
    ("distillation/bedrock-conversation", ["--model", "nova-lite", "--task", "distillation"]),
    ("rft", ["--model", "nova-2-lite"]),  # the task is inferred from the records' format
])
def test_the_shipped_sample_validates_clean(folder: str, args: list[str]) -> None:
    status, findings = validate_json(BEDROCK / folder, *args)
    assert (status, findings) == (0, [])


def test_a_messages_record_with_a_reference_answer_is_an_rft_record() -> None:
    record = {"messages": [{"role": "user", "content": "2 + 2?"}], "reference_answer": "4"}
    assert detect(record) == detect(record, sources=True) == "rft"


def test_the_real_aws_rft_sample_validates_clean_for_nova_2_lite(tmp_path: Path) -> None:
    """AWS's own RFT sample (GSM8K, with an extra grader field) is accepted as it is published."""
    source = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bedrock-samples" / "rft-gsm8k"
    if not (source / "rft_train_data.jsonl").is_file():
        pytest.skip("the shared corpora are not beside the checkout")
    status, findings = validate_json(source / "rft_train_data.jsonl", "--model", "nova-2-lite")
    assert (status, findings) == (0, [])


def test_distillation_records_need_no_answer_but_fine_tuning_records_do(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes((BEDROCK / "distillation" / "bedrock-conversation" / "train.jsonl").read_bytes())
    assert validate_json(path, "--model", "nova-lite", "--task", "distillation") == (0, [])
    _, as_fine_tuning = validate_json(path, "--model", "nova-lite", "--task", "fine-tuning")
    assert {f["code"] for f in as_fine_tuning} >= {"DP209"}  # the answer is what fine-tuning learns


def test_media_blocks_are_refused_in_distillation_prompts(tmp_path: Path) -> None:
    image = {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/cat.png"}}}}
    record = {"schemaVersion": "bedrock-conversation-2024",
              "messages": [{"role": "user", "content": [{"text": "What is in the picture?"}, image]}]}
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    _, findings = validate_json(path, "--model", "nova-lite", "--task", "distillation")
    assert ("DP214", 1) in {(f["code"], f["line"]) for f in findings}


# --------------------------------------------------------------------------------------------------------
# The build targets


def test_distillation_build_drops_the_answers_and_validates_clean(built: dict[str, Path]) -> None:
    records = lines(built["nova"] / "train.jsonl")
    assert len(records) == 120
    assert all(r["schemaVersion"] == "bedrock-conversation-2024" for r in records)
    assert all(r["messages"][-1]["role"] == "user" for r in records)
    prompts = {m["content"][0]["text"] for r in lines(CONVERSATION) for m in r["messages"] if m["role"] == "user"}
    assert all(m["role"] == "user" for r in records for m in r["messages"][-1:])
    assert {r["messages"][-1]["content"][0]["text"] for r in records} <= prompts
    assert not (built["nova"] / "validation.jsonl").exists()  # a distillation job takes no validation data
    assert validate_json(built["nova"], "--model", "nova-lite", "--task", "distillation") == (0, [])


def test_a_single_turn_student_gets_no_multi_turn_prompt(built: dict[str, Path]) -> None:
    source = lines(CONVERSATION)
    multi = sum(sum(m["role"] == "user" for m in r["messages"]) > 1 for r in source)
    assert multi > 0
    records = lines(built["haiku"] / "train.jsonl")
    assert len(records) == len(source) - multi
    assert all(len(r["messages"]) == 1 for r in records)
    rejected = lines(built["haiku"] / "rejected.jsonl")
    assert len(rejected) == multi and all("single-turn" in r["reason"] for r in rejected)
    assert validate_json(built["haiku"], "--model", "claude-3-haiku", "--task", "distillation") == (0, [])


def test_rft_build_makes_the_answer_the_reference_and_validates_clean(built: dict[str, Path]) -> None:
    source = {r["prompt"]: r["completion"] for r in lines(PROMPT_COMPLETION)}
    records = lines(built["rft"] / "train.jsonl")
    assert len(records) == len(source)
    for record in records:
        [message] = record["messages"]
        assert message["role"] == "user" and record["reference_answer"] == source[message["content"]]
    assert validate_json(built["rft"], "--model", "nova-2-lite") == (0, [])


# --------------------------------------------------------------------------------------------------------
# The job requests


def shape_ok(body: dict[str, Any]) -> None:
    shape = get_session().get_service_model("bedrock").operation_model("CreateModelCustomizationJob").input_shape
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    assert request_shape_problems(body) == []


def test_distillation_body_names_the_teacher(built: dict[str, Path], tmp_path: Path) -> None:
    out = copy_of(built["nova"], tmp_path)
    result = run_job(out, "--teacher-model", "us.amazon.nova-premier-v1:0", "--max-response-length", "1000")
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    shape_ok(body)
    assert body["customizationType"] == "DISTILLATION"
    assert body["baseModelIdentifier"] == "amazon.nova-lite-v1:0:300k"
    assert body["customizationConfig"] == {"distillationConfig": {"teacherModelConfig": {
        "teacherModelIdentifier": "us.amazon.nova-premier-v1:0", "maxResponseLengthForInference": 1000}}}
    assert "hyperParameters" not in body and "validationDataConfig" not in body
    assert "-dist-" in body["jobName"]
    assert "  teacher: us.amazon.nova-premier-v1:0 (answers up to 1,000 tokens)" in result.output.splitlines()


@pytest.mark.parametrize(("args", "where"), [
    ([], "--teacher-model"),  # no teacher
    (["--teacher-model", "anthropic.claude-3-5-sonnet-20241022-v2:0"], "--teacher-model"),  # another provider
    (["--teacher-model", "amazon.nova-premier-v1:0", "--max-response-length", "0"], "--max-response-length"),
    (["--teacher-model", "amazon.nova-premier-v1:0", "--grader-lambda-arn", GRADER], "--grader-lambda-arn"),
    (["--teacher-model", "not a model id"], "--teacher-model"),  # botocore's pattern: DP611 at the flag
    (["--teacher-model", "amazon.nova-micro-v1:0"], "--teacher-model"),  # same provider, not a teacher of Nova Lite
])
def test_distillation_request_problems(built: dict[str, Path], tmp_path: Path, args: list[str], where: str) -> None:
    out = copy_of(built["nova"], tmp_path)
    result = run_job(out, *args)
    assert result.exit_code == 1
    code = "DP621" if where == "--grader-lambda-arn" else "DP611" if "not a model id" in args else "DP620"
    assert f"{where}: {code}" in result.output, result.output
    assert not (out / "job.json").exists()


def test_rft_body_names_the_grader_and_types_the_hyperparameters(built: dict[str, Path], tmp_path: Path) -> None:
    out = copy_of(built["rft"], tmp_path)
    result = run_job(out, "--grader-lambda-arn", GRADER, "--epochs", "3", "--batch-size", "64", "--learning-rate",
                     "0.00001", "--hyperparameter", "trainingSamplePerPrompt=4", "--hyperparameter",
                     "reasoningEffort=medium", "--hyperparameter", "inferenceMaxTokens=4096")
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    shape_ok(body)
    assert body["customizationType"] == "REINFORCEMENT_FINE_TUNING"
    assert body["customizationConfig"] == {"rftConfig": {
        "graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}},
        "hyperParameters": {"batchSize": 64, "epochCount": 3, "inferenceMaxTokens": 4096, "learningRate": 1e-05,
                            "reasoningEffort": "medium", "trainingSamplePerPrompt": 4}}}
    assert "hyperParameters" not in body  # RFT's are typed, inside rftConfig, not the fine-tuning string map
    assert f"  grader: {GRADER}" in result.output.splitlines()
    assert "billed training tokens" not in result.output  # RFT is not billed as tokens x epochs


def test_rft_body_without_hyperparameters_leaves_them_to_the_service(built: dict[str, Path], tmp_path: Path) -> None:
    out = copy_of(built["rft"], tmp_path)
    result = run_job(out, "--grader-lambda-arn", GRADER)
    assert result.exit_code == 0, result.output
    body = json.loads((out / "job.json").read_text(encoding="utf-8"))
    shape_ok(body)
    assert body["customizationConfig"] == {"rftConfig": {"graderConfig": {"lambdaGrader": {"lambdaArn": GRADER}}}}


@pytest.mark.parametrize(("args", "expected"), [
    ([], "--grader-lambda-arn: DP621"),
    (["--grader-lambda-arn", "arn:aws:lambda:us-east-1:1234:function:grader"], "--grader-lambda-arn: DP621"),
    (["--grader-lambda-arn", GRADER, "--batch-size", "8"], "--batch-size: DP604"),  # RFT batches are 16-512
    (["--grader-lambda-arn", GRADER, "--hyperparameter", "reasoningEffort=max"],
     "--hyperparameter reasoningEffort: DP621"),
    (["--grader-lambda-arn", GRADER, "--hyperparameter", "maxPromptLength=-5"],
     "--hyperparameter maxPromptLength: DP621"),
    (["--grader-lambda-arn", GRADER, "--teacher-model", "amazon.nova-premier-v1:0"], "--teacher-model: DP620"),
])
def test_rft_request_problems(built: dict[str, Path], tmp_path: Path, args: list[str], expected: str) -> None:
    out = copy_of(built["rft"], tmp_path)
    result = run_job(out, *args)
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert not (out / "job.json").exists()


def test_keep_answers_keeps_the_golden_answer_and_validates_clean(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(dataprep_app, ["build", str(PROMPT_COMPLETION), str(out), "-q", "--no-report",
                                               "--model", "claude-3-haiku", "--task", "distillation",
                                               "--keep-answers", "--lang-detector", "fasttext"])
    assert result.exit_code == 0, result.output
    source = {r["prompt"]: r["completion"] for r in lines(PROMPT_COMPLETION)}
    records = lines(out / "train.jsonl")
    assert len(records) == len(source)
    for record in records:
        user, assistant = record["messages"]
        assert source[user["content"][0]["text"]] == assistant["content"][0]["text"]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["settings"]["keep_answers"] is True
    assert validate_json(out, "--model", "claude-3-haiku", "--task", "distillation") == (0, [])


def test_keep_answers_outside_distillation_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(dataprep_app, ["build", str(PROMPT_COMPLETION), str(tmp_path / "out"), "-q",
                                               "--no-report", "--model", "nova-micro", "--keep-answers"])
    assert result.exit_code == 2
    assert "--keep-answers" in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("record", "task", "code"), [
    ({"messages": "x", "reference_answer": 1}, "reinforcement-fine-tuning", "DP204"),
    ({"messages": [], "reference_answer": "a"}, "reinforcement-fine-tuning", "DP233"),
    ({"messages": [{"role": "tool", "content": "x"}], "reference_answer": {"a": 1}}, "reinforcement-fine-tuning",
     "DP207"),
    ({"messages": [{"role": "user", "content": "q"}], "reference_answer": []}, "reinforcement-fine-tuning", "DP232"),
    ({"schemaVersion": 5, "messages": [{"role": "user", "content": [{"text": "q"}]}]}, "distillation", "DP231"),
    ({"schemaVersion": "bedrock-conversation-2024", "messages": []}, "distillation", "DP211"),
    ({"schemaVersion": "bedrock-conversation-2024", "system": "a string",
      "messages": [{"role": "user", "content": [{"text": "q"}]}]}, "distillation", "DP216"),
    ({"schemaVersion": "bedrock-conversation-2024",
      "messages": [{"role": "assistant", "content": [{"text": "a"}]}]}, "distillation", "DP208"),
    ({"schemaVersion": "bedrock-conversation-2024",
      "messages": [{"role": "user", "content": [1, {"foo": 1}]}]}, "distillation", "DP215"),
])
def test_malformed_records_are_one_finding_each_never_a_traceback(tmp_path: Path, record: dict[str, Any],
                                                                    task: str, code: str) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    model = "nova-2-lite" if task == "reinforcement-fine-tuning" else "nova-lite"
    status, findings = validate_json(path, "--model", model, "--task", task)
    assert status == 1
    assert [f["code"] for f in findings if f["line"] == 1] == [code]


def test_plain_text_records_become_distillation_prompts_but_not_rft_records(tmp_path: Path) -> None:
    """A prompt needs no answer: {"text": ...} records are distillation prompts; RFT needs the answer."""
    raw = tmp_path / "questions.jsonl"
    raw.write_text("".join(json.dumps({"text": f"Explain in two sentences why {i} is {'even' if i % 2 == 0 else 'odd'}"
                                       f", and name the numbers on either side of it."}) + "\n" for i in range(110)),
                   encoding="utf-8")
    build(raw, tmp_path / "dist", "nova-micro", "distillation")
    records = lines(tmp_path / "dist" / "train.jsonl")
    assert len(records) == 110 and all([m["role"] for m in r["messages"]] == ["user"] for r in records)
    assert validate_json(tmp_path / "dist", "--model", "nova-micro", "--task", "distillation") == (0, [])
    result = CliRunner().invoke(dataprep_app, ["build", str(raw), str(tmp_path / "rft"), "-q", "--no-report",
                                               "--model", "nova-2-lite", "--task", "reinforcement-fine-tuning"])
    assert result.exit_code == 1  # every record rejected: unlabeled text has no reference answer
    rejected = lines(tmp_path / "rft" / "rejected.jsonl")
    assert {r["code"] for r in rejected} == {"DP201"} and "reference_answer" in rejected[0]["reason"]


@pytest.mark.parametrize("teacher", [
    "amazon.nova-pro-v1:0",
    "us.amazon.nova-pro-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-premier-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-premier-v1:0",
])
def test_a_teacher_the_guide_pairs_is_taken_in_every_spelling(built: dict[str, Path], tmp_path: Path,
                                                              teacher: str) -> None:
    out = copy_of(built["nova"], tmp_path)
    result = run_job(out, "--teacher-model", teacher)
    assert result.exit_code == 0, result.output
    shape_ok(json.loads((out / "job.json").read_text(encoding="utf-8")))


def test_a_teacher_outside_the_pairing_table_names_the_ones_that_are(built: dict[str, Path], tmp_path: Path) -> None:
    out = copy_of(built["nova"], tmp_path)
    result = run_job(out, "--teacher-model", "us.amazon.nova-lite-v1:0")
    assert result.exit_code == 1
    assert "--teacher-model: DP620 teacher 'us.amazon.nova-lite-v1:0' is not one the guide pairs" in result.output
    assert "use one of: amazon.nova-pro-v1:0, amazon.nova-premier-v1:0" in result.output


def test_anthropic_distillation_is_refused_while_the_guide_offers_no_teacher(built: dict[str, Path],
                                                                            tmp_path: Path) -> None:
    out = copy_of(built["haiku"], tmp_path)
    result = run_job(out, "--teacher-model", "anthropic.claude-3-5-sonnet-20241022-v2:0")
    assert result.exit_code == 1
    expected = "--teacher-model: DP620 the Bedrock User Guide pairs no teacher with Anthropic Claude 3 Haiku today"
    assert expected in result.output
    assert "Distillation is not currently available for Anthropic models" in result.output


@pytest.mark.parametrize("model", ["gpt-oss-20b", "qwen3-32b"])
def test_open_weight_rft_builds_valid_data_and_says_the_job_is_not_create_model_customization_job(
        tmp_path: Path, model: str) -> None:
    out = tmp_path / "out"
    build(PROMPT_COMPLETION, out, model, "reinforcement-fine-tuning")
    assert validate_json(out, "--model", model) == (0, [])
    result = run_job(out, "--grader-lambda-arn", GRADER)
    assert result.exit_code == 1
    assert "--model: DP622" in result.output and "OpenAI-compatible fine-tuning API" in result.output
    assert not (out / "job.json").exists()


def test_the_llama_students_of_the_pairing_table_take_distillation_prompts(tmp_path: Path) -> None:
    for model in ("llama3-2-1b-instruct", "llama3-2-3b-instruct", "llama3-3-70b-instruct"):
        out = tmp_path / model
        build(CONVERSATION, out, model, "distillation")
        assert validate_json(out, "--model", model, "--task", "distillation") == (0, [])
        assert all(len(r["messages"]) == 1 for r in lines(out / "train.jsonl"))  # Meta: single-turn prompts
