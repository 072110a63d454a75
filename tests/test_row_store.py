"""The row store (#17): converted rows held encoded up to --memory-limit, spilled to a nameless file beyond it.

Spilling is a memory decision only, so every test here compares against the build that did not spill: the
same bytes in every file, the same rows an API caller reads back after the build returned.
"""

from __future__ import annotations

import json
import platform
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLI, TOOLFORMER, build

from dataprep.build.rows import RowStore, decoded, encode
from dataprep.io.read import read_sources
from dataprep.registry import RulePolicy

NOVA = ("--model", "nova-micro", "--lang-detector", "fasttext", "--no-report", "--seed", "3")


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_rows_come_back_equal_whether_held_or_spilled(tmp_path: Path) -> None:
    rows = [r.row for r in read_sources([TOOLFORMER], RulePolicy()).records if r.row is not None]
    store = RowStore(tmp_path, budget=100_000)
    handles = store.add([encode(r) for r in rows[:400]]) + store.add([encode(r) for r in rows[400:]])
    assert [decoded(h) for h in handles] == rows
    held = [h for h in handles if isinstance(h, bytes)]
    # The budget is filled in order, then everything after goes to the spill file.
    assert handles[: len(held)] == held and 0 < store.held == sum(map(len, held)) <= 100_000
    assert store.spilled == sum(len(encode(r)) for r in rows[len(held):]) > 0
    assert list(tmp_path.iterdir()) == []  # the spill file has no name: nothing appears beside OUT


@pytest.mark.parametrize("limit", ["0", "150KB"], ids=["all-spilled", "part-spilled"])
def test_a_build_over_its_memory_limit_writes_the_same_bytes(tmp_path: Path, limit: str) -> None:
    held, spilled = tmp_path / "held", tmp_path / "spilled"
    first = build(TOOLFORMER, held, *NOVA)
    second = build(TOOLFORMER, spilled, *NOVA, "--memory-limit", limit)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert _files(spilled) == _files(held)
    assert "spilled to a temporary file in" not in first.stderr
    line = next(s for s in second.stderr.splitlines() if s.startswith("memory: "))
    held_bytes = int(line.split()[1].replace(",", ""))
    assert held_bytes == 0 if limit == "0" else 0 < held_bytes <= 150_000
    assert f"in {tmp_path} (--memory-limit {0 if limit == '0' else 150_000:,})" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held", "spilled"]  # no spill left behind


def _limited(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_spill_that_cannot_be_written_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run([*CLI, "build", str(TOOLFORMER), str(out), "-q", *NOVA, "--memory-limit", "0"],
                          capture_output=True, text=True, timeout=600, preexec_fn=_limited(100_000))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"row spill (a temporary file in {tmp_path}" in done.stderr and "File too large" in done.stderr
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("memory_limit", [None, 0], ids=["held", "spilled"])
def test_an_api_result_reads_its_rows_after_the_build(memory_limit: int | None) -> None:
    import dataprep

    settings = {} if memory_limit is None else {"memory_limit": memory_limit}
    output = dataprep.build(TOOLFORMER, model="nova-micro", no_report=True, seed=3, **settings)
    reference = dataprep.build(TOOLFORMER, model="nova-micro", no_report=True, seed=3)
    rows = [u.row for units in output.result.splits.values() for u in units]
    assert len(rows) > 900 and rows == [u.row for units in reference.result.splits.values() for u in units]
    assert output.read_bytes("train.jsonl") == reference.read_bytes("train.jsonl")
    spilled = output.result.rows
    assert spilled is not None and (spilled.spilled > 0) == (memory_limit == 0)


def test_dedup_workers_are_sent_the_rows_as_held_and_read_the_same_texts(tmp_path: Path) -> None:
    """The dedup sketch sends a worker its chunk's rows still encoded, spilled ones read back as bytes (#17):
    after the trip through pickle, the texts must be those the build process reads from the units."""
    import pickle

    from dataprep.build.dedup import _DedupTexts
    from dataprep.build.model import Unit
    from dataprep.checks.duplicates import dedup_text

    rows = [r.row for r in read_sources([TOOLFORMER], RulePolicy()).records if r.row is not None]
    store = RowStore(tmp_path, budget=100_000)
    held = store.add([encode(r) for r in rows[:600]])
    assert any(isinstance(h, bytes) for h in held) and not all(isinstance(h, bytes) for h in held)
    units = [Unit("raw.jsonl", i, 0, 1, None, h) for i, h in enumerate([*held, *rows[600:]])]
    texts = _DedupTexts([u.held for u in units])
    order = [*range(len(units) - 1, -1, -3), 5, 5]
    sent = pickle.loads(pickle.dumps(texts.pick(order)))
    assert list(sent) == [dedup_text(rows[i]) for i in order] == [texts[i] for i in order]
    assert list(sent[2:9]) == [dedup_text(rows[i]) for i in order[2:9]]
    assert all(isinstance(h, bytes | type(rows[0])) for h in sent.held)  # no spill handle crossed over


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_rows_a_step_lets_go_of_go_back_to_the_system() -> None:
    """A walk keeps one row in sixteen: the others, freed between rows that live on, stay in the heap unless
    `release_freed` hands them back. Real rows (toolformer texts, encoded as the convert workers encode them),
    in a fresh interpreter, so the heap holds nothing else."""
    code = f"""
import json
from dataprep.build.rows import encode, release_freed
from dataprep.formats.base import Canonical
def rss(): return int(open("/proc/self/statm").read().split()[1]) * 4096
texts = [json.loads(line)["response"] for line in open({str(TOOLFORMER)!r}, encoding="utf-8")]
rows = [encode(Canonical(text=texts[i % len(texts)] + " " * (600 + i % 400))) for i in range(160_000)]
size = sum(map(len, rows))
kept = rows[::16]
del rows
before = rss()
release_freed()
print(json.dumps({{"size": size, "returned": before - rss(), "kept": len(kept)}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    measured = json.loads(done.stdout)
    assert measured["returned"] > 0.5 * measured["size"] * 15 / 16, measured
