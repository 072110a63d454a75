"""Pathological JSONL costs what clean JSONL costs: pretty-printed objects and cut-off lines, as a ratio.

The reader once re-joined and re-parsed up to 2,000 following lines for every line that failed to parse and
opened an object, so a `.jsonl` of pretty-printed records (DP107) or of many cut-off lines (DP104) took
minutes where the same records as clean JSONL took a second. This script builds the same N records three
ways, clean, pretty-printed and with every other line cut off (outside a string, the worst case for a
look-ahead), and times `dataprep validate`'s reader and `dataprep build`'s reader (in process, best of
`--repeat`) on each; the figure to watch is the ratio to the clean file, which a linear reader keeps small
whatever N is (a quadratic one grows with N).

    python benchmarks/bench_pathological.py [--records N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.io.jsonl import read_jsonl  # noqa: E402  (the checkout, not an installed copy)
from dataprep.io.read import read_sources  # noqa: E402
from dataprep.registry import RulePolicy  # noqa: E402

RATIO_LIMIT = 8.0  # linear: the pretty-printed file has 4x the lines; quadratic grows with N


def make_files(folder: Path, count: int) -> dict[str, Path]:
    """The same records as clean JSONL, pretty-printed JSONL, and JSONL with every other line cut off."""
    records = [{"prompt": f"Question {i}: what is {i} times three?", "completion": f"It is {3 * i}."}
               for i in range(count)]
    layouts = {
        "clean": "".join(json.dumps(r) + "\n" for r in records),
        "pretty-printed": "".join(json.dumps(r, indent=2) + "\n" for r in records),
        "cut-off": "".join((json.dumps(r)[:-1] + "," if i % 2 else json.dumps(r)) + "\n"
                           for i, r in enumerate(records)),
    }
    paths = {}
    for name, text in layouts.items():
        paths[name] = folder / f"{name}.jsonl"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def best_of(repeat: int, run: Callable[[Path], object], path: Path) -> float:
    """Best wall-clock seconds of `repeat` runs of `run(path)`."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run(path)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    """Print a table of seconds and ratios; exit 1 when a ratio is over RATIO_LIMIT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    policy = RulePolicy()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_files(Path(tmp), args.records)
        readers: dict[str, Callable[[Path], object]] = {
            "validate reader": lambda p: read_jsonl(p, policy),
            "build reader": lambda p: read_sources([p], policy),
        }
        worst = 0.0
        print(f"{args.records:,} records, best of {args.repeat}")
        print(f"{'reader':<16} {'layout':<15} {'lines':>8} {'seconds':>8} {'x clean':>8}")
        for reader, run in readers.items():
            clean = best_of(args.repeat, run, paths["clean"])
            for layout, path in paths.items():
                seconds = clean if layout == "clean" else best_of(args.repeat, run, path)
                ratio = seconds / clean
                worst = max(worst, ratio)
                lines = path.read_bytes().count(b"\n")
                print(f"{reader:<16} {layout:<15} {lines:>8,} {seconds:>8.2f} {ratio:>8.1f}")
    print(f"worst ratio {worst:.1f} (limit {RATIO_LIMIT})")
    return 0 if worst <= RATIO_LIMIT else 1


if __name__ == "__main__":
    raise SystemExit(main())
