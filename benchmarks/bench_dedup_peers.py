"""Near-duplicate removal side by side: dataprep's dedup against datatrove's and text-dedup's MinHash (#11 item 6).

Why: a user choosing a curation tool asks what each one removes, whether it finds the copies that matter and
whether what it drops is really a duplicate. So the three run on the same texts, same machine, same run:

- dataprep: `dataprep.text.dedup.deduplicate` (the build's dedup stage: exact pass, MinHash LSH, greedy
  clustering verified by true Jaccard), in the project's own environment;
- dataprep-build: the whole `dataprep build` on the same texts as continued-pretraining records (#17 asks for
  the build, not only its dedup step, against datatrove's pipeline): read, convert, clean, the quality checks,
  dedup, tokens, split and write, as a user runs it; a record is removed when the ledger files it as DP401 or
  DP402. It keeps a cluster's member by content key, not by file order, so it keeps a planted copy about as
  often as its original: recall, not "copies removed", is its measure;
- datatrove: its four-stage MinHash pipeline (signatures, buckets, cluster, filter) on LocalPipelineExecutor;
- text-dedup (ChenghaoMou): `text_dedup.minhash`, its datasets-based MinHash + LSH + union-find script.

The peers live in their own virtual environment, `benchmarks/.peers-venv` (gitignored), created by this script
from `benchmarks/peers-requirements.txt` (pinned) and never a dependency of dataprep. A peer that cannot be
installed or imported is reported as such and the rest still runs.

Data: T0 (every record of ../shared/corpora/t0-prompt-completion, sorted file order, prompt and completion
one per line, as the build compares them) and GPTeacher toolformer (dedupe-only file). To each, planted
near-duplicates of real records are appended: a changed word and two swapped words (`tests/planting.py`'s
`small_edit`, imported), two adjacent sentences swapped, a boilerplate line appended. A plant counts only if
its true Jaccard to its original (dataprep's shingling) is at least the threshold; the rest are reported.

Measured per tool: documents removed; planted copies removed, and recall on plants (a plant is caught when
it and its original are not both kept: a tool may keep the copy instead); drops below the threshold
(removed documents with no *kept* document of true Jaccard >= 0.8, found exactly by prefix filtering on
dataprep's shingle sets); wall time of the tool's process; peak RSS and PSS summed over the process and its
children (sampled from /proc every 0.1 s). The load average is recorded: the machine may be shared, so
compare figures within one run.

Parameters, mapped onto dataprep's defaults (3-word shingles, 128 permutations, 16 bands x 8 rows, true
Jaccard >= 0.8): datatrove has no threshold knob, its LSH is set to the same 3-grams and 16 buckets x 8 hashes
(its own text simplification and spaCy word tokens, 64-bit hashes) and it keeps whatever its union-find
clusters; text-dedup gets `--ngram 3 --num_perm 128 --b 16 --r 8` (with b and r given, its `--threshold` is
unused; it splits on every non-word character, and `--min_length 1` so that no short text is silently
removed). Neither peer verifies candidates. Two more rows show each peer as it would be set by a user:
datatrove's defaults (5-grams, 14 x 8) and text-dedup with `--threshold 0.8` choosing its own bands.

From a clean clone (Python >= 3.11, the shared corpora at ../shared/corpora beside the repository):

    make bench-dedup-peers        # the dev venv, then benchmarks/.peers-venv, then this script
    .venv/bin/python benchmarks/bench_dedup_peers.py [--corpora t0,gpteacher] [--plants 250] [--tools LIST]
        [--no-setup] [--output FILE]

The first run creates benchmarks/.peers-venv (a few minutes, from the package registry only). Prints a
markdown table and writes benchmarks/results/dedup-peers.json (the table: dedup-peers.md). Exit 2 when no
corpus is found.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPORA = ROOT.parent / "shared" / "corpora"
PEERS_VENV = HERE / ".peers-venv"
REQUIREMENTS = HERE / "peers-requirements.txt"
RESULTS = HERE / "results" / "dedup-peers.json"
THRESHOLD = 0.8
NGRAM = 3
NUM_PERM = 128
BANDS, ROWS = 16, 8
SEED = 1
# Nothing downloads at run time: the hub clients the peers carry are told so.
OFFLINE = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
BOILERPLATE = (
    "Thank you for reading, and feel free to share this with your friends and colleagues.",
    "Disclaimer: the views expressed here are the author's own and not those of any employer.",
    "Sent from my phone, please excuse any typos or brevity in this message.",
    "Please let me know if you have any other questions, I am always happy to help.",
)


@dataclass(frozen=True)
class Tool:
    """One configuration of one tool: how it is run and how its parameters map onto the shared ones."""

    name: str
    peer: bool  # runs in the peers' venv
    params: str
    options: dict[str, Any] = field(default_factory=dict)


TOOLS = {
    "dataprep": Tool("dataprep", False, f"{NGRAM}-word shingles, {NUM_PERM} perm, {BANDS}x{ROWS} bands, "
                     f"true Jaccard >= {THRESHOLD} verified, greedy keep"),
    "dataprep-build": Tool("dataprep-build", False, "the whole `dataprep build` (read, convert, clean, quality "
                           "checks, dedup as above, tokens, split, write; --no-report) on the texts as "
                           "continued-pretraining records for titan-text-express; removed = filed as DP401/DP402"),
    "datatrove": Tool("datatrove", True, f"n_grams={NGRAM}, {BANDS} buckets x {ROWS} hashes ({NUM_PERM}), "
                      "no threshold knob, no verification", {"n_grams": NGRAM, "buckets": BANDS, "rows": ROWS}),
    "datatrove-default": Tool("datatrove-default", True, "its defaults: n_grams=5, 14 buckets x 8 hashes (112)",
                              {"n_grams": 5, "buckets": 14, "rows": 8}),
    "text-dedup": Tool("text-dedup", True, f"--ngram {NGRAM} --num_perm {NUM_PERM} --b {BANDS} --r {ROWS} "
                       "(given b, r: --threshold unused), no verification",
                       {"ngram": NGRAM, "b": BANDS, "r": ROWS}),
    "text-dedup-0.8": Tool("text-dedup-0.8", True, f"--ngram {NGRAM} --num_perm {NUM_PERM} --threshold "
                           f"{THRESHOLD} (its optimum for 0.8: b=9, r=13)", {"ngram": NGRAM}),
}


# ---------------------------------------------------------------------------------------------- the runners
# These run in the tool's own interpreter (`_run` sub-command): standard library at module level only.

def run_dataprep(inp: Path, work: Path, options: dict[str, Any]) -> list[str]:
    """The build's dedup algorithm with its default settings (3-grams, 128 perm, 16 x 8, 0.8 verified)."""
    sys.path.insert(0, str(ROOT))
    from dataprep.text.dedup import DedupSettings, deduplicate

    ids, texts = _read_input(inp)
    result = deduplicate(texts, DedupSettings(ngram=NGRAM, num_perm=NUM_PERM, threshold=THRESHOLD, seed=SEED,
                                              bands=BANDS, rows=ROWS))
    return [ids[i] for i in result.kept.nonzero()[0].tolist()]


