"""Time `dataprep validate` as a whole process on a 10k-record prompt/completion file.

Reads records from ../shared/corpora/t0-prompt-completion (relative to the repository root) and falls back
to synthetic records when that corpus is absent. Each command runs as its own process (what a pre-commit
hook or CI step pays), best of 3 by wall clock; peak RSS is the largest child's maxrss.

    python benchmarks/bench_validate.py [--records N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "t0-prompt-completion"
DATAPREP = Path(sys.executable).with_name("dataprep")
TARGETS = {"--help": 0.5, "validate": 2.0}


def make_records(count: int) -> tuple[list[dict[str, str]], str]:
    records: list[dict[str, str]] = []
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.jsonl")):
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        row = json.loads(line)
                        records.append({"prompt": row["prompt"], "completion": row["completion"]})
                        if len(records) == count:
                            return records, f"corpus {CORPUS.name}"
    source = f"corpus {CORPUS.name} + synthetic" if records else "synthetic"
    rng = random.Random(0)
    words = ["the", "a", "data", "model", "answer", "question", "summary", "review", "label", "news"]
    while len(records) < count:
        prompt = " ".join(rng.choice(words) for _ in range(rng.randint(20, 200)))
        records.append({"prompt": prompt + "\nAnswer:", "completion": " ".join(rng.choices(words, k=12))})
    return records, source


def time_command(args: list[str], repeat: int) -> tuple[float, int]:
    """Best wall-clock seconds over `repeat` runs, and the exit code of the last run."""
    best, code = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        code = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        best = min(best, time.perf_counter() - start)
    return best, code


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux: the largest of all waited-for children so far.
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if not DATAPREP.exists():
        print(f"no dataprep executable next to {sys.executable}; run `make bench`", file=sys.stderr)
        return 2

    records, source = make_records(options.records)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "train.jsonl"
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        size_mb = data.stat().st_size / 1e6
        print(f"input: {len(records):,} records, {size_mb:.1f} MB ({source}); best of {options.repeat}")
        cases = [
            ("dataprep --help", [str(DATAPREP), "--help"], None, TARGETS["--help"]),
            (
                "validate --model llama3-1-8b-instruct",
                [str(DATAPREP), "validate", str(data), "--model", "llama3-1-8b-instruct"],
                len(records),
                TARGETS["validate"],
            ),
            (
                "validate --model titan-text-express",
                [str(DATAPREP), "validate", str(data), "--model", "titan-text-express"],
                len(records),
                TARGETS["validate"],
            ),
        ]
        header = f"{'command':40} {'seconds':>8} {'records/s':>10} {'peak RSS MB':>12} {'exit':>5}"
        print(f"{header} {'target':>8}")
        failed = False
        for label, args, count, target in cases:
            seconds, code = time_command(args, options.repeat)
            rate = f"{count / seconds:,.0f}" if count else "-"
            ok = seconds < target
            failed |= not ok
            mark = f"<{target:g} s " + ("ok" if ok else "MISSED")
            print(f"{label:40} {seconds:8.3f} {rate:>10} {peak_rss_mb():12.0f} {code:5d} {mark:>8}")
    print("targets: validate of 10k records < 2 s, dataprep --help < 0.5 s (whole process, wall clock)")
    print("peak RSS is cumulative: the largest process run so far in this benchmark")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
