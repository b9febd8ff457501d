"""Assisted annotation in the window, driven with the mouse and keys: suggestions
(accept by click or Enter, reject by Backspace, accept all, undo), the find
bar, project search and "annotate all matches".

Every edit is checked on disk through a connection of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.io.importer import import_paths
from annotator.io.project import create_project, load_project
from annotator.store import assist
from annotator.ui import open_window
from annotator.ui.find_bar import FindBar
from annotator.ui.main_window import MainWindow
from annotator.ui.search_dialog import AnnotateAllDialog, SearchDialog
from annotator.ui.suggestions import HATCH_ALPHA, UNDERLINE_DARKER
from annotator.ui.view_modes import MODE_OTHER
from tests.conftest import FIXTURES
from tests.ui.conftest import (
    NEWS,
    SECOND,
    click,
    drag,
    find,
    point_in,
    stored_relations,
    stored_spans,
)

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL_SHIFT = CTRL | SHIFT
BLINKEN = FIXTURES / "blinken-central-asia.txt"
QUOTE_START = "Sometimes we just say those words"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample article (a real quotation, attributed to Blinken) and two short ones."""
    directory = tmp_path / "project"
    create_project(directory)
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a-blinken.txt").write_text(BLINKEN.read_text(encoding="utf-8"), "utf-8")
    (articles / "b-news.txt").write_text(NEWS, encoding="utf-8")
    (articles / "c-second.txt").write_text(SECOND, encoding="utf-8")
    db = load_project(directory).open_database()
    try:
        report = import_paths(db, sorted(articles.iterdir()))
    finally:
        db.close()
    assert not report.problems and len(report.added) == 3
    return directory


def doc_id(window: MainWindow, title_start: str) -> int:
    tree = window.documents.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        if item.text(0).startswith(title_start):
            return int(item.data(0, Qt.ItemDataRole.UserRole))
    raise AssertionError(f"no document titled {title_start!r}")


def open_doc(qtbot: QtBot, window: MainWindow, title_start: str) -> int:
    """Click a document in the list."""
    tree = window.documents.tree
    wanted = doc_id(window, title_start)
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        if int(item.data(0, Qt.ItemDataRole.UserRole)) == wanted:
            rect = tree.visualItemRect(item)
            qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    window.view.finish_styling()
    assert window.document_id == wanted
    return wanted


@pytest.fixture
def blinken(qtbot: QtBot, window: MainWindow) -> Iterator[MainWindow]:
    """The window showing the sample article."""
    open_doc(qtbot, window, "March 4")
    yield window


def shown(window: MainWindow) -> list[tuple[str, str]]:
    return [(s.label, s.text) for s in window.assist.overlay.suggestions]


def tag(qtbot: QtBot, window: MainWindow, word: str, label_key: str, occurrence: int = 0) -> None:
    drag(qtbot, window.view, *find(window.view, word, occurrence))
    qtbot.keyClicks(window.view, label_key)


def colours_in(window: MainWindow, start: int, end: int) -> set[str]:
    """Every colour painted over the characters ``start``..``end`` (first line)."""
    view = window.view
    image = view.viewport().grab().toImage()
    first, last = view.char_rect(start), view.char_rect(end - 1)
    found = set()
    right = last.right() if last.top() == first.top() else view.viewport().width() - 1
    for x in range(first.left(), right):
        for y in range(first.top(), first.bottom() + 1):
            found.add(image.pixelColor(x, y).name())
    return found


# --- suggestions ------------------------------------------------------------------