def run_dataprep_build(inp: Path, work: Path, options: dict[str, Any]) -> list[str]:
    """The whole build as a user runs it (#17: the build against datatrove's pipeline, not only its dedup step).

    Each text is a `{"text": ...}` record; a record is removed when the ledger files it as a duplicate, and kept
    otherwise (a record a quality rule drops was not removed *as a duplicate*, which is what is scored).
    """
    ids, texts = _read_input(inp)
    raw = work / "raw"
    raw.mkdir()
    (raw / "texts.jsonl").write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
                                     encoding="utf-8")
    dataprep = Path(sys.executable).with_name("dataprep")
    subprocess.run([str(dataprep), "build", str(raw), str(work / "out"), "-q", "--model", "titan-text-express",
                    "--task", "continued-pretraining", "--validation-fraction", "0", "--no-report"], check=True)
    duplicates = {r["line"] for r in _rows(work / "out" / "rejected.jsonl") if r["code"] in ("DP401", "DP402")}
    placed = {r["source_line"] for r in _rows(work / "out" / "lineage.jsonl")}
    return [i for line, i in enumerate(ids, start=1) if line in placed or line not in duplicates]


def run_datatrove(inp: Path, work: Path, options: dict[str, Any]) -> list[str]:
    """datatrove's MinHash pipeline, four executors as its example does; two tasks where it can split."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.hashing import HashConfig

    shards = _shard(inp, work / "shards", 2)
    config = MinhashConfig(n_grams=options["n_grams"], num_buckets=options["buckets"],
                           hashes_per_bucket=options["rows"], seed=SEED, hash_config=HashConfig(precision=64))
    sigs, buckets, remove, out = (str(work / d) for d in ("sigs", "buckets", "remove", "out"))
    stages = [
        ([JsonlReader(str(shards)), MinhashDedupSignature(sigs, config=config)], 2),
        ([MinhashDedupBuckets(sigs, buckets, config=config)], options["buckets"]),
        ([MinhashDedupCluster(buckets, remove, config=config)], 1),
        ([JsonlReader(str(shards)), MinhashDedupFilter(remove), JsonlWriter(out, compression=None)], 2),
    ]
    for number, (pipeline, tasks) in enumerate(stages):
        LocalPipelineExecutor(pipeline, tasks=tasks, workers=min(tasks, 2),
                              logging_dir=str(work / f"logs{number}")).run()
    return [r["id"] for path in sorted(Path(out).glob("*.jsonl")) for r in _rows(path)]


def run_text_dedup(inp: Path, work: Path, options: dict[str, Any]) -> list[str]:
    """text-dedup's MinHash script, driven through its click command on a datasets dataset saved to disk."""
    import datasets
    from text_dedup.minhash import main

    ids, texts = _read_input(inp)
    datasets.Dataset.from_dict({"id": ids, "text": texts}).save_to_disk(str(work / "in"))
    args = ["--path", str(work / "in"), "--local", "--output", str(work / "out"), "--column", "text",
            "--cache_dir", str(work / "cache"), "--num_proc", "2", "--num_perm", str(NUM_PERM),
            "--threshold", str(THRESHOLD), "--ngram", str(options["ngram"]), "--min_length", "1"]
    if "b" in options:
        args += ["--b", str(options["b"]), "--r", str(options["r"])]
    main(args, standalone_mode=False)
    return list(datasets.load_from_disk(str(work / "out"))["id"])


