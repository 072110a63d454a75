"""validate's per-record checks on two forked workers (`dataprep.forked`, #14 item 2) give the serial findings.

A file past the fork threshold, with every kind of per-record finding the workers make (schema, content,
keywords) and the ones the parent makes from what they send back (DP401 duplicates, DP305 sizes, bad lines
from the reader), is validated in a fresh single-threaded interpreter, where the workers do run (their CPU
time is counted), and in process with the workers switched off: the findings must be the same, in order.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from catalogue import j

from dataprep import forked
from dataprep.findings import Finding
from dataprep.profiles import resolve_model
from dataprep.validate import validate_paths

_FILLER = " ".join(f"line {k} of a record that tells about rivers, hills and the towns beside them" for k in range(8))
_PLANTED = [
    {"messages": [{"role": "user", "content": "Fix this"}, {"role": "assistant", "content": "personâ€™s car"}]},
    {"messages": [{"role": "user", "content": "AKIAIOSFODNN7EXAMPLE"}, {"role": "assistant", "content": "ok"}]},
    {"messages": [{"role": "user", "content": "Mail jane.roe@gmail.com"}, {"role": "assistant", "content": "Sure."}]},
    {"messages": [{"role": "user", "content": "hi\n\nHuman: again"}, {"role": "assistant", "content": "Hello."}]},
    {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": "empty prompt"}]},
    {"messages": [{"role": "assistant", "content": "first"}, {"role": "user", "content": "wrong order"}]},
    {"messages": [{"role": "user", "content": "Write"}, {"role": "assistant", "content": "Dear {{name}}, hello"}]},
    {"system": 3, "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]},
    # over the model's token limit: counted by the parent from the texts a worker sends back (DP305)
    {"messages": [{"role": "user", "content": "tell me " * 20_000}, {"role": "assistant", "content": "no"}]},
]


def _records(path: Path, count: int, variant: str = "") -> Path:
    lines = []
    for i in range(count):
        if i % 97 == 5:
            lines.append(j(_PLANTED[(i // 97) % len(_PLANTED)]))
        elif i % 211 == 7:
            lines.append(b'{"messages": [}\n')  # a reader finding (DP104), between worker findings
        else:
            prompt = f"Question {i % 1500}: {_FILLER}"  # repeats after 1,500 records: DP401 from the parent
            lines.append(j({"messages": [{"role": "user", "content": prompt},
                                         {"role": "assistant", "content": f"Answer {i % 1500}{variant}."}]}))
    path.write_bytes(b"".join(lines))
    return path


def _shown(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.path, f.line, f.col, f.code, f.message, f.end_col) for f in findings]


_CHILD = """
import json, resource, sys
from pathlib import Path
from dataprep import forked
from dataprep.profiles import resolve_model
from dataprep.validate import validate_paths
paths = [Path(arg) for arg in sys.argv[1:]]
assert all(map(forked.worth_forking, paths)), "the files should take the forked path"
found = validate_paths(paths, resolve_model("claude-3-haiku"))
print(json.dumps({"cpu": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime,
                  "findings": [[f.path, f.line, f.col, f.code, f.message, f.end_col] for f in found]}))
"""


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2,
                    reason="needs fork and two CPUs")
def test_forked_findings_are_the_serial_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A train and validation pair: the validation records are near-duplicates of train's (DP502, from the texts
    # the workers send back for it) and exact ones where the answers agree (DP501).
    paths = [_records(tmp_path / "train.jsonl", 3000), _records(tmp_path / "validation.jsonl", 2600, " or so")]
    assert all(path.stat().st_size >= forked._MIN_BYTES for path in paths)
    child = subprocess.run([sys.executable, "-c", _CHILD, *map(str, paths)], capture_output=True, text=True,
                           timeout=300, check=True)
    out = json.loads(child.stdout)
    monkeypatch.setattr(forked, "worth_forking", lambda _: False)
    serial = _shown(validate_paths(paths, resolve_model("claude-3-haiku")))
    assert [tuple(f) for f in out["findings"]] == serial
    codes = {f[3] for f in serial}
    assert {"DP401", "DP104", "DP419", "DP409", "DP410", "DP406", "DP205", "DP208", "DP418", "DP216", "DP305",
            "DP501", "DP502"} <= codes, codes
    assert out["cpu"] > 0.2  # the workers did the checking


def test_small_files_and_other_inputs_are_checked_in_process(tmp_path: Path) -> None:
    small = _records(tmp_path / "small.jsonl", 50)
    assert not forked.worth_forking(small)
    assert not forked.worth_forking(tmp_path / "missing.jsonl")
    assert not forked.worth_forking(tmp_path)


_MAP = """
import os, sys
from dataprep import forked
def double(chunk):
    if -1 in chunk:
        raise ValueError("a planted bug")
    return [2 * x for x in chunk]
chunks = [(list(range(k, k + 3000)), k) for k in range(0, 60000, 3000)]  # 100 KB pickles: past a pipe's capacity
got = [(local, result) for local, result in forked.ordered_map(double, chunks)]
assert got == [(k, [2 * x for x in range(k, k + 3000)]) for k in range(0, 60000, 3000)], "order"
early = forked.ordered_map(double, chunks)
next(early)
early.close()  # abandoned: its workers are ended and reaped
try:
    list(forked.ordered_map(double, [([1], 0), ([-1], 1)]))
except RuntimeError as error:
    assert "a planted bug" in str(error), error
else:
    raise AssertionError("the worker's error was lost")
try:
    os.waitpid(-1, os.WNOHANG)
except ChildProcessError:
    print("reaped")
"""


def test_the_workers_answer_in_order_pass_on_errors_and_are_reaped() -> None:
    child = subprocess.run([sys.executable, "-c", _MAP], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "reaped"


def test_rows_and_records_cross_a_pipe_unchanged() -> None:
    """Canonical rows, turns, media and source records pickle as their fields (`__reduce__`): what crosses to
    a worker and back is equal, field for field, media and unset fields included."""
    import pickle

    from dataprep.formats.base import Canonical, Media, Turn
    from dataprep.io.read import SourceRecord

    shown = Media("image", "png", "s3://b/k.png", "0" * 64, "111122223333")
    rows = [Canonical(system="s", turns=(Turn("user", "a"), Turn("assistant", "b"))), Canonical(text="plain"),
            Canonical(turns=(Turn("user", "look", (shown,)), Turn("assistant", "ok"))),
            Canonical(text="caption", media=(Media("image", "jpeg", "a.jpg"),))]
    records = [SourceRecord("in.jsonl", 3, None, "prompt-completion", rows[0], None, None),
               SourceRecord("in.csv", 4, '{"a": 1}', None, None, "DP200", "no shape")]
    for value in [*rows, *records]:
        back = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        assert back == value and type(back) is type(value)


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("4", "4")])
def test_the_build_asks_for_one_malloc_arena_and_keeps_a_users_choice(given: str | None, expected: str) -> None:
    """`dataprep build` sets MALLOC_ARENA_MAX for itself (mallopt) and its workers (the environment), unless the
    user set it: a worker started after the call sees the value."""
    code = ("import multiprocessing, os\n"
            "from dataprep.parallel import one_malloc_arena, process_context\n"
            "one_malloc_arena()\n"
            "with process_context().Pool(1) as pool:\n"
            "    print(pool.apply(os.getenv, ('MALLOC_ARENA_MAX',)))\n")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | (
        {"MALLOC_ARENA_MAX": given} if given else {})
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         check=True)
    assert out.stdout.strip() == expected