def test_a_quote_is_suggested_in_a_style_no_span_has(qtbot: QtBot, blinken: MainWindow) -> None:
    window, view = blinken, blinken.view
    assert window.assist.show_action.isChecked()  # the project has quotes: on by default
    ((label, text),) = shown(window)
    assert label == "Quote" and text.startswith(QUOTE_START)
    (s,) = window.assist.overlay.suggestions
    assert s.speaker is not None and s.speaker.text == "Blinken"
    view.set_text_selection(s.start, s.start)
    view.centerCursor()
    qtbot.wait(10)
    quote = QColor("#8cb4e8")
    painted = colours_in(window, s.start, s.start + 20)
    # Not a span: no solid background of the label's colour...
    assert quote.name() not in painted
    # ...but its dashed underline and hatching, in the label's (darker) colour.
    underline = quote.darker(UNDERLINE_DARKER)
    assert underline.name() in painted
    # Hidden with View → Show suggestions (Ctrl+Shift+S): nothing of it is painted.
    qtbot.keyClick(view, Qt.Key.Key_S, CTRL_SHIFT)
    assert not window.assist.show_action.isChecked()
    assert not window.assist.overlay.active
    assert underline.name() not in colours_in(window, s.start, s.start + 20)
    qtbot.keyClick(view, Qt.Key.Key_S, CTRL_SHIFT)
    assert window.assist.overlay.active
    assert HATCH_ALPHA > 0


def test_clicking_a_quote_accepts_it_with_its_speaker(
    qtbot: QtBot, blinken: MainWindow, project: Path
) -> None:
    window, view = blinken, blinken.view
    start, _ = find(view, QUOTE_START)
    view.set_text_selection(start, start)
    view.centerCursor()
    click(qtbot, view, start + 5)
    spans = {s.label: s for s in stored_spans(project, window.document_id)}
    assert spans["Quote"].text.startswith(QUOTE_START)
    assert spans["Person"].text == "Blinken"
    assert window.document_id is not None
    (relation,) = stored_relations(project, window.document_id)
    assert (relation.type, relation.source_id, relation.target_id) == (
        "speaker",
        spans["Quote"].id,
        spans["Person"].id,
    )
    # Accepted: a span now, no longer a suggestion; and the speaker, a Person
    # span now, is in the dictionary: the article's other "Blinken"s are suggested.
    assert "Quote" not in {label for label, _ in shown(window)}
    assert {t for label, t in shown(window) if label == "Person"} == {"Blinken"}
    assert window.undo_action.text() == "&Undo Accept Quote suggestion"
    # The quote is a span now: a click selects it, and it is edited like any span
    # (one store for every edit: the window knows the version it made).
    assert window.assist.assistant is not None
    assert window.assist.assistant.store is window.store
    click(qtbot, view, start + 5)
    assert view.selected_span is not None and view.selected_span.label == "Quote"
    qtbot.keyClicks(view, "c")
    labels = {s.label for s in stored_spans(project, window.document_id)}
    assert labels == {"Claim", "Person"}
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert stored_spans(project, window.document_id) == []
    assert [label for label, _ in shown(window)] == ["Quote"]


def test_tab_moves_between_suggestions_and_enter_accepts(
    qtbot: QtBot, blinken: MainWindow, project: Path
) -> None:
    window, view = blinken, blinken.view
    tag(qtbot, window, "Kazakhstan", "g")  # the dictionary learns a name
    view.select_span(None)
    places = [t for label, t in shown(window) if label == "Location"]
    assert places and set(places) == {"Kazakhstan"}
    view.set_text_selection(0, 0)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    overlay = window.assist.overlay
    first = overlay.current_suggestion
    assert first is not None and first.text == "Kazakhstan"
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    second = overlay.current_suggestion
    assert second is not None and second.start > first.start
    qtbot.keyClick(view, Qt.Key.Key_Backtab, SHIFT)
    assert overlay.current_suggestion == first
    qtbot.keyClick(view, Qt.Key.Key_Return)
    stored = [(s.label, s.start) for s in stored_spans(project, window.document_id)]
    assert ("Location", first.start) in stored
    # The next one is current now; Enter again accepts it too.
    assert overlay.current_suggestion == second
    qtbot.keyClick(view, Qt.Key.Key_Enter)
    stored = [(s.label, s.start) for s in stored_spans(project, window.document_id)]
    assert ("Location", second.start) in stored
    assert view.hasFocus()


