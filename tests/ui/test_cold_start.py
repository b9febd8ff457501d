"""A cold start paints the article before the database layer is loaded
(issue 14; docs/design.md, "Start-up"): the window shows the document it
opens on, read with the standard library, then opens the project as usual
and shows the document as stored, editable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui.app import Launcher

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
    with qtbot.waitSignal(view.painted, timeout=10_000):
        view.viewport().update()
    # Then the project opens on the same document, which can be edited.
    qtbot.waitUntil(lambda: window.workspace.db is not None, timeout=20_000)
    assert window.document_id == document and view.text == NEWS and view.editable
    assert [(s.start, s.label) for s in view.spans.values()] == [(start, "Location")]
    window.close()


# At the article's first paint: is SQLAlchemy loaded, and is the span coloured?
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
            print("sqlalchemy" in sys.modules, color != QColor("white"), flush=True)
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
    assert done.stdout.split() == ["False", "True"]
