"""The window's undo stack is a view of its workspace's history (annotator/app):
they move together, a failed undo moves neither, and each saved step is shown
once."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.app.workspace import Changed, Operation
from annotator.store.db import Database
from annotator.ui.main_window import MainWindow
from tests.conftest import Disk
from tests.ui.conftest import drag, find, key, stored_spans


def test_the_undo_stack_follows_the_history(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch)
    workspace = window.edits.workspace
    published: list[Changed] = []
    workspace.changes.subscribe(published.append)
    stack, history = window.undo_stack, workspace.history

    drag(qtbot, window.view, *find(window.view, "Blinken"))
    key(qtbot, window.view, "p")
    assert (stack.count(), stack.index(), history.index) == (1, 1, 1)
    assert stack.undoText() == history.undo_text == "Add Person"
    stack.undo()
    assert (stack.index(), history.index) == (0, 0) and stored_spans(project) == []
    stack.redo()
    assert (stack.index(), history.index) == (1, 1) and len(stored_spans(project)) == 1
    disk.full = True
    stack.undo()  # fails: the stack steps back, the history never moved
    qtbot.waitUntil(lambda: stack.index() == 1, timeout=2000)
    assert history.index == 1 and len(stored_spans(project)) == 1
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]


def test_the_window_reads_its_project_from_its_workspace(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    """The window opens the project through ``Workspace.open``: its project,
    database and store are the workspace's, the live feed's spans go to the
    workspace, and closing the project closes the workspace's database."""
    from annotator.io.project import load_project
    from annotator.store import repository
    from annotator.store.assist import AssistEditStore

    workspace = window.workspace
    assert workspace is window.edits.workspace
    assert workspace.project is window.project and window.project is not None
    assert window.project.directory == project.resolve()
    assert workspace.db is window.db and window.db is not None
    assert workspace.store is window.store and isinstance(window.store, AssistEditStore)
    assert window.store.db is window.db

    window.set_view_mode("all")
    doc = window.document_id
    assert doc is not None and window.live is not None
    seen: list[int] = []
    real_saw = workspace.saw
    workspace.saw = lambda spans: (seen.extend(s.id for s in spans), real_saw(spans))[-1]  # type: ignore[method-assign]
    other = load_project(project).open_database()  # a colleague's program
    try:
        with other.session() as s:
            theirs = repository.add_span(s, doc, "bob", "Location", *find(window.view, "Astana"))
    finally:
        other.close()
    window.live.poll()
    assert seen == [theirs.id]
    assert window.store.seen_versions[theirs.id] == theirs.version

    db = window.db
    closed: list[Database] = []
    real_close = db.close
    db.close = lambda: (closed.append(db), real_close())[-1]  # type: ignore[method-assign]
    window.close_project()
    assert closed == [db] and workspace.db is None
    assert window.project is None and window.db is None and window.store is None
    assert window.workspace is not workspace and window.undo_stack.count() == 0
    assert window.open_project(project)  # opened again: a new workspace
    assert window.workspace is not workspace and window.db is not None


def test_compare_mode_drives_a_workspace_of_its_own(qtbot: QtBot, project: Path) -> None:
    """open_compare opens the project through ``Workspace.open`` with a
    ReviewEditStore; closing the window closes that workspace's database."""
    from annotator.store.review import ReviewEditStore
    from annotator.ui.review import open_compare

    win = open_compare(project, "rita", 1, "alice", "bob")
    qtbot.addWidget(win)
    workspace = win.edits.workspace
    assert isinstance(workspace.store, ReviewEditStore) and workspace.store is win.store
    assert workspace.db is win.db and workspace.project is not None
    db = win.db
    closed: list[Database] = []
    real_close = db.close
    db.close = lambda: (closed.append(db), real_close())[-1]  # type: ignore[method-assign]
    win.close()
    assert closed == [db] and workspace.db is None


def test_kept_edits_stay_with_their_project(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a project while edits are kept asks first, as quitting does: the
    kept edits are never saved into another project's database."""
    from PySide6.QtWidgets import QMessageBox

    disk = Disk(monkeypatch)
    disk.full = True
    drag(qtbot, window.view, *find(window.view, "Blinken"))
    key(qtbot, window.view, "p")
    workspace = window.workspace
    assert len(workspace.kept) == 1
    answers: list[str] = []

    def answer(*args: object) -> QMessageBox.StandardButton:
        answers.append(str(args[2]))
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "warning", answer)
    assert window.open_project(project) is False
    assert window.workspace is workspace and len(workspace.kept) == 1
    assert answers and "could not be saved" in answers[0]
    assert answers[0].endswith("Open another project and lose them?")
    disk.full = False
    workspace.retry()  # the disk has room again
    assert workspace.kept == [] and len(stored_spans(project)) == 1
