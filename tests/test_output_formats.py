"""`validate`'s ruff-grade interface: every `--output-format`, `--statistics`, `--exit-zero`, the rule selection
flags, `--max-per-rule`, usage errors under machine formats, and `rules`/`models` discovery.

Every test runs the real typer app on real files: cases of the bad-input catalogue (`tests/catalogue.py`) and
the shipped samples (`sample_data/bedrock/`). The SARIF log is validated against the OASIS SARIF 2.1.0 schema
(`tests/data/sarif-schema-2.1.0.json`, see `tests/data/sarif-schema-2.1.0.SOURCE.md`), the JSON output against
dataprep's own versioned schema, the JUnit report is parsed with `xml.etree`.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from catalogue import CASES
from conftest import invoke
from typer.testing import Result

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
FINDINGS_SCHEMA = ROOT / "dataprep" / "cli" / "findings.schema.json"
CLEAN = ROOT / "sample_data" / "bedrock" / "prompt-completion" / "train.jsonl"
# Catalogue cases with no model: file-level, record-level and content findings, several codes repeating.
PICKED = ("bom", "blank-line", "invalid-json", "duplicate-key", "extension", "missing-completion", "unknown-key",
          "exact-duplicate", "aws-key", "email")
FORMATS = ["text", "concise", "grouped", "json", "json-lines", "github", "gitlab", "sarif", "junit"]
MACHINE = ["json", "json-lines", "gitlab", "sarif", "junit"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of catalogue files (one per picked case, named for it) plus a clean shipped sample."""
    folder = tmp_path / "data"
    folder.mkdir()
    for case_id, name, content, _model, _task, _code, _line in CASES:
        if case_id in PICKED:
            suffix = Path(name).suffix or ".jsonl"
            (folder / f"{case_id}{suffix if suffix == '.jsonl' else '.json'}").write_bytes(content)
    (folder / "clean.jsonl").write_bytes(CLEAN.read_bytes())
    return folder


def files(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir())


def run(corpus: Path, *args: str) -> Result:
    return invoke("validate", *files(corpus), *args, cwd=corpus)


