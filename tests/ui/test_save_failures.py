"""The database refuses a write: the edit is kept in the window, retried, and
saved when the problem is fixed; undo history keeps matching the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from annotator.ui import save_guard
from annotator.ui.main_window import MainWindow
from tests.conftest import Disk
from tests.ui.conftest import drag, find, key, stored_spans


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


# --- compare mode: the same bar and the same retries --------------------------------


@pytest.fixture
def review_project(tmp_path: Path) -> Path:
    """Alice's and bob's layers of one document (tests/ui/test_review_ui.py), rita reviews."""
    from annotator.core.model import DocumentDraft
    from annotator.io.project import create_project, load_project, save_project
    from annotator.store import repository
    from tests.ui.test_review_ui import SPANS, TEXT, at

    directory = tmp_path / "review"
    create_project(directory)
    config = load_project(directory)
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(directory).open_database()
    try:
        with db.session() as session:
            repository.insert_documents(session, [DocumentDraft(TEXT, title="Visit")])
            for who, label, word in SPANS:
                repository.add_span(session, 1, who, label, *at(word))
    finally:
        db.close()
    return directory


def test_compare_mode_keeps_a_decision_the_database_refused_and_saves_it_later(
    qtbot: QtBot, review_project: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core.adjudication import Resolution
    from annotator.ui.review import open_compare
    from tests.ui.test_review_ui import gold as read_gold

    def gold(project: Path) -> list[tuple[str, str]]:
        full, disk.full = disk.full, False  # the checking program's disk is fine
        try:
            return read_gold(project)
        finally:
            disk.full = full

    discard = QMessageBox.StandardButton.Discard  # if closed with edits unsaved
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: discard)

    window = open_compare(review_project, "rita", 1, "alice", "bob")
    qtbot.addWidget(window)
    bar = window.unsaved
    disk.full = True
    qtbot.keyClick(window.view, Qt.Key.Key_N)  # alice: Location, bob: Organization
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # accept alice's
    assert gold(review_project) == []
    assert bar.isVisible() and "1 edit not saved" in bar.message.text()
    assert "the disk is full" in bar.message.text() and "Accept" in bar.message.text()
    assert window.undo_stack.count() == 0 and window.states[1] is Resolution.OPEN
    disk.full = False  # the next retry saves it
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=3000)
    assert gold(review_project) == [("Location", "Kazakhstan")]
    assert window.states[1] is Resolution.ACCEPTED_A  # and the window shows it
    assert window.undo_stack.count() == 1
    disk.full = True
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.undo_stack.index() == 1, timeout=2000)
    assert gold(review_project) == [("Location", "Kazakhstan")]  # a failed undo stays to do
    assert "failed" in window.statusBar().currentMessage()
    disk.full = False
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert gold(review_project) == [] and window.undo_stack.index() == 0
    window.close()


def test_closing_compare_mode_with_unsaved_decisions_asks_first(
    qtbot: QtBot, review_project: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui.review import open_compare
    from tests.ui.test_review_ui import gold as read_gold

    def gold(project: Path) -> list[tuple[str, str]]:
        full, disk.full = disk.full, False  # the checking program's disk is fine
        try:
            return read_gold(project)
        finally:
            disk.full = full

    window = open_compare(review_project, "rita", 1, "alice", "bob")
    qtbot.addWidget(window)
    disk.full = True
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", answer)
    window.close()
    assert window.isVisible() and "1 edit could not be saved" in asked[0]
    disk.full = False
    window.close()
    assert not window.isVisible() and gold(review_project) == [("Organization", "Kazakhstan")]


def test_a_kept_edit_saved_later_does_not_pull_the_analyst_back(
    qtbot: QtBot, window: MainWindow, project: Path, disk: Disk
) -> None:
    from annotator.core.model import DocStatus

    first = window.document_id
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    disk.full = True
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.unsaved.isVisible() and "Mark done" in window.unsaved.message.text()
    second = window.document_id
    assert second != first  # kept: it will be saved, so the window moves on
    disk.full = False
    qtbot.waitUntil(lambda: not window.unsaved.isVisible(), timeout=3000)
    assert window.document_id == second  # still where the analyst went
    assert window.documents.status(first or 0) == DocStatus.DONE