RUNNERS: dict[str, Callable[[Path, Path, dict[str, Any]], list[str]]] = {
    "dataprep": run_dataprep, "dataprep-build": run_dataprep_build, "datatrove": run_datatrove,
    "text-dedup": run_text_dedup}


def _read_input(inp: Path) -> tuple[list[str], list[str]]:
    rows = _rows(inp)
    return [r["id"] for r in rows], [r["text"] for r in rows]


def _rows(path: Path) -> list[dict[str, Any]]:
    """A JSONL file's objects. Split on newlines only: orjson (datatrove's writer) leaves U+2028 and friends raw
    inside strings, which splitlines() breaks at."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def _shard(inp: Path, folder: Path, count: int) -> Path:
    """The input in `count` contiguous JSONL files (the order is kept: file 0 first)."""
    folder.mkdir(parents=True)
    lines = inp.read_text(encoding="utf-8").splitlines(keepends=True)
    step = -(-len(lines) // count)
    for k in range(count):
        (folder / f"{k:02d}.jsonl").write_text("".join(lines[k * step : (k + 1) * step]), encoding="utf-8")
    return folder


def _run_main(argv: Sequence[str]) -> None:
    """`_run KIND INPUT WORK OPTIONS_JSON`: run one tool, write WORK/kept.json and WORK/seconds."""
    kind, inp, work, options = argv[0], Path(argv[1]), Path(argv[2]), json.loads(argv[3])
    start = time.perf_counter()
    kept = RUNNERS[kind](inp, work, options)
    seconds = time.perf_counter() - start
    (work / "kept.json").write_text(json.dumps({"kept": kept, "seconds": seconds}), encoding="utf-8")


# ---------------------------------------------------------------------------------------- the measurement

class TreeMemory:
    """Peak RSS and PSS summed over a process and its descendants, sampled from /proc in a thread."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            for pid in _descendants(self.pid):
                r, p = _rollup(pid)
                rss, pss = rss + r, pss + p
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._stop.wait(self.interval)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rollup(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process, 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:] if line.endswith("kB")}
    return values.get("Rss", 0) * 1024, values.get("Pss", 0) * 1024


