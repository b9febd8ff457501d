"""A cold start paints the article before the database layer is loaded
(issue 14; docs/design.md, "Start-up"): the window shows the document it
opens on, read with the standard library, then opens the project as usual
and shows the document as stored, editable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.io.importer import import_paths
from annotator.io.project import create_project, load_project
from annotator.store import repository
from annotator.ui.app import Launcher
from annotator.ui.main_window import MainWindow
from tests.conftest import PG_URL, fresh_pg_database

from .conftest import NEWS


def add_span(project: Path, word: str) -> tuple[int, int]:
    db = load_project(project).open_database()
    try:
        with db.session() as session:
            document = min(d.id for d in repository.list_documents(session))
            text = repository.document_text(session, document)
            start = text.index(word)
            repository.add_span(session, document, "alice", "Location", start, start + len(word))
    finally:
        db.close()
    return document, start


def test_the_article_shows_before_the_project_opens(qtbot: QtBot, project: Path) -> None:
    document, start = add_span(project, "Astana")
    launcher = Launcher("alice", ask_name=False)
    window = launcher.open_window(project)
    assert window is not None
    qtbot.addWidget(window)
    view = window.view
    # Shown, read-only, while no database is open yet.
    assert window.workspace.db is None and window.document_id is None
    assert view.text == NEWS and not view.editable
    assert [(s.start, s.label) for s in view.spans.values()] == [(start, "Location")]
    assert window.span_model.rowCount() == 1
    # The document list too, read from the file, the document shown selected.
    listed = list_titles(window)
    assert len(listed) == 3 and window.documents.tree.currentItem().text(0) == listed[0]
    with qtbot.waitSignal(view.painted, timeout=10_000):
        view.viewport().update()
    # Then the project opens on the same document, which can be edited.
    qtbot.waitUntil(lambda: window.workspace.db is not None, timeout=20_000)
    assert window.document_id == document and view.text == NEWS and view.editable
    assert [(s.start, s.label) for s in view.spans.values()] == [(start, "Location")]
    assert list_titles(window) == listed  # the same list, now the project's
    window.close()


def list_titles(window: MainWindow) -> list[str]:
    tree = window.documents.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def test_a_document_chosen_before_the_project_opens_is_shown_once_it_is(
    qtbot: QtBot, project: Path
) -> None:
    launcher = Launcher("alice", ask_name=False)
    window = launcher.open_window(project)
    assert window is not None
    qtbot.addWidget(window)
    assert window.workspace.db is None
    tree = window.documents.tree
    third = tree.topLevelItem(2)
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(third).center()
    )
    chosen = int(third.data(0, Qt.ItemDataRole.UserRole))
    assert window.document_id is None  # nothing opens before the project does
    qtbot.waitUntil(lambda: window.workspace.db is not None, timeout=20_000)
    assert window.document_id == chosen and window.view.editable
    assert "😀" in window.view.text  # the emoji article, not the first one
    assert tree.currentItem().data(0, Qt.ItemDataRole.UserRole) == chosen
    window.close()


# At the article's first paint: is SQLAlchemy loaded, is the span coloured, how
# many documents are listed?
FIRST_PAINT = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor
from annotator.ui.article_view import ArticleView

class Probe(QObject):
    def eventFilter(self, watched, event):
        view = self.parent()
        if event.type() == QEvent.Type.Paint and view.text and len(view.spans):
            view.viewportEvent(event)
            span = next(iter(view.spans.values()))
            rect = view.char_rect(span.start)
            color = view.viewport().grab().toImage().pixelColor(rect.center().x(), rect.top() + 1)
            tree = view.window().documents.tree
            print("sqlalchemy" in sys.modules, color != QColor("white"), tree.topLevelItemCount(), flush=True)
            os._exit(0)
        return False

init = ArticleView.__init__
def probed(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self.viewport().installEventFilter(Probe(self))
ArticleView.__init__ = probed
sys.argv = ["annotator", "open", sys.argv[1], "--user", "alice"]
from annotator.cli.app import run
run()
"""


def probe(code: str, project: Path, home: Path) -> list[str]:
    """What ``code`` (a window's start with a probe) prints, run offscreen in a
    new process on ``project``."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
        ),
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_first_paint_comes_before_sqlalchemy_is_imported(project: Path, tmp_path: Path) -> None:
    add_span(project, "Astana")
    assert probe(FIRST_PAINT, project, tmp_path) == ["False", "True", "3"]


@pytest.fixture
def team_project(tmp_path: Path) -> Iterator[Path]:
    """The three articles in a project on a PostgreSQL database of its own."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server (ANNOTATOR_TEST_PG_URL)")
    with fresh_pg_database() as url:
        directory = tmp_path / "team"
        create_project(directory, database=url)
        articles = tmp_path / "articles"
        articles.mkdir()
        (articles / "a-news.txt").write_text(NEWS, encoding="utf-8")
        (articles / "b-second.txt").write_text("A second article about trade.", encoding="utf-8")
        (articles / "c-third.txt").write_text("A third one, with 😀 in it.", encoding="utf-8")
        db = load_project(directory).open_database()
        try:
            assert len(import_paths(db, sorted(articles.iterdir())).added) == 3
        finally:
            db.close()
        yield directory


@pytest.mark.postgres
def test_on_a_server_the_list_shows_before_the_project_opens(
    qtbot: QtBot, team_project: Path
) -> None:
    """A cold start on a team database lists the documents with psycopg
    alone (ServerListQuery), then the open project's query takes over and
    the preview's connection is closed."""
    from annotator.app.document_list import DocumentListQuery, ServerListQuery

    launcher = Launcher("alice", ask_name=False)
    window = launcher.open_window(team_project)
    assert window is not None
    qtbot.addWidget(window)
    preview = window.documents.source
    assert window.workspace.db is None and isinstance(preview, ServerListQuery)
    listed = list_titles(window)
    assert len(listed) == 3 and listed[0].startswith("Antony Blinken")
    qtbot.waitUntil(lambda: window.workspace.db is not None, timeout=20_000)
    assert type(window.documents.source) is DocumentListQuery
    assert preview.connection is None  # closed when the project's list took over
    assert list_titles(window) == listed
    assert window.view.text == NEWS and window.view.editable
    window.close()


# When the document list is first painted with rows: is SQLAlchemy loaded, how many rows?
LIST_PAINT = """
import os, sys
from PySide6.QtCore import QEvent, QObject
from annotator.ui.document_list import DocumentPanel

class Probe(QObject):
    def eventFilter(self, watched, event):
        tree = self.parent().tree
        if event.type() == QEvent.Type.Paint and tree.topLevelItemCount():
            print("sqlalchemy" in sys.modules, tree.topLevelItemCount(), flush=True)
            os._exit(0)
        return False

init = DocumentPanel.__init__
def probed(self, *args, **kwargs):
    init(self, *args, **kwargs)
    self.tree.viewport().installEventFilter(Probe(self))
DocumentPanel.__init__ = probed
sys.argv = ["annotator", "open", sys.argv[1], "--user", "alice"]
from annotator.cli.app import run
run()
"""


@pytest.mark.postgres
def test_on_a_server_the_list_paints_before_sqlalchemy_is_imported(
    team_project: Path, tmp_path: Path
) -> None:
    assert probe(LIST_PAINT, team_project, tmp_path) == ["False", "3"]