def test_backspace_rejects_and_it_stays_gone(
    qtbot: QtBot, blinken: MainWindow, project: Path
) -> None:
    window, view = blinken, blinken.view
    document = window.document_id
    assert document is not None
    view.set_text_selection(0, 0)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert window.assist.overlay.current_suggestion is not None
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert shown(window) == []
    assert stored_spans(project, document) == []
    assert window.undo_action.text() == "&Undo Reject Quote suggestion"
    # Away and back: still gone.
    open_doc(qtbot, window, "Antony")
    assert [t for _, t in shown(window)] == ["We are here to listen."]
    open_doc(qtbot, window, "March 4")
    assert shown(window) == []
    # In a new window too (it is stored, for this annotator and document).
    window.close()
    again = open_window(project, user="alice")
    qtbot.addWidget(again)
    again.show_document(document)
    assert shown(again) == []
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            assert len(assist.rejected_keys(session, document, "alice")) == 1
            assert len(assist.rejected_keys(session, document, "bob")) == 0
    finally:
        db.close()
    # A new window has no history to undo: it stays rejected.
    qtbot.keyClick(again.view, Qt.Key.Key_Z, CTRL)
    assert shown(again) == []
    again.close()


def test_reject_then_undo_brings_it_back(qtbot: QtBot, blinken: MainWindow) -> None:
    window, view = blinken, blinken.view
    view.set_text_selection(0, 0)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert shown(window) == []
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert [label for label, _ in shown(window)] == ["Quote"]
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL_SHIFT)
    assert shown(window) == []


def test_backspace_on_a_selected_span_still_deletes_it(
    qtbot: QtBot, blinken: MainWindow, project: Path
) -> None:
    window, view = blinken, blinken.view
    tag(qtbot, window, "Uzbekistan", "g")
    assert view.selected_span is not None
    assert ("Location", "Uzbekistan") in shown(window)  # its other mentions
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert [s.text for s in stored_spans(project, window.document_id)] == []
    # The span is gone, and with it the name from the dictionary.
    assert [label for label, _ in shown(window)] == ["Quote"]


def test_accept_all_is_one_undoable_step(qtbot: QtBot, blinken: MainWindow, project: Path) -> None:
    window = blinken
    tag(qtbot, window, "Blinken", "p")
    tag(qtbot, window, "Kazakhstan", "g")
    suggested = shown(window)
    assert {label for label, _ in suggested} == {"Person", "Location", "Quote"}
    before = window.undo_stack.count()
    window.assist.accept_all_action.trigger()
    assert window.undo_stack.count() == before + 1
    assert window.undo_action.text() == f"&Undo Accept {len(suggested)} suggestions"
    stored = stored_spans(project, window.document_id)
    assert len(stored) == 2 + len(suggested)
    assert shown(window) == []
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert len(stored_spans(project, window.document_id)) == 2
    assert shown(window) == suggested


def test_no_suggestions_over_another_annotators_layer(qtbot: QtBot, blinken: MainWindow) -> None:
    window = blinken
    assert shown(window)
    window.set_view_mode(MODE_OTHER, "bob")
    assert not window.view.editable
    assert not window.assist.overlay.active and shown(window) == []
    window.view.set_text_selection(0, 0)
    qtbot.keyClick(window.view, Qt.Key.Key_Tab)
    assert window.assist.overlay.current_suggestion is None
    assert not window.assist.accept_all()


# --- find in the document ------------------------------------------------------------


def find_bar(window: MainWindow) -> FindBar:
    bar = window.findChild(FindBar, "findBar")
    assert isinstance(bar, FindBar)
    return bar