def run_tool(tool: Tool, inp: Path, python: Path) -> dict[str, Any]:
    """Run one tool in its own interpreter; its kept ids, wall time, in-tool time and peak tree memory."""
    kind = "datatrove" if tool.name.startswith("datatrove") else \
        "text-dedup" if tool.name.startswith("text-dedup") else tool.name
    with tempfile.TemporaryDirectory(prefix=f"dedup-{tool.name}-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        with open(work / "log.txt", "wb") as log:
            proc = subprocess.Popen([str(python), str(Path(__file__).resolve()), "_run", kind, str(inp), str(work),
                                     json.dumps(tool.options)], stdout=log, stderr=subprocess.STDOUT, cwd=work,
                                    env={**os.environ, **OFFLINE})
            memory = TreeMemory(proc.pid)
            code = proc.wait()
            memory.stop()
        wall = time.perf_counter() - start
        if code != 0:
            tail = (work / "log.txt").read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            return {"error": f"{tool.name} exited {code}: {tail[0]}"}
        out = json.loads((work / "kept.json").read_text(encoding="utf-8"))
    return {"kept": out["kept"], "wall_s": round(wall, 2), "tool_s": round(out["seconds"], 2),
            "peak_rss_mib": round(memory.peak_rss / 2**20, 1), "peak_pss_mib": round(memory.peak_pss / 2**20, 1)}


# ------------------------------------------------------------------------------------------------ the data

def load_t0(corpora: Path) -> list[str]:
    """Every T0 record, prompt and completion one per line (the text the build's dedup compares)."""
    folder = corpora / "t0-prompt-completion"
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl in {folder}")
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                texts.append(f"{r.get('prompt', '')}\n{r.get('completion', '')}")
    return texts


def load_gpteacher(corpora: Path) -> list[str]:
    """GPTeacher toolformer (dedupe-only file): instruction, input and response, the non-empty ones per line."""
    path = corpora / "gpteacher-toolformer" / "toolformer-dedupe-only-dataset.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    return ["\n".join(r[k] for k in ("instruction", "input", "response") if r.get(k)) for r in records]


LOADERS = {"t0": load_t0, "gpteacher": load_gpteacher}


def _sentences(text: str) -> list[str]:
    import re

    return re.split(r"(?<=[.!?])\s+", text)


def _reorder(text: str, rng: Any) -> str:
    """Two adjacent sentences swapped (a copy that re-ordered the paragraph)."""
    parts = _sentences(text)
    i = rng.randrange(len(parts) - 1)
    parts[i], parts[i + 1] = parts[i + 1], parts[i]
    return " ".join(parts)


def _planters() -> dict[str, Callable[[str, Any], str]]:
    """The kinds of copy planted: two from tests/planting.py (shared with the dedup tests), two of this file."""
    sys.path.insert(0, str(ROOT / "tests"))
    from planting import small_edit

    return {
        "word": lambda text, rng: small_edit(text, 0, rng),
        "swap": lambda text, rng: small_edit(text, 3, rng),
        "reorder": _reorder,
        "boilerplate": lambda text, rng: f"{text}\n{rng.choice(BOILERPLATE)}",
    }


@dataclass
class Planted:
    """Plants appended after the corpus: (kind, original index, plant index), and those left out per kind."""

    pairs: list[tuple[str, int, int]] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)


