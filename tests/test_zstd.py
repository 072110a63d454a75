"""`.zst` round trips (#13 item 3): `dataprep.io.compressed` claimed zstd, and no test had read one.

With the zstandard package (the `[zst]` extra, in dev), a `.zst` file is read like the `.gz`, `.bz2` and
`.xz` ones in tests/test_compressed.py: findings and the ledger give the decompressed line, every container
inside (JSONL, CSV, a JSON array) keeps its lines, frames written one after another continue the
numbering, standard input is recognised by its magic bytes, and a cut-off, corrupt or over-large stream is
one clear finding.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import CLI, build, jsonl, validate_json
from test_compressed import _lines

from dataprep.io.compressed import CompressionError, inflate

zstandard = pytest.importorskip("zstandard")


def _zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def test_validate_reports_the_decompressed_line(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl.zst"
    path.write_bytes(_zst(_lines(12, bad_at=7)))
    _, findings = validate_json(path)
    errors = [(Path(f["path"]).name, f["line"], f["code"]) for f in findings if f["severity"] == "error"]
    assert errors == [("train.jsonl.zst", 7, "DP104")]


def test_build_reads_jsonl_csv_and_json_inside_zst_with_their_lines(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.jsonl.zst").write_bytes(_zst(_lines(20, bad_at=9, seed=1)))
    rows = [json.loads(line) for line in _lines(10, seed=2).splitlines()]
    csv = "prompt,completion\n" + "".join(f'"{r["prompt"]}","{r["completion"]}"\n' for r in rows)
    csv = csv.replace(f'"{rows[3]["completion"]}"', f'"{rows[3]["completion"]}",extra')  # row on line 5: DP204
    (raw / "b.csv.zst").write_bytes(_zst(csv.encode()))
    array = "[\n" + ",\n".join(json.dumps(r) for r in rows[:4]) + ',\n{"prompt": 3, "completion": "x"}\n]\n'
    (raw / "c.json.zst").write_bytes(_zst(array.encode()))
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    rejected = [(Path(r["source"]).name, r["line"], r["code"]) for r in jsonl(tmp_path / "out" / "rejected.jsonl")]
    assert ("a.jsonl.zst", 9, "DP104") in rejected
    assert ("b.csv.zst", 5, "DP204") in rejected
    assert ("c.json.zst", 6, "DP204") in rejected  # the fifth element starts on line 6
    ledger = {(Path(r["source"]).name, r["line"]): r["original"] for r in jsonl(tmp_path / "out" / "rejected.jsonl")}
    assert ledger[("a.jsonl.zst", 9)] == '{"prompt": "cut'  # the decompressed line, not compressed bytes
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    sizes = {Path(i["path"]).name: i["bytes"] for i in manifest["inputs"]}
    assert sizes["a.jsonl.zst"] == (raw / "a.jsonl.zst").stat().st_size  # the file's own bytes are hashed


def test_frames_one_after_another_continue_the_numbering(tmp_path: Path) -> None:
    data = _lines(10, bad_at=8)
    split = data.index(b"\n", 100) + 1
    path = tmp_path / "train.jsonl.zst"
    path.write_bytes(_zst(data[:split]) + _zst(data[split:]))
    _, findings = validate_json(path)
    assert [(f["line"], f["code"]) for f in findings if f["severity"] == "error"] == [(8, "DP104")]


def test_standard_input_is_recognised_by_its_magic_bytes() -> None:
    done = subprocess.run([*CLI, "validate", "-", "--format", "json"], input=_zst(_lines(6, bad_at=4)),
                          capture_output=True, timeout=120)
    findings = json.loads(done.stdout)
    assert [(f["line"], f["code"]) for f in findings if f["severity"] == "error"] == [(4, "DP104")]


def test_a_cut_off_stream_keeps_the_lines_before_the_cut(tmp_path: Path) -> None:
    """Half a 4-block frame: the complete blocks are read, the cut is DP105 where the data stops. Before, the
    stream reader returned the blocks it had and no error, so a cut-off file read as a shorter, clean one."""
    whole = _zst(_lines(2000))  # about 540 KB: zstd blocks hold 128 KiB at the most
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(whole[: len(whole) // 2])
    _, findings = validate_json(path)
    cut = [f for f in findings if f["code"] == "DP105"]
    assert len(cut) == 1 and [f["code"] for f in findings if f["severity"] == "error"] == ["DP105"]
    prefix = inflate(whole[: len(whole) // 2], "zstd").data
    assert cut[0]["line"] == prefix.count(b"\n") + 1 and 1 < cut[0]["line"] < 2000


def test_corrupt_data_and_a_bomb_are_one_message(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"not zstd at all" * 4)
    _, findings = validate_json(path)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["DP115"]
    assert "zstd data is corrupt" in findings[-1]["message"]
    with pytest.raises(CompressionError, match="more than"):
        inflate(_zst(b"\0" * (8 << 20)), "zstd", limit=1 << 20)
