"""Safe under misuse and faults: a build touches only what it wrote, and publishes all or nothing.

OUT is published as one folder swap (see `dataprep/io/write.py`): every test here runs the real command line
on real files and then looks at what is on disk. The kill tests run the build in a child interpreter that
replaces `dataprep.io.write._reached` (a no-op in every normal run) with a SIGKILL at one named point of the
publish, or kill the child at random instants; after each kill OUT must hold exactly one complete generation.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, FINETUNE, TOOLFORMER, build, dataprep, jsonl, override, read_json

NOVA = ("--model", "nova-micro", "--lang-detector", "fasttext")
# Two generations that differ in every split file and in their file set (A has test.jsonl, B has not).
GEN_A = (*NOVA, "--no-report", "--test-fraction", "0.2", "--seed", "1")
GEN_B = (*NOVA, "--no-report", "--seed", "2")
USER = {"notes.txt": "mine\n", "extra/train.jsonl": "not dataprep's\n"}


def sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def plant_user_files(out: Path) -> None:
    for name, text in USER.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")


def one_generation(out: Path, user: bool = True) -> dict[str, Any]:
    """OUT holds exactly one complete build: every file its manifest lists, with that sha256, and nothing
    else but the user's files; the user's files (USER, unless `user` is False) are intact. Returns the
    manifest."""
    manifest = read_json(out / "manifest.json")
    files = manifest["files"]
    entries = {p.name for p in out.iterdir()} - {name.split("/")[0] for name in USER}
    assert entries == {*files, "manifest.json"}, "files of another generation, or missing ones"
    for name, digest in files.items():
        assert sha256(out / name) == digest, name
    for entry in manifest["outputs"].values():
        assert files[entry["file"]] == entry["sha256"]
    for name, text in USER.items() if user else ():
        assert (out / name).read_text(encoding="utf-8") == text, name
    return manifest


def leftovers(out: Path) -> list[str]:
    """Anything a build left beside OUT: staging folders, retired generations, the lock."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def generations(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """OUT folders of GEN_A and GEN_B (with the user's files), built once and copied by each test."""
    root = tmp_path_factory.mktemp("generations")
    for name, args in (("a", GEN_A), ("b", GEN_B)):
        done = build(TOOLFORMER, root / name, *args)
        assert done.returncode == 0, done.stderr
        plant_user_files(root / name)
    return root / "a", root / "b"


def copy_of(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    shutil.copytree(folder, out, symlinks=True)
    return out


# -------------------------------------------------------------------------------------------- 1. ownership


def test_out_holding_the_inputs_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    """The issue's example: the inputs live in OUT, next to an unrelated report.html."""
    data = tmp_path / "data"
    data.mkdir()
    lines = TOOLFORMER.read_text(encoding="utf-8").splitlines(keepends=True)
    (data / "train.jsonl").write_text("".join(lines[:200]), encoding="utf-8")
    (data / "test.jsonl").write_text("".join(lines[200:260]), encoding="utf-8")
    (data / "report.html").write_text("<p>my report</p>\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    done = build([data / "train.jsonl", data / "test.jsonl"], data, *NOVA)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and str(data) in done.stderr
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


@pytest.mark.parametrize("layout", ["out-is-raw", "out-inside-raw", "raw-inside-out", "out-links-to-raw"])
def test_out_overlapping_a_raw_folder_is_refused(tmp_path: Path, layout: str) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(FINETUNE, raw)
    out = {"out-is-raw": raw, "out-inside-raw": raw / "out", "raw-inside-out": tmp_path,
           "out-links-to-raw": tmp_path / "link"}[layout]
    if layout == "out-links-to-raw":
        out.symlink_to(raw, target_is_directory=True)
    done = build(raw, out, *NOVA, "--no-report")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "RAW" in done.stderr
    assert sorted(p.name for p in raw.iterdir()) == sorted(p.name for p in FINETUNE.iterdir())


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file\n", encoding="utf-8")
    done = build(TOOLFORMER, out, *NOVA, "--no-report")
    assert done.returncode == 2 and "is a file" in done.stderr, done.stderr
    assert out.read_text(encoding="utf-8") == "a file\n"


@pytest.mark.parametrize("url", ["gs://bucket/x", "https://example.com/x"])
def test_remote_out_is_refused_and_creates_no_local_folder(tmp_path: Path, url: str) -> None:
    done = build(TOOLFORMER, Path(url), *NOVA, "--no-report", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "remote OUT" in done.stderr and "not supported yet" in done.stderr and url in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["s3://Bad_Bucket/x", "s3://ab/x", "s3://bucket/../x"])
def test_a_malformed_s3_out_is_refused_and_creates_no_local_folder(tmp_path: Path, url: str) -> None:
    # s3:// OUT is supported (tests/test_s3.py); a URL that cannot be one is refused before anything is made.
    done = build(TOOLFORMER, Path(url), *NOVA, "--no-report", cwd=tmp_path)
    assert done.returncode == 2 and ("not valid" in done.stderr or "segment" in done.stderr), done.stderr
    assert "Traceback" not in done.stderr and list(tmp_path.iterdir()) == []


def test_a_file_with_an_output_name_that_no_manifest_lists_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("<p>my report</p>\n", encoding="utf-8")
    done = build(TOOLFORMER, out, *NOVA)
    assert done.returncode == 2, done.stderr
    assert str(out / "report.html") in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in out.iterdir()] == ["report.html"] and leftovers(out) == []
    # Without reports the build writes no report.html: it builds, and the user's page stays as it was.
    done = build(TOOLFORMER, out, *NOVA, "--no-report")
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").read_text(encoding="utf-8") == "<p>my report</p>\n"
    assert "report.html" not in read_json(out / "manifest.json")["files"]


def test_the_users_files_are_kept_as_the_same_files(generations: tuple[Path, Path], tmp_path: Path) -> None:
    out = copy_of(generations[0], tmp_path)
    (out / "link").symlink_to("notes.txt")
    inodes = {name: (out / name).stat().st_ino for name in USER}
    done = build(TOOLFORMER, out, *GEN_B)
    assert done.returncode == 0, done.stderr
    assert os.readlink(out / "link") == "notes.txt"
    (out / "link").unlink()
    manifest = one_generation(out)
    assert "test.jsonl" not in manifest["files"]
    assert {name: (out / name).stat().st_ino for name in USER} == inodes  # hard links, not copies
    assert leftovers(out) == []


# ------------------------------------------------------------------------------------- 2. all or nothing


def _child(*args: str | Path, kill_at: str | None = None, exchange: bool = True,
           pause: Path | None = None) -> list[str]:
    """A dataprep command line whose interpreter SIGKILLs itself at one publish point (or uses the
    two-rename fallback when `exchange` is False, or, with `pause`, creates PAUSE.here at `staged` and waits
    there for PAUSE.go)."""
    code = ["import os, signal, time", "from pathlib import Path", "import dataprep.io.write as w"]
    if kill_at:
        code.append(f"w._reached = lambda p: os.kill(os.getpid(), signal.SIGKILL) if p == {kill_at!r} else None")
    if pause:
        code += [f"def wait(p, flag=Path({str(pause)!r})):",
                 "    if p == 'staged':",
                 "        flag.with_suffix('.here').touch()",
                 "        while not flag.with_suffix('.go').exists(): time.sleep(0.01)",
                 "w._reached = wait"]
    if not exchange:
        code.append("w.exchange = lambda a, b: False")
    code.append("from dataprep.cli import main; main()")
    return [sys.executable, "-c", "\n".join(code), *map(str, args)]


POINTS = [("staged", True), ("swapped", True), ("retiring", True), ("staged", False), ("moved-aside", False),
          ("retiring", False)]


@pytest.mark.parametrize(("point", "exchange"), POINTS)
def test_a_kill_at_any_publish_point_leaves_one_complete_generation(generations: tuple[Path, Path], tmp_path: Path,
                                                                    point: str, exchange: bool) -> None:
    a, b = generations
    out = copy_of(a, tmp_path)
    done = subprocess.run(_child("build", TOOLFORMER, out, "-q", *GEN_B, kill_at=point, exchange=exchange),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr
    if not out.exists():  # killed between the fallback's two renames: the next build restores OUT first
        assert point == "moved-aside"
    else:
        manifest = one_generation(out)
        expected = read_json((a if point == "staged" else b) / "manifest.json")
        assert manifest == expected
    # The next build removes what the killed one left and publishes normally.
    again = build(TOOLFORMER, out, *GEN_A)
    assert again.returncode == 0, again.stderr
    assert one_generation(out) == read_json(a / "manifest.json")
    assert leftovers(out) == []


def test_kills_at_random_instants_never_leave_a_mix(generations: tuple[Path, Path], tmp_path: Path) -> None:
    a, b = generations
    out = copy_of(a, tmp_path)
    known = {json.dumps(read_json(g / "manifest.json"), sort_keys=True) for g in generations}
    rng = random.Random(7)
    for round_ in range(8):
        args = GEN_B if round_ % 2 == 0 else GEN_A
        child = subprocess.Popen([*CLI, "build", str(TOOLFORMER), str(out), "-q", *args],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 4.0))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        if out.exists():
            assert json.dumps(one_generation(out), sort_keys=True) in known
    assert build(TOOLFORMER, out, *GEN_B).returncode == 0
    assert one_generation(out) == read_json(b / "manifest.json") and leftovers(out) == []


def test_a_second_concurrent_build_is_refused_naming_the_lock(generations: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    """The first build holds the lock until it has staged its set; the second, started then, is refused."""
    out = copy_of(generations[0], tmp_path)
    lock, flag = out.parent / ".out.dataprep.lock", tmp_path / "pause"
    first = subprocess.Popen(_child("build", TOOLFORMER, out, "-q", *GEN_B, pause=flag),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not flag.with_suffix(".here").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lock.exists()
    second = build(TOOLFORMER, out, *GEN_A)
    flag.with_suffix(".go").touch()
    _, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    assert second.returncode == 2, second.stderr
    assert str(lock) in second.stderr and "another dataprep build" in second.stderr
    assert "Traceback" not in second.stderr
    assert one_generation(out) == read_json(generations[1] / "manifest.json")
    assert leftovers(out) == []
    # A build that waits for the first one to finish (the documented way) then goes ahead.
    assert build(TOOLFORMER, out, *GEN_A).returncode == 0


# ----------------------------------------------------------------------------------------- 3. show why


def _raw(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "raw.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _stopped(out: Path, code: str, reports: bool = True, user: bool = False) -> dict[str, Any]:
    """A stopped build's folder: the ledger, the reports (not ready, with the reason), a manifest saying so."""
    manifest = one_generation(out, user)
    assert manifest["stopped"]["code"] == code
    assert set(manifest["outputs"]) == {"rejected", "lineage"}
    assert not any((out / f"{split}.jsonl").exists() for split in ("train", "validation", "test"))
    if reports:
        verdict = read_json(out / "report.json")["verdict"]
        assert verdict["ready"] is False
        assert verdict["blocking"][0]["code"] == code
        assert verdict["blocking"][0]["message"] == manifest["stopped"]["message"]
        assert manifest["stopped"]["message"] in (out / "report.html").read_text(encoding="utf-8")
    return manifest


def test_every_record_rejected_still_writes_the_ledger_and_the_reports(generations: tuple[Path, Path],
                                                                       tmp_path: Path) -> None:
    rows = [{"prompt": f"Question {i}?", "completion": ""} for i in range(5)]
    out = copy_of(generations[0], tmp_path)  # a previous complete build is replaced by the not-ready one
    done = build(_raw(tmp_path, rows), out, *NOVA)
    assert done.returncode == 1, done.stderr
    assert "nothing written" not in done.stderr and "Traceback" not in done.stderr
    assert "5 records read, 5 rejected (" in done.stderr and "rejected.jsonl" in done.stderr
    manifest = _stopped(out, "DP304", user=True)
    assert manifest["counts"]["rejected"] == 5 and len(jsonl(out / "rejected.jsonl")) == 5


def test_the_stop_message_counts_records_that_went_to_validation(tmp_path: Path) -> None:
    rows = [{"prompt": "What is the capital of France?", "completion": "Paris is the capital of France."},
            {"prompt": "What is the capital of Spain?", "completion": "Madrid is the capital of Spain."}]
    out = tmp_path / "out"
    done = build(_raw(tmp_path, rows), out, *NOVA, "--validation-fraction", "0.99", "--no-report")
    assert done.returncode == 1, done.stderr
    assert "all rejected ()" not in done.stderr
    assert "2 records read, 0 rejected, 2 in validation" in done.stderr, done.stderr
    manifest = _stopped(out, "DP304", reports=False)
    assert manifest["counts"]["validation"] == 2


def test_over_the_quota_stop_writes_the_ledger_and_the_reports(tmp_path: Path) -> None:
    small = override(tmp_path, "nova-micro", "fine-tuning", "max_train_records", 50)
    out = tmp_path / "out"
    done = build(TOOLFORMER, out, *NOVA, "--profile-file", small)
    assert done.returncode == 1, done.stderr
    assert "DP503 more than 50 training records remain" in done.stderr and "nothing written" not in done.stderr
    _stopped(out, "DP503")
    job = dataprep("job", out, "--s3-uri", "s3://my-bucket/runs/one/", "--role-arn",
                   "arn:aws:iam::123456789012:role/BedrockCustomization")
    assert job.returncode == 1 and "DP503" in job.stdout + job.stderr and "Traceback" not in job.stderr


# ------------------------------------------------------------------------------------------- 4. faults


def _limited(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_a_file_size_limit_leaves_the_previous_build_and_says_where(generations: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    a, _ = generations
    out = copy_of(a, tmp_path)
    done = subprocess.run([*CLI, "build", str(TOOLFORMER), str(out), "-q", *GEN_B], capture_output=True, text=True,
                          timeout=600, preexec_fn=_limited(100_000))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(out / "train.jsonl") in done.stderr and "File too large" in done.stderr
    assert one_generation(out) == read_json(a / "manifest.json") and leftovers(out) == []


def test_a_read_only_parent_leaves_the_previous_build_and_says_where(generations: tuple[Path, Path],
                                                                     tmp_path: Path) -> None:
    a, _ = generations
    out = copy_of(a, tmp_path)
    if os.geteuid() == 0:  # root ignores permission bits: make the parent immutable instead
        locked = subprocess.run(["chattr", "+i", str(out.parent)], capture_output=True).returncode == 0
        if not locked:
            pytest.skip("running as root without chattr: cannot make a read-only folder")
        unlock = ["chattr", "-i", str(out.parent)]
    else:
        out.parent.chmod(0o555)
        unlock = ["chmod", "755", str(out.parent)]
    try:
        done = build(TOOLFORMER, out, *GEN_B)
    finally:
        subprocess.run(unlock, check=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert str(out.parent) in done.stderr
    assert one_generation(out) == read_json(a / "manifest.json") and leftovers(out) == []