def test_find_bar_counts_and_moves_through_matches(qtbot: QtBot, blinken: MainWindow) -> None:
    window, view = blinken, blinken.view
    view.set_text_selection(0, 0)
    qtbot.keyClick(view, Qt.Key.Key_F, CTRL)
    bar = find_bar(window)
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "kazakhstan")
    total = view.text.lower().count("kazakhstan")
    assert total > 3
    assert bar.count_label.text() == f"1 of {total}"
    first = find(view, "Kazakhstan")
    assert view.text_selection() == first
    qtbot.keyClick(bar.field, Qt.Key.Key_Return)
    assert bar.count_label.text() == f"2 of {total}"
    assert view.text_selection() == find(view, "Kazakhstan", 1)
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, SHIFT)
    assert bar.count_label.text() == f"1 of {total}"
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, SHIFT)  # wraps round to the last
    assert bar.count_label.text() == f"{total} of {total}"
    qtbot.keyClick(bar.field, Qt.Key.Key_F3)
    assert bar.count_label.text() == f"1 of {total}"
    # Matches on screen are highlighted (extra selections), and only those.
    highlighted = bar.highlighted
    assert first in highlighted and len(highlighted) <= total
    # Match case: "kazakhstan" in lowercase is nowhere.
    qtbot.mouseClick(bar.case_box, Qt.MouseButton.LeftButton)
    assert bar.count_label.text() == "no matches"
    assert view.extraSelections() == []
    qtbot.mouseClick(bar.case_box, Qt.MouseButton.LeftButton)
    # Whole words: "Kazakh" is part of "Kazakhstan" and of "Kazakhs" only.
    bar.field.setText("Kazakh")
    assert bar.count_label.text().endswith(f"of {total + 1}")
    qtbot.mouseClick(bar.word_box, Qt.MouseButton.LeftButton)
    assert bar.count_label.text() == "no matches"
    qtbot.mouseClick(bar.word_box, Qt.MouseButton.LeftButton)
    bar.field.setText("Tashkent")
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible() and view.extraSelections() == []
    assert view.hasFocus()
    # The match stays selected: a label key tags it.
    assert view.text_selection() == find(view, "Tashkent")
    qtbot.keyClicks(view, "g")
    assert [(s.label, s.text) for s in view.spans.values()] == [("Location", "Tashkent")]


def test_find_bar_stops_a_pattern_that_backtracks_without_end(
    qtbot: QtBot, blinken: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from annotator.core import find as find_module

    monkeypatch.setattr(find_module, "FIND_SECONDS", 0.3)
    monkeypatch.setattr(find_module.iter_matches, "__defaults__", (0.3,))
    window, view = blinken, blinken.view
    qtbot.keyClick(view, Qt.Key.Key_F, CTRL)
    bar = find_bar(window)
    qtbot.mouseClick(bar.regex_box, Qt.MouseButton.LeftButton)
    started = time.monotonic()
    bar.field.setText(r"(?:.|..)+#")  # exponential backtracking over every paragraph
    assert time.monotonic() - started < 5  # unbounded, the window would hang for hours
    assert bar.count_label.text() == "too slow"
    assert "stopped after 0.3 s" in bar.count_label.toolTip()


def test_find_bar_highlights_only_whats_on_screen(qtbot: QtBot, window: MainWindow) -> None:
    long = "\n\n".join(f"Paragraph {n}: Astana hosts talks." for n in range(400))
    view = window.view
    view.set_content(long, [])
    qtbot.keyClick(view, Qt.Key.Key_F, CTRL)
    bar = find_bar(window)
    qtbot.keyClicks(bar.field, "Astana")
    assert len(bar.matches) == 400
    assert 0 < len(view.extraSelections()) < 100
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: (long.rindex("Astana"), long.rindex("Astana") + 6) in bar.highlighted)


# --- search across the project --------------------------------------------------------


def test_project_search_opens_the_document_at_the_match(qtbot: QtBot, blinken: MainWindow) -> None:
    window, view = blinken, blinken.view
    qtbot.keyClick(view, Qt.Key.Key_F, CTRL_SHIFT)
    dialog = window.findChild(SearchDialog, "projectSearch")
    assert isinstance(dialog, SearchDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.field, "Tashkent")
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    results = dialog.results
    assert results.topLevelItemCount() == 2
    titles = [results.topLevelItem(i).text(0) for i in range(2)]  # type: ignore[union-attr]
    assert any(t.startswith("Uzbekistan hosted") for t in titles)
    assert dialog.status.text() == "2 documents"
    row = next(i for i, t in enumerate(titles) if t.startswith("Uzbekistan"))
    item = results.topLevelItem(row)
    assert item is not None
    assert "Tashkent" in item.text(1)
    rect = results.visualItemRect(item)
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.document_id == doc_id(window, "Uzbekistan")
    assert view.text_selection() == find(view, "Tashkent")
    # Enter on a result does the same.
    first_blinken = next(i for i, t in enumerate(titles) if t.startswith("March"))
    results.setCurrentItem(results.topLevelItem(first_blinken))
    qtbot.keyClick(results, Qt.Key.Key_Return)
    assert window.document_id == doc_id(window, "March 4")
    assert view.text_selection() == find(view, "Tashkent")


