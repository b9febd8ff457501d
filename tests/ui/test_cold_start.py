"""A cold start paints the article before the database layer is loaded
(issue 14; docs/design.md, "Start-up"): the window shows the document it
opens on, read with the standard library, then opens the project as usual
and shows the document as stored, editable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui.app import Launcher
from annotator.ui.main_window import MainWindow

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


def test_the_first_paint_comes_before_sqlalchemy_is_imported(project: Path, tmp_path: Path) -> None:
    add_span(project, "Astana")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT, str(project)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            HOME=str(tmp_path),
            XDG_CONFIG_HOME=str(tmp_path / ".config"),
        ),
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "3"]
