"""The command line's output contract: formats, exit codes, `rules`, `models`, `--version`, start-up weight.

Every test drives the real typer app (`dataprep.cli.app` through CliRunner, or the console-script entry point
in a subprocess) on files written to tmp_path; the expectations come from the data files (`rules/checks.toml`,
`rules/models/*.toml`) or are written out here, never from the code under test.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import invoke

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
CLI = [sys.executable, "-c", "from dataprep.cli import main; main()"]

# One record per line: clean, e-mail (DP410 warning), AWS key (DP409 error), no completion (DP203 error),
# an unknown key with a '%' in it (DP206 warning), clean.
RECORDS = [
    {"prompt": "What is two plus two?", "completion": "Four."},
    {"prompt": "Mail maria.kowalski@fastmail.net", "completion": "Done."},
    {"prompt": "key AKIAIOSFODNN7EXAMPLE", "completion": "thanks"},
    {"prompt": "Only a prompt here"},
    {"prompt": "Name a primary colour.", "completion": "Blue is a primary colour.", "odd%key": 1},
    {"prompt": "What colour is the sky?", "completion": "Blue, on a clear day."},
]
EXPECTED = [  # (line, col, code, severity) in output order; DP206 points at the unknown key
    (2, 1, "DP410", "warning"), (3, 1, "DP409", "error"), (4, 1, "DP203", "error"), (5, 81, "DP206", "warning"),
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A train.jsonl with two errors and two warnings, in a folder of its own (no config above it)."""
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------ validate formats


def test_text_format_is_path_line_col_code_message_with_the_summary_on_stderr(dataset: Path) -> None:
    result = invoke("validate", dataset.name, cwd=dataset.parent)
    assert result.exit_code == 1
    lines, help_lines = result.stdout.split("\n\n")  # the findings, then each rule's fix once
    assert [line.split(":")[0] for line in help_lines.splitlines()] == ["DP203 missing-field", "DP206 unknown-key",
                                                                          "DP409 secret", "DP410 pii"]
    lines = lines.splitlines()
    assert [tuple(re.fullmatch(r"train\.jsonl:(\d+):(\d+): (DP\d{3}) .+", line).groups()) for line in lines] == [
        (str(line), str(col), code) for line, col, code, _ in EXPECTED]
    assert lines[2] == "train.jsonl:4:1: DP203 prompt/completion record: required field 'completion' is missing"
    assert result.stderr == "4 finding(s): 2 error(s), 2 warning(s) (format only; pass --model for limits)\n"


def test_text_summary_names_the_model_when_one_is_given(dataset: Path) -> None:
    result = invoke("validate", dataset.name, "--model", "llama3-1-8b-instruct", cwd=dataset.parent)
    assert result.exit_code == 1
    assert result.stderr.endswith("warning(s) for llama3-1-8b-instruct\n")
    assert "\ntrain.jsonl: DP304 " in f"\n{result.stdout}"  # a whole-file finding has no line: no made-up :0:0
    assert ":0:0" not in result.stdout


def test_json_format_is_one_array_with_every_field_and_nothing_on_stderr(dataset: Path) -> None:
    result = invoke("validate", dataset.name, "--format", "json", cwd=dataset.parent)
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert [(f["line"], f["col"], f["code"], f["severity"]) for f in findings] == EXPECTED
    for finding in findings:
        assert list(finding) == ["path", "line", "col", "code", "severity", "message"]
        assert finding["path"] == "train.jsonl" and finding["message"]
    assert "'odd%key'" in findings[3]["message"]
    assert result.stdout.startswith('[\n {\n  "path": "train.jsonl",\n')  # indent=1, as the golden file pins
    assert result.stderr == ""


def test_github_format_levels_escaping_and_positions(dataset: Path) -> None:
    result = invoke("validate", dataset.name, "--format", "github", cwd=dataset.parent)
    assert result.exit_code == 1
    pattern = r"::(error|warning|notice) file=train\.jsonl,line=(\d+),col=(\d+),title=(DP\d{3})::(.+)"
    parsed = [re.fullmatch(pattern, line).groups() for line in result.stdout.splitlines()]
    assert [(int(line), int(col), code, level) for level, line, col, code, _ in parsed] == EXPECTED
    assert "'odd%25key'" in parsed[3][4] and "odd%key" not in result.stdout


