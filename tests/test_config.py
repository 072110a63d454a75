"""Config files and settings: flag over config over default, discovery, errors, ignore and severity.

Drives the real CLI on files in tmp_path: `validate` in-process through CliRunner (cwd set, so discovery
starts there) and `build`, whose resolved settings are read back from the manifest it writes.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dataprep.cli import app

LLAMA = "llama3-1-8b-instruct"
EMAIL = {"prompt": "Mail maria.kowalski@fastmail.net", "completion": "Done."}  # DP410 (warning)
EXACT = {"prompt": "What is two plus two?", "completion": "Four."}
SECRET = {"prompt": "key AKIAIOSFODNN7EXAMPLE", "completion": "thanks"}  # DP409 (error)


def invoke(*args: str | Path, cwd: Path) -> Result:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        return CliRunner().invoke(app, [str(a) for a in args])


def write_jsonl(path: Path, *records: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def codes(result: Result) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with train.jsonl: a clean record, a DP410 warning and a DP409 error."""
    write_jsonl(tmp_path / "train.jsonl", EXACT, EMAIL, SECRET)
    return tmp_path


# ------------------------------------------------------------------------------------------ validate


def test_ignore_exact_code_and_prefixes(project: Path) -> None:
    assert codes(invoke("validate", "train.jsonl", "--format", "json", cwd=project)) == ["DP410", "DP409"]
    expected = {'["DP410"]': ["DP409"], '["dp409"]': ["DP410"], '["DP4"]': [], '["DP40"]': ["DP410"],
                '["DP41"]': ["DP409"], "[]": ["DP410", "DP409"]}
    for ignore, left in expected.items():
        (project / "dataprep.toml").write_text(f"ignore = {ignore}\n", encoding="utf-8")
        result = invoke("validate", "train.jsonl", "--format", "json", cwd=project)
        assert codes(result) == left, ignore
        assert result.exit_code == (1 if "DP409" in left else 0), ignore


def test_severity_override_regrades_and_flips_the_exit_code(project: Path) -> None:
    (project / "dataprep.toml").write_text('ignore = ["DP409"]\nseverity = {DP410 = "error"}\n', encoding="utf-8")
    result = invoke("validate", "train.jsonl", "--format", "json", cwd=project)
    assert [(f["code"], f["severity"]) for f in json.loads(result.stdout)] == [("DP410", "error")]
    assert result.exit_code == 1
    (project / "dataprep.toml").write_text('severity = {DP409 = "info", dp410 = "Warning"}\n', encoding="utf-8")
    result = invoke("validate", "train.jsonl", "--format", "json", cwd=project)
    assert [(f["code"], f["severity"]) for f in json.loads(result.stdout)] == [("DP410", "warning"), ("DP409", "info")]
    assert result.exit_code == 0


def test_validate_model_flag_over_config_over_none(project: Path) -> None:
    def checked(*args: str) -> str:
        return invoke("validate", "train.jsonl", *args, cwd=project).stderr.rstrip("\n").split(") ")[-1]

    assert invoke("validate", "train.jsonl", cwd=project).stderr.endswith("(format only; pass --model for limits)\n")
    (project / "dataprep.toml").write_text('model = "claude-3-haiku"\n', encoding="utf-8")
    assert invoke("validate", "train.jsonl", cwd=project).stderr.endswith(" for claude-3-haiku\n")
    assert invoke("validate", "train.jsonl", "--model", LLAMA, cwd=project).stderr.endswith(f" for {LLAMA}\n")
    assert checked("-m", "nova-micro").endswith("for nova-micro")


