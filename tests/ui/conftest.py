"""Fixtures and gestures for driving the real window with the mouse and keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from annotator.core.model import RelationData, SpanData
from annotator.io.importer import import_paths
from annotator.io.project import create_project, load_project
from annotator.store import repository
from annotator.ui import open_window
from annotator.ui.article_view import ArticleView
from annotator.ui.main_window import MainWindow

# The offscreen platform reports windows with a size limit (dock widgets),
# raised windows (tooltips) and popups that take the keyboard (a completer's)
# this way; it says nothing about our code.
OFFSCREEN_NOISE = (
    "This plugin does not support propagateSizeHints",
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
)

NEWS = (
    "Antony Blinken said Kazakhstan is a partner of the United States.\n"
    "\n"
    'The minister said: "We are here to listen." Officials met in Astana on Tuesday.\n'
)
SECOND = "Uzbekistan hosted talks in Tashkent.\n"
# A flag emoji is two astral characters (four UTF-16 units) before "Astana",
# and the file has Windows line ends: both shift Qt's positions from ours.
EMOJI_CRLF = "Flags \U0001f1f0\U0001f1ff Astana hosts talks.\r\nNext \U0001f600 line: Tashkent.\r\n"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with three articles: news, a second one, emoji with CRLF."""
    directory = tmp_path / "project"
    create_project(directory)
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a-news.txt").write_text(NEWS, encoding="utf-8")
    (articles / "b-second.txt").write_text(SECOND, encoding="utf-8")
    (articles / "c-emoji.txt").write_bytes(EMOJI_CRLF.encode("utf-8"))
    db = load_project(directory).open_database()
    try:
        report = import_paths(db, sorted(articles.iterdir()))
    finally:
        db.close()
    assert not report.problems and len(report.added) == 3
    return directory


@pytest.fixture
def window(qtbot: QtBot, project: Path) -> Iterator[MainWindow]:
    win = open_window(project, user="alice")
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    win.view.finish_styling()
    yield win
    win.close()


def stored_spans(project: Path, document_id: int | None = None) -> list[SpanData]:
    """What is on disk, read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            ids = (
                [document_id]
                if document_id is not None
                else [d.id for d in repository.list_documents(session)]
            )
            return [s for i in ids for s in repository.list_spans(session, i)]
    finally:
        db.close()


def stored_relations(project: Path, document_id: int) -> list[RelationData]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return repository.list_relations(session, document_id)
    finally:
        db.close()


def find(view: ArticleView, word: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = view.text.index(word, start + 1)
    return start, start + len(word)


def point_in(view: ArticleView, offset: int, where: str = "middle") -> QPoint:
    rect = view.char_rect(offset)
    assert rect.isValid() and rect.width() > 0, f"no rectangle for offset {offset}"
    x = {"left": rect.left() + 1, "middle": rect.center().x(), "right": rect.right()}[where]
    return QPoint(x, rect.center().y())


def drag(
    qtbot: QtBot,
    view: ArticleView,
    start: int,
    end: int,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press on the character at ``start``, drag to the one before ``end``, release."""
    viewport = view.viewport()
    begin = point_in(view, start, "left")
    finish = point_in(view, end - 1, "right")
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, begin)
    middle = QPoint((begin.x() + finish.x()) // 2, (begin.y() + finish.y()) // 2)
    qtbot.mouseMove(viewport, middle)
    qtbot.mouseMove(viewport, finish)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, finish)


def click(qtbot: QtBot, view: ArticleView, offset: int) -> None:
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        point_in(view, offset),
    )


def key(qtbot: QtBot, view: ArticleView, text: str) -> None:
    qtbot.keyClicks(view, text)
