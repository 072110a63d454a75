"""Time `dataprep validate` as a whole process against a floor, on 10k and 100k Claude 3 Haiku records.

Why: #14 sets the linter's speed as ratios to a floor anyone can reproduce (a script that only reads and
JSON-parses the same file, interpreter start-up included, as validate's figure is) and as absolute wall
times for the README: within 3x of the floor, and <= 0.35 s for 10k / <= 1.5 s for 100k Haiku records.
Records are real: ../shared/corpora/t0-prompt-completion (relative to the repository root) as Haiku
`messages` records, its `<|endoftext|>` markers removed (they are DP406 on every line otherwise), the
corpus cycled with a variant number in the prompt past its 55k records; synthetic when it is absent.
Each command runs as its own process, best of N by wall clock; peak RSS is that command's own maxrss
(os.wait4; the data is written by a child process, so the corpus held while writing it is in no figure).
Each size is also timed with `--select DP1,DP2,DP3` (file, schema and size rules only: the scope of AWS's
validators; validate skips the checks a selection switches off). Also timed: `--help`, and the strict decoder
alone against `json.loads` in process (what strictness costs: duplicate keys, NaN, big integers, lone
surrogates). `--stages` adds where validate's time goes: each
check run alone, in process, over the largest file's records (microseconds a record, one run).

    python benchmarks/bench_validate.py [--records 10000,100000] [--repeat 3] [--model claude-3-haiku] [--stages]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "t0-prompt-completion"
DATAPREP = Path(sys.executable).with_name("dataprep")
FLOOR = "import json, sys\nfor line in open(sys.argv[1], 'rb'):\n    json.loads(line)\n"
TARGETS = {10_000: 0.35, 100_000: 1.5}  # seconds, whole process, Haiku records
RATIO_TARGET = 3.0
STRUCTURAL = "DP1,DP2,DP3"  # file, record-schema and size rules: the scope of AWS's own validators, timed too
HELP_TARGET = 0.5


def corpus_pairs() -> list[tuple[str, str]]:
    """The corpus' (prompt, completion) pairs, or synthetic ones when it is absent."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(CORPUS.glob("*.jsonl")) if CORPUS.is_dir() else ():
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    pairs.append((row["prompt"], row["completion"].replace("<|endoftext|>", "").strip()))
    if not pairs:
        rng = random.Random(0)
        words = ["the", "a", "data", "model", "answer", "question", "summary", "review", "label", "news"]
        pairs = [(" ".join(rng.choice(words) for _ in range(rng.randint(20, 200))) + "\nAnswer:",
                  " ".join(rng.choices(words, k=12))) for _ in range(5000)]
    return pairs


