"""Every script in `benchmarks/` starts: its imports resolve against the checkout and `--help` prints its usage.

No test runs the benchmarks themselves (they take minutes and measure, not check), so a name a refactor
removed from `dataprep` could break one unnoticed until the next measurement: stop 25's sketch change left
`bench_minhash.py` importing `numpy_shingle_hashes`, and `make bench` failed at import. `--help` imports the
module, as a run would, and does nothing else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "benchmarks").glob("*.py"))


def test_the_benchmark_scripts_are_all_found() -> None:
    assert {"bench_build.py", "bench_minhash.py", "bench_stage_floors.py", "mutants.py"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_a_benchmark_script_imports_and_prints_its_usage(script: Path) -> None:
    done = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower(), done.stdout[:500]
