"""Tests of the build reports: report.json against its shipped schema, the great-expectations suite failing
on broken data, report.html in a real headless Chromium (no network, verdict, gauges, charts), the
`dataprep report` re-render and byte-for-byte determinism.

Builds run in-process (`dataprep.build.pipeline.build`) and `write_reports` writes into a folder of its own, so
these tests hold whether or not the build also writes the reports into OUT.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, replace
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from dataprep.build.model import BuildResult, BuildSettings
from dataprep.build.pipeline import build
from dataprep.cli.report import report as report_command
from dataprep.formats.base import Canonical, Turn
from dataprep.profiles import resolve_model
from dataprep.report import NAMES, REPORT_HTML, REPORT_JSON, expectations, write_reports

ROOT = Path(__file__).resolve().parents[1]
FINETUNE = ROOT / "sample_data" / "raw" / "finetune"
PRETRAIN = ROOT / "sample_data" / "raw" / "pretraining"
TOOLFORMER = ROOT / "tests" / "data" / "toolformer-1000.jsonl"
LLAMA = "llama3-1-8b-instruct"
CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Built:
    result: BuildResult
    out: Path  # the build's OUT
    reports: Path  # where this test wrote the reports

    def report(self) -> dict[str, Any]:
        return json.loads((self.reports / REPORT_JSON).read_text(encoding="utf-8"))


def build_and_report(raw: Path, root: Path, model: str, settings: BuildSettings) -> Built:
    out, reports = root / "out", root / "reports"
    result = build([raw], out, resolve_model(model), settings)
    reports.mkdir()
    assert write_reports(result, reports) == list(NAMES)
    return Built(result, out, reports)


@pytest.fixture(scope="module")
def finetune(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_and_report(FINETUNE, tmp_path_factory.mktemp("finetune"), LLAMA, BuildSettings(lang=("en",)))


@pytest.fixture(scope="module")
def pretraining(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_and_report(PRETRAIN, tmp_path_factory.mktemp("pretraining"), "titan-text-express",
                            BuildSettings(task="continued-pretraining"))


@pytest.fixture(scope="module")
def too_small(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """40 records: under the Llama 3.1 minimum of 100 (min_total_records), so the dataset is not ready.

    RAW also holds a README.md, which the build skips and lists (not a record)."""
    root = tmp_path_factory.mktemp("small")
    raw = root / "raw"
    raw.mkdir()
    lines = TOOLFORMER.read_text(encoding="utf-8").splitlines(keepends=True)[:40]
    (raw / "small.jsonl").write_text("".join(lines), encoding="utf-8")
    (raw / "README.md").write_text("# Forty Toolformer records\n\nTheir licence is in tests/data.\n", encoding="utf-8")
    return build_and_report(raw, root, LLAMA, BuildSettings())


# ------------------------------------------------------------------------------------------ report.json


@pytest.mark.parametrize("name", ["finetune", "pretraining", "too_small"])
def test_report_json_validates_against_the_shipped_schema(name: str, request: pytest.FixtureRequest) -> None:
    built: Built = request.getfixturevalue(name)
    schema = json.loads((files("dataprep.report") / "schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(built.report())


def test_report_numbers_reconcile_with_the_build(finetune: Built) -> None:
    report, result = finetune.report(), finetune.result
    counts = report["counts"]
    assert counts["units"] == counts["train"] + counts["validation"] + counts["test"] + counts["rejected"]
    assert report["rejected"]["total"] == counts["rejected"] == sum(e["count"] for e in report["rejected"]["by_code"])
    dropped = {r["code"]: r["dropped"] for r in report["rules"] if r["dropped"]}
    assert dropped == {e["code"]: e["count"] for e in report["rejected"]["by_code"]} == dict(result.drops)
    assert {r["code"]: r["fixed"] for r in report["rules"] if r["fixed"]} == dict(result.fixes)
    for split, entry in report["splits"]["by_split"].items():
        assert sum(entry["histogram"]) == entry["records"] == len(result.splits[split])
        assert sum(x["records"] for x in entry["languages"]) == entry["records"]
        assert entry["tokens"]["total"] == report["outputs"][split]["tokens"]
        assert entry["tokens"]["min"] <= entry["tokens"]["median"] <= entry["tokens"]["p95"] <= entry["tokens"]["max"]
    assert {x["lang"] for x in report["splits"]["by_split"]["train"]["languages"]} <= {"en", "und"}  # --lang keeps und
    training = report["training_tokens"]
    assert training["epoch_count"] == {"default": 5, "min": 1, "max": 10}  # the llama3-1-8b-instruct profile
    assert [e["tokens"] for e in training["estimates"]] == [training["train_tokens"] * n for n in (1, 5, 10)]
    duplicates = report["duplicates"]
    assert duplicates["removed"] == result.drops["DP401"] + result.drops["DP402"] == duplicates["exact"] + \
        duplicates["near"]
    assert duplicates["examples"] and all(e["dropped"] for e in duplicates["examples"])
    gauges = {g["key"]: g for g in report["quotas"]}
    assert gauges["max_train_records"]["value"] == counts["train"]
    assert gauges["max_total_records"]["minimum"] == 100
    longest = max(u.input_tokens + u.output_tokens for s in ("train", "validation") for u in result.splits[s])
    assert gauges["max_tokens_per_record"]["value"] == longest
    assert report["verdict"]["ready"] and report["expectations"]["success"]


def test_skipped_inputs_are_listed_not_counted(too_small: Built) -> None:
    """A README in RAW is listed in manifest.json, report.json and report.html with its rule, and not read."""
    manifest = json.loads((too_small.out / "manifest.json").read_text(encoding="utf-8"))
    listed = [(Path(s["path"]).name, s["code"]) for s in manifest["skipped"]]
    assert listed == [("README.md", "DP116")]
    assert [(Path(s["path"]).name, s["code"]) for s in too_small.report()["skipped"]] == listed
    assert [Path(i["path"]).name for i in too_small.report()["inputs"]] == ["small.jsonl"]
    assert too_small.report()["counts"]["input_records"] == 40
    page = (too_small.reports / REPORT_HTML).read_text(encoding="utf-8")
    assert "Skipped, not read (1)" in page and "README.md</code></td><td><code>DP116" in page


def test_each_dropped_duplicate_shows_its_jaccard_and_word_diff(finetune: Built) -> None:
    """Dropped members are rendered as the kept one is, with the true Jaccard to it and the words that differ."""
    from dataprep.checks.duplicates import dedup_text
    from dataprep.text.dedup import text_jaccard

    dup = finetune.report()["duplicates"]
    assert sum(b["count"] for b in dup["near_jaccard"]) == dup["near"] > 0
    rows = {(u.source, u.line): u.row for u, _ in finetune.result.clusters}
    rows |= {(m.source, m.line): m.row for _, members in finetune.result.clusters for m in members}
    near = 0
    for cluster in dup["examples"]:
        kept = dedup_text(rows[cluster["kept"]["source"], cluster["kept"]["line"]])
        for member in cluster["dropped"]:
            text = dedup_text(rows[member["source"], member["line"]])
            assert member["jaccard"] == pytest.approx(text_jaccard(kept, text, 3), abs=1e-3)
            assert member["jaccard"] >= dup["threshold"]
            changed = [p for p in member["diff"] if p[0] in "+-"]
            near += member["code"] == "DP402"
            assert bool(changed) == (kept.split() != text.split())
    assert near == dup["near"]
    page = (finetune.reports / REPORT_HTML).read_text(encoding="utf-8")
    assert "<b>Jaccard 0.9" in page and "<del>" in page and "<ins>" in page
    assert "Jaccard to the kept record: 0.92&ndash;0.94: 1" in page


def test_word_diff_shows_what_differs_and_elides_what_does_not() -> None:
    from dataprep.report.evidence import distribution, word_diff

    assert word_diff("Are you GPT-2?", "Are you based on GPT-3?") == [
        ["=", "Are you"], ["-", "GPT-2?"], ["+", "based on GPT-3?"]]
    long = " ".join(f"w{i}" for i in range(100))
    assert word_diff(long, long.replace("w50", "changed")) == [
        ["~", "… 44 word(s) …"], ["=", "w44 w45 w46 w47 w48 w49"], ["-", "w50"], ["+", "changed"],
        ["=", "w51 w52 w53 w54 w55 w56"], ["~", "… 43 word(s) …"]]
    bins = distribution([0.8, 0.81, 0.999, 1.0], 0.8)
    assert (bins[0], bins[-1]) == ({"from": 0.8, "to": 0.82, "count": 2}, {"from": 0.98, "to": 1.0, "count": 2})


def test_verdict_names_what_blocks_once_and_what_to_run(too_small: Built) -> None:
    """Too few records is one blocker (DP304), not two: the row-count expectation that restates it stays in
    the expectations section. The next step is the rule's fix."""
    report = too_small.report()
    verdict = report["verdict"]
    assert not verdict["ready"]
    assert [b["code"] for b in verdict["blocking"]] == ["DP304"] and verdict["blocking_total"] == 1
    failed = [r for r in report["expectations"]["results"] if not r["success"]]
    assert [r["type"] for r in failed] == ["expect_table_row_count_to_be_between"]
    counts = report["counts"]
    assert failed[0]["observed_value"] == counts["train"] + counts["validation"]
    assert verdict["next"]["command"] == "dataprep rules DP304"
    assert verdict["headline"] == ("Not ready for llama3-1-8b-instruct fine-tuning: 1 blocking problem(s). "
                                   "40 records in, 40 kept, 0 removed (0.0%).")


