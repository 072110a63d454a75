"""validate streams (#14 item 1): memory does not grow with the records of a file, and a file is read once.

The records are distinct and clean, so nothing but the per-record keys (12 bytes each) may stay behind;
the earlier reader held every line and every checked row (about 1 KB a record here).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from catalogue import j

from dataprep.io.jsonl import JsonlStream, read_jsonl
from dataprep.registry import RulePolicy
from dataprep.validate import validate_paths

# Six different sentences (one repeated six times is a degenerate loop, DP420: not clean data).
_TEXT = " ".join(f"sentence {k} is about rivers and the hills that stand beside them, written out at some length"
                 for k in ("one", "two", "three", "four", "five", "six"))


def _file(path: Path, count: int) -> Path:
    path.write_bytes(b"".join(j({"prompt": f"{i} {_TEXT}", "completion": f"answer number {i} is fine"})
                              for i in range(count)))
    return path


def _peak(path: Path) -> int:
    import multiprocessing.pool  # noqa: F401  # a large file's checks fork workers: their modules load once, not per record

    import dataprep.parallel  # noqa: F401

    tracemalloc.start()
    try:
        findings = validate_paths([path], None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert not findings, findings[:3]


def test_peak_memory_does_not_grow_with_the_records(tmp_path: Path) -> None:
    # Both past the 1,000 records the format majority is sampled from (held once, then let go of one by one).
    small = _peak(_file(tmp_path / "small.jsonl", 1500))
    large = _peak(_file(tmp_path / "large.jsonl", 6000))  # 4,500 more records, about 3 MB more text
    assert large - small < 300_000, (small, large)


def test_the_stream_and_the_collected_read_agree(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"\n" + j({"prompt": "a", "completion": "b"}) + b'{\n  "prompt": "c",\n  "completion": "d"\n}\n'
                     + b"[1]\r\n" + j({"prompt": "e", "completion": "f"}).rstrip(b"\n"))
    stream = JsonlStream(path, RulePolicy(), keep_bad=False)
    lines = [r.line for r in stream]
    read = read_jsonl(path, RulePolicy())
    assert lines == [r.line for r in read.records] == [2, 8]
    assert [(f.line, f.code) for f in stream.result.findings] == [(f.line, f.code) for f in read.findings]
    assert {(f.line, f.code) for f in read.findings} == {(1, "DP103"), (3, "DP107"), (7, "DP108"), (7, "DP112")}
    assert stream.bad == len(read.bad_lines) == 6 and stream.result.size == read.size == path.stat().st_size


def test_line_keys_find_every_repeat_across_growth() -> None:
    import hashlib

    from dataprep.checks.keyset import LineKeys

    keys = LineKeys()
    hexes = [hashlib.blake2b(str(i).encode(), digest_size=16).hexdigest() for i in range(20_000)]
    assert all(keys.add(h, n) is None for n, h in enumerate(hexes, 1))  # the table grows from 4,096 slots
    assert [keys.add(hexes[i], 30_000 + i) for i in (0, 4095, 19_999)] == [1, 4096, 20_000]
    assert keys.first_line(hexes[123]) == 124 and keys.first_line("f" * 32) is None
    assert len(keys) == 20_003 and len(list(keys.items())) == 20_000
