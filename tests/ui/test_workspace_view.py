"""The window's undo stack is a view of its workspace's history (annotator/app):
they move together, a failed undo moves neither, and each saved step is shown
once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.app.workspace import Changed, Operation
from annotator.store.db import Database, SaveFailed
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import drag, find, key, stored_spans


def test_the_undo_stack_follows_the_history(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = False
    real = Database.session

    @contextmanager
    def session(db: Database) -> Iterator[object]:
        if full:
            raise SaveFailed(db.url, "not saved: the disk is full")
        with real(db) as s:
            yield s

    monkeypatch.setattr(Database, "session", session)
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
    full = True
    stack.undo()  # fails: the stack steps back, the history never moved
    qtbot.waitUntil(lambda: stack.index() == 1, timeout=2000)
    assert history.index == 1 and len(stored_spans(project)) == 1
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]
