"""Every edit the store or the database refuses is reported as refused, on both
databases: a span someone else changed since, a layer the user may no longer
change, a rule of the database. The edit is not shown as done, is not kept to
be retried for ever, and the edits after it are saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from annotator.core import commands
from annotator.core.model import GOLD_ANNOTATOR, DocStatus
from annotator.io.importer import import_paths
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.db import Database
from annotator.ui import open_window
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import NEWS, SECOND, click, drag, find, key


@pytest.fixture(autouse=True)
def no_questions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A question (close with unsaved edits?) is answered "keep" and recorded."""
    asked: list[str] = []

    def answer(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "warning", answer)
    return asked


@pytest.fixture
def team_project(project_dir: Path, tmp_path: Path) -> Path:
    """Two articles on SQLite or PostgreSQL; rita and bob review, alice annotates."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a-news.txt").write_text(NEWS, encoding="utf-8")
    (articles / "b-second.txt").write_text(SECOND, encoding="utf-8")
    db = load_project(project_dir).open_database()
    try:
        assert len(import_paths(db, sorted(articles.iterdir())).added) == 2
        with db.session() as s:
            repository.set_roles(s, ["rita", "bob"])
    finally:
        db.close()
    return project_dir


@pytest.fixture
def other(team_project: Path) -> Iterator[Database]:
    """Another program on the same database (a colleague, or a second window)."""
    db = load_project(team_project).open_database()
    yield db
    db.close()


def opened(qtbot: QtBot, project: Path, user: str) -> MainWindow:
    window = open_window(project, user=user)
    qtbot.addWidget(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # so that its shortcuts (Ctrl+Enter) work
    assert window.live is not None
    window.live.stop()  # the other program's edits land before this window hears of them
    return window


def stored(db: Database, layer: str) -> list[tuple[str, str]]:
    with db.reader() as s:
        spans = [sp for d in repository.list_documents(s) for sp in repository.list_spans(s, d.id)]
    return sorted((sp.label, sp.text) for sp in spans if sp.annotator == layer)


def test_a_stale_edit_is_refused_not_reported_done(
    qtbot: QtBot, team_project: Path, other: Database
) -> None:
    window = opened(qtbot, team_project, "alice")
    view = window.view
    drag(qtbot, view, *find(view, "Kazakhstan"))
    key(qtbot, view, "g")
    (span,) = view.spans.values()
    with other.session() as s:  # alice's second window relabels it first
        repository.update_span(s, span.id, "alice", label="Organization")
    assert window.run(commands.Relabel(span, "alice", "Person")) is False
    assert "refused" in window.statusBar().currentMessage()
    assert "changed by someone else" in window.statusBar().currentMessage()
    assert stored(other, "alice") == [("Organization", "Kazakhstan")]
    assert view.spans[span.id].label == "Organization"  # the view shows what is stored
    assert window.undo_stack.undoText() == "Add Location"  # the refused edit is not in history
    assert not window.unsaved.isVisible()
    window.close()


def test_an_edit_of_a_layer_no_longer_mine_is_refused(
    qtbot: QtBot, team_project: Path, other: Database
) -> None:
    window = opened(qtbot, team_project, "rita")
    window.set_view_mode("other", GOLD_ANNOTATOR)  # rita reviews: gold is editable
    assert window.view.editable and window.layer == GOLD_ANNOTATOR
    with other.session() as s:  # meanwhile bob takes rita's reviewer role away
        repository.change_role(s, "rita", "annotator", by="bob")
    view = window.view
    drag(qtbot, view, *find(view, "Blinken"))
    key(qtbot, view, "p")
    message = window.statusBar().currentMessage()
    assert "refused" in message and "may not change the gold layer" in message
    assert stored(other, GOLD_ANNOTATOR) == [] and view.spans == {}
    assert window.undo_stack.count() == 0 and not window.unsaved.isVisible()
    command = commands.AddSpan(
        window.document_id or 0, GOLD_ANNOTATOR, "Person", *find(view, "Blinken"), editor="rita"
    )
    assert window.run(command) is False and window.edits.refusal is not None
    window.close()


def _refuse(db: Database, table: str, column: str, value: str) -> None:
    """A rule of the database refuses rows whose ``column`` is ``value``."""
    with db.session() as s:
        if db.dialect == "postgresql":  # a constraint
            s.execute(
                text(f"ALTER TABLE {table} ADD CONSTRAINT house_rule CHECK ({column} <> '{value}')")
            )
        else:  # SQLite adds no constraint to a table: a trigger refuses the same way
            for event in ("INSERT", "UPDATE"):
                s.execute(
                    text(
                        f"CREATE TRIGGER house_rule_{event} BEFORE {event} ON {table} "
                        f"WHEN NEW.{column} = '{value}' "
                        "BEGIN SELECT RAISE(ABORT, 'refused by a house rule'); END"
                    )
                )


def test_a_database_refusal_is_reported_and_does_not_hold_later_edits(
    qtbot: QtBot, team_project: Path, other: Database
) -> None:
    window = opened(qtbot, team_project, "alice")
    _refuse(other, "spans", "label", "Location")
    view = window.view
    drag(qtbot, view, *find(view, "Astana"))
    key(qtbot, view, "g")
    assert "Add Location refused" in window.statusBar().currentMessage()
    assert not window.unsaved.isVisible()  # not kept: it would be refused for ever
    assert view.spans == {} and window.undo_stack.count() == 0
    drag(qtbot, view, *find(view, "Blinken"))
    key(qtbot, view, "p")  # the next edit is saved at once, not queued behind it
    assert stored(other, "alice") == [("Person", "Blinken")]
    assert [s.text for s in view.spans.values()] == ["Blinken"]
    window.close()


def test_mark_done_refused_stays_on_the_document(
    qtbot: QtBot, team_project: Path, other: Database
) -> None:
    window = opened(qtbot, team_project, "alice")
    first = window.document_id
    _refuse(other, "document_status", "status", "done")
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id == first  # not moved on as if it were done
    assert "Mark done refused" in window.statusBar().currentMessage()
    assert window.documents.status(first or 0) != DocStatus.DONE
    assert not window.unsaved.isVisible()
    click(qtbot, window.view, 0)  # the window still works
    window.close()
