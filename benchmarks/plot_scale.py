"""Draw the scale curve of `dataprep build` for the README from `bench_build.py --scale-results FILE.json`.

Why a script and a committed SVG: the README's figure must be the one measured, redrawn by anyone from the
committed JSON, and its bytes must not change when the numbers do not (no date in the SVG, fixed hash salt),
so a rerun on the same results is not a diff.

Two panels over the record count (log scale): microseconds per input record (flat or falling is the
target: cost per record does not grow with the input) and peak memory (max RSS of the largest process
and tree PSS of the build with its workers), each point labelled with its value.

    python benchmarks/plot_scale.py benchmarks/results/scale.json docs/scale.svg
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use(): the backend is chosen before pyplot loads


def _label(records: int) -> str:
    return f"{records // 1000:,}k" if records < 1_000_000 else f"{records / 1e6:g}M"


def draw(results: dict[str, object], out: Path) -> None:
    """Write the two-panel SVG for the builds in `results` to `out`."""
    builds = sorted(results["builds"], key=lambda b: b["records"])  # type: ignore[index,arg-type]
    records = [b["records"] for b in builds]
    per_record = [b["us_per_record"] for b in builds]
    rss = [b["max_rss_mib"] for b in builds]
    pss = [b["tree_pss_mib"] for b in builds]
    plt.rcParams["svg.hashsalt"] = "dataprep-scale"
    fig, (cost, memory) = plt.subplots(1, 2, figsize=(10, 3.8))
    cost.plot(records, per_record, marker="o", color="#1f77b4")
    for x, y in zip(records, per_record, strict=True):
        cost.annotate(f"{y:,.0f}", (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    cost.set(xscale="log", ylim=(0, max(per_record) * 1.25), xlabel="input records",
             ylabel="µs per input record (wall)", title="cost per record")
    memory.plot(records, pss, marker="o", label="tree PSS (build + workers)", color="#d62728")
    memory.plot(records, rss, marker="s", label="max RSS (largest process)", color="#7f7f7f")
    for x, y in zip(records, pss, strict=True):
        memory.annotate(f"{y:,} MiB", (x, y), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
    memory.set(xscale="log", yscale="log", ylim=(min(rss + pss) / 1.5, max(rss + pss) * 2), xlabel="input records",
               ylabel="peak MiB (log)", title="peak memory")
    memory.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:,.0f}"))
    memory.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    memory.legend(fontsize=8, loc="upper left")
    for axis in (cost, memory):
        axis.set_xticks(records, [_label(r) for r in records])
        axis.grid(alpha=0.3)
    fig.suptitle(f"dataprep build, generated prompt/completion records, {results['cpus']} CPUs", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="JSON written by bench_build.py --scale-results")
    parser.add_argument("out", type=Path, help="SVG to write")
    options = parser.parse_args()
    try:
        results = json.loads(options.results.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"{options.results}: cannot read the scale results ({error}); write them with "
              "bench_build.py --scale-results", file=sys.stderr)
        return 2
    if len(results.get("builds", [])) < 2:
        print(f"{options.results}: fewer than two scale builds, nothing to plot", file=sys.stderr)
        return 2
    draw(results, options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
