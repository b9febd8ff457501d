"""The Review menu of the main window: compare mode, report, dashboard,
comments, and my assignments first in the document list."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from annotator.core.model import DocStatus
from annotator.io.project import load_project
from annotator.store import repository, review
from annotator.ui.main_window import MainWindow
from annotator.ui.review_menu import ChooseLayers
from tests.ui.conftest import click, drag, find, key


def add_bob_span(project: Path, doc: int, word: str, label: str, text: str) -> None:
    db = load_project(project).open_database()
    with db.session() as s:
        start = text.index(word)
        repository.add_span(s, doc, "bob", label, start, start + len(word))
        repository.set_status(s, doc, "bob", DocStatus.DONE)
    db.close()


def compare_kazakhstan(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> QWidget:
    """alice tags Kazakhstan a Location, bob an Organization; compare mode
    opened from the Review menu on alice and bob."""
    view = window.view
    drag(qtbot, view, *find(view, "Kazakhstan"))
    key(qtbot, view, "g")
    assert window.document_id is not None
    add_bob_span(project, window.document_id, "Kazakhstan", "Organization", view.text)
    monkeypatch.setattr(ChooseLayers, "exec", lambda self: QDialog.DialogCode.Accepted)
    compare = window.review.compare()
    assert compare is not None and compare.objectName() == "compareWindow"
    qtbot.addWidget(compare)
    return compare


def test_compare_from_the_review_menu(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compare = compare_kazakhstan(qtbot, window, project, monkeypatch)
    disagreements = compare.findChild(object, "disagreementList")
    assert disagreements is not None and disagreements.count() == 1  # label differs
    compare.close()


def test_an_open_compare_window_follows_edits_here_and_colleagues(
    qtbot: QtBot, window: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = window.view
    compare = compare_kazakhstan(qtbot, window, project, monkeypatch)
    doc = window.document_id
    assert doc is not None
    disagreements = compare.findChild(object, "disagreementList")
    assert disagreements is not None and disagreements.count() == 1  # the label differs
    # alice agrees with bob here, in the main window: nothing left to decide.
    click(qtbot, view, find(view, "Kazakhstan")[0] + 2)
    key(qtbot, view, "o")
    assert disagreements.count() == 0
    # bob tags Astana, arriving live: compare mode lists it.
    assert window.live is not None
    db = load_project(project).open_database()
    with db.session() as s:
        start = view.text.index("Astana")
        repository.add_span(s, doc, "bob", "Location", start, start + len("Astana"))
    db.close()
    window._apply_remote(window.live.poll())
    assert disagreements.count() == 1
    compare.close()


def test_compare_opened_from_the_agreement_report_edits_gold_here(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    """A document double-clicked in the report opens compare mode wired to this
    window, as the Review menu's does: its E edits gold here."""
    view = window.view
    drag(qtbot, view, *find(view, "Kazakhstan"))
    key(qtbot, view, "g")
    doc = window.document_id
    assert doc is not None
    add_bob_span(project, doc, "Kazakhstan", "Organization", view.text)
    report = window.review.agreement()
    assert report is not None
    qtbot.addWidget(report)
    report.compareRequested.emit(doc, "alice", "bob")
    compare = window.review.opened[-1]
    assert compare.objectName() == "compareWindow"
    qtbot.addWidget(compare)
    assert compare.edits_in_window and compare.document_id == doc
    compare.close()
    report.close()


