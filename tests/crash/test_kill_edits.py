"""SIGKILL an editing process at random moments: nothing acknowledged is lost."""

from __future__ import annotations

import random
from pathlib import Path

from tests.crash.harness import kill_edit_worker, new_edit_database

KILLS = 6


def test_killed_editor_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    db_file, doc_id = new_edit_database(tmp_path / "project")
    rng = random.Random(2024)
    total_acks = 0
    for run in range(KILLS):
        result = kill_edit_worker(db_file, doc_id, run, rng)
        assert result["integrity"], f"kill {run}: integrity check failed"
        assert result["consistent"], f"kill {run}: acknowledged edits differ from the database"
        total_acks += result["acks"]
    assert total_acks > KILLS * 10  # the kills landed while edits were being made


def test_killed_window_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    db_file, doc_id = new_edit_database(tmp_path / "project")
    rng = random.Random(99)
    total_acks = 0
    for run in range(3):
        result = kill_edit_worker(db_file, doc_id, run, rng, window=True)
        assert result["integrity"], f"kill {run}: integrity check failed"
        assert result["consistent"], f"kill {run}: {result['stderr'][-500:]}"
        total_acks += result["acks"]
    assert total_acks > 30  # the kills landed while the window was editing