def write_haiku(path: Path, count: int, pairs: list[tuple[str, str]]) -> None:
    """`count` Haiku records; past the end of `pairs` the prompts carry a variant number (no mass DP401)."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            prompt, completion = pairs[i % len(pairs)]
            if i >= len(pairs):
                prompt = f"{prompt} (variant {i // len(pairs)})"
            messages = [{"role": "user", "content": prompt}, {"role": "assistant", "content": completion or "ok"}]
            out.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")


def run(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB of this process alone, exit code)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, child.returncode


def best(args: list[str], repeat: int) -> tuple[float, float, int]:
    """The fastest of `repeat` runs (its RSS and exit code)."""
    return min((run(args) for _ in range(repeat)), key=lambda r: r[0])


def strictness_cost(path: Path) -> tuple[float, float]:
    """(json.loads seconds, strict decoder seconds) over every line of `path`, in this process."""
    sys.path.insert(0, str(ROOT))
    from dataprep.io.decode import StrictDecoder, parse_line

    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    start = time.perf_counter()
    for line in lines:
        json.loads(line)
    plain = time.perf_counter() - start
    decoder = StrictDecoder()
    start = time.perf_counter()
    for line in lines:
        parse_line(line, decoder)
    return plain, time.perf_counter() - start


def stages(path: Path, model: str) -> list[tuple[str, float]]:
    """(stage, seconds) of each per-record step of validate run alone over `path`'s records, in this process.

    The steps are the functions `dataprep.validate` calls, on the same records: the reader, the format and
    schema check, the content checks (and within them the secret, personal-data and junk detectors), the
    normal-form key, reserved keywords and size limits; `validate (all)` is `validate_paths` itself.
    """
    sys.path.insert(0, str(ROOT))
    from dataprep import formats
    from dataprep.checks import content, junk, pii, secrets
    from dataprep.checks.duplicates import duplicate_key
    from dataprep.checks.keywords import ReservedKeywords
    from dataprep.checks.limits import RecordLimits
    from dataprep.io.jsonl import JsonlStream
    from dataprep.profiles import resolve_model
    from dataprep.registry import RulePolicy
    from dataprep.validate import validate_paths

    profile = resolve_model(model)
    limits, keywords = RecordLimits.of(profile, profile.task(None)), ReservedKeywords.of(profile)
    timed: list[tuple[str, float]] = []

    def clock(name: str, step: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        start = time.perf_counter()
        out = [step(item) for item in items]
        timed.append((name, time.perf_counter() - start))
        return out

    records = clock("read + strict parse", lambda p: list(JsonlStream(p, RulePolicy(), keep_bad=False)), [path])[0]
    shapes = clock("format detect", lambda r: formats.detect(r.value), records)
    rows = [row for row in clock("schema check (formats)", lambda r: formats.MODULES[shapes[0]].check(
        r.value, lambda *a: None), records) if row is not None]
    clock("content checks (all)", lambda row: list(content.findings(row)), rows)
    texts = ["\n".join(row.texts()) for row in rows]
    clock("  secrets (DP409)", secrets.find, texts)
    clock("  personal data (DP410/DP430)", pii.find, texts)
    clock("  junk (DP418-DP420)", lambda row: list(junk.findings(row, content.excerpt)), rows)
    clock("normal form + key (DP401)", duplicate_key, rows)
    clock("reserved keywords (DP212)", keywords.problem, rows)
    clock("size limits", lambda row: (limits.char_problem(row.texts()), limits.could_exceed(row.texts())), rows)
    clock("validate (all)", lambda p: validate_paths([p], profile), [path])
    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default="claude-3-haiku")
    parser.add_argument("--stages", action="store_true", help="also time each check alone, in process")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)  # child: write the --records file and exit
    options = parser.parse_args()
    if options.write is not None:  # in its own process, so the corpus held here inflates no timed child's RSS
        write_haiku(options.write, int(options.records), corpus_pairs())
        return 0
    if not DATAPREP.exists():
        print(f"no dataprep executable next to {sys.executable}; run `make bench`", file=sys.stderr)
        return 2
    counts = [int(c) for c in options.records.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; best of {options.repeat}")
    seconds, rss, _ = best([str(DATAPREP), "--help"], options.repeat)
    failed = seconds > HELP_TARGET
    print(f"dataprep --help: {seconds:.3f} s, {rss:.0f} MB (target <= {HELP_TARGET} s)")
    print(f"{'records':>8} {'MB':>6} {'floor s':>8} {'validate s':>10} {'ratio':>6} {'RSS MB':>7} {'floor RSS':>9} "
          f"{'exit':>4}  targets")
    with tempfile.TemporaryDirectory() as tmp:
        for count in counts:
            data = Path(tmp) / "train.jsonl"
            subprocess.run([sys.executable, __file__, "--records", str(count), "--write", str(data)], check=True)
            floor, floor_rss, _ = best([sys.executable, "-c", FLOOR, str(data)], options.repeat)
            took, rss, code = best([str(DATAPREP), "validate", str(data), "--model", options.model,
                                    "--output-format", "concise"], options.repeat)
            ratio = took / floor
            target = TARGETS.get(count)
            ok = ratio <= RATIO_TARGET and (target is None or took <= target)
            failed |= not ok
            goal = f"ratio <= {RATIO_TARGET:g}" + (f", <= {target} s" if target else "")
            print(f"{count:8,} {data.stat().st_size / 1e6:6.1f} {floor:8.3f} {took:10.3f} {ratio:6.1f} {rss:7.0f} "
                  f"{floor_rss:9.0f} {code:4d}  {goal} {'ok' if ok else 'MISSED'}")
            scoped, scoped_rss, scoped_code = best([str(DATAPREP), "validate", str(data), "--model", options.model,
                                                    "--output-format", "concise", "--select", STRUCTURAL],
                                                   options.repeat)
            print(f"{'':8} {'':6} {'':8} {scoped:10.3f} {scoped / floor:6.1f} {scoped_rss:7.0f} {'':9} "
                  f"{scoped_code:4d}  --select {STRUCTURAL} (the checks AWS's validators make)")
        plain, strict = strictness_cost(data)
        print(f"strictness ({counts[-1]:,} lines, in process): json.loads {plain:.3f} s, strict decoder "
              f"{strict:.3f} s ({strict / plain:.2f}x)")
        if options.stages:
            print(f"stages ({counts[-1]:,} records, in process, each alone; json.loads "
                  f"{plain / counts[-1] * 1e6:.1f} us/record)")
            for name, seconds in stages(data, options.model):
                print(f"  {name:32s} {seconds:7.3f} s {seconds / counts[-1] * 1e6:7.1f} us/record")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