# --- annotate all matches -------------------------------------------------------------


def annotate_dialog(window: MainWindow) -> AnnotateAllDialog:
    dialog = window.assist.annotate_dialog
    assert isinstance(dialog, AnnotateAllDialog) and dialog.isVisible()
    assert dialog.objectName() == "annotateAll"
    return dialog


def test_annotate_all_from_the_find_bar_previews_then_is_one_undo_step(
    qtbot: QtBot, blinken: MainWindow, project: Path
) -> None:
    window, view = blinken, blinken.view
    qtbot.keyClick(view, Qt.Key.Key_F, CTRL)
    bar = find_bar(window)
    qtbot.keyClicks(bar.field, "Kazakhstan")
    total = len(bar.matches)
    qtbot.mouseClick(bar.annotate_button, Qt.MouseButton.LeftButton)
    dialog = annotate_dialog(window)
    assert dialog.in_document.isChecked()
    dialog.label_combo.setCurrentText("Location")
    assert dialog.preview.text() == f"adds {total} spans in 1 document"
    dialog.in_project.setChecked(True)  # "Kazakhstan" is in another article too
    assert dialog.preview.text() == f"adds {total + 1} spans in 2 documents"
    dialog.in_document.setChecked(True)
    before = window.undo_stack.count()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    stored = stored_spans(project, window.document_id)
    assert [s.text for s in stored] == ["Kazakhstan"] * total
    assert {s.label for s in stored} == {"Location"}
    assert window.undo_stack.count() == before + 1
    assert len([s for s in view.spans.values() if s.label == "Location"]) == total
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert stored_spans(project) == []
    assert view.spans == {}


def test_annotate_all_from_project_search(qtbot: QtBot, blinken: MainWindow, project: Path) -> None:
    window = blinken
    qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL_SHIFT)
    search = window.findChild(SearchDialog, "projectSearch")
    assert isinstance(search, SearchDialog)
    qtbot.keyClicks(search.field, "Astana")
    qtbot.keyClick(search.field, Qt.Key.Key_Return)
    assert search.results.topLevelItemCount() == 2
    qtbot.mouseClick(search.annotate_button, Qt.MouseButton.LeftButton)
    dialog = annotate_dialog(window)
    assert dialog.in_project.isChecked()
    dialog.label_combo.setCurrentText("Location")
    blinken_count = window.view.text.count("Astana")
    assert dialog.preview.text() == f"adds {blinken_count + 1} spans in 2 documents"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert [s.text for s in stored_spans(project)] == ["Astana"] * (blinken_count + 1)
    # Already tagged now: a second run adds nothing.
    qtbot.mouseClick(search.annotate_button, Qt.MouseButton.LeftButton)
    again = annotate_dialog(window)
    again.label_combo.setCurrentText("Location")
    assert again.preview.text() == f"adds nothing ({blinken_count + 1} already Location)"
    assert not again.ok_button.isEnabled()
    again.reject()
    search.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert stored_spans(project) == []


def test_suggestion_tooltip_names_the_keys(qtbot: QtBot, blinken: MainWindow) -> None:
    view = blinken.view
    (s,) = blinken.assist.overlay.suggestions
    view.set_text_selection(s.start, s.start)
    view.centerCursor()
    tip = view.tooltip_at(point_in(view, s.start + 3))
    assert "Suggested Quote, said by Blinken" in tip and "Backspace rejects" in tip
    # A pointing hand over it says a click does something (accept).
    qtbot.mouseMove(view.viewport(), point_in(view, s.start + 3))
    assert view.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor
    qtbot.mouseMove(view.viewport(), point_in(view, s.end + 12))
    assert view.viewport().cursor().shape() == Qt.CursorShape.IBeamCursor


