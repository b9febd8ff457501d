"""Compare mode, adjudication, comments, the agreement report and the dashboard,
driven with the mouse and the keys; the gold layer is checked in the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QListWidget, QTableView, QTableWidget
from pytestqt.qtbot import QtBot

from annotator.core.adjudication import Resolution
from annotator.core.compare import Kind
from annotator.core.errors import NotFound
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.io.project import create_project, load_project, save_project
from annotator.store import repository, review
from annotator.ui.review import open_compare
from annotator.ui.review.compare_window import CompareWindow
from annotator.ui.review.dashboard import ProgressDashboard
from annotator.ui.review.report import AgreementReportWidget

TEXT = (
    "Antony Blinken said Kazakhstan is a partner of the United States.\n"
    "\n"
    "Officials met in Astana \U0001f1f0\U0001f1ff on Tuesday with the minister.\n"
)
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


SPANS = [
    ("alice", "Person", "Antony Blinken"),  # same
    ("bob", "Person", "Antony Blinken"),
    ("alice", "Location", "Kazakhstan"),  # label differs
    ("bob", "Organization", "Kazakhstan"),
    ("alice", "Location", "United States"),  # overlap
    ("bob", "Location", "the United States"),
    ("alice", "Person", "Officials"),  # same
    ("bob", "Person", "Officials"),
    ("alice", "Location", "Astana"),  # only A
    ("bob", "Event", "Tuesday"),  # only B (after an emoji: UTF-16 positions differ)
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    create_project(directory)
    config = load_project(directory)
    config.annotators = ["alice", "bob"]
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(directory).open_database()
    try:
        with db.session() as session:
            (doc,) = repository.insert_documents(session, [DocumentDraft(TEXT, title="Visit")])
            assert doc == 1
            for who, label, word in SPANS:
                repository.add_span(session, 1, who, label, *at(word))
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


def gold(project: Path) -> list[tuple[str, str]]:
    """The gold layer on disk, read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            spans = repository.list_spans(session, 1, [GOLD_ANNOTATOR])
    finally:
        db.close()
    return [(s.label, s.text) for s in spans]


def current_kind(win: CompareWindow) -> Kind | None:
    return None if win.current is None else win.items[win.current].kind


