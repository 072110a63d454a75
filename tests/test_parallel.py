"""The build's worker processes end with the build, however it ends.

The workers are forked by a forkserver and wait on their task queue, so nothing in the standard library
ends them when the build dies without shutting its pool down: killed by the kernel's out-of-memory killer,
or interrupted while the pool was still starting a worker. Then they and the server live on, holding the
caller's stdout and stderr, and a CI step that ran `dataprep build` never returns. Both cases run on the real
CLI; the test looks for survivors in /proc by the build's process group (its own session).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CLI, LLAMA, PRETRAIN, TOOLFORMER

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def alive_in_group(group: int) -> list[int]:
    """The processes of process group `group` that are not zombies."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        state, _parent, pgrp = stat[stat.rindex(")") + 2:].split()[:3]
        if int(pgrp) == group and state != "Z":
            found.append(int(entry.name))
    return found


def slow_build(out: Path) -> subprocess.Popen[str]:
    """A build busy for seconds in its workers (langdetect), in a session of its own, as a terminal runs it."""
    env = {**os.environ, "DATAPREP_RAISE_UNEXPECTED": "1"}
    return subprocess.Popen([*CLI, "build", TOOLFORMER, PRETRAIN, out, "-q", "--model", LLAMA, "--lang", "en",
                             "--lang-detector", "langdetect"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def no_survivors(group: int, seconds: float = 20.0) -> list[int]:
    """Waits up to `seconds` for group `group` to empty; the processes still alive then (killed after)."""
    deadline = time.monotonic() + seconds
    while (left := alive_in_group(group)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def test_a_killed_build_leaves_no_worker_behind(tmp_path: Path) -> None:
    """SIGKILL to the build alone, as the out-of-memory killer sends it, once its workers are running."""
    running = slow_build(tmp_path / "out")
    deadline = time.monotonic() + 60
    while len(alive_in_group(running.pid)) < 4 and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the build, the forkserver and at least two workers
    if running.poll() is not None:
        pytest.skip("the build finished before its workers were seen")
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    assert no_survivors(running.pid) == []
    running.communicate(timeout=5)  # nothing holds the pipes any more


@pytest.mark.parametrize("delay", [0.8, 1.2, 1.6, 2.0, 2.4, 2.8])
def test_ctrl_c_at_any_moment_ends_every_process(tmp_path: Path, delay: float) -> None:
    """A real SIGINT to the whole group at moments spread over the pool's start-up and its first chunks."""
    running = slow_build(tmp_path / "out")
    time.sleep(delay)
    if running.poll() is not None:
        pytest.skip("the build finished before the interrupt")
    os.killpg(running.pid, signal.SIGINT)
    try:
        _, stderr = running.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a process outlived the build and holds its pipes: {no_survivors(running.pid, 0)}")
    assert no_survivors(running.pid) == []
    assert running.returncode in (0, 130), stderr
    assert "Traceback" not in stderr