def plant(texts: list[str], per_kind: int, seed: int = 11) -> Planted:
    """Append `per_kind` plants of each kind to `texts`, each from a distinct real record of >= 40 words.

    A plant whose true Jaccard to its original (dataprep's shingles) is under the threshold is not a
    near-duplicate by the definition every tool is set to, so it is left out (and counted).
    """
    import random

    from dataprep.text.dedup import text_jaccard

    rng = random.Random(seed)
    planters = _planters()
    long = [i for i, t in enumerate(texts) if len(t.split()) >= 40]
    multi = set(i for i in long if len(_sentences(texts[i])) >= 3)
    pool = rng.sample(long, min(len(long), per_kind * len(planters) * 3))
    out = Planted(left_out=dict.fromkeys(planters, 0))
    for kind, make in planters.items():
        made = 0
        while made < per_kind and pool:
            original = pool.pop()
            if kind == "reorder" and original not in multi:
                continue
            copy = make(texts[original], rng)
            if text_jaccard(texts[original], copy, NGRAM) < THRESHOLD:
                out.left_out[kind] += 1
                continue
            texts.append(copy)
            out.pairs.append((kind, original, len(texts) - 1))
            made += 1
    return out


# ------------------------------------------------------------------------------------------- the metrics

def unsupported_drops(removed: list[int], kept: list[int], sets: list[Any]) -> list[int]:
    """Removed documents with no kept document of true Jaccard >= THRESHOLD, found exactly.

    Prefix filtering: with shingles ranked rarest first, two sets of Jaccard >= t share a shingle within
    their first |x| - ceil(t |x|) + 1; only those candidates (with compatible sizes) are verified.
    """
    import math

    import numpy as np

    uniq, counts = np.unique(np.concatenate([s for s in sets if len(s)]), return_counts=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.lexsort((uniq, counts))] = np.arange(len(uniq))

    def prefix(i: int) -> list[int]:
        ranks = np.sort(rank[np.searchsorted(uniq, sets[i])])
        return ranks[: len(ranks) - math.ceil(THRESHOLD * len(ranks) - 1e-9) + 1].tolist()

    index: dict[int, list[int]] = {}
    for k in kept:
        for token in prefix(k):
            index.setdefault(token, []).append(k)
    kept_empty = any(not len(sets[k]) for k in kept)
    out = []
    for d in removed:
        size = len(sets[d])
        if not size:
            if not kept_empty:
                out.append(d)
            continue
        candidates = {c for token in prefix(d) for c in index.get(token, ())
                      if THRESHOLD * size <= len(sets[c]) <= size / THRESHOLD}
        if not any(_jaccard(sets[d], sets[c]) >= THRESHOLD for c in candidates):
            out.append(d)
    return out


def _jaccard(x: Any, y: Any) -> float:
    import numpy as np

    inter = len(np.intersect1d(x, y, assume_unique=True))
    return inter / (len(x) + len(y) - inter)


def score(ids: list[str], kept_ids: list[str], planted: Planted, sets: list[Any]) -> dict[str, Any]:
    """Removed count, recall per plant kind and overall, and the drops no kept document supports."""
    position = {d: i for i, d in enumerate(ids)}
    is_kept = [False] * len(ids)
    for d in kept_ids:
        is_kept[position[d]] = True
    removed = [i for i, k in enumerate(is_kept) if not k]
    caught: dict[str, list[int]] = {}
    missed = []
    for kind, original, copy in planted.pairs:
        both = is_kept[original] and is_kept[copy]
        caught.setdefault(kind, []).append(0 if both else 1)
        if both:
            missed.append([ids[copy], kind, round(_jaccard(sets[original], sets[copy]), 3)])
    recall = {kind: round(sum(v) / len(v), 4) for kind, v in caught.items()}
    every = [x for v in caught.values() for x in v]
    recall["all"] = round(sum(every) / len(every), 4) if every else float("nan")
    below = unsupported_drops(removed, [i for i, k in enumerate(is_kept) if k], sets)
    copies = sum(1 for _, _, copy in planted.pairs if not is_kept[copy])
    return {"removed": len(removed), "recall": recall, "copies_removed": copies, "below_threshold": len(below),
            "below_threshold_examples": [ids[i] for i in below[:5]], "missed_plants": missed[:20]}