def click_word(qtbot: QtBot, win: CompareWindow, word: str) -> None:
    start, end = at(word)
    rect = win.view.char_rect((start + end) // 2)
    assert rect.isValid()
    qtbot.mouseClick(
        win.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        QPoint(rect.center().x(), rect.center().y()),
    )  # fmt: skip


def test_the_window_shows_every_kind(window: CompareWindow) -> None:
    assert window.objectName() == "compareWindow"
    assert [i.kind for i in window.items] == [
        Kind.SAME,
        Kind.LABEL_DIFFERS,
        Kind.OVERLAP,
        Kind.SAME,
        Kind.ONLY_A,
        Kind.ONLY_B,
    ]
    listing = window.findChild(QListWidget, "disagreementList")
    assert listing is not None and listing.count() == 4
    rows = [listing.item(n).text() for n in range(listing.count())]
    assert rows[0].startswith("same extent, other label · Location / Organization · “Kazakhstan”")
    assert rows[3].startswith("only in B · Event · “Tuesday”")
    assert "both the same: 2" in window.legend.text()
    assert window.current is None
    # Every item has a format range in its paragraph (setFormats), at UTF-16 positions.
    # The flag before "Tuesday" is two astral characters: four UTF-16 units.
    block = window.view.document().findBlockByNumber(2)
    start, _ = at("Tuesday")
    relative = start - TEXT.index("Officials") + 2
    assert [(f.start, f.length) for f in block.layout().formats()][-1] == (relative, 7)


def test_next_and_previous_with_keys(qtbot: QtBot, window: CompareWindow) -> None:
    listing = window.findChild(QListWidget, "disagreementList")
    assert listing is not None
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    assert current_kind(window) is Kind.LABEL_DIFFERS and listing.currentRow() == 0
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    assert current_kind(window) is Kind.OVERLAP and listing.currentRow() == 1
    qtbot.keyClick(window.view, Qt.Key.Key_N)  # skips the agreed "Officials"
    assert current_kind(window) is Kind.ONLY_A and listing.currentRow() == 2
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    qtbot.keyClick(window.view, Qt.Key.Key_N)  # no more: stays
    assert current_kind(window) is Kind.ONLY_B
    assert "No more disagreements" in window.statusBar().currentMessage()
    listing.setFocus()
    qtbot.keyClick(listing, Qt.Key.Key_P)
    assert current_kind(window) is Kind.ONLY_A and listing.currentRow() == 2
    assert "Astana" in window.detail.text()
    # Clicking a row of the list picks that item.
    rect = listing.visualItemRect(listing.item(0))
    qtbot.mouseClick(
        listing.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )  # fmt: skip
    assert current_kind(window) is Kind.LABEL_DIFFERS


def test_accept_a_with_its_key_then_undo_and_redo(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    qtbot.keyClick(window.view, Qt.Key.Key_A)
    assert gold(project) == [("Location", "Kazakhstan")]
    assert window.states[1] is Resolution.ACCEPTED_A
    assert window.list.item(0).text().endswith("✓ A in gold")
    assert current_kind(window) is Kind.OVERLAP  # on to the next one
    qtbot.keyClick(window.view, Qt.Key.Key_B)  # B's "the United States"
    assert gold(project) == [("Location", "Kazakhstan"), ("Location", "the United States")]
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold(project) == [("Location", "Kazakhstan")]
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold(project) == []
    assert window.states[1] is Resolution.OPEN
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL_SHIFT)
    assert gold(project) == [("Location", "Kazakhstan")]
    # Changing one's mind: B replaces A's span for the same item.
    window.set_current(1)
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert gold(project) == [("Organization", "Kazakhstan")]


def test_accept_all_agreed_is_one_undoable_step(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    qtbot.keyClick(window.view, Qt.Key.Key_A, CTRL_SHIFT)
    assert gold(project) == [("Person", "Antony Blinken"), ("Person", "Officials")]
    assert window.undo_stack.count() == 1
    assert window.undo_stack.undoText() == "Accept 2 agreed spans"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert gold(project) == []
    qtbot.keyClick(window.view, Qt.Key.Key_Y, CTRL)
    assert gold(project) == [("Person", "Antony Blinken"), ("Person", "Officials")]


def test_click_an_item_in_the_text_then_decide(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    click_word(qtbot, window, "Tuesday")  # after the emoji: UTF-16 positions
    assert current_kind(window) is Kind.ONLY_B
    qtbot.keyClick(window.view, Qt.Key.Key_A)  # A has nothing here
    assert gold(project) == []
    assert "alice has no span here" in window.statusBar().currentMessage()
    qtbot.keyClick(window.view, Qt.Key.Key_B)
    assert gold(project) == [("Event", "Tuesday")]
    click_word(qtbot, window, "United")
    assert current_kind(window) is Kind.OVERLAP
    qtbot.keyClick(window.view, Qt.Key.Key_R)
    assert gold(project) == [("Event", "Tuesday")]
    assert window.states[2] is Resolution.REJECTED
    assert window.list.item(1).text().endswith("✗ rejected")
    assert current_kind(window) is Kind.ONLY_A  # on to the next one
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert window.states[2] is Resolution.OPEN
    # A click off every item picks nothing new.
    click_word(qtbot, window, "met")
    assert current_kind(window) is Kind.ONLY_A


def test_toolbar_buttons_work_with_the_mouse(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    from PySide6.QtWidgets import QToolBar

    toolbar = window.findChild(QToolBar, "compareToolbar")
    assert toolbar is not None

    def press(name: str) -> None:
        button = toolbar.widgetForAction(window.actions_by_name[name])
        assert button is not None
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    press("next")
    press("next")
    press("next")
    assert current_kind(window) is Kind.ONLY_A
    press("accept_a")
    assert gold(project) == [("Location", "Astana")]
    press("undo")
    assert gold(project) == []


def test_someone_not_a_reviewer_cannot_write_gold(qtbot: QtBot, project: Path) -> None:
    win = open_compare(project, "alice", 1, "alice", "bob")
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    assert "not a reviewer" in win.header.text()
    assert not win.actions_by_name["accept_a"].isEnabled()
    qtbot.keyClick(win.view, Qt.Key.Key_N)
    qtbot.keyClick(win.view, Qt.Key.Key_A)
    qtbot.keyClick(win.view, Qt.Key.Key_A, CTRL_SHIFT)
    assert gold(project) == []
    # Were the action reached anyway, the store refuses it and nothing is kept.
    assert not win.accept("a") or gold(project) == []
    assert "may not change the gold layer" in win.statusBar().currentMessage()
    assert win.undo_stack.count() == 0
    win.close()


def test_comparing_with_gold(qtbot: QtBot, window: CompareWindow, project: Path) -> None:
    window.accept_agreed()
    window.close()  # the keys go to the active window
    win = open_compare(project, "rita", 1, "alice", GOLD_ANNOTATOR)
    qtbot.addWidget(win)
    qtbot.waitExposed(win)
    kinds = [i.kind for i in win.items]
    assert kinds.count(Kind.SAME) == 2 and kinds.count(Kind.ONLY_A) == 3
    win.set_current(kinds.index(Kind.ONLY_A))
    qtbot.keyClick(win.view, Qt.Key.Key_A)
    assert ("Location", "Kazakhstan") in gold(project)
    win.close()


def test_comments_on_a_span_by_typing(qtbot: QtBot, window: CompareWindow, project: Path) -> None:
    qtbot.keyClick(window.view, Qt.Key.Key_N)
    box = window.findChild(QLineEdit, "commentInput")
    assert box is not None
    box.setFocus()
    # Letters typed in the box are text, not the A / B / R keys.
    qtbot.keyClicks(box, "A or B? Not R")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert gold(project) == []
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            threads = review.comment_threads(session, 1)
    finally:
        db.close()
    span = window.items[window.current or 0].a
    assert span is not None
    assert [(t.author, t.body, t.span_id) for t in threads] == [("rita", "A or B? Not R", span.id)]
    panel = window.comments
    assert panel.tree.topLevelItemCount() == 1
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    qtbot.keyClicks(box, "Agreed")
    qtbot.mouseClick(panel.reply_button, Qt.MouseButton.LeftButton)
    assert panel.tree.topLevelItem(0).childCount() == 1
    assert "rita" in panel.tree.topLevelItem(0).child(0).text(0)
    # The document's own thread: a comment with no span.
    panel.set_target(1)
    qtbot.keyClicks(box, "Whole article")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert panel.tree.topLevelItemCount() == 2
    assert "on span" in panel.tree.topLevelItem(0).text(0)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # empty: refused, said so
    assert "needs some text" in panel.message.text()


def test_agreement_report_opens_a_low_document(qtbot: QtBot, project: Path) -> None:
    db = load_project(project).open_database()
    try:
        widget = AgreementReportWidget.from_database(db, ["alice", "bob"])
    finally:
        db.close()
    assert widget is not None
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    pairs = widget.findChild(QTableWidget, "pairTable")
    assert pairs is not None and pairs.rowCount() == 1
    assert pairs.item(0, 0).text() == "alice / bob"
    assert pairs.item(0, 1).text() == "0.400"  # 2 exact matches of 5 + 5 spans
    labels = widget.findChild(QTableWidget, "labelTable")
    assert labels is not None and labels.rowCount() == len(widget.report.labels)
    assert widget.heatmap.values[("alice", "bob")] == pytest.approx(0.4)
    widget.metric_box.setCurrentIndex(2)
    assert widget.heatmap.values[("bob", "alice")] == widget.report.pairs[0].kappa
    documents = widget.findChild(QTableView, "documentTable")
    assert documents is not None and documents.model().rowCount() == 1
    widget.tabs.setCurrentIndex(3)
    cell = documents.model().index(0, 1)
    assert cell.data() == "Visit"
    center = documents.visualRect(cell).center()
    qtbot.mouseClick(documents.viewport(), Qt.MouseButton.LeftButton, pos=center)
    with qtbot.waitSignal(widget.compareRequested, timeout=1000) as signal:
        qtbot.mouseDClick(
            documents.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
            center,
        )  # fmt: skip
    assert signal.args == [1, "alice", "bob"]
    assert not widget.heatmap.grab().isNull()


def test_progress_dashboard(qtbot: QtBot, project: Path) -> None:
    db = load_project(project).open_database()
    try:
        with db.session() as session:
            review.assign(session, [1], "alice")
        dashboard = ProgressDashboard.load(
            db, ["alice", "bob", "carol"], load_project(project).schema
        )
    finally:
        db.close()
    qtbot.addWidget(dashboard)
    dashboard.resize(800, 500)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    bars = dashboard.documents_chart.data.bars
    assert [b.name for b in bars] == ["alice", "bob", "carol", "rita"]  # rita reviews
    assert bars[0].note == "0 done, 1 in progress; 0/1 assigned done"
    labels = dashboard.labels_chart.data
    assert [name for name, _ in labels.legend] == ["Event", "Location", "Organization", "Person"]
    assert labels.bars[0].note == "5 spans" and labels.maximum == 5
    image = dashboard.grab().toImage()
    assert not image.isNull()
    # The done/in-progress bar is painted: some pixel has the in-progress colour.
    chart = dashboard.documents_chart.grab().toImage()
    colors = {
        chart.pixelColor(x, y).name()
        for x in range(0, chart.width(), 3)
        for y in range(0, chart.height(), 3)
    }
    assert "#ffb74d" in colors
    # Each legend swatch is outlined: "not started" is near the background's grey.
    chart_widget = dashboard.documents_chart
    line = chart_widget.fontMetrics().height()
    swatch_top = line + 6 + 3
    background = chart_widget.palette().window().color().value()
    around_first = [
        chart.pixelColor(x, y)
        for x in range(0, 14)
        for y in range(swatch_top - 1, swatch_top + line - 4)
    ]
    # A grey darker than the background (the outline) beside the green of "done".
    assert any(
        c.red() == c.green() == c.blue() and c.value() < background - 16 for c in around_first
    )


def test_open_compare_on_an_unknown_document(qtbot: QtBot, project: Path) -> None:
    with pytest.raises(NotFound, match="no document with id 99"):
        open_compare(project, "rita", 99, "alice", "bob")


def test_report_and_dashboard_helpers(qtbot: QtBot, project: Path) -> None:
    from annotator.ui.review import open_agreement_report, open_progress

    report = open_agreement_report(project, "rita")
    assert report is not None
    qtbot.addWidget(report)
    qtbot.waitUntil(lambda: not report.computing, timeout=60_000)
    assert report.problem is None and report.report is not None
    report.compareRequested.emit(1, "alice", "bob")
    (compare,) = report.compare_windows
    qtbot.addWidget(compare)
    assert isinstance(compare, CompareWindow) and compare.isVisible()
    assert (compare.a, compare.b, compare.user) == ("alice", "bob", "rita")
    compare.close()
    assert open_agreement_report(project, "rita", ["alice"]) is None
    dashboard = open_progress(project)
    qtbot.addWidget(dashboard)
    assert [b.name for b in dashboard.documents_chart.data.bars] == ["alice", "bob", "rita"]


def test_open_compare_needs_two_layers(qtbot: QtBot, project: Path) -> None:
    with pytest.raises(ValueError, match="not alice with itself"):
        open_compare(project, "rita", 1, "alice", "alice")


def test_a_rejection_holds_after_compare_mode_closes(
    qtbot: QtBot, window: CompareWindow, project: Path
) -> None:
    click_word(qtbot, window, "United")
    assert current_kind(window) is Kind.OVERLAP
    qtbot.keyClick(window.view, Qt.Key.Key_R)
    assert window.states[2] is Resolution.REJECTED
    window.close()
    db = load_project(project).open_database()
    with db.session() as session:  # roles change by a reviewer's hand, not by project.yaml
        repository.change_role(session, "sam", "reviewer", by="rita")
    db.close()
    again = open_compare(project, "sam", 1, "alice", "bob")  # later, or another reviewer
    qtbot.addWidget(again)
    assert again.states[2] is Resolution.REJECTED
    click_word(qtbot, again, "United")
    qtbot.keyClick(again.view, Qt.Key.Key_A)  # changing one's mind: accept A after all
    assert again.states[2] is Resolution.ACCEPTED_A
    again.close()
    third = open_compare(project, "rita", 1, "alice", "bob")
    qtbot.addWidget(third)
    assert third.states[2] is Resolution.ACCEPTED_A  # no stale rejection left behind
    third.close()
