"""A window's worker process ends with the window, however the window ends
(annotator/ui/worker.py): a killed window leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WINDOW = """
import os, signal, sys
from annotator.ui.worker import REPORT, worker_pool

if __name__ == "__main__":
    print(worker_pool(REPORT).submit(os.getpid).result(timeout=60), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # as a crash or `kill -9` would
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_a_killed_window_leaves_no_worker(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WINDOW], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    worker = int(done.stdout.split()[0])
    deadline = time.monotonic() + 20
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker), f"worker {worker} outlived its window"


WORKER_WITH_A_HELPER = """
import os, sys, time
from annotator.ui import worker

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[2])
    import worker_probe

    pid_file = sys.argv[1]
    worker.worker_pool(worker.REPORT).submit(worker_probe.fork_and_wait, pid_file)
    deadline = time.monotonic() + 60
    while not os.path.exists(pid_file) and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.stop_worker(worker.REPORT, now=True)  # what closing the report does
"""


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_a_worker_ended_mid_work_stops_the_helper_it_forked(tmp_path: Path) -> None:
    pid_file = tmp_path / "helper"
    done = subprocess.run(
        [sys.executable, "-c", WORKER_WITH_A_HELPER, str(pid_file), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    helper = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helper), f"helper {helper} outlived its worker"


SWALLOWED = """
import os, signal, time
from annotator.ui import worker

signal.signal(signal.SIGTERM, worker._exit_on_signal)
try:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(1)
except BaseException:  # as concurrent.futures does around a task and its result
    pass
print("waiting for work", flush=True)
time.sleep(60)  # a worker whose window is gone: no work will come
"""


@pytest.mark.skipif(sys.platform == "win32", reason="signals")
def test_an_ended_worker_whose_exit_is_swallowed_still_ends() -> None:
    """A SIGTERM's SystemExit caught on the way out (concurrent.futures catches
    BaseException) once left a worker waiting for ever after its window was
    killed; the alarm set with it ends the process."""
    from annotator.ui.worker import EXIT_GRACE_SECONDS

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED], capture_output=True, text=True, timeout=50
    )
    assert done.stdout == "waiting for work\n", done.stderr
    assert done.returncode == -signal.SIGALRM
    assert time.monotonic() - started < EXIT_GRACE_SECONDS + 10