def test_github_format_escapes_percent_cr_and_lf_in_messages(tmp_path: Path) -> None:
    """A whole-file finding (line 0) is annotated at 1:1; %, CR and LF in a message do not end the command."""
    (tmp_path / "train.jsonl").write_text(json.dumps({"prompt": "p", "completion": "c"}) + "\n", encoding="utf-8")
    result = invoke("validate", "train.jsonl", "--model", "claude-3-haiku", "--format", "github", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert result.exit_code == 1 and "title=DP304::" in result.stdout
    for line in lines:
        assert re.fullmatch(r"::(error|warning|notice) file=train\.jsonl,line=[1-9]\d*,col=[1-9]\d*,title=DP\d{3}::.+",
                            line), line
    from dataprep.cli.output import escape_github

    assert escape_github("100%\r\nnext\nline") == "100%25%0D%0Anext%0Aline"
    assert escape_github("%0A") == "%250A"  # % first, so an escape is never escaped twice into a newline


def test_github_lines_are_the_json_findings_rendered_by_the_one_renderer(dataset: Path) -> None:
    """validate's github output is exactly output.github_line of its own JSON findings (one renderer)."""
    from dataprep.cli.output import github_line
    from dataprep.findings import Finding, Severity

    as_json = json.loads(invoke("validate", dataset.name, "--format", "json", cwd=dataset.parent).stdout)
    github = invoke("validate", dataset.name, "--format", "github", cwd=dataset.parent).stdout.splitlines()
    findings = [Finding(**{**f, "severity": Severity.parse(f["severity"])}) for f in as_json]
    message = Finding("a.jsonl", 0, 0, "DP100", Severity.INFO, "50%\ndone\r")
    assert github == [github_line(f) for f in findings]
    assert github_line(message) == "::notice file=a.jsonl,line=1,col=1,title=DP100::50%25%0Adone%0D"


# ------------------------------------------------------------------------------------------ exit codes


def test_exit_0_when_clean_1_with_errors_2_on_usage(tmp_path: Path, dataset: Path) -> None:
    clean = tmp_path / "clean" / "train.jsonl"
    clean.parent.mkdir()
    clean.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(RECORDS[-1]) + "\n", encoding="utf-8")
    assert invoke("validate", clean, cwd=tmp_path).exit_code == 0
    assert invoke("validate", dataset, cwd=tmp_path).exit_code == 1
    for args in (["--split", "test"], ["--model", "no-such-model"], ["--format", "xml"]):
        result = invoke("validate", dataset, *args, cwd=tmp_path)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output
    bad_split = invoke("validate", dataset, "--split", "test", cwd=tmp_path)
    assert bad_split.stderr == ("dataprep: error: Invalid value for '--split': 'test' is not one of 'train', "
                                "'validation'. (see `dataprep validate --help`)\n")
    assert bad_split.stdout == ""


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(json.dumps(RECORDS[1]) + "\n", encoding="utf-8")
    result = invoke("validate", "train.jsonl", cwd=tmp_path)
    assert result.exit_code == 0 and "DP410" in result.stdout


def test_build_usage_errors_exit_2_with_one_line(tmp_path: Path, dataset: Path) -> None:
    out = tmp_path / "out"
    cases = {
        ("build", dataset): "give at least one RAW input and the OUT folder",
        ("build", dataset, out): "--model is required",
        ("build", dataset, out, "--model", "llama3-1-8b-instruct", "--secrets", "keep"): "--secrets must be one of",
        ("build", dataset, out, "--model", "llama3-1-8b-instruct", "--dedup-threshold", "2"): "dedup settings",
    }
    for args, message in cases.items():
        result = invoke(*args, cwd=tmp_path)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("dataprep: error: ") and message in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    assert not out.exists()


# ------------------------------------------------------------------------------------------ rules, models, version


