"""SIGKILL an editing process at random moments: nothing acknowledged is lost.

A kill counts only when it landed mid-operation (the process was running and
had acknowledged edits); one that came too early is tried again later.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

from tests.crash.harness import kill_edit_worker, kill_until_landed, new_edit_database

KILLS = 6


def check_kills(db_file: Path, doc_id: int, kills: int, seed: int, *, window: bool) -> None:
    rng = random.Random(seed)
    wait = (1.5, 3.5) if window else (0.6, 2.0)  # start-up: ~1 s for the window, ~0.4 s
    started = itertools.count()

    def kill(wait: float) -> dict[str, Any]:
        n = next(started)  # each process its own layer, log and random edits
        return kill_edit_worker(db_file, doc_id, f"run{n}", seed + n, wait, window=window)

    for run in range(kills):
        results = kill_until_landed(kill, rng, wait)
        for result in results:  # a missed kill must leave the database sound too
            assert result["integrity"], f"kill {run}: integrity check failed"
            assert result["consistent"], f"kill {run}: acknowledged edits differ from the database"
            assert result["ok"], (
                f"kill {run}: the process ended by itself: {result['stderr'][-500:]}"
            )
        last = results[-1]
        assert last["landed"], f"kill {run}: no kill landed mid-edit in {len(results)} tries"
        assert last["acks"] > 0


def test_killed_editor_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    db_file, doc_id = new_edit_database(tmp_path / "project")
    check_kills(db_file, doc_id, KILLS, 2024, window=False)


def test_killed_window_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    db_file, doc_id = new_edit_database(tmp_path / "project")
    check_kills(db_file, doc_id, 3, 99, window=True)
