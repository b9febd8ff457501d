"""Document labels in compare mode (side by side, accepted into gold with the
mouse, undone with the keys) and the agreement report's document-label and
attribution figures (issue 15); gold is checked in the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QPushButton, QTableWidget
from pytestqt.qtbot import QtBot

from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft, DocumentLabelValue
from annotator.core.schema import DocumentLabelDef
from annotator.io.project import create_project, load_project, save_project
from annotator.store import repository
from annotator.store.document_labels import document_labels, set_document_label
from annotator.store.entities import create_entity
from annotator.ui.review import open_agreement_report, open_compare
from annotator.ui.review.compare_window import CompareWindow

TEXT = '"We will win," said Antony Blinken in Astana on Tuesday.'
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """alice and bob quote Blinken (a mention of one entity) alike, and judge the
    topic differently and the frames alike; rita reviews."""
    directory = tmp_path / "project"
    create_project(directory)
    config = load_project(directory)
    config.annotators = ["alice", "bob"]
    config.reviewers = ["rita"]
    config.schema = replace(
        config.schema,
        document_labels=(
            DocumentLabelDef("topic", ("politics", "economy", "sport")),
            DocumentLabelDef(
                "frames",
                ("conflict", "economy", "human interest", "responsibility", "public health"),
                multiple=True,
            ),
        ),
    )
    save_project(config)
    db = load_project(directory).open_database()
    try:
        with db.session() as session:
            (doc,) = repository.insert_documents(session, [DocumentDraft(TEXT, title="Visit")])
            assert doc == 1
            blinken = create_entity(session, "alice", "Antony Blinken").id
            for who, topic in (("alice", "politics"), ("bob", "economy")):
                quote = repository.add_span(session, 1, who, "Quote", *at('"We will win,"'))
                person = repository.add_span(
                    session, 1, who, "Person", *at("Antony Blinken"), entity_id=blinken
                )
                repository.add_relation(session, who, "speaker", quote.id, person.id)
                set_document_label(session, 1, who, "topic", topic)
                set_document_label(session, 1, who, "frames", ["conflict"])
    finally:
        db.close()
    return directory


@pytest.fixture
def window(qtbot: QtBot, project: Path) -> Iterator[CompareWindow]:
    win = open_compare(project, "rita", 1, "alice", "bob")
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    yield win
    win.close()


def gold_labels(project: Path) -> dict[str, DocumentLabelValue]:
    """Gold's document labels on disk, read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return document_labels(session, 1, [GOLD_ANNOTATOR]).get(GOLD_ANNOTATOR, {})
    finally:
        db.close()


def button(win: CompareWindow, name: str) -> QPushButton:
    found = win.findChild(QPushButton, name)
    assert found is not None, name
    return found


def test_both_layers_values_are_shown_side_by_side(window: CompareWindow) -> None:
    table = window.findChild(QTableWidget, "documentLabelTable")
    assert table is not None and table.rowCount() == 2
    assert window.labels_panel.isVisible()
    assert button(window, "accept_a:topic").text() == "politics"
    assert button(window, "accept_b:topic").text() == "economy"
    assert button(window, "accept_b:frames").text() == "conflict"
    gold_topic = window.findChild(QComboBox, "gold:topic")
    assert gold_topic is not None and gold_topic.currentText() == "—"
    # Its rows' height exactly, however low the window: every row whole (a
    # sliver of one before), and the room below left to the disagreements.
    window.resize(1400, 400)
    window.show()
    QApplication.processEvents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    assert table.viewport().height() == rows
    # A many-valued label's gold check boxes each read whole.
    for check in window.labels_panel.gold_checks["frames"].values():
        assert check.width() >= check.sizeHint().width(), check.text()