def _registry(rules: Path = RULES) -> dict[str, dict[str, object]]:
    with (rules / "checks.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture
def one_planned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped rules with DP217 marked planned again: every code is implemented now, and the marker must
    still work for the next planned one. The real registry loader reads the copy."""
    from dataprep import registry as registry_module

    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    text = (copy / "checks.toml").read_text(encoding="utf-8")
    (copy / "checks.toml").write_text(text.replace("[DP217]\n", '[DP217]\nstatus = "planned"\n', 1), encoding="utf-8")
    monkeypatch.setattr(registry_module, "rules_dir", lambda: copy)
    registry_module.registry.cache_clear()
    yield copy
    registry_module.registry.cache_clear()


def test_rules_lists_every_code_with_severity_name_and_planned_marker(tmp_path: Path, one_planned: Path) -> None:
    result = invoke("rules", cwd=tmp_path)
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    table = _registry(one_planned)
    assert list(lines) == list(table)
    for code, entry in table.items():
        planned = entry.get("status") == "planned"
        columns = lines[code].split(maxsplit=4 if planned else 3)
        assert columns[1] == entry["severity"]
        assert (columns[2] == "planned") is planned, lines[code]
        assert columns[3 if planned else 2] == entry["name"]
        assert lines[code].endswith(str(entry["summary"]))
    code, entry = next((c, e) for c, e in table.items() if e.get("status") != "planned")
    assert lines[code] == f"{code}  {entry['severity']:<7}  {entry['name']:<32} {entry['summary']}"
    assert any(e.get("status") == "planned" for e in table.values()), "no planned code left to check the marker"


def test_rules_code_explains_summary_why_and_fix(tmp_path: Path) -> None:
    from dataprep.registry import doc_url

    entry = _registry()["DP203"]
    result = invoke("rules", "dp203", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == (f"DP203 {entry['name']} ({entry['severity']}, build action: {entry['action']})\n\n"
                             f"{entry['summary']}\n\nWhy: {entry['explanation']}\n\nFix: {entry['fix']}\n\n"
                             f"Docs: {doc_url('DP203')}\n")
    assert doc_url("DP203").endswith("docs/rules.md#dp203")


def test_rules_marks_a_planned_code_when_explaining_it(tmp_path: Path, one_planned: Path) -> None:
    code = next(c for c, e in _registry(one_planned).items() if e.get("status") == "planned")
    first = invoke("rules", code, cwd=tmp_path).stdout.splitlines()[0]
    assert first.endswith("(planned: registered, not implemented yet)")
    assert "planned" not in invoke("rules", "DP203", cwd=tmp_path).stdout.splitlines()[0]


def test_rules_unknown_code_exits_2(tmp_path: Path) -> None:
    result = invoke("rules", "DP999", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == "dataprep: error: no rule 'DP999'; `dataprep rules` lists them\n"


def test_models_lists_every_shipped_profile(tmp_path: Path) -> None:
    result = invoke("models", cwd=tmp_path)
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    shipped = []
    for path in sorted((RULES / "models").glob("*.toml")):
        with path.open("rb") as fh:
            shipped.append(tomllib.load(fh)["id"])
    assert sorted(listed) == sorted(shipped) and len(shipped) >= 10


def test_version(tmp_path: Path) -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    done = subprocess.run([*CLI, "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"dataprep {version}\n"


def test_every_command_is_registered_in_help_order(tmp_path: Path) -> None:
    result = invoke("--help", cwd=tmp_path)
    assert result.exit_code == 0
    found = re.findall(r"^│ (\w+) ", result.stdout, flags=re.MULTILINE)
    assert [c for c in found if c not in ("version", "help")] == ["validate", "build", "rules", "models", "job",
                                                                  "report"]


# ------------------------------------------------------------------------------------------ start-up weight

HEAVY = ("polars", "tiktoken", "numpy", "great_expectations", "matplotlib", "datasketch", "pandas", "botocore")


@pytest.mark.parametrize("args", [["--help"], ["validate", "train.jsonl"], ["rules"], ["models"]])
def test_help_and_validate_start_light(tmp_path: Path, args: list[str]) -> None:
    """`validate` runs as a pre-commit hook: neither it nor `--help` may import the build's heavy libraries."""
    (tmp_path / "train.jsonl").write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    script = ("import sys\nfrom dataprep.cli import app\ntry:\n    app(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
              f"print([m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.stderr.splitlines()[-1] == "[]", done.stderr
