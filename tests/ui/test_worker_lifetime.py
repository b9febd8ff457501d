"""A window's worker process ends with the window, however the window ends
(annotator/ui/worker.py): a killed window leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

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
