"""Suggestions of a long article are worked out in a worker process: the
window answers meanwhile, and they appear when ready."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.app import assist
from annotator.io.importer import import_paths
from annotator.io.project import create_project, load_project
from annotator.ui import open_window, suggestions
from annotator.ui.suggestions import BACKGROUND_FROM_CHARS
from tests.conftest import FIXTURES
from tests.ui import worker_probe


def test_a_long_article_gets_its_suggestions_in_the_background(
    qtbot: QtBot, tmp_path: Path
) -> None:
    project = create_project(tmp_path / "p").directory
    seed = (FIXTURES / "blinken-central-asia.txt").read_text(encoding="utf-8")
    long_text = "\n\n".join([seed] * (BACKGROUND_FROM_CHARS // len(seed) + 2))
    (tmp_path / "long.txt").write_text(long_text, encoding="utf-8")
    db = load_project(project).open_database()
    import_paths(db, [tmp_path / "long.txt"])
    db.close()

    began = time.perf_counter()
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    opened = time.perf_counter() - began
    assert window.assist.busy  # handed to the worker, not done while opening
    assert opened < 5  # the window did not wait for it
    qtbot.waitUntil(lambda: not window.assist.busy, timeout=60_000)
    quotes = [s for s in window.assist.overlay.suggestions if s.label == "Quote"]
    assert quotes, window.statusBar().currentMessage()
    assert all(long_text[s.start : s.end] == s.text for s in quotes)
    # Another process did the work: the worker, asked itself, has a process id
    # of its own and made this user's suggestions for this project; this process did not.
    pid, worked_for = suggestions._worker_pool().submit(worker_probe.state).result(timeout=60)
    assert pid != os.getpid()
    assert [(Path(p).resolve(), u) for p, u in worked_for] == [(project.resolve(), "alice")]
    assert not assist._worker_assistants  # filled only where compute_in_worker runs
    window.close()