def document(corpus: Path, *args: str) -> dict[str, Any]:
    result = run(corpus, "--output-format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def codes(doc: dict[str, Any]) -> list[str]:
    return [f["code"] for f in doc["findings"]]


# ------------------------------------------------------------------------------------------ json and json-lines


def test_json_document_is_versioned_and_valid_against_its_schema(corpus: Path) -> None:
    doc = document(corpus)
    jsonschema.Draft202012Validator(json.loads(FINDINGS_SCHEMA.read_text())).validate(doc)
    assert doc["format_version"] == 1 and doc["tool"]["name"] == "dataprep" and doc["model"] is None
    legacy = json.loads(run(corpus, "--format", "json").stdout)  # the old flag keeps the bare six-key array
    assert [(f["path"], f["line"], f["code"]) for f in legacy] == [
        (f["path"], f["line"] or 0, f["code"]) for f in doc["findings"]]
    assert all(list(f) == ["path", "line", "col", "code", "severity", "message"] for f in legacy)
    assert doc["summary"]["findings"] == len(doc["findings"]) == len(legacy)
    assert doc["summary"]["error"] == sum(f["severity"] == "error" for f in legacy)
    registry = tomllib.loads((ROOT / "rules" / "checks.toml").read_text(encoding="utf-8"))
    for finding in doc["findings"]:
        assert finding["name"] == registry[finding["code"]]["name"]
        assert finding["url"].endswith(f"docs/rules.md#{finding['code'].lower()}")


def test_json_whole_file_findings_have_null_line_never_zero(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(CLEAN.read_bytes()[:2000].rsplit(b"\n", 1)[0] + b"\n")
    result = invoke("validate", "train.jsonl", "-m", "llama3-1-8b-instruct", "--output-format", "json",
                    cwd=tmp_path)
    quota = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "DP304"]
    assert quota and quota[0]["line"] is None and quota[0]["col"] is None
    assert json.loads(result.stdout)["model"] == "llama3-1-8b-instruct"


def test_json_lines_is_one_schema_finding_per_line(corpus: Path) -> None:
    result = run(corpus, "--output-format", "json-lines")
    assert result.exit_code == 1 and result.stderr == ""
    schema = json.loads(FINDINGS_SCHEMA.read_text())
    finding_schema = {**schema["$defs"]["finding"], "$defs": schema["$defs"]}
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    for line in lines:
        jsonschema.Draft202012Validator(finding_schema).validate(line)
    assert lines == document(corpus)["findings"]


# ------------------------------------------------------------------------------------------ sarif


def test_sarif_is_valid_sarif_2_1_0_with_rules_and_locations(corpus: Path) -> None:
    result = run(corpus, "--output-format", "sarif")
    assert result.exit_code == 1 and result.stderr == ""
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert log["version"] == "2.1.0"
    (one_run,) = log["runs"]
    rules = one_run["tool"]["driver"]["rules"]
    found = document(corpus)["findings"]
    assert [r["id"] for r in rules] == sorted({f["code"] for f in found})
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["helpUri"].endswith(rule["id"].lower())
    assert len(one_run["results"]) == len(found)
    for result_, finding in zip(one_run["results"], found, strict=True):
        assert result_["ruleId"] == finding["code"] == rules[result_["ruleIndex"]]["id"]
        assert result_["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding["severity"]]
        location = result_["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding["path"]
        assert location["region"]["startLine"] == (finding["line"] or 1)
        assert location["region"].get("startColumn") == finding["col"]


def test_sarif_end_column_and_whole_file_region_from_real_findings() -> None:
    """A finding that knows where its match ends gets endColumn (json end_col); a whole-file one line 1."""
    from dataprep.cli import formats
    from dataprep.cli.output import OutputFormat
    from dataprep.findings import Finding, Severity

    found = [Finding("a b.jsonl", 0, 0, "DP304", Severity.ERROR, "too few"),
             Finding("a b.jsonl", 3, 5, "DP206", Severity.WARNING, "unknown key 'x'", end_col=8)]
    log = json.loads(formats.render(found, OutputFormat.sarif))
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(log)
    whole, keyed = log["runs"][0]["results"]
    assert whole["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert whole["properties"] == {"wholeFile": True}
    assert keyed["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5, "endColumn": 8}
    assert keyed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b.jsonl"
    doc = json.loads(formats.render(found, OutputFormat.json))
    assert [(f["line"], f["col"], f["end_col"]) for f in doc["findings"]] == [(None, None, None), (3, 5, 8)]


# ------------------------------------------------------------------------------------------ gitlab, junit, github


def test_gitlab_code_quality_fields_and_fingerprints_stable_across_runs(corpus: Path) -> None:
    first = run(corpus, "--output-format", "gitlab")
    again = run(corpus, "--output-format", "gitlab")
    assert first.exit_code == 1 and first.stderr == "" and first.stdout == again.stdout
    issues = json.loads(first.stdout)
    found = document(corpus)["findings"]
    assert len(issues) == len(found)
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == len(prints) and all(re.fullmatch(r"[0-9a-f]{64}", p) for p in prints)
    for issue, finding in zip(issues, found, strict=True):
        assert issue["check_name"].startswith(finding["code"]) and finding["message"] in issue["description"]
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"] == {"path": finding["path"], "lines": {"begin": finding["line"] or 1}}
    # A finding's fingerprint does not depend on the other files in the run.
    alone = invoke("validate", "email.jsonl", "--output-format", "gitlab", cwd=corpus)
    email = {i["fingerprint"] for i in issues if i["location"]["path"] == "email.jsonl"}
    assert {i["fingerprint"] for i in json.loads(alone.stdout)} == email


def test_junit_has_one_testcase_per_file_and_a_failure_per_finding(corpus: Path) -> None:
    result = run(corpus, "--output-format", "junit")
    assert result.exit_code == 1 and result.stderr == ""
    root = ET.fromstring(result.stdout.encode())
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert sorted(cases) == files(corpus)
    per_file = Counter(f["path"] for f in document(corpus)["findings"])
    for name, case in cases.items():
        failures = case.findall("failure")
        assert len(failures) == per_file[name], name
        assert all(re.fullmatch(r"DP\d{3}", f.get("type")) for f in failures)
    assert cases["clean.jsonl"].findall("failure") == []
    assert root.get("failures") == str(sum(1 for n in per_file if per_file[n]))


def test_github_annotations_cover_every_finding(corpus: Path) -> None:
    result = run(corpus, "--output-format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(document(corpus)["findings"])
    pattern = r"::(error|warning|notice) file=[^,]+,line=\d+,col=\d+,title=DP\d{3}::.+"
    assert all(re.fullmatch(pattern, x) for x in lines)


# ------------------------------------------------------------------------------------------ formats for people


def test_concise_is_one_line_per_finding_and_whole_file_without_zero_position(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_bytes(CLEAN.read_bytes()[:3000].rsplit(b"\n", 1)[0] + b"\n")
    result = invoke("validate", "train.jsonl", "-m", "llama3-1-8b-instruct", "--output-format", "concise",
                    cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert "train.jsonl: DP304 " in "\n".join(lines) and ":0:0" not in result.stdout
    assert all(re.fullmatch(r"train\.jsonl(:\d+:\d+)?: DP\d{3} .+", line) for line in lines)
    assert result.stderr.endswith("for llama3-1-8b-instruct\n")


def test_text_adds_each_rules_fix_and_docs_once(corpus: Path) -> None:
    result = run(corpus)
    found, footer = result.stdout.split("\n\n")
    concise = run(corpus, "--output-format", "concise").stdout
    assert found + "\n" == concise
    registry = tomllib.loads((ROOT / "rules" / "checks.toml").read_text(encoding="utf-8"))
    fired = sorted({f["code"] for f in document(corpus)["findings"]})
    assert footer.splitlines() == [f"{c} {registry[c]['name']}: {registry[c]['fix']} [docs/rules.md#{c.lower()}]"
                                   for c in fired]


def test_grouped_is_by_file_then_rule_with_counts(corpus: Path) -> None:
    result = run(corpus, "--output-format", "grouped")
    assert result.exit_code == 1
    found = document(corpus)["findings"]
    blocks = result.stdout.strip("\n").split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [f"{p}:" for p in dict.fromkeys(f["path"] for f in found)]
    for block in blocks:
        path = block.splitlines()[0][:-1]
        mine = Counter(f["code"] for f in found if f["path"] == path)
        headings = re.findall(r"^  (DP\d{3}) [a-z0-9-]+ \((?:error|warning|info), (\d+)\)$", block, re.MULTILINE)
        assert {c: int(n) for c, n in headings} == dict(mine) and [c for c, _ in headings] == sorted(mine)


def test_max_per_rule_prints_the_first_n_then_one_line_per_rule(tmp_path: Path) -> None:
    content = b"".join(json.dumps({"prompt": f"only a prompt {i}"}).encode() + b"\n" for i in range(7))
    (tmp_path / "train.jsonl").write_bytes(content)
    result = invoke("validate", "train.jsonl", "--output-format", "concise", "--max-per-rule", "2", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1].split()[0] for line in lines[:-1]] == ["DP203", "DP203"]
    assert lines[:2] == [f"train.jsonl:{n}:1: DP203 prompt/completion record: required field 'completion' is "
                         f"missing" for n in (1, 2)]
    assert lines[-1] == "… and 5 more DP203 findings"
    assert result.stderr.startswith("7 finding(s): 7 error(s)")  # the summary counts every finding
    assert invoke("validate", "train.jsonl", "--max-per-rule", "0", cwd=tmp_path).exit_code == 2


# ------------------------------------------------------------------------------------------ statistics and exit


def test_statistics_counts_per_rule_most_frequent_first(corpus: Path) -> None:
    counts = Counter(codes(document(corpus)))
    result = run(corpus, "--statistics")
    assert result.exit_code == 1
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [(code, int(n)) for n, code, _severity, _name in rows] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0]))
    as_json = json.loads(run(corpus, "--statistics", "--output-format", "json").stdout)
    jsonschema.Draft202012Validator(json.loads(FINDINGS_SCHEMA.read_text())).validate(as_json)
    assert {s["code"]: s["count"] for s in as_json["statistics"]} == dict(counts)


def test_exit_zero_keeps_findings_but_exits_0(corpus: Path) -> None:
    result = run(corpus, "--exit-zero")
    assert result.exit_code == 0 and "DP203" in result.stdout
    assert invoke("validate", "nope.jsonl", "--exit-zero", cwd=corpus).exit_code == 2


# ------------------------------------------------------------------------------------------ selection


def test_select_ignore_and_extend_select_with_prefixes(corpus: Path) -> None:
    every = codes(document(corpus))
    assert set(every) > {"DP203", "DP206", "DP409", "DP410"}
    assert codes(document(corpus, "--select", "DP2")) == [c for c in every if c.startswith("DP2")]
    assert codes(document(corpus, "--select", "DP2,DP409", "--ignore", "DP203")) == [
        c for c in every if (c.startswith("DP2") or c == "DP409") and c != "DP203"]
    assert codes(document(corpus, "--ignore", "DP4", "--ignore", "DP1")) == [
        c for c in every if not c.startswith(("DP4", "DP1"))]
    assert codes(document(corpus, "--ignore", "DP4", "--extend-select", "dp409")) == [
        c for c in every if not c.startswith("DP4") or c == "DP409"]


def test_command_line_selection_merges_with_the_config_ignore(corpus: Path) -> None:
    every = codes(document(corpus))
    (corpus.parent / "dataprep.toml").write_text('ignore = ["DP410"]\n', encoding="utf-8")
    assert codes(document(corpus)) == [c for c in every if c != "DP410"]
    assert codes(document(corpus, "--ignore", "DP203")) == [c for c in every if c not in ("DP410", "DP203")]
    assert codes(document(corpus, "--extend-select", "DP410")) == every  # the command line wins
    assert codes(document(corpus, "--select", "DP41")) == [c for c in every if c.startswith("DP41")]


def test_unknown_code_in_a_selection_flag_is_a_usage_error(corpus: Path) -> None:
    for flag in ("--select", "--ignore", "--extend-select"):
        result = run(corpus, flag, "DP9", "--output-format", "sarif")
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == f"dataprep: error: --{flag[2:]}: unknown rule code 'DP9'; `dataprep rules` lists them\n"


# ------------------------------------------------------------------------------------------ usage errors


@pytest.mark.parametrize("fmt", MACHINE)
def test_usage_errors_under_machine_formats_leave_stdout_empty(corpus: Path, fmt: str) -> None:
    for args in (["-m", "no-such-model"], ["--bogus"], ["--task", "distill"], ["--statistics"]):
        if args == ["--statistics"] and fmt in ("json", "json-lines"):
            continue
        result = run(corpus, "--output-format", fmt, *args)
        assert result.exit_code == 2, (fmt, args, result.output)
        assert result.stdout == "", (fmt, args)
        assert result.stderr.startswith("dataprep: error: ") and result.stderr.count("\n") == 1, result.stderr
    missing = invoke("validate", "--output-format", fmt, cwd=corpus)
    assert missing.exit_code == 2 and missing.stdout == "" and missing.stderr.count("\n") == 1


def test_format_alias_and_output_format_must_agree(corpus: Path) -> None:
    assert run(corpus, "--format", "sarif").stdout == run(corpus, "--output-format", "sarif").stdout
    result = run(corpus, "--format", "json", "--output-format", "sarif")
    assert result.exit_code == 2 and result.stdout == "" and "disagree" in result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_prints_nothing_for_clean_files_but_valid_documents(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "train.jsonl").write_bytes(CLEAN.read_bytes())
    result = invoke("validate", "train.jsonl", "--output-format", fmt, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    if fmt == "gitlab":
        assert json.loads(result.stdout) == []
    elif fmt in ("json", "sarif"):
        assert json.loads(result.stdout)["version" if fmt == "sarif" else "format_version"]
    elif fmt == "junit":
        assert [c.get("name") for c in ET.fromstring(result.stdout.encode()).iter("testcase")] == ["train.jsonl"]
    else:
        assert result.stdout == ""


# ------------------------------------------------------------------------------------------ help and discovery


@pytest.mark.parametrize("command", ["validate", "rules", "models"])
def test_help_shows_a_default_for_every_option_and_choices_not_str(command: str) -> None:
    """Every parameter but `--help` and a required argument says its default in the help; choices are listed."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from dataprep.cli import main; main()", command, "--help"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "250"})
    assert done.returncode == 0
    rows = [line for line in done.stdout.splitlines() if re.match(r"^│ +(\*|-|\[?[a-zA-Z])", line)]
    rows = [r for r in rows if "--help" not in r and "[required]" not in r]
    assert rows and all("[default: " in r for r in rows), [r for r in rows if "[default: " not in r]
    assert "<str>" not in "".join(r for r in rows if "--output-format" in r or "--task" in r or "--split" in r)
    if command == "validate":
        assert "<fine-tuning|continued-pretraining|distillation|reinforcement-fine-tuning>" in done.stdout
        assert "<train|validation>" in done.stdout
        assert "<text|concise|grouped|json|json-lines|github|gitlab|sarif|junit>" in done.stdout
        assert len(rows) == 14  # --media-root (#15 item 2) is the 14th


def test_models_id_shows_one_profile_with_quotas_hyperparameters_and_sources(tmp_path: Path) -> None:
    profile = tomllib.loads((ROOT / "rules" / "models" / "claude-3-haiku.toml").read_text(encoding="utf-8"))
    result = invoke("models", "anthropic.claude-3-haiku-20240307-v1:0", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("claude-3-haiku  Anthropic Claude 3 Haiku (Anthropic)\n")
    spec = profile["tasks"]["fine-tuning"]
    for key, entry in spec["quotas"].items():
        assert re.search(rf"^    {key} +{entry['value']:,}  {entry['date']}  {re.escape(entry['source'])}",
                         result.stdout, re.MULTILINE), key
    for key, entry in spec["hyperparameters"].items():
        assert re.search(rf"^    {key} +{entry['type']} +{entry['min']:g}\.\.{entry['max']:g}", result.stdout,
                         re.MULTILINE), key
    as_json = json.loads(invoke("models", "claude-3-haiku", "--output-format", "json", cwd=tmp_path).stdout)
    assert as_json["tasks"]["fine-tuning"]["quotas"]["max_train_records"] == {
        "value": spec["quotas"]["max_train_records"]["value"], "source": spec["quotas"]["max_train_records"]["source"],
        "date": spec["quotas"]["max_train_records"]["date"], "verified": True, "note": ""}
    missing = invoke("models", "no-such-model", "--output-format", "json", cwd=tmp_path)
    assert missing.exit_code == 2 and missing.stdout == "" and missing.stderr.startswith("dataprep: error: unknown")


def test_models_and_rules_list_as_json(tmp_path: Path) -> None:
    listed = json.loads(invoke("models", "--output-format", "json", cwd=tmp_path).stdout)
    profiles = (ROOT / "rules" / "models").glob("*.toml")
    shipped = sorted(tomllib.loads(p.read_text(encoding="utf-8"))["id"] for p in profiles)
    assert sorted(p["id"] for p in listed) == shipped
    registry = tomllib.loads((ROOT / "rules" / "checks.toml").read_text(encoding="utf-8"))
    rules = json.loads(invoke("rules", "--output-format", "json", cwd=tmp_path).stdout)
    assert [r["code"] for r in rules] == list(registry)
    assert all(r["name"] == registry[r["code"]]["name"] and r["fix"] == registry[r["code"]]["fix"] for r in rules)
    one = json.loads(invoke("rules", "dp203", "--output-format", "json", cwd=tmp_path).stdout)
    assert one["code"] == "DP203" and one["url"].endswith("docs/rules.md#dp203")


def test_docs_rules_page_is_generated_from_the_registry(tmp_path: Path) -> None:
    """The page the findings' URLs point at: regenerate with `dataprep rules --output-format markdown`."""
    page = invoke("rules", "--output-format", "markdown", cwd=tmp_path).stdout
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == page, (
        "docs/rules.md is stale: run `dataprep rules --output-format markdown > docs/rules.md`")
    registry = tomllib.loads((ROOT / "rules" / "checks.toml").read_text(encoding="utf-8"))
    assert re.findall(r'^<a id="(dp\d{3})"></a>$', page, re.MULTILINE) == [c.lower() for c in registry]


# ------------------------------------------------------------------------------------------ the one ignore rule


def test_rule_policy_layers_config_ignore_then_command_line() -> None:
    from dataprep.registry import RulePolicy

    config = RulePolicy(frozenset({"DP410"}))
    assert config.ignored("DP410") and not config.ignored("DP409")
    cli = config.selecting(["DP4"], [], ["DP41"])
    assert [cli.ignored(c) for c in ("DP401", "DP409", "DP410", "DP412", "DP203")] == [False, False, True, True,
                                                                                        True]
    narrower = config.selecting(None, [], ["DP4"]).selecting(["DP4"], ["DP410"], ["DP4"])
    assert not narrower.ignored("DP410") and narrower.ignored("DP401")  # the more specific selector wins
    with pytest.raises(ValueError, match="--select: unknown rule code 'XX1'"):
        config.selecting(["XX1"])


def test_a_finding_at_a_key_carries_the_end_column_of_the_key(tmp_path: Path) -> None:
    record = '{"prompt": "Name a colour.", "completion": "Blue.", "odd%key": 1}'
    (tmp_path / "train.jsonl").write_text(record + "\n", encoding="utf-8")
    result = invoke("validate", "train.jsonl", "--output-format", "json-lines", cwd=tmp_path)
    (finding,) = [json.loads(line) for line in result.stdout.splitlines()]
    start = record.index('"odd%key"') + 1
    assert (finding["code"], finding["col"], finding["end_col"]) == ("DP206", start, start + len('"odd%key"'))
    region = json.loads(invoke("validate", "train.jsonl", "--output-format", "sarif", cwd=tmp_path).stdout)[
        "runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": start, "endColumn": start + len('"odd%key"')}