def test_comments_follow_the_selected_span(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Blinken"))
    key(qtbot, view, "p")
    window.review.dock.show()
    panel = window.review.comments
    assert panel is not None and panel.span_id == view.selected_span_id
    qtbot.keyClicks(panel.input, "Is this the minister?")
    qtbot.keyClick(panel.input, Qt.Key.Key_Return)
    db = load_project(project).open_database()
    with db.reader() as s:
        (thread,) = review.comment_threads(s, window.document_id or 0, view.selected_span_id)
    db.close()
    assert (thread.author, thread.body) == ("alice", "Is this the minister?")
    click(qtbot, view, find(view, "Astana")[0])  # no span there: the document's comments
    assert panel.span_id is None


def test_comments_follow_the_document_and_the_span_s_label(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    window.review.dock.show()
    panel = window.review.comments
    assert panel is not None
    first = window.document_id
    assert panel.document_id == first
    qtbot.keyClick(window.view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    second = window.document_id
    assert second != first
    # The next document's comments, and a comment written goes to it.
    assert (panel.document_id, panel.title.text()) == (second, f"Comments on document {second}")
    qtbot.keyClicks(panel.input, "Check the date")
    qtbot.keyClick(panel.input, Qt.Key.Key_Return)
    db = load_project(project).open_database()
    with db.reader() as s:
        (thread,) = review.comment_threads(s, second or 0, None)
        assert review.comment_threads(s, first or 0, None) == []
    db.close()
    assert thread.body == "Check the date"
    # A span relabelled: the panel names it as it is now.
    view = window.view
    drag(qtbot, view, 0, 4)
    key(qtbot, view, "p")
    key(qtbot, view, "o")
    assert panel.title.text().startswith("Comments on Organization")


def test_my_assignments_come_first(qtbot: QtBot, project: Path) -> None:
    from annotator.ui import open_window

    db = load_project(project).open_database()
    with db.session() as s:
        last = repository.list_documents(s)[-1].id
        review.assign(s, [last], "alice")
    db.close()
    win = open_window(project, user="alice")
    qtbot.addWidget(win)
    assert win.documents.document_ids()[0] == last
    win.close()


def test_a_reviewer_edits_the_gold_layer_in_the_window(qtbot: QtBot, project: Path) -> None:
    from annotator.core.model import GOLD_ANNOTATOR
    from annotator.io.project import save_project
    from annotator.ui import open_window
    from tests.ui.conftest import stored_spans

    settings = load_project(project)
    settings.reviewers = ["rita"]
    save_project(settings)
    for user, may_edit in (("rita", True), ("alice", False)):
        win = open_window(project, user=user)
        qtbot.addWidget(win)
        qtbot.waitExposed(win)
        labels = [win.mode_combo.itemText(i) for i in range(win.mode_combo.count())]
        assert any("Gold layer" in label for label in labels) == may_edit
        if may_edit:
            win.set_view_mode("other", GOLD_ANNOTATOR)
            win.view.finish_styling()
            drag(qtbot, win.view, *find(win.view, "Astana"))
            key(qtbot, win.view, "g")
            (gold,) = [s for s in stored_spans(project) if s.annotator == GOLD_ANNOTATOR]
            assert (gold.label, gold.text) == ("Location", "Astana")
            click(qtbot, win.view, gold.start + 1)
            key(qtbot, win.view, "o")  # relabel, as the reviewer
            assert [s.label for s in stored_spans(project)] == ["Organization"]
        win.close()
    db = load_project(project).open_database()
    with db.reader() as s:
        log = repository.change_log(s)
    db.close()
    assert {entry["annotator"] for entry in log} == {"rita"}  # the log names the reviewer


def test_e_in_compare_mode_edits_gold_in_the_window(
    qtbot: QtBot, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.core.model import GOLD_ANNOTATOR
    from annotator.io.project import save_project
    from annotator.ui import open_window
    from tests.ui.conftest import stored_spans

    settings = load_project(project)
    settings.reviewers = ["rita"]
    save_project(settings)
    win = open_window(project, user="rita")
    qtbot.addWidget(win)
    doc = win.document_id
    assert doc is not None
    text = win.view.text
    db = load_project(project).open_database()
    with db.session() as s:  # alice and bob marked different extents
        start = text.index("Antony Blinken")
        repository.add_span(s, doc, "alice", "Person", start, start + 6)
        repository.add_span(s, doc, "bob", "Person", start + 7, start + 14)
    db.close()
    monkeypatch.setattr(ChooseLayers, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(ChooseLayers, "layers", lambda self: ("alice", "bob"))
    compare = win.review.compare()
    assert compare is not None
    qtbot.addWidget(compare)
    qtbot.keyClick(compare.view, Qt.Key.Key_N)
    qtbot.keyClick(compare.view, Qt.Key.Key_E)  # neither is right: mark gold by hand
    assert win.layer == GOLD_ANNOTATOR
    assert win.view.text_selection() is not None
    win.view.set_text_selection(start, start + len("Antony Blinken"), exact=True)
    key(qtbot, win.view, "p")
    gold = [s for s in stored_spans(project) if s.annotator == GOLD_ANNOTATOR]
    assert [(s.label, s.text) for s in gold] == [("Person", "Antony Blinken")]
    compare.close()
    win.close()