def test_verdict_says_what_was_removed_and_the_terminal_ends_with_it(finetune: Built, tmp_path: Path) -> None:
    report = finetune.report()
    verdict = report["verdict"]
    assert verdict["ready"] and verdict["next"]["command"].startswith("dataprep job OUT --s3-uri ")
    by_code = {e["code"]: e["count"] for e in report["rejected"]["by_code"]}
    top = sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(r["code"], r["count"]) for r in verdict["removed_by"]] == top
    assert (verdict["records_in"], verdict["kept"], verdict["removed"]) == (
        report["counts"]["input_records"], report["counts"]["train"] + report["counts"]["validation"],
        report["counts"]["rejected"])
    share = 100 * verdict["removed"] / verdict["units"]
    assert f"{verdict['removed']} removed ({share:.1f}%): {top[0][0]} " in verdict["headline"]
    page = (finetune.reports / REPORT_HTML).read_text(encoding="utf-8")
    assert escape(verdict["headline"].partition(". ")[0]) in page and "Removed most:" in page
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", "from dataprep.cli import main; main()", "build", str(FINETUNE),
                           str(out), "--model", LLAMA, "--lang", "en", "-q"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert verdict["headline"] in lines  # one line, not cut at 80 columns without a terminal
    assert f"next: dataprep job {out} --s3-uri " in done.stderr


