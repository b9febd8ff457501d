"""The database refuses a write: the edit is kept in the window, retried, and
saved when the problem is fixed; undo history keeps matching the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.store.db import Database, SaveFailed
from annotator.ui import save_guard
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag, find, key, stored_spans


class Disk:
    """Stands in for the disk under the database: full, or not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        real = Database.session

        @contextmanager
        def session(db: Database) -> Iterator[object]:
            if self.full:
                raise SaveFailed(db.url, "not saved: the disk is full")
            with real(db) as s:
                yield s

        monkeypatch.setattr(Database, "session", session)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    monkeypatch.setattr(save_guard, "RETRY_MS", 100)
    return Disk(monkeypatch)


def test_an_edit_on_a_full_disk_is_kept_and_saved_later(
    qtbot: QtBot, window: MainWindow, project: Path, disk: Disk
) -> None:
    view = window.view
    bar = window.unsaved
    disk.full = True
    drag(qtbot, view, *find(view, "Blinken"))
    key(qtbot, view, "p")
    drag(qtbot, view, *find(view, "Astana"))
    key(qtbot, view, "g")
    assert stored_spans(project) == []
    assert bar.isVisible()
    assert "2 edits not saved" in bar.message.text() and "the disk is full" in bar.message.text()
    assert "Add Person" in bar.message.text() and "Add Location" in bar.message.text()
    assert window.undo_stack.count() == 0
    disk.full = False  # space freed: the next retry saves both, in order
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=3000)
    assert sorted((s.label, s.text) for s in stored_spans(project)) == [
        ("Location", "Astana"), ("Person", "Blinken"),
    ]  # fmt: skip
    assert window.undo_stack.count() == 2 and window.undo_stack.undoText() == "Add Location"


def test_a_failed_undo_stays_in_the_history(
    qtbot: QtBot, window: MainWindow, project: Path, disk: Disk
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Blinken"))
    key(qtbot, view, "p")
    assert len(stored_spans(project)) == 1
    disk.full = True
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: window.undo_stack.index() == 1, timeout=2000)
    assert len(stored_spans(project)) == 1  # nothing was undone on disk, nor in the history
    assert "failed" in window.statusBar().currentMessage()
    disk.full = False
    window.undo_stack.undo()
    assert stored_spans(project) == [] and window.undo_stack.index() == 0


def test_closing_with_unsaved_edits_asks_first(
    qtbot: QtBot, window: MainWindow, project: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk.full = True
    drag(qtbot, window.view, *find(window.view, "Blinken"))
    key(qtbot, window.view, "p")
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", answer)
    window.close()
    assert window.isVisible() and "1 edit could not be saved" in asked[0]
    disk.full = False
    window.close()  # the retry on close saves it; no question this time
    assert not window.isVisible() and len(asked) == 1
    assert [s.text for s in stored_spans(project)] == ["Blinken"]


def test_a_damaged_database_offers_the_latest_backup(
    qtbot: QtBot, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    from annotator.io.backup import list_backups
    from annotator.ui import open_window

    shutil.rmtree(project / "backups")  # made before the articles were imported
    win = open_window(project, user="alice")  # opening makes the day's backup
    qtbot.addWidget(win)
    assert list_backups(project)
    win.close()
    database = project / "annotator.sqlite"
    os.truncate(database, 0)
    asked: list[str] = []

    def yes(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    again = open_window(project, user="alice")
    qtbot.addWidget(again)
    assert "the database file is empty" in asked[0] and "latest backup" in asked[0]
    assert again.document_id is not None and len(again.documents.document_ids()) == 3
    assert list(project.glob("annotator.before-restore-*.sqlite"))  # the damaged file is kept
    again.close()
