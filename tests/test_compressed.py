"""Compressed inputs (`.gz`, `.bz2`, `.xz`, `.zst`) in build and validate, and standard input in validate.

Each format round-trips through the real command line: a finding on a compressed file names the file and
the decompressed line, the build reads the same records it reads uncompressed, and a cut-off, corrupt or
over-large stream is one clear finding, never a traceback.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import json
import lzma
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLI, FINETUNE, build, jsonl, validate_json

from dataprep.io.compressed import CompressionError, inflate

COMPRESS: dict[str, Callable[[bytes], bytes]] = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}
_VOCABULARY = ("river, mountain, lantern, copper, harvest, winter, signal, engine, garden, ladder, orbit, pepper, "
               "violin, canyon, ticket, marble, thunder, velvet, anchor, basket, cactus, dolphin, ember, falcon, "
               "glacier, hammer, island, jacket, kettle, lemon, meadow, needle, oyster, pillow, quartz, rocket, "
               "saddle, tunnel, umbrella, valley, walnut, yogurt, zipper, bridge, candle, desert, feather, goblet")


def _lines(count: int, bad_at: int | None = None, seed: int = 0) -> bytes:
    """`count` distinct prompt/completion lines; the line numbered `bad_at` is broken JSON."""
    words = _VOCABULARY.split(", ")
    lines = []
    for n in range(1, count + 1):
        pick = random.Random(seed * 100_000 + n).sample
        lines.append(json.dumps({"prompt": f"Question {n}: why does the {' '.join(pick(words, 12))}?",
                                 "completion": f"Because the {' '.join(pick(words, 16))}."}))
    if bad_at is not None:
        lines[bad_at - 1] = '{"prompt": "cut'
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("ext", sorted(COMPRESS))
def test_validate_reports_the_decompressed_line(tmp_path: Path, ext: str) -> None:
    """Before: 647 DP102 'invalid UTF-8' findings on a .jsonl.gz. Now: the one bad line, at its own number."""
    path = tmp_path / f"train.jsonl.{ext}"
    path.write_bytes(COMPRESS[ext](_lines(12, bad_at=7)))
    _, findings = validate_json(path)
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(Path(f["path"]).name, f["line"], f["code"]) for f in errors] == [(path.name, 7, "DP104")]
    assert not any(f["code"] == "DP102" for f in findings)


def test_build_reads_every_format_with_its_lines(tmp_path: Path) -> None:
    """One build over the three formats: each file's bad line is in the ledger at its line, with its text."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for index, ext in enumerate(sorted(COMPRESS)):
        data = _lines(20, bad_at=5 + index, seed=index + 1)
        (raw / f"qa-{ext}.jsonl.{ext}").write_bytes(COMPRESS[ext](data))
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    rejected = {(Path(r["source"]).name, r["line"], r["code"]): r["original"] for r in jsonl(tmp_path / "out" /
                                                                                          "rejected.jsonl")}
    expected = {(f"qa-{ext}.jsonl.{ext}", 5 + index, "DP104") for index, ext in enumerate(sorted(COMPRESS))}
    assert set(rejected) == expected
    assert set(rejected.values()) == {'{"prompt": "cut'}  # the decompressed line, not compressed bytes
    written = jsonl(tmp_path / "out" / "train.jsonl") + jsonl(tmp_path / "out" / "validation.jsonl")
    assert len(written) == 3 * 19


