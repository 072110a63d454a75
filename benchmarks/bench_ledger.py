"""Time the ledger's encoding: each entry masked and encoded alone against the write step's chunked path.

Why (#17): a 1M-record build with `--max-train-records 10000` writes 990,000 ledger lines, each with its
original masked for secrets and personal data. Masked one at a time (`Rejected.as_dict`: `mask_record` scans
every line as read and again JSON-unescaped, then the json module encodes it) that was most of the write
stage. The write step now masks 2,000 originals at once (`ledger_dicts` → `content.mask_records`: the
pre-filters run once over the joined chunk, and only the few lines they let through are masked alone) and
encodes with orjson (`write._ledger_line`). Both paths run here on the same lines, in the same run, and
must give the same bytes (exit 1 otherwise).

The lines are the first `--lines` of a JSONL file (by default every T0 file of ../shared/corpora, in sorted
order), filed as DP504 entries, as the sampled-out records of a large build are.

    python benchmarks/bench_ledger.py [--corpus FILE_OR_DIR] [--lines N] [--rounds K]

Prints a markdown table; exits 2 when the corpus is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dataprep.build.model import LedgerFields, Rejected, ledger_dicts  # noqa: E402  (the checkout's own)
from dataprep.build.write import _LEDGER_CHUNK, _ledger_line  # noqa: E402
from dataprep.io.write import dumps  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "t0-prompt-completion"
REASON = "left out by the --max-train-records 10,000 sample"


def _lines(corpus: Path) -> Iterator[str]:
    files = sorted(corpus.glob("*.jsonl")) if corpus.is_dir() else [corpus]
    for path in files:
        with path.open(encoding="utf-8") as fh:
            yield from (line.rstrip("\n") for line in fh)


def _alone(entries: list[LedgerFields]) -> list[str]:
    return [dumps(Rejected(*e[:7], originals=e[7]).as_dict()) for e in entries]


def _chunked(entries: list[LedgerFields]) -> list[str]:
    return [_ledger_line(d) for k in range(0, len(entries), _LEDGER_CHUNK)
            for d in ledger_dicts(entries[k:k + _LEDGER_CHUNK])]


def _best(run: Callable[[list[LedgerFields]], list[str]], entries: list[LedgerFields], rounds: int
          ) -> tuple[float, list[str]]:
    times, out = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        out = run(entries)
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a JSONL file or a folder of them")
    parser.add_argument("--lines", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each path; the fastest is reported")
    options = parser.parse_args()
    if not options.corpus.exists():
        print(f"no corpus at {options.corpus}", file=sys.stderr)
        return 2
    lines = list(islice(_lines(options.corpus), options.lines))
    entries: list[LedgerFields] = [("data.jsonl", i, 0, 1, "DP504", REASON, line, "masked")
                                   for i, line in enumerate(lines, start=1)]
    alone, expected = _best(_alone, entries, options.rounds)
    chunked, got = _best(_chunked, entries, options.rounds)
    masked = sum(1 for line, out in zip(lines, expected, strict=True) if json.loads(out)["original"] != line)
    print(f"{len(entries):,} ledger entries from {options.corpus.name}, {masked:,} with something masked\n")
    print("| path | µs per entry |\n| --- | ---: |")
    print(f"| each masked and encoded alone (`Rejected.as_dict`, json) | {alone / len(entries) * 1e6:.1f} |")
    print(f"| {_LEDGER_CHUNK:,} at a time (`ledger_dicts`, orjson) | {chunked / len(entries) * 1e6:.1f} |")
    print(f"\nratio {alone / chunked:.2f}x; same bytes: {got == expected}")
    return 0 if got == expected else 1


if __name__ == "__main__":
    sys.exit(main())
