"""A daily backup that cannot be made is said in the window, which opens all the same."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.ui import open_window


def test_the_window_opens_and_says_the_daily_backup_failed(qtbot: QtBot, project: Path) -> None:
    shutil.rmtree(project / "backups")
    (project / "backups").write_text("a file where the folder should be")
    win = open_window(project, user="alice")
    qtbot.addWidget(win)
    assert win.db is not None and win.document_id is not None
    message = win.statusBar().currentMessage()
    assert message.startswith("no daily backup: ") and "backups" in message
    win.close()