def test_accept_a_value_by_mouse_then_undo_and_redo(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    qtbot.mouseClick(button(window, "accept_b:topic"), Qt.MouseButton.LeftButton)
    assert gold_labels(project) == {"topic": "economy"}
    assert window.undo_stack.undoText() == "Accept bob's topic"
    gold_topic = window.findChild(QComboBox, "gold:topic")
    assert gold_topic is not None and gold_topic.currentText() == "economy"
    # Changing one's mind: A's value replaces it.
    qtbot.mouseClick(button(window, "accept_a:topic"), Qt.MouseButton.LeftButton)
    assert gold_labels(project) == {"topic": "politics"}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold_labels(project) == {"topic": "economy"}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold_labels(project) == {}
    gold_topic = window.findChild(QComboBox, "gold:topic")
    assert gold_topic is not None and gold_topic.currentText() == "—"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL_SHIFT)
    assert gold_labels(project) == {"topic": "economy"}


def test_the_reviewer_sets_gold_s_value_directly(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    gold_topic = window.findChild(QComboBox, "gold:topic")
    assert gold_topic is not None
    qtbot.keyClick(gold_topic, Qt.Key.Key_End)  # the last value: sport, neither annotator's
    assert gold_labels(project) == {"topic": "sport"}
    checks = window.labels_panel.gold_checks["frames"]
    assert all(isinstance(c, QCheckBox) for c in checks.values())
    assert [c.text() for c in checks.values()][:2] == ["conflict", "economy"]
    qtbot.mouseClick(checks["economy"], Qt.MouseButton.LeftButton)
    assert gold_labels(project) == {"topic": "sport", "frames": ["economy"]}
    checks = window.labels_panel.gold_checks["frames"]
    qtbot.mouseClick(checks["economy"], Qt.MouseButton.LeftButton)  # none chosen: cleared
    assert gold_labels(project) == {"topic": "sport"}
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold_labels(project) == {"topic": "sport", "frames": ["economy"]}
    assert window.labels_panel.gold_checks["frames"]["economy"].isChecked()


def test_accept_all_agreed_takes_the_labels_both_gave_alike(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    qtbot.keyClick(window.view, Qt.Key.Key_A, CTRL_SHIFT)
    assert gold_labels(project) == {"frames": ["conflict"]}  # the topics differ
    assert window.undo_stack.count() == 1
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold_labels(project) == {}


def test_someone_not_a_reviewer_sees_the_values_read_only(qtbot: QtBot, project: Path) -> None:
    win = open_compare(project, "alice", 1, "alice", "bob")
    qtbot.addWidget(win)
    assert button(win, "accept_a:topic").text() == "politics"
    assert not button(win, "accept_a:topic").isEnabled()
    gold_topic = win.findChild(QComboBox, "gold:topic")
    assert gold_topic is not None and not gold_topic.isEnabled()
    win.close()


def test_the_report_shows_document_label_and_attribution_agreement(
    qtbot: QtBot, project: Path
) -> None:
    report = open_agreement_report(project, "rita")
    assert report is not None
    qtbot.addWidget(report)
    qtbot.waitUntil(lambda: not report.computing, timeout=60_000)
    assert report.problem is None
    titles = [report.tabs.tabText(i) for i in range(report.tabs.count())]
    assert titles[-1] == "Who said what"
    bar = report.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(len(titles) - 1).center())
    assert report.tabs.currentIndex() == len(titles) - 1
    labels = report.findChild(QTableWidget, "documentLabelTable")
    assert labels is not None and labels.isVisible()
    rows = [
        [labels.item(r, c).text() for c in range(labels.columnCount())]
        for r in range(labels.rowCount())
    ]
    # One document: the topics differ (kappa 0, alpha 0 over one unit);
    # the frames agree: conflict yes and economy no by both.
    assert rows == [
        ["topic", "alice / bob", "0.000", "1", "0.000"],
        ["frames", "alice / bob", "1.000", "1", "1.000"],
    ]
    attribution = report.findChild(QTableWidget, "attributionTable")
    assert attribution is not None
    assert [attribution.item(0, c).text() for c in range(4)] == ["alice / bob", "1", "1", "1.000"]
    assert attribution.item(1, 0).text() == "all pairs"
    assert "Quote, Claim" in report.attribution_title.text()
    report.close()
