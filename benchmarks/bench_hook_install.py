"""How long the pre-commit hook's first install takes (#14 item 6), from a snapshot of this repository.

Why: `dataprep validate` runs as a pre-commit hook, and pre-commit builds the hook's virtualenv with pip the
first time a developer commits; that install is the hook's real start-up cost. The script commits HEAD into a
temporary repository, points a consumer repository's `.pre-commit-config.yaml` at it and times
`pre-commit install-hooks` with a fresh PRE_COMMIT_HOME, with pip's cache (`--warm`) or without it (the
default: what a CI runner or a new laptop pays). It prints seconds and the size of the hook environment.

    python benchmarks/bench_hook_install.py [--warm] [--rev REV]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", action="store_true", help="keep pip's cache (default: no cache, a cold install)")
    parser.add_argument("--rev", default="HEAD")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dataprep-hook-") as tmp:
        work = Path(tmp)
        hook = work / "hook"
        _git(ROOT, "worktree", "add", "--detach", "-q", str(hook), args.rev)
        try:
            consumer = work / "consumer"
            consumer.mkdir()
            _git(consumer, "init", "-q")
            rev = _git(hook, "rev-parse", "HEAD").strip()
            (consumer / ".pre-commit-config.yaml").write_text(
                f"repos:\n  - repo: {hook.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: dataprep-validate\n",
                encoding="utf-8")
            env = {**os.environ, "PRE_COMMIT_HOME": str(work / "home")}
            env.pop("VIRTUAL_ENV", None)
            if not args.warm:
                env["PIP_NO_CACHE_DIR"] = "1"
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=consumer, env=env,
                                  capture_output=True, text=True)
            seconds = time.perf_counter() - start
            if done.returncode:
                print(done.stdout + done.stderr, file=sys.stderr)
                return 1
            size = sum(f.stat().st_size for f in (work / "home").rglob("*") if f.is_file())
            load = os.getloadavg()[0]
            print(f"rev {rev[:12]}: first hook install {seconds:.1f} s ({'warm' if args.warm else 'cold'} pip cache), "
                  f"hook environment {size / 1e6:.0f} MB, load {load:.1f}")
        finally:
            _git(ROOT, "worktree", "remove", "--force", str(hook))
    return 0


if __name__ == "__main__":
    sys.exit(main())