# ------------------------------------------------------------------------------------------ great-expectations


def gx_run(result: BuildResult, train: list[Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Run the build's suites over its splits with `train` in place of the training records."""
    data = expectations.frames({"train": train, "validation": result.splits["validation"]}, labeled=True)
    made = expectations.suites(result.profile, result.spec, result.settings, data)
    return {(r["dataset"], r["type"], r["kwargs"].get("column", "")): r for r in expectations.run(data, made)}


def failures(results: dict[tuple[str, str, str], dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {key for key, r in results.items() if not r["success"]}


def test_expectations_hold_on_the_build(finetune: Built) -> None:
    assert failures(gx_run(finetune.result, list(finetune.result.splits["train"]))) == set()


def test_a_duplicated_record_breaks_unique_keys(finetune: Built) -> None:
    train = list(finetune.result.splits["train"])
    results = gx_run(finetune.result, [*train, train[0]])
    key = ("train", "expect_column_values_to_be_unique", "key")
    assert failures(results) == {key, ("train+validation", *key[1:])}
    assert results[key]["unexpected_count"] == 2
    assert {u["line"] for u in results[key]["unexpected"]} == {1, len(train) + 1}


def test_an_over_long_record_breaks_the_token_limit(finetune: Built) -> None:
    train = list(finetune.result.splits["train"])
    train[3] = replace(train[3], output_tokens=16_001)  # llama3-1-8b-instruct: 16,000 per record, exact count
    results = gx_run(finetune.result, train)
    over = {("train", "expect_column_values_to_be_between", c) for c in ("tokens", "output_tokens")}
    assert failures(results) == over
    for key in over:
        assert results[key]["unexpected_count"] == 1
        assert results[key]["unexpected"][0]["line"] == 4


def test_wrong_roles_and_language_break_their_expectations(finetune: Built) -> None:
    train = list(finetune.result.splits["train"])
    turns = train[0].row.turns
    train[0] = replace(train[0], held=Canonical(turns=(Turn("assistant", turns[0].text), Turn("user", turns[1].text))))
    train[1] = replace(train[1], lang="de")
    results = gx_run(finetune.result, train)
    in_set = "expect_column_values_to_be_in_set"
    assert failures(results) == {("train", in_set, "first_role"), ("train", in_set, "last_role"),
                                 ("train", in_set, "lang")}
    assert results["train", in_set, "first_role"]["unexpected"] == [{"split": "train", "line": 1, "value": "assistant"}]
    assert results["train", in_set, "lang"]["unexpected_count"] == 1


def test_expectations_json_loads_back_into_great_expectations(finetune: Built) -> None:
    import great_expectations as gx

    document = json.loads((finetune.reports / "expectations.json").read_text(encoding="utf-8"))
    assert set(document["suites"]) == {"train", "validation", "train+validation"}
    suite = gx.ExpectationSuite(**document["suites"]["train"])
    assert len(suite.expectations) == sum(r["dataset"] == "train" for r in finetune.report()["expectations"]["results"])


def test_reports_make_no_network_attempt_and_stay_off_the_cli_start_up() -> None:
    """An audit hook sees every name lookup, connection and datagram of the report step (GX included).

    Creating and binding a socket is not counted: urllib3 binds one to ::1 at import to probe for IPv6.
    """
    script = f"""
import sys
from pathlib import Path
import dataprep.cli, dataprep.cli.report
heavy = [m for m in ("great_expectations", "matplotlib", "pandas") if m in sys.modules]
assert not heavy, f"imported at CLI start-up: {{heavy}}"
from dataprep.build.model import BuildSettings
from dataprep.build.pipeline import build
from dataprep.profiles import resolve_model
from dataprep.report import write_reports
import tempfile
NETWORK = {{"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.sendto",
           "socket.sendmsg", "urllib.Request"}}
attempts = []
with tempfile.TemporaryDirectory() as tmp:
    result = build([Path({str(FINETUNE)!r})], Path(tmp) / "out", resolve_model({LLAMA!r}), BuildSettings())
    sys.addaudithook(lambda event, args: attempts.append((event, args)) if event in NETWORK else None)
    (Path(tmp) / "reports").mkdir()
    write_reports(result, Path(tmp) / "reports")
assert "great_expectations" in sys.modules
print(attempts)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_report_process_writes_the_same_bytes_and_falls_back_when_it_dies(finetune: Built,
                                                                               tmp_path: Path) -> None:
    """The build's report child (started with the build, so GX imports while the pipeline runs) writes what
    `write_reports` writes in-process; a child killed before its job leaves the reports to the build itself."""
    import os
    import signal

    from dataprep.report.worker import ReportWriter

    expected = {name: (finetune.reports / name).read_bytes() for name in NAMES}
    for kill in (False, True):
        folder = tmp_path / f"kill-{kill}"
        folder.mkdir()
        writer = ReportWriter()
        try:
            process = writer._process
            assert process is not None and process.is_alive()
            if kill:
                os.kill(process.pid, signal.SIGKILL)
                process.join()
            assert writer(finetune.result, folder) == list(NAMES)
        finally:
            writer.close()
        assert {name: (folder / name).read_bytes() for name in NAMES} == expected
        assert writer._process is None


def test_an_error_in_the_report_process_is_raised_in_the_build(finetune: Built, tmp_path: Path) -> None:
    """A write error in the child comes back as the same OSError, naming the file (the build's message uses it)."""
    from dataprep.report.worker import ReportWriter

    writer = ReportWriter()
    try:
        with pytest.raises(FileNotFoundError) as raised:
            writer(finetune.result, tmp_path / "missing")
    finally:
        writer.close()
    assert raised.value.filename is not None and "missing" in raised.value.filename
    assert "Traceback" in str(raised.value.__cause__)


# ------------------------------------------------------------------------------------------ report.html


# Every list past its first rows is folded, so a page's height follows its sections, not the data: the sample
# builds measure 4.5k-7.0k px at 1280 and 4.8k-9.9k px at 420 px wide (the SageMaker-guide report was 83k px
# when each input file had its row).
MAX_HEIGHT = {1280: 15_000, 420: 20_000}
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_report_html_in_headless_chromium(finetune: Built, pretraining: Built, too_small: Built) -> None:
    """At 1280 and 420 px: nothing loads, nothing scrolls sideways, the page stays short; screenshots kept."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (`make test-deps` installs it): /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            cases = [(built, banner, width) for built, banner in
                     ((finetune, "Ready"), (pretraining, "Ready"), (too_small, "Not ready")) for width in MAX_HEIGHT]
            for built, banner, width in cases:
                page = browser.new_page(viewport={"width": width, "height": 900})
                requests: list[str] = []
                errors: list[str] = []
                page.on("request", lambda r, seen=requests: seen.append(r.url))
                page.on("console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None)
                url = (built.reports / REPORT_HTML).as_uri()
                page.goto(url)
                assert requests == [url]  # the page itself, nothing else
                assert errors == []  # e.g. a blocked load would be a Content-Security-Policy error
                assert page.inner_text("#verdict h2").startswith(banner)
                assert page.locator("#quotas .gauge .gauge-bar").count() >= 3
                for split in built.report()["splits"]["by_split"]:
                    assert page.locator(f'figure.split-chart[data-split="{split}"] svg').count() == 1
                assert page.locator("figure.languages-chart svg").count() == 1
                for code in (e["code"] for e in built.report()["rejected"]["by_code"]):
                    assert page.locator(f"#rule-{code}").count() == 1  # the rejected table links resolve
                size = page.evaluate("() => [document.documentElement.scrollWidth, "
                                     "document.documentElement.clientWidth, document.documentElement.scrollHeight]")
                assert size[0] <= size[1], f"{built.reports.parent.name} scrolls sideways at {width} px: {size}"
                assert size[2] <= MAX_HEIGHT[width], f"{built.reports.parent.name} at {width} px: {size[2]} px tall"
                ARTIFACTS.mkdir(exist_ok=True)
                shot = ARTIFACTS / f"report-{built.reports.parent.name.rstrip('0123456789')}-{width}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
                page.close()
        finally:
            browser.close()
    page_source = (too_small.reports / REPORT_HTML).read_text(encoding="utf-8")
    assert "DP304" in page_source
    assert not re.search(r"\bsrc\s*=", page_source)  # nothing to load
    assert re.findall(r'\bhref="([^"]*)"', page_source) and all(
        link.startswith("#") for link in re.findall(r'\bhref="([^"]*)"', page_source))  # links stay in the page


# ------------------------------------------------------------------------------------------ re-render, determinism


def cli() -> typer.Typer:
    """The dataprep CLI when it registers `report`; otherwise the command on its own."""
    from dataprep.cli import app

    if any(c.name == "report" or (c.callback and c.callback.__name__ == "report") for c in app.registered_commands):
        return app
    alone = typer.Typer()
    alone.command()(report_command)
    alone.command("_")(lambda: None)  # a second command keeps `report` a named subcommand, as in the CLI
    return alone


def test_report_command_re_renders_byte_identically(finetune: Built, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / REPORT_JSON).write_bytes((finetune.reports / REPORT_JSON).read_bytes())
    done = CliRunner().invoke(cli(), ["report", str(folder)])
    assert done.exit_code == 0, done.output
    assert (folder / REPORT_HTML).read_bytes() == (finetune.reports / REPORT_HTML).read_bytes()


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"), ("{not json", "cannot read it as JSON"), ('{"report_version": 99}', "report_version 99"),
    ('{"report_version": 1}', "not a complete report"),
])
def test_report_command_explains_a_missing_or_bad_report(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / REPORT_JSON).write_text(content, encoding="utf-8")
    done = CliRunner().invoke(cli(), ["report", str(tmp_path)])
    assert done.exit_code == 2
    assert message in done.output and "Traceback" not in done.output
    assert not (tmp_path / REPORT_HTML).exists()


def test_same_inputs_and_seed_give_byte_identical_reports(finetune: Built, tmp_path: Path) -> None:
    again = build_and_report(FINETUNE, tmp_path, LLAMA, BuildSettings(lang=("en",)))
    for name in NAMES:
        data = (again.reports / name).read_bytes()
        assert data == (finetune.reports / name).read_bytes(), name
        assert str(tmp_path).encode() not in data and str(finetune.out).encode() not in data