# ------------------------------------------------------------------------------------ the peers' venv

PEER_IMPORTS = {"datatrove": "import datatrove.pipeline.dedup.minhash, spacy, orjson",
                "text-dedup": "import text_dedup.minhash"}


def peer_python(setup: bool) -> tuple[Path | None, str]:
    """The peers' interpreter, created from the pinned requirements when missing or stale; or why not."""
    import hashlib

    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".installed"
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == want:
        return python, ""
    if not setup:
        return None, f"no up-to-date {PEERS_VENV.relative_to(ROOT)} (run without --no-setup to create it)"
    print(f"creating {PEERS_VENV.relative_to(ROOT)} from {REQUIREMENTS.relative_to(ROOT)} ...", file=sys.stderr)
    steps = ([sys.executable, "-m", "venv", str(PEERS_VENV)],
             [str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return None, f"{' '.join(step[-3:])} failed: {last[0]}"
    stamp.write_text(want)
    return python, ""


def peer_missing(python: Path | None, why: str, tool: Tool) -> str:
    """'' when the tool's modules import in the peers' venv, else one line saying why it is skipped."""
    if python is None:
        return f"{tool.name} skipped: {why}"
    family = "datatrove" if tool.name.startswith("datatrove") else "text-dedup"
    done = subprocess.run([str(python), "-c", PEER_IMPORTS[family]], capture_output=True, text=True)
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return f"{tool.name} skipped: {PEER_IMPORTS[family]!r} fails in the peers' venv: {last[0]}"
    return ""


# ------------------------------------------------------------------------------------------- the report

def bench_corpus(name: str, texts: list[str], tools: list[Tool], per_kind: int,
                 peers: tuple[Path | None, str]) -> dict[str, Any]:
    """Plant, write the shared input, run every tool on it and score each against dataprep's shingle sets."""
    from dataprep.text.dedup import WordHashes, normalise, shingle_hashes

    corpus = len(texts)
    planted = plant(texts, per_kind)
    kinds = {k: sum(1 for p in planted.pairs if p[0] == k) for k in planted.left_out}
    ids = [f"{name}:{i}" if i < corpus else f"plant:{i}" for i in range(len(texts))]
    memo = WordHashes()
    sets = [shingle_hashes(normalise(t), NGRAM, memo) for t in texts]
    result: dict[str, Any] = {"records": corpus, "planted": kinds, "left_out_below_threshold": planted.left_out,
                              "tools": {}}
    with tempfile.TemporaryDirectory(prefix="dedup-peers-") as tmp:
        inp = Path(tmp) / "input.jsonl"
        inp.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts, strict=True)),
                       encoding="utf-8")
        for tool in tools:
            missing = peer_missing(*peers, tool) if tool.peer else ""
            if missing:
                print(missing, file=sys.stderr)
                result["tools"][tool.name] = {"params": tool.params, "skipped": missing}
                continue
            print(f"{name}: {tool.name} on {len(texts)} texts ...", file=sys.stderr)
            python = peers[0] if tool.peer else Path(sys.executable)
            run = run_tool(tool, inp, python)  # type: ignore[arg-type]
            if "error" in run:
                print(run["error"], file=sys.stderr)
                result["tools"][tool.name] = {"params": tool.params, "skipped": run["error"]}
                continue
            kept = run.pop("kept")
            result["tools"][tool.name] = {"params": tool.params, **score(ids, kept, planted, sets), **run}
    return result