def test_annotate_all_of_a_prefix_search(qtbot: QtBot, blinken: MainWindow, project: Path) -> None:
    window = blinken
    search = window.assist.open_search()
    assert search is not None
    qtbot.keyClicks(search.field, "tash*")
    qtbot.keyClick(search.field, Qt.Key.Key_Return)
    assert search.results.topLevelItemCount() == 2
    qtbot.mouseClick(search.annotate_button, Qt.MouseButton.LeftButton)
    dialog = annotate_dialog(window)
    dialog.label_combo.setCurrentText("Location")
    expected = window.view.text.count("Tashkent") + 1
    assert dialog.preview.text() == f"adds {expected} spans in 2 documents"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert {s.text for s in stored_spans(project)} == {"Tashkent"}
    assert window.undo_action.text() == f"&Undo Annotate {expected} matches “tash*” as Location"


def test_right_click_offers_accept_and_reject(blinken: MainWindow, project: Path) -> None:
    view = blinken.view
    (s,) = blinken.assist.overlay.suggestions
    view.set_text_selection(s.start, s.start)
    view.centerCursor()
    menu = view.build_context_menu(point_in(view, s.start + 3))
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["Accept suggested Quote", "Reject suggested Quote"]
    menu.actions()[1].trigger()
    assert blinken.assist.overlay.suggestions == []
    assert stored_spans(project, blinken.document_id) == []
    menu.deleteLater()


def test_suggestions_are_off_without_sources(qtbot: QtBot, project: Path) -> None:
    config = project / "project.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'assist:\n  quotes: false\n  dictionary_from: "off"\n',
        encoding="utf-8",
    )
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    try:
        assert not window.assist.show_action.isChecked()
        window.show_document(doc_id(window, "March 4"))
        assert shown(window) == []
        # Tab is then what it always was: the focus moves on.
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_Tab)
        assert window.assist.overlay.current_suggestion is None
    finally:
        window.close()


def test_every_annotate_all_surface_goes_through_the_one_path(
    qtbot: QtBot, blinken: MainWindow, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Find bar, project search and Edit → Tag all matches: one planning function
    (core's plan_matches) and one command (AnnotateMatches), one undo step each."""
    from annotator.core import assist_commands
    from annotator.core.assist_commands import AnnotateMatches

    window = blinken
    planned: list[str] = []
    real_plan = assist_commands.plan_matches

    def plan_spy(
        query: str, label: str, annotator: str, documents: Any, options: Any = None
    ) -> Any:
        planned.append(label)
        return real_plan(query, label, annotator, documents, options)

    monkeypatch.setattr(assist_commands, "plan_matches", plan_spy)
    ran: list[object] = []
    real_run = window.run

    def run_spy(command: Any) -> bool:
        ran.append(command)
        return real_run(command)

    monkeypatch.setattr(window, "run", run_spy)

    def annotate(dialog: AnnotateAllDialog) -> None:
        dialog.label_combo.setCurrentText("Location")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    # The find bar.
    qtbot.keyClick(window.view, Qt.Key.Key_F, CTRL)
    bar = find_bar(window)
    qtbot.keyClicks(bar.field, "Kazakhstan")
    qtbot.mouseClick(bar.annotate_button, Qt.MouseButton.LeftButton)
    annotate(annotate_dialog(window))
    assert planned
    assert len(ran) == 1 and isinstance(ran[-1], AnnotateMatches)
    bar.close_bar()

    # Project search.
    planned.clear()
    search = window.assist.open_search()
    assert search is not None
    qtbot.keyClicks(search.field, "Astana")
    qtbot.keyClick(search.field, Qt.Key.Key_Return)
    qtbot.mouseClick(search.annotate_button, Qt.MouseButton.LeftButton)
    annotate(annotate_dialog(window))
    assert planned
    assert len(ran) == 2 and isinstance(ran[-1], AnnotateMatches)
    search.close()

    # Edit → Tag all matches of the span.
    planned.clear()
    tag(qtbot, window, "Uzbekistan", "g")
    before = len(ran)
    window.action_by_id["edit.tag_all"].trigger()
    assert planned == ["Location"]
    assert len(ran) == before + 1 and isinstance(ran[-1], AnnotateMatches)
    assert ran[-1].text == "Tag 3 matches as Location"
    uzbekistan = [s for s in stored_spans(project, window.document_id) if s.text == "Uzbekistan"]
    assert len(uzbekistan) == 4