def test_discovery_nearest_config_at_or_above_cwd(project: Path) -> None:
    sub = project / "a" / "b"
    write_jsonl(sub / "train.jsonl", EXACT, EMAIL, SECRET)
    (project / "dataprep.toml").write_text('ignore = ["DP409"]\n', encoding="utf-8")
    assert codes(invoke("validate", "train.jsonl", "--format", "json", cwd=sub)) == ["DP410"]
    (project / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")  # no [tool.dataprep]
    assert codes(invoke("validate", "train.jsonl", "--format", "json", cwd=sub)) == ["DP410"]
    (project / "a" / "pyproject.toml").write_text('[tool.dataprep]\nignore = ["DP410"]\n', encoding="utf-8")
    assert codes(invoke("validate", "train.jsonl", "--format", "json", cwd=sub)) == ["DP409"]
    (sub / "dataprep.toml").write_text("ignore = []\n", encoding="utf-8")
    assert codes(invoke("validate", "train.jsonl", "--format", "json", cwd=sub)) == ["DP410", "DP409"]
    given = project / "elsewhere.toml"
    given.write_text('ignore = ["DP4"]\n', encoding="utf-8")
    assert codes(invoke("validate", "train.jsonl", "--format", "json", "--config", given, cwd=sub)) == []


@pytest.mark.parametrize(("content", "message"), [
    ('ignor = ["DP410"]\n', "unknown key 'ignor'"),
    ('seed = "3"\n', "'seed' has the wrong type (str)"),
    ("seed = true\n", "'seed' has the wrong type (bool)"),
    ("dedup-threshold = false\n", "'dedup-threshold' has the wrong type (bool)"),
    ('model = "x"\n[oops\n', "not valid TOML"),
    ('ignore = ["DP999"]\n', "unknown rule code 'DP999'"),
    ('severity = {DP7 = "error"}\n', "unknown rule code 'DP7'"),
    ('severity = {DP410 = "fatal"}\n', "unknown severity 'fatal'"),
])
def test_config_errors_exit_2_with_one_line_naming_the_file(project: Path, content: str, message: str) -> None:
    config = project / "dataprep.toml"
    config.write_text(content, encoding="utf-8")
    for command in (["validate", "train.jsonl"], ["build", "train.jsonl", "out", "--model", LLAMA]):
        result = invoke(*command, cwd=project)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith(f"dataprep: error: {config}: ") and message in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert not (project / "out").exists()


def test_missing_config_file_given_by_flag_exits_2(project: Path) -> None:
    result = invoke("validate", "train.jsonl", "--config", "nope.toml", cwd=project)
    assert result.exit_code == 2 and result.stderr.startswith("dataprep: error: nope.toml: ")


# ------------------------------------------------------------------------------------------ build


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 distinct English records: enough for Llama's 100-record minimum, small enough to build fast."""
    records = [{"prompt": f"Question number {i}: what is {i} plus {i}?",
                "completion": f"The answer to question {i} is {2 * i}, since {i} plus {i} makes {2 * i}."}
               for i in range(120)]
    return write_jsonl(tmp_path_factory.mktemp("raw") / "raw.jsonl", *records)


def built(raw: Path, folder: Path, *flags: str) -> dict[str, object]:
    """Build into folder/out from folder as cwd; the manifest's profile and settings."""
    result = invoke("build", raw, "out", "-q", "--no-report", *flags, cwd=folder)
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    return {"profile": manifest["profile"]["id"], **manifest["settings"]}


def test_build_defaults_come_from_the_settings_dataclasses(raw: Path, tmp_path: Path) -> None:
    from dataprep.build.model import BuildSettings

    settings = built(raw, tmp_path, "--model", LLAMA)
    assert settings == {"profile": LLAMA, **json.loads(json.dumps(BuildSettings(task="fine-tuning").as_dict()))}
    help_text = CliRunner().invoke(app, ["build", "--help"], env={"COLUMNS": "300"}).stdout
    for name in ("seed", "dedup-threshold", "dedup-ngram", "dedup-num-perm", "secrets", "pii", "lang-detector"):
        assert re.search(rf"--{name}\b[^\n]*\[default: ", help_text), name
    assert "[default: 0.8]" in help_text and "[default: 128]" in help_text


def test_build_flag_over_config_over_default(raw: Path, tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text(
        'model = "nova-micro"\nseed = 7\nlang = ["en", "DE"]\ndedup-ngram = 4\nvalidation-fraction = 0\n'
        'secrets = "redact"\n', encoding="utf-8")
    from_config = built(raw, tmp_path)
    assert from_config["profile"] == "nova-micro" and from_config["seed"] == 7
    assert from_config["lang"] == ["de", "en"] and from_config["dedup"]["ngram"] == 4
    assert from_config["validation_fraction"] == 0.0 and isinstance(from_config["validation_fraction"], float)
    assert from_config["secrets"] == "redact" and from_config["pii"] == "warn"
    flags = built(raw, tmp_path, "--model", LLAMA, "--seed", "9", "--lang", "en", "--dedup-ngram", "2",
                  "--secrets", "warn")
    assert flags["profile"] == LLAMA and flags["seed"] == 9 and flags["lang"] == ["en"]
    assert flags["dedup"]["ngram"] == 2 and flags["secrets"] == "warn"
    assert flags["validation_fraction"] == 0.0  # not given as a flag: still the config's


def test_build_num_perm_other_than_the_default_lets_datasketch_pick_bands(raw: Path, tmp_path: Path) -> None:
    from dataprep.text.dedup import DedupSettings

    default = {f.name: f.default for f in dataclasses.fields(DedupSettings)}
    settings = built(raw, tmp_path, "--model", LLAMA, "--dedup-num-perm", "64")
    assert settings["dedup"]["num_perm"] == 64 and settings["dedup"]["bands"] is None
    assert settings["dedup"]["rows"] is None and default["bands"] is not None