def table(results: dict[str, Any]) -> str:
    """The markdown table of a run: one row per corpus and tool."""
    kinds = ("word", "swap", "reorder", "boilerplate")
    head = ("| corpus | tool | removed | copies removed | recall | " + " | ".join(kinds) +
            f" | drops below {THRESHOLD} | wall s | in-tool s | peak RSS MiB | peak PSS MiB |")
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for corpus, data in results["corpora"].items():
        planted = sum(data["planted"].values())
        n = data["records"] + planted
        for name, r in data["tools"].items():
            if "skipped" in r:
                lines.append(f"| {corpus} ({n}) | {name} | skipped: {r['skipped']} |" + " |" * 11)
                continue
            rec = r["recall"]
            lines.append(f"| {corpus} ({n}) | {name} | {r['removed']} | {r['copies_removed']}/{planted} | "
                         f"{rec['all']:.3f} | "
                         + " | ".join(f"{rec.get(k, float('nan')):.3f}" for k in kinds)
                         + f" | {r['below_threshold']} | {r['wall_s']} | {r['tool_s']} | {r['peak_rss_mib']} | "
                         f"{r['peak_pss_mib']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["_run"]:
        _run_main(args[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="t0,gpteacher", help="comma-separated: t0, gpteacher")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated, of {', '.join(TOOLS)}")
    parser.add_argument("--plants", type=int, default=250, help="planted copies per kind and corpus")
    parser.add_argument("--corpora-dir", type=Path, default=CORPORA)
    parser.add_argument("--no-setup", action="store_true", help="never create the peers' venv")
    parser.add_argument("--output", type=Path, default=RESULTS)
    opts = parser.parse_args(args)
    unknown = [t for t in opts.tools.split(",") if t not in TOOLS] + \
        [c for c in opts.corpora.split(",") if c not in LOADERS]
    if unknown:
        parser.error(f"unknown tool or corpus: {', '.join(unknown)}")
    tools = [TOOLS[t] for t in opts.tools.split(",")]
    sys.path.insert(0, str(ROOT))
    peers = peer_python(not opts.no_setup) if any(t.peer for t in tools) else (None, "")
    results: dict[str, Any] = {"load_average_start": [round(x, 2) for x in os.getloadavg()],
                               "cpus": os.cpu_count(), "threshold": THRESHOLD, "peer_versions": _versions(peers[0]),
                               "corpora": {}}
    for name in opts.corpora.split(","):
        try:
            texts = LOADERS[name](opts.corpora_dir)
        except (OSError, ValueError) as exc:
            print(f"{name}: corpus not readable under {opts.corpora_dir} ({exc}); skipped", file=sys.stderr)
            continue
        results["corpora"][name] = bench_corpus(name, texts, tools, opts.plants, peers)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if not results["corpora"]:
        print(f"no corpus found under {opts.corpora_dir}", file=sys.stderr)
        return 2
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    opts.output.with_suffix(".md").write_text(summary(results) + "\n", encoding="utf-8")
    print(summary(results))
    print(f"results in {opts.output} and {opts.output.with_suffix('.md').name}")
    return 0


def summary(results: dict[str, Any]) -> str:
    """The table, each tool's parameters and the machine's load: what the README shows."""
    params = {name: r["params"] for data in results["corpora"].values() for name, r in data["tools"].items()}
    lines = [table(results), "", *(f"- {name}: {text}" for name, text in params.items()), "",
             f"Load average {results['load_average_start']} -> {results['load_average_end']} on {results['cpus']} "
             f"CPUs; peers: {', '.join(f'{k} {v}' for k, v in sorted(results['peer_versions'].items()))}."]
    return "\n".join(lines)


def _versions(python: Path | None) -> dict[str, str]:
    """Installed versions of the peers (from the peers' venv), for the results file."""
    if python is None:
        return {}
    code = ("import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in "
            "('datatrove', 'text-dedup', 'spacy', 'datasets', 'numpy')}))")
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


if __name__ == "__main__":
    sys.exit(main())