def test_truncated_archive_keeps_what_was_read(tmp_path: Path) -> None:
    """A .gz cut off mid-stream: the complete lines are read, the cut is DP105 at the line where data stops."""
    whole = gzip.compress(_lines(400))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    _, findings = validate_json(path)
    cut = [f for f in findings if f["code"] == "DP105"]
    assert len(cut) == 1 and [f["code"] for f in findings if f["severity"] == "error"] == ["DP105"]
    prefix = inflate(whole[: len(whole) // 2], "gzip").data
    assert cut[0]["line"] == prefix.count(b"\n") + 1
    assert 1 < cut[0]["line"] < 400


def test_truncated_at_a_line_boundary_is_still_reported(tmp_path: Path) -> None:
    """A stream cut exactly after a newline leaves no broken line: the cut itself is the finding."""
    data = _lines(30)
    stream = zlib_stream_cut_after(data, data.index(b"\n", len(data) // 2) + 1)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(stream)
    _, findings = validate_json(path)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["DP105"]
    assert "cut off" in next(f["message"] for f in findings if f["code"] == "DP105")


def zlib_stream_cut_after(data: bytes, size: int) -> bytes:
    """A gzip stream holding all of `data[:size]` (flushed) and nothing after it: no trailer, no end marker."""
    import zlib

    packer = zlib.compressobj(wbits=31)
    return packer.compress(data[:size]) + packer.flush(zlib.Z_SYNC_FLUSH)


def test_concatenated_members_are_one_file(tmp_path: Path) -> None:
    """`cat a.gz b.gz`: lines of the second member continue the numbering."""
    data = _lines(10, bad_at=8)
    path = tmp_path / "train.jsonl.gz"
    path.write_bytes(gzip.compress(data[: data.index(b"\n", 100) + 1]) + gzip.compress(data[data.index(b"\n", 100)
                                                                                             + 1:]))
    _, findings = validate_json(path)
    assert [(f["line"], f["code"]) for f in findings if f["severity"] == "error"] == [(8, "DP104")]


def test_corrupt_data_is_one_finding(tmp_path: Path) -> None:
    """Bytes that are not gzip under a .gz name: DP115 naming the codec, in validate and in the build."""
    path = tmp_path / "train.jsonl.gz"
    path.write_bytes(b"\x1f\x8bnot really gzip data at all" * 3)
    _, findings = validate_json(path)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["DP115"]
    assert "gzip data is corrupt" in findings[-1]["message"]


def test_decompression_bomb_stops_at_the_ceiling() -> None:
    """Output is produced in steps and counted: past the ceiling the stream is refused, not inflated further."""
    bomb = gzip.compress(b"\0" * (8 << 20))
    with pytest.raises(CompressionError, match="decompression bomb"):
        inflate(bomb, "gzip", limit=1 << 20)
    with pytest.raises(CompressionError, match="decompression bomb"):
        inflate(lzma.compress(b"\0" * (8 << 20)), "xz", limit=1 << 20)
    assert len(inflate(bomb, "gzip", limit=8 << 20).data) == 8 << 20


@pytest.mark.skipif(importlib.util.find_spec("zstandard") is not None, reason="zstandard installed: .zst is read")
def test_zst_without_the_package_says_what_to_do(tmp_path: Path) -> None:
    """Without the zstandard package a .zst file is one finding saying how to read it, not 'invalid UTF-8'."""
    path = tmp_path / "train.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 32)
    _, findings = validate_json(path)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["DP115"]
    assert "zstandard" in findings[-1]["message"]


def test_validate_reads_standard_input() -> None:
    """`dataprep validate -`: plain or compressed bytes on stdin, findings at their lines under the name `-`."""
    for data in (_lines(6, bad_at=4), gzip.compress(_lines(6, bad_at=4))):
        done = subprocess.run([*CLI, "validate", "-", "--format", "json"], input=data, capture_output=True,
                              timeout=120)
        assert done.returncode == 1, done.stderr
        findings = json.loads(done.stdout)
        assert [(f["path"], f["line"], f["code"]) for f in findings] == [("-", 4, "DP104")]


def test_every_container_builds_the_same_compressed(tmp_path: Path) -> None:
    """CSV, JSON array and Parquet under .gz/.xz/.bz2: the same splits as the uncompressed files, and the
    same ledger (source, line, code) but for the file names."""
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    plain.mkdir(), packed.mkdir()
    for name, ext in (("qa.csv", "gz"), ("alpaca.json", "xz"), ("qa.parquet", "bz2"), ("broken.jsonl", "gz")):
        data = (FINETUNE / name).read_bytes()
        (plain / name).write_bytes(data)
        (packed / f"{name}.{ext}").write_bytes(COMPRESS[ext](data))
    for raw in (plain, packed):
        done = build(raw, tmp_path / f"out-{raw.name}", "--model", "nova-micro", "--no-report")
        assert done.returncode == 0, done.stderr
    for split in ("train.jsonl", "validation.jsonl"):
        assert (tmp_path / "out-plain" / split).read_bytes() == (tmp_path / "out-packed" / split).read_bytes()

    def ledger(out: str) -> list[tuple[str, int, str]]:
        return [(Path(r["source"]).name.rsplit(".", 1)[0] if out == "packed" else Path(r["source"]).name,
                 r["line"], r["code"]) for r in jsonl(tmp_path / f"out-{out}" / "rejected.jsonl")]

    assert ledger("packed") == ledger("plain") and ledger("plain")


def test_truncated_archive_in_the_build_is_a_ledger_entry(tmp_path: Path) -> None:
    """The records before the cut are built; the cut is one DP105 record in rejected.jsonl at its line."""
    raw = tmp_path / "raw"
    raw.mkdir()
    data = _lines(40)
    stream = zlib_stream_cut_after(data, data.index(b"\n", len(data) // 2) + 1)
    (raw / "qa.jsonl.gz").write_bytes(stream)
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    kept = inflate(stream, "gzip").data.count(b"\n")
    [cut] = jsonl(tmp_path / "out" / "rejected.jsonl")
    assert (cut["line"], cut["code"]) == (kept + 1, "DP105") and "cut off" in cut["reason"]
    written = jsonl(tmp_path / "out" / "train.jsonl") + jsonl(tmp_path / "out" / "validation.jsonl")
    assert len(written) == kept


def test_compressed_data_under_a_plain_name_is_sniffed(tmp_path: Path) -> None:
    """gzip bytes saved as `train.jsonl` (a download that kept its encoding): read by their magic bytes."""
    path = tmp_path / "train.jsonl"
    path.write_bytes(gzip.compress(_lines(9, bad_at=3)))
    _, findings = validate_json(path)
    assert [(f["line"], f["code"]) for f in findings] == [(3, "DP104")]
