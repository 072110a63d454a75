"""Build progress as a person sees it: bars that move during the work, and whole lines in a log.

The terminal test drives the real `dataprep build` through a pseudo-terminal (python's `pty`), as a shell
would, on a real input big enough to take seconds (the Toolformer sample, repeated with each copy's text
varied, so the dedup stage has near duplicates to verify), and reads the stream the terminal got: the
convert and dedup bars must be seen at values between 0 and their total, not only at 0/N and N/N.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

DATA = Path(__file__).parent / "data" / "toolformer-1000.jsonl"
MODEL = "meta.llama3-1-8b-instruct-v1:0"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BAR = re.compile(r"^(?P<name>[a-z][a-z ,:]*?)\s+[━╸╺]+\s+(?P<done>\d+)/(?P<total>\d+)\s+\S+\s+eta\s+\S+", re.M)


def _varied_copies(out: Path, copies: int) -> Path:
    """`copies` of the sample; every copy after the first has each text field suffixed, so it is a near
    duplicate of the first (dedup verifies it) and not an exact one."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    with out.open("w", encoding="utf-8") as f:
        for copy in range(copies):
            for i, row in enumerate(rows):
                varied = {k: (f"{v} (variant {copy} of record {i})" if copy and isinstance(v, str) else v)
                          for k, v in row.items()}
                f.write(json.dumps(varied) + "\n")
    return out


def _dataprep() -> list[str]:
    return [sys.executable, "-c", "from dataprep.cli import main; main()"]


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run `args` with stdin/stdout/stderr on a 160x40 pseudo-terminal; its exit code and what it drew."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(args, stdin=side, stdout=side, stderr=side, env=env, cwd=cwd, close_fds=True)
    os.close(side)
    stream = bytearray()
    while True:
        try:
            got = os.read(main, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not got:
            break
        stream += got
    os.close(main)
    return proc.wait(timeout=120), _ANSI.sub("", stream.decode("utf-8", "replace"))


def _seen(screen: str) -> dict[str, set[tuple[int, int]]]:
    """Every (done, total) each bar was drawn at, by its label."""
    seen: dict[str, set[tuple[int, int]]] = {}
    for line in re.split(r"[\r\n]", screen):
        found = _BAR.match(line.strip())
        if found:
            seen.setdefault(found["name"].strip(), set()).add((int(found["done"]), int(found["total"])))
    return seen


def _between(values: set[tuple[int, int]]) -> set[tuple[int, int]]:
    return {(done, total) for done, total in values if 0 < done < total}


def test_bars_move_during_convert_and_dedup(tmp_path: Path) -> None:
    raw = _varied_copies(tmp_path / "toolformer-12x.jsonl", 12)
    code, screen = _on_a_terminal([*_dataprep(), "build", str(raw), str(tmp_path / "out"), "--model", MODEL,
                                   "--no-report"], tmp_path)
    assert code == 0, screen[-3000:]
    seen = _seen(screen)
    assert _between(seen.get("convert, clean, check", set())), seen
    dedup = set().union(*(v for k, v in seen.items() if k.startswith("deduplicate")))
    assert _between(dedup), seen
    # The dedup bar goes through its parts, each with its own count, and ends at the stage's records.
    assert {"deduplicate: signatures", "deduplicate: candidates", "deduplicate: verify"} <= set(seen), seen
    assert (12_000, 12_000) in seen["deduplicate"]
    # Read and write have bars too (files), and every stage ends full.
    for stage in ("read", "convert, clean, check", "deduplicate", "tokens, limits, split", "language", "write"):
        assert any(done == total > 0 for done, total in seen[stage]), (stage, seen.get(stage))


def test_log_gets_one_whole_line_per_stage(tmp_path: Path) -> None:
    """Without a terminal: no bar characters, one line per stage with its count and seconds, paths whole."""
    deep = tmp_path / ("a-folder-name-long-enough-to-pass-eighty-columns-on-its-own-" * 2) / "in"
    deep.mkdir(parents=True)
    raw = deep / "toolformer.jsonl"
    raw.write_bytes(DATA.read_bytes())
    out = tmp_path / "out"
    proc = subprocess.run([*_dataprep(), "build", str(raw), str(out), "--model", MODEL, "--no-report"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"[━╸╺]+ +\d+/\d+", proc.stderr), proc.stderr  # no bar (tables keep their rules)
    lines = proc.stderr.splitlines()
    stages = [line for line in lines if re.fullmatch(r"[a-z ,]+: [\d,]+ (files?|records?) in \d+\.\d s", line)]
    assert [s.split(":")[0] for s in stages] == ["read", "convert, clean, check", "deduplicate",
                                                 "tokens, limits, split", "language", "write"], proc.stderr
    assert stages[0].startswith("read: 1 file in "), stages
    assert stages[1].startswith("convert, clean, check: 1,000 records in "), stages
    assert any(str(out / "train.jsonl") in line for line in lines), proc.stderr  # not cut at 80 columns


DOCS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "aws-sagemaker-devguide-md"


def test_one_set_of_numbers_on_a_chunked_build(tmp_path: Path) -> None:
    """Records in are the input records in the terminal, report.json and report.html alike; the chunked
    documents are shown as documents -> chunks; a documentation file beside the data is listed as skipped
    and counted nowhere. Real pages of the SageMaker guide, the longest ones (chunked) among them."""
    import pytest

    if not DOCS.is_dir():
        pytest.skip("the shared SageMaker guide corpus is absent")
    raw = tmp_path / "guide"
    (raw / "doc_source").mkdir(parents=True)
    pages = sorted((DOCS / "doc_source").glob("*.md"), key=lambda p: (-p.stat().st_size, p.name))
    for page in pages[:3] + sorted(pages)[:12]:
        (raw / "doc_source" / page.name).write_bytes(page.read_bytes())
    (raw / "SOURCE.md").write_bytes((DOCS / "SOURCE.md").read_bytes())
    out = tmp_path / "out"
    proc = subprocess.run([*_dataprep(), "build", str(raw), str(out), "--model", "titan-text-express", "--task",
                           "continued-pretraining", "-q"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=180)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    counts = report["counts"]
    assert counts["input_records"] == 15  # the pages, not SOURCE.md
    assert counts["units"] > counts["input_records"]  # the longest pages were chunked
    assert report["verdict"]["records_in"] == 15
    assert [s["path"] for s in report["skipped"]] == [str(raw / "SOURCE.md")]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>15</b>input records" in html
    err = proc.stderr
    written = counts["train"] + counts["validation"] + counts["test"]
    chunk = next(s for s in report["stages"] if s["name"] == "chunk")
    assert (f"15 records in ({chunk['records_in']:,} documents → {chunk['records_out']:,} chunks: "
            f"{counts['units']:,} after chunking) = {written:,} written + {counts['rejected']:,} rejected") in err
    assert f"{chunk['records_in']:,} documents" in err and f"{chunk['records_out']:,} chunks" in err  # stages
    assert "skipped, not read (1 file, not counted as records):" in err
    assert f"{raw / 'SOURCE.md'}  DP116" in err
    assert "15 records in" in report["verdict"]["headline"] and report["verdict"]["headline"] in err
