"""Hugging Face `datasets` on disk (#13 item 2): `save_to_disk` folders and `.arrow` files are read by the build.

Before, a saved dataset was refused: `.arrow` was an unsupported suffix, and a folder walk read the JSON
bookkeeping (`state.json`, `dataset_info.json`, `dataset_dict.json`) as records. Now each Arrow shard is a
container whose records' lines are their row numbers in the shard, the bookkeeping is skipped as not data
(DP116), and an `.arrow` file the state does not list (a cache) is not read. The Arrow files here are
written by polars (the stream format `datasets` uses, and the file format), so these tests need no
`datasets`; the real sample was written by `datasets` itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import RAW, build, jsonl

ROWS = [{"question": f"What is {n} plus {n}? Give the sum and one line on how you got it.",
         "answer": f"{n} plus {n} is {2 * n}: adding a number to itself doubles it."} for n in range(1, 31)]


def _saved(folder: Path, rows: list[dict[str, object]], shards: int = 1) -> Path:
    """A Dataset folder as save_to_disk writes it: state.json listing the stream-format shards, the info file."""
    folder.mkdir(parents=True)
    size = -(-len(rows) // shards)
    names = [f"data-{i:05d}-of-{shards:05d}.arrow" for i in range(shards)]
    for i, name in enumerate(names):
        pl.DataFrame(rows[i * size:(i + 1) * size]).write_ipc_stream(folder / name)
    (folder / "state.json").write_text(json.dumps({"_data_files": [{"filename": n} for n in names],
                                                   "_fingerprint": "0", "_split": None}))
    (folder / "dataset_info.json").write_text(json.dumps({"features": {"question": {"dtype": "string"}}}))
    return folder


def test_the_real_sample_builds_clean_and_skips_the_bookkeeping(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = build(RAW / "hf-datasets", out, "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    assert len(jsonl(out / "train.jsonl")) + len(jsonl(out / "validation.jsonl")) == 30
    assert jsonl(out / "rejected.jsonl") == []
    manifest = json.loads((out / "manifest.json").read_text())
    inputs = {Path(i["path"]).relative_to(RAW / "hf-datasets").as_posix(): i["records"] for i in manifest["inputs"]}
    assert inputs == {"gsm8k/test/data-00000-of-00001.arrow": 10, "gsm8k/train/data-00000-of-00001.arrow": 20}
    skipped = {Path(s["path"]).name for s in manifest["skipped"] if s["code"] == "DP116"}
    assert {"dataset_dict.json", "state.json", "dataset_info.json"} <= skipped


def test_lines_are_row_numbers_in_each_shard(tmp_path: Path) -> None:
    """Two shards of 15 rows; a bad row in each is rejected at its row number in its own shard."""
    rows = [dict(r) for r in ROWS]
    rows[3]["answer"] = ""  # shard 0, row 4
    rows[15 + 6]["answer"] = ""  # shard 1, row 7
    raw = _saved(tmp_path / "ds", rows, shards=2)
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    rejected = [(Path(r["source"]).name, r["line"]) for r in jsonl(tmp_path / "out" / "rejected.jsonl")]
    assert rejected == [("data-00000-of-00002.arrow", 4), ("data-00001-of-00002.arrow", 7)]
    lineage = jsonl(tmp_path / "out" / "lineage.jsonl")
    assert sorted((Path(e["source"]).name, e["source_line"]) for e in lineage) == sorted(
        (f"data-0000{i // 15}-of-00002.arrow", i % 15 + 1) for i in range(30) if i not in (3, 21))


def test_an_arrow_file_given_alone_in_either_format(tmp_path: Path) -> None:
    stream, file = tmp_path / "stream.arrow", tmp_path / "file.arrow"
    pl.DataFrame(ROWS).write_ipc_stream(stream)
    pl.DataFrame(ROWS).write_ipc(file)
    outs = []
    for path in (stream, file):
        out = tmp_path / f"out-{path.stem}"
        done = build(path, out, "--model", "nova-micro", "--no-report")
        assert done.returncode == 0, done.stderr
        outs.append((out / "train.jsonl").read_bytes())
    assert outs[0] == outs[1]


def test_a_cache_shard_the_state_does_not_list_is_not_read(tmp_path: Path) -> None:
    raw = _saved(tmp_path / "ds", ROWS)
    pl.DataFrame(ROWS[:5]).write_ipc_stream(raw / "cache-0123abcd.arrow")
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [Path(i["path"]).name for i in manifest["inputs"]] == ["data-00000-of-00001.arrow"]
    assert any(Path(s["path"]).name == "cache-0123abcd.arrow" and "does not list" in s["reason"]
               for s in manifest["skipped"])


def test_a_corrupt_arrow_file_is_one_ledger_line_not_a_traceback(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    pl.DataFrame(ROWS).write_ipc_stream(raw / "good.arrow")
    (raw / "bad.arrow").write_bytes(b"\xff\xff\xff\xff" + b"\x00" * 20)
    done = build(raw, tmp_path / "out", "--model", "nova-micro", "--no-report")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    [bad] = jsonl(tmp_path / "out" / "rejected.jsonl")
    assert (Path(bad["source"]).name, bad["line"], bad["code"]) == ("bad.arrow", 1, "DP104")
    assert "the Arrow file cannot be read" in bad["reason"]


def test_a_folder_saved_by_datasets_itself(tmp_path: Path) -> None:
    """The library's own save_to_disk (when installed): the same records as the rows they came from."""
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_list(ROWS).save_to_disk(str(tmp_path / "saved"))
    _saved(tmp_path / "ours", ROWS)
    for name in ("saved", "ours"):
        done = build(tmp_path / name, tmp_path / f"out-{name}", "--model", "nova-micro", "--no-report")
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "out-saved" / "train.jsonl").read_bytes() == (tmp_path / "out-ours" / "train.jsonl").read_bytes()
