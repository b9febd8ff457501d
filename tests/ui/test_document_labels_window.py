"""Document labels in the window, by mouse and keys (issue 15): a single and
a multiple choice set with the buttons and with a label's key then a value's
number, each undone and checked on disk; another annotator's labels are
read-only; another analyst's change appears."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QPushButton
from pytestqt.qtbot import QtBot

from annotator.core.model import GOLD_ANNOTATOR
from annotator.io.project import load_project
from annotator.store.document_labels import document_labels, set_document_label
from annotator.ui import open_window
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import key

DOCUMENT_LABELS = [
    {"name": "topic", "values": ["politics", "economy", "sport"], "choice": "single", "key": "t"},
    {
        "name": "tags",
        "values": ["travel", "asia", "diplomacy"],
        "choice": "multiple",
        "key": "k",
        "description": "What the article is about",
    },
]


@pytest.fixture
def labelled(project: Path) -> Path:
    path = project / "project.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["schema"]["document_labels"] = DOCUMENT_LABELS
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return project


@pytest.fixture
def window(qtbot: QtBot, labelled: Path) -> Iterator[MainWindow]:
    win = open_window(labelled, user="alice")
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    win.view.finish_styling()
    yield win
    win.close()


def stored(project: Path, document_id: int, layer: str = "alice") -> dict[str, Any]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return document_labels(session, document_id, [layer]).get(layer, {})
    finally:
        db.close()


def button(window: MainWindow, name: str, value: str) -> QAbstractButton:
    found = window.document_labels.panel.findChild(QAbstractButton, f"documentLabel:{name}:{value}")
    assert found is not None and found.isVisible()
    return found


def click(qtbot: QtBot, widget: QAbstractButton) -> None:
    """On the indicator: a radio button or checkbox takes clicks on it and its text only."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))


def test_labels_set_with_the_mouse_and_undone(
    qtbot: QtBot, window: MainWindow, labelled: Path
) -> None:
    doc = window.document_id
    assert doc is not None
    assert window.document_labels.dock.isVisible()  # the schema declares some
    click(qtbot, button(window, "topic", "economy"))
    assert stored(labelled, doc) == {"topic": "economy"}
    click(qtbot, button(window, "topic", "politics"))
    assert stored(labelled, doc) == {"topic": "politics"}
    click(qtbot, button(window, "tags", "asia"))
    click(qtbot, button(window, "tags", "travel"))
    assert stored(labelled, doc) == {"tags": ["travel", "asia"], "topic": "politics"}
    assert button(window, "tags", "asia").isChecked()

    window.undo_action.trigger()
    assert stored(labelled, doc)["tags"] == ["asia"]
    assert not button(window, "tags", "travel").isChecked()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert stored(labelled, doc) == {"topic": "economy"}
    assert button(window, "topic", "economy").isChecked()
    clear = window.document_labels.panel.findChild(QPushButton, "documentLabelClear:topic")
    assert clear is not None
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert stored(labelled, doc) == {}
    assert not button(window, "topic", "economy").isChecked()
    window.undo_action.trigger()
    assert stored(labelled, doc) == {"topic": "economy"}


def test_labels_set_with_keys_and_undone(qtbot: QtBot, window: MainWindow, labelled: Path) -> None:
    doc = window.document_id
    assert doc is not None
    key(qtbot, window.view, "t")
    assert "1 politics, 2 economy, 3 sport" in window.statusBar().currentMessage()
    key(qtbot, window.view, "2")
    assert stored(labelled, doc) == {"topic": "economy"}
    assert button(window, "topic", "economy").isChecked()
    key(qtbot, window.view, "k3k1")  # toggles diplomacy, then travel
    assert stored(labelled, doc)["tags"] == ["travel", "diplomacy"]
    key(qtbot, window.view, "k3")  # and diplomacy off again
    assert stored(labelled, doc)["tags"] == ["travel"]
    key(qtbot, window.view, "t0")
    assert "topic" not in stored(labelled, doc)
    undo_text = window.undo_action.text()
    key(qtbot, window.view, "t0")  # cleared again: nothing to do, nothing to undo
    assert window.undo_action.text() == undo_text
    qtbot.keyClick(window.view, Qt.Key.Key_K)
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)  # cancelled: the digit is a digit again
    key(qtbot, window.view, "1")
    assert stored(labelled, doc) == {"tags": ["travel"]}

    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(labelled, doc) == {"tags": ["travel"], "topic": "economy"}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(labelled, doc)["tags"] == ["travel", "diplomacy"]
    assert button(window, "tags", "diplomacy").isChecked()


def test_another_annotators_labels_are_shown_read_only(
    qtbot: QtBot, window: MainWindow, labelled: Path
) -> None:
    doc = window.document_id
    assert doc is not None
    db = load_project(labelled).open_database()
    try:
        with db.session() as session:
            set_document_label(session, doc, "bob", "topic", "sport")
    finally:
        db.close()
    window.set_view_mode("other", "bob")
    assert button(window, "topic", "sport").isChecked()
    assert not button(window, "topic", "politics").isEnabled()
    click(qtbot, button(window, "topic", "politics"))
    key(qtbot, window.view, "t1")
    assert "Read-only" in window.statusBar().currentMessage()
    assert stored(labelled, doc, "bob") == {"topic": "sport"}
    assert stored(labelled, doc) == {}
    # Gold without the reviewer role is read-only too.
    window.set_view_mode("other", GOLD_ANNOTATOR)
    key(qtbot, window.view, "t1")
    assert stored(labelled, doc, GOLD_ANNOTATOR) == {}


def test_anothers_change_appears(qtbot: QtBot, window: MainWindow, labelled: Path) -> None:
    doc = window.document_id
    assert doc is not None and window.live is not None
    window.set_view_mode("other", "bob")
    assert not button(window, "topic", "sport").isChecked()
    db = load_project(labelled).open_database()
    try:
        with db.session() as session:
            set_document_label(session, doc, "bob", "topic", "sport")
    finally:
        db.close()
    window.live.poll()
    assert button(window, "topic", "sport").isChecked()


def test_the_dock_stays_closed_once_the_analyst_closes_it(
    qtbot: QtBot, window: MainWindow, labelled: Path, project: Path, tmp_path: Path
) -> None:
    """Shown for a project that declares labels; closed by the analyst, it stays
    closed on the next open; hidden for a project without any, it comes back
    for the next project that has some."""
    dock = window.document_labels.dock
    assert not dock.isHidden()
    dock.close()
    window.close()  # saves the layout
    again = open_window(labelled, user="alice")
    qtbot.addWidget(again)
    assert again.document_labels.dock.isHidden()
    again.close()
    bare = tmp_path / "bare"
    shutil.copytree(project, bare, ignore=shutil.ignore_patterns("backups"))
    path = bare / "project.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["schema"].pop("document_labels", None)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    without = open_window(bare, user="alice")
    qtbot.addWidget(without)
    without.document_labels.dock.show()  # as the analyst would, to look
    without.close()
    third = open_window(bare, user="alice")
    qtbot.addWidget(third)
    assert third.document_labels.dock.isHidden()  # nothing to show: hidden by the window
    third.close()
    last = open_window(labelled, user="alice")
    qtbot.addWidget(last)
    assert not last.document_labels.dock.isHidden()
    last.close()
