"""The annotation window driven like an analyst would: mouse drags, clicks, keys.

Every edit is checked on disk through a separate database connection, since
"saved when it happens" is the promise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QScrollArea, QToolTip
from pytestqt.qtbot import QtBot

from annotator.core.model import DocStatus
from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui import open_window
from annotator.ui.article_view import BAR_DARKER, ArticleView
from annotator.ui.main_window import MainWindow
from annotator.ui.view_modes import MODE_ALL, MODE_MINE, MODE_OTHER
from tests.ui.conftest import click, drag, find, key, point_in, stored_relations, stored_spans


def show_document(qtbot: QtBot, window: MainWindow, title_start: str) -> int:
    """Click a document in the list; returns its id."""
    tree = window.documents.tree
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        if item.text(0).startswith(title_start):
            rect = tree.visualItemRect(item)
            qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            window.view.finish_styling()
            assert window.document_id == int(item.data(0, Qt.ItemDataRole.UserRole))
            return window.document_id
    raise AssertionError(f"no document titled {title_start!r}")


def pixel(window: MainWindow, offset: int) -> str:
    """The colour painted in the middle of a character's cell, above the bars."""
    view = window.view
    image = view.viewport().grab().toImage()
    rect = view.char_rect(offset)
    # Sample between letters' strokes: the top quarter of the cell is background.
    point = QPoint(rect.center().x(), rect.top() + 2)
    return image.pixelColor(point).name()


def test_the_window_has_its_named_parts(window: MainWindow) -> None:
    for name in ("documentList", "articleView", "labelPalette", "spanList", "spanDetails"):
        assert window.findChild(object, name) is not None, name
    assert window.view.text.startswith("Antony Blinken said")
    assert window.documents.tree.topLevelItemCount() == 3


def test_drag_snaps_to_words_and_a_label_key_tags(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    start, _ = find(view, "Antony")
    _, end = find(view, "Blinken")
    # From inside "Antony" to inside "Blinken": the selection grows to both words.
    drag(qtbot, view, start + 2, end - 3)
    assert view.text_selection() == (start, end)
    key(qtbot, view, "p")
    (span,) = stored_spans(project, window.document_id)
    assert (span.label, span.text, span.start, span.end) == ("Person", "Antony Blinken", start, end)
    assert span.annotator == "alice"
    assert window.undo_action.text() == "&Undo Add Person"
    assert window.span_model.rowCount() == 1
    # The new span is selected: its colour, with a dark outline around it.
    assert pixel(window, start + 2) == "#f28e9b"
    rect = view.char_rect(start + 2)
    image = view.viewport().grab().toImage()
    outline = image.pixelColor(rect.center().x(), rect.top()).name()
    assert outline == QColor("#f28e9b").darker(260).name()


def test_alt_drag_takes_exact_characters(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    start, end = find(view, "Kazakhstan")
    drag(qtbot, view, start + 1, end - 1, Qt.KeyboardModifier.AltModifier)
    key(qtbot, view, "g")
    (span,) = stored_spans(project, window.document_id)
    assert span.text == "azakhsta"


def test_double_click_takes_a_word_and_the_palette_tags_it(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    start, end = find(view, "Astana")
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_in(view, start + 2))
    assert view.text_selection() == (start, end)
    palette = window.label_palette.list
    item = window.label_palette.item_for("Location")
    assert item is not None
    qtbot.mouseClick(
        palette.viewport(), Qt.MouseButton.LeftButton, pos=palette.visualItemRect(item).center()
    )
    (span,) = stored_spans(project, window.document_id)
    assert (span.label, span.text) == ("Location", "Astana")


def test_click_selects_and_a_key_relabels_then_undo_and_redo(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    start, end = find(view, "Kazakhstan")
    drag(qtbot, view, start, end)
    key(qtbot, view, "p")
    click(qtbot, view, start + 3)
    assert view.selected_span is not None and view.selected_span.text == "Kazakhstan"
    key(qtbot, view, "g")
    assert [s.label for s in stored_spans(project)] == ["Location"]
    assert window.undo_action.text() == "&Undo Relabel Person as Location"
    assert window.details.title.text().find("Location") >= 0

    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [s.label for s in stored_spans(project)] == ["Person"]
    assert view.spans[view.selected_span_id or -1].label == "Person"
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored_spans(project) == []
    assert view.spans == {}
    assert window.redo_action.text() == "&Redo Add Person"
    qtbot.keyClick(
        view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.keyClick(
        view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert [(s.label, s.text) for s in stored_spans(project)] == [("Location", "Kazakhstan")]
    assert [s.label for s in view.spans.values()] == ["Location"]


def test_resize_by_dragging_an_edge_and_with_alt_arrows(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    start, end = find(view, "United")
    _, states_end = find(view, "States")
    drag(qtbot, view, start, end)
    key(qtbot, view, "o")
    click(qtbot, view, start + 1)
    # Grab the right edge of "United" and drag it into "States".
    edge = view.char_rect(end - 1)
    grab = QPoint(edge.right() + 1, edge.center().y())
    target = point_in(view, states_end - 2)
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(viewport, target)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=target)
    (span,) = stored_spans(project)
    assert span.text == "United States"
    assert window.undo_action.text() == "&Undo Resize Organization"

    # Keyboard: Alt+Shift+Left moves the start one word to the left ("the").
    qtbot.keyClick(
        view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier
    )
    (span,) = stored_spans(project)
    assert span.text == "the United States"
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    (span,) = stored_spans(project)
    assert span.text == "the United"


def quote_linked_to_its_speaker(qtbot: QtBot, window: MainWindow) -> tuple[tuple[int, int], ...]:
    """Tag the quote and "Antony Blinken" as its speaker, by mouse and keys;
    the two spans' offsets."""
    view = window.view
    quote = find(view, '"We are here to listen."')
    person = find(view, "Antony Blinken")
    drag(qtbot, view, *quote)
    key(qtbot, view, "q")
    drag(qtbot, view, *person)
    key(qtbot, view, "p")
    click(qtbot, view, quote[0] + 5)
    key(qtbot, view, "l")
    click(qtbot, view, person[0] + 2)
    return quote, person


def test_delete_then_undo_restores_the_span_and_its_link(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    _, person = quote_linked_to_its_speaker(qtbot, window)
    doc = window.document_id
    assert doc is not None
    (relation,) = stored_relations(project, doc)
    before = {s.id: s for s in stored_spans(project)}

    click(qtbot, view, person[0] + 2)
    assert view.selected_span is not None and view.selected_span.label == "Person"
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [s.label for s in stored_spans(project)] == ["Quote"]
    assert stored_relations(project, doc) == []
    assert window.undo_action.text() == "&Undo Delete Person"

    window.undo_action.trigger()
    after = {s.id: s for s in stored_spans(project)}
    assert after.keys() == before.keys()
    assert stored_relations(project, doc) == [relation]
    assert len(view.relations) == 1


def test_relabel_keeps_links_the_schema_allows_and_refuses_the_rest(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    quote, person = quote_linked_to_its_speaker(qtbot, window)
    doc = window.document_id or 0
    (speaker,) = stored_relations(project, doc)
    click(qtbot, view, person[0] + 2)
    undo_text = window.undo_action.text()
    # A speaker is a person or an organisation, never a place: G is refused.
    key(qtbot, view, "g")
    assert sorted(s.label for s in stored_spans(project)) == ["Person", "Quote"]
    assert window.undo_action.text() == undo_text
    message = window.statusBar().currentMessage()
    assert message == (
        "Cannot relabel as Location: its speaker link would join a Quote to a Location, "
        "by no link. Remove the link first"
    )
    # An organisation may speak: the link stays as it is (and the refusal is no longer shown).
    key(qtbot, view, "o")
    assert window.statusBar().currentMessage() == ""
    assert sorted(s.label for s in stored_spans(project)) == ["Organization", "Quote"]
    assert stored_relations(project, doc) == [speaker]
    # The quote made a claim: its speaker becomes the claim's claimant, in one edit.
    click(qtbot, view, quote[0] + 5)
    key(qtbot, view, "c")
    assert sorted(s.label for s in stored_spans(project)) == ["Claim", "Organization"]
    (claimant,) = stored_relations(project, doc)
    assert (claimant.type, claimant.source_id, claimant.target_id) == (
        "claimant",
        speaker.source_id,
        speaker.target_id,
    )
    assert window.undo_action.text() == "&Undo Relabel Quote as Claim"
    assert [r.type for r in view.relations.values()] == ["claimant"]
    window.undo_action.trigger()
    assert sorted(s.label for s in stored_spans(project)) == ["Organization", "Quote"]
    assert stored_relations(project, doc) == [speaker]
    assert list(view.relations.values()) == [speaker]
    # Without the link any label goes.
    click(qtbot, view, quote[0] + 5)
    window.details.relations.setCurrentRow(0)
    window.details.remove_link.click()
    assert stored_relations(project, doc) == []
    click(qtbot, view, person[0] + 2)
    key(qtbot, view, "g")
    assert sorted(s.label for s in stored_spans(project)) == ["Location", "Quote"]


def test_link_a_quote_to_its_speaker(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    quote = find(view, '"We are here to listen."')
    speaker = find(view, "minister")
    drag(qtbot, view, *quote)
    key(qtbot, view, "q")
    drag(qtbot, view, *speaker)
    key(qtbot, view, "p")
    click(qtbot, view, quote[0] + 4)
    key(qtbot, view, "l")
    assert view.link_source is not None
    click(qtbot, view, speaker[0] + 1)
    doc = window.document_id
    assert doc is not None
    (relation,) = stored_relations(project, doc)
    spans = {s.id: s for s in stored_spans(project)}
    assert relation.type == "speaker"
    assert spans[relation.source_id].label == "Quote"
    assert spans[relation.target_id].text == "minister"
    assert window.undo_action.text() == "&Undo Link speaker"
    # Selecting either end highlights both, and the details list the link.
    both = {relation.source_id, relation.target_id}
    assert view.highlighted_span_ids() == both
    click(qtbot, view, speaker[0] + 1)
    assert view.highlighted_span_ids() == both
    assert window.details.relations.count() == 1
    assert "speaker" in window.details.relations.item(0).text()
    # Removing the link from the details panel.
    qtbot.mouseClick(window.details.remove_link, Qt.MouseButton.LeftButton)
    assert stored_relations(project, doc) == []
    assert view.highlighted_span_ids() == {relation.target_id}
    window.undo_action.trigger()
    assert len(stored_relations(project, doc)) == 1


def test_link_refuses_a_target_the_schema_does_not_allow(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    quote = find(view, '"We are here to listen."')
    place = find(view, "Astana")
    drag(qtbot, view, *quote)
    key(qtbot, view, "q")
    drag(qtbot, view, *place)
    key(qtbot, view, "g")
    click(qtbot, view, quote[0] + 4)
    key(qtbot, view, "l")
    click(qtbot, view, place[0] + 1)
    assert stored_relations(project, window.document_id or 0) == []
    assert "cannot be linked" in window.statusBar().currentMessage()


def test_sticky_label_tags_every_selection(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    qtbot.mouseClick(window.label_palette.sticky, Qt.MouseButton.LeftButton)
    palette = window.label_palette.list
    item = window.label_palette.item_for("Location")
    assert item is not None
    qtbot.mouseClick(
        palette.viewport(), Qt.MouseButton.LeftButton, pos=palette.visualItemRect(item).center()
    )
    assert view.sticky_label == "Location"
    for word in ("Kazakhstan", "Astana"):
        drag(qtbot, view, *find(view, word))
    start, _ = find(view, "Tuesday")
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_in(view, start + 1))
    assert sorted((s.text, s.label) for s in stored_spans(project)) == [
        ("Astana", "Location"),
        ("Kazakhstan", "Location"),
        ("Tuesday", "Location"),
    ]
    # Off again: a selection stays a selection.
    qtbot.mouseClick(window.label_palette.sticky, Qt.MouseButton.LeftButton)
    drag(qtbot, view, *find(view, "Officials"))
    assert len(stored_spans(project)) == 3


def test_overlapping_spans_are_all_visible_and_clickable(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    claim = find(view, "Antony Blinken said Kazakhstan is a partner of the United States.")
    person = find(view, "Blinken")
    drag(qtbot, view, *claim)
    key(qtbot, view, "c")
    drag(qtbot, view, *person)
    key(qtbot, view, "p")
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.selected_span_id is None
    # Background: the innermost span; the claim around it shows as a bar.
    assert pixel(window, person[0] + 2) == "#f28e9b"
    assert pixel(window, claim[0] + 2) == "#f4a259"
    rect = view.char_rect(person[0] + 2)
    image = view.viewport().grab().toImage()
    bar = image.pixelColor(rect.center().x(), rect.bottom() - 1).name()
    assert bar == QColor("#f4a259").darker(BAR_DARKER).name()
    # Clicking where both lie selects the inner one, clicking again the outer.
    click(qtbot, view, person[0] + 2)
    assert view.selected_span is not None and view.selected_span.label == "Person"
    click(qtbot, view, person[0] + 2)
    assert view.selected_span is not None and view.selected_span.label == "Claim"
    click(qtbot, view, person[0] + 2)
    assert view.selected_span is not None and view.selected_span.label == "Person"
    # Hovering: the real tooltip event names every span under the pointer.
    where = point_in(view, person[0] + 2)
    event = QHelpEvent(QEvent.Type.ToolTip, where, view.viewport().mapToGlobal(where))
    QApplication.sendEvent(view.viewport(), event)
    assert QToolTip.text().splitlines() == ["Person — alice", "Claim — alice"]


def qt_drag_over(qtbot: QtBot, view: ArticleView, word: str) -> None:
    """Drag across a word found by Qt itself (UTF-16 positions, Qt's own geometry).

    Independent of the view's conversion: if the view got UTF-16 and code
    points mixed up, what it stores would not be the word dragged over.
    """
    found = view.document().find(word)
    assert not found.isNull()
    edges = []
    for position in (found.selectionStart(), found.selectionEnd()):
        cursor = QTextCursor(view.document())
        cursor.setPosition(position)
        edges.append(view.cursorRect(cursor))
    y = edges[0].center().y()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(edges[0].x() + 2, y))
    qtbot.mouseMove(viewport, QPoint(edges[1].x() - 2, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(edges[1].x() - 2, y))


def test_emoji_and_crlf_keep_offsets_exact(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    doc = show_document(qtbot, window, "Flags")
    view = window.view
    assert "\r" not in view.text
    for word, label in (("Astana", "g"), ("Tashkent", "g"), ("line", "x")):
        qt_drag_over(qtbot, view, word)
        key(qtbot, view, label)
    spans = stored_spans(project, doc)
    db = load_project(project).open_database()
    with db.reader() as session:
        text = repository.document_text(session, doc)
    db.close()
    assert sorted(s.text for s in spans) == ["Astana", "Tashkent", "line"]
    for span in spans:
        assert text[span.start : span.end] == span.text
    astana = next(s for s in spans if s.text == "Astana")
    assert (astana.start, astana.end) == (9, 15)  # code points, not UTF-16 units
    # char_rect (code points) lands where Qt draws the word (UTF-16).
    found = view.document().find("Astana")
    cursor = QTextCursor(view.document())
    cursor.setPosition(found.selectionStart())
    assert abs(view.char_rect(astana.start).left() - view.cursorRect(cursor).x()) <= 2


def test_reopening_the_project_shows_everything(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    quote = find(view, '"We are here to listen."')
    speaker = find(view, "minister")
    drag(qtbot, view, *quote)
    key(qtbot, view, "q")
    window.details.note.setText("check the wording")
    window.details.note.editingFinished.emit()
    drag(qtbot, view, *speaker)
    key(qtbot, view, "p")
    click(qtbot, view, quote[0] + 3)
    key(qtbot, view, "l")
    click(qtbot, view, speaker[0] + 2)
    window.close()

    again = open_window(project, user="alice")
    qtbot.addWidget(again)
    again.view.finish_styling()
    assert sorted((s.label, s.text, s.note) for s in again.view.spans.values()) == [
        ("Person", "minister", ""),
        ("Quote", '"We are here to listen."', "check the wording"),
    ]
    assert len(again.view.relations) == 1
    assert again.span_model.rowCount() == 2
    assert again.documents.tree.topLevelItem(0).text(2) == "2"  # type: ignore[union-attr]
    assert again.documents.tree.topLevelItem(0).text(1) == "in progress"  # type: ignore[union-attr]
    again.close()


def test_ctrl_enter_marks_done_and_moves_on(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    first = window.document_id
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id != first
    db = load_project(project).open_database()
    with db.reader() as session:
        assert repository.get_status(session, first or 0, "alice") == DocStatus.DONE
    db.close()
    assert window.documents.status(first or 0) == DocStatus.DONE
    assert window.undo_action.text() == "&Undo Mark done"


def test_details_panel_edits_attributes_and_note(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, '"We are here to listen."'))
    key(qtbot, view, "q")
    combo = window.details.findChild(object, "attribute_type")
    assert combo is not None
    combo.setCurrentIndex(combo.findData("direct"))
    (span,) = stored_spans(project)
    assert span.attributes == {"type": "direct"}
    note = window.details.note
    note.setFocus()
    qtbot.keyClicks(note, "verify")
    qtbot.keyClick(note, Qt.Key.Key_Return)
    (span,) = stored_spans(project)
    assert span.note == "verify"
    window.undo_action.trigger()
    (span,) = stored_spans(project)
    assert (span.note, span.attributes) == ("", {"type": "direct"})


def test_a_note_not_confirmed_is_saved_when_a_shortcut_moves_on(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Astana"))
    key(qtbot, view, "g")
    first = window.document_id
    note = window.details.note
    qtbot.mouseClick(note, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(note, "check the place")
    # No Enter, and the focus stays in the note: the next document by its shortcut.
    qtbot.keyClick(note, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id != first
    (span,) = stored_spans(project, first)
    assert span.note == "check the place"
    assert window.undo_action.text() == "&Undo Edit note of Location"
    # Back, and a second note typed over it, then the window closed.
    qtbot.keyClick(window.view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    window.view.select_span(span.id)
    assert note.text() == "check the place"
    note.setFocus()
    note.selectAll()
    qtbot.keyClicks(note, "closing")
    window.close()
    (span,) = stored_spans(project, first)
    assert span.note == "closing"


def test_a_typed_attribute_not_confirmed_is_saved_with_the_note(
    qtbot: QtBot, tmp_path: Path, project: Path
) -> None:
    """A free-text attribute and the note, both typed, neither confirmed:
    selecting another span saves both, one edit each."""
    config = project / "project.yaml"
    spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    for label in spec["schema"]["labels"]:
        if label["name"] == "Location":
            label["attributes"] = [{"name": "region"}]
    config.write_text(yaml.safe_dump(spec), encoding="utf-8")
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    window.view.finish_styling()
    view = window.view
    for word, label in (("Astana", "g"), ("Antony", "p")):
        drag(qtbot, view, *find(view, word))
        key(qtbot, view, label)
    place = next(s for s in stored_spans(project) if s.label == "Location")
    view.select_span(place.id)
    region = window.details.findChild(object, "attribute_region")
    assert region is not None
    region.setFocus()
    qtbot.keyClicks(region, "Central Asia")
    window.details.note.setFocus()
    qtbot.keyClicks(window.details.note, "capital")
    person = next(s for s in stored_spans(project) if s.label == "Person")
    view.select_span(person.id)
    place = next(s for s in stored_spans(project) if s.label == "Location")
    assert (place.attributes, place.note) == ({"region": "Central Asia"}, "capital")
    window.undo_action.trigger()
    place = next(s for s in stored_spans(project) if s.label == "Location")
    assert (place.attributes, place.note) == ({"region": "Central Asia"}, "")
    window.undo_action.trigger()
    place = next(s for s in stored_spans(project) if s.label == "Location")
    assert (place.attributes, place.note) == ({}, "")
    window.close()


def test_attributes_the_fields_cannot_hold_are_kept(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    """Imported attributes: a value the schema does not offer, a key it does
    not declare, a number in a text field. Selecting the span, then another,
    changes nothing; editing one attribute keeps the others."""
    config = project / "project.yaml"
    spec = yaml.safe_load(config.read_text(encoding="utf-8"))
    for label in spec["schema"]["labels"]:
        if label["name"] == "Quote":
            label["attributes"].append({"name": "page"})
    config.write_text(yaml.safe_dump(spec), encoding="utf-8")
    doc = window.document_id or 0
    start, end = find(window.view, '"We are here to listen."')
    imported = {"type": "rumour", "source_id": 17, "page": 4}
    db = load_project(project).open_database()
    with db.session() as session:
        quote = repository.add_span(session, doc, "alice", "Quote", start, end, attributes=imported)
        other = repository.add_span(session, doc, "alice", "Location", *find(window.view, "Astana"))
    db.close()
    window.close()
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    window.view.finish_styling()
    window.view.select_span(quote.id)
    combo = window.details.findChild(QComboBox, "attribute_type")
    assert combo is not None and combo.currentText() == "rumour (not in the schema)"
    page = window.details.findChild(QLineEdit, "attribute_page")
    assert page is not None and page.text() == "4"
    window.view.select_span(other.id)
    stored = {s.id: s for s in stored_spans(project)}
    assert stored[quote.id].attributes == imported
    assert not window.undo_action.isEnabled()
    window.view.select_span(quote.id)
    combo = window.details.findChild(QComboBox, "attribute_type")
    assert combo is not None
    combo.setCurrentIndex(combo.findData("direct"))
    stored = {s.id: s for s in stored_spans(project)}
    assert stored[quote.id].attributes == {"type": "direct", "source_id": 17, "page": 4}
    window.close()


def test_span_list_click_selects_the_span(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    for word, label in (("Astana", "g"), ("Antony", "p")):
        drag(qtbot, view, *find(view, word))
        key(qtbot, view, label)
    table = window.span_list
    assert table.span_model.rowCount() == 2
    first = table.span_model.index(0, 1)
    assert table.span_model.data(first) == "Antony"  # sorted by position
    second = table.visualRect(table.span_model.index(1, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=second)
    assert view.selected_span is not None and view.selected_span.text == "Astana"
    # The keys act on it straight away.
    assert view.hasFocus()
    key(qtbot, view, "e")
    assert sorted(s.label for s in stored_spans(project)) == ["Event", "Person"]


def test_view_modes_show_other_annotators_read_only(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    doc = window.document_id or 0
    db = load_project(project).open_database()
    start, end = find(window.view, "Astana")
    with db.session() as session:
        repository.add_span(session, doc, "bob", "Location", start, end)
    db.close()
    view = window.view
    drag(qtbot, view, *find(view, "Antony"))
    key(qtbot, view, "p")
    window.set_view_mode(MODE_OTHER, "bob")
    assert [s.annotator for s in view.spans.values()] == ["bob"]
    click(qtbot, view, start + 1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    key(qtbot, view, "p")
    assert len(stored_spans(project)) == 2
    assert "Read-only" in window.statusBar().currentMessage()
    window.set_view_mode(MODE_ALL)
    assert sorted(s.annotator for s in view.spans.values()) == ["alice", "bob"]
    assert view.tooltip_at(point_in(view, start + 1)) == "Location — bob"
    window.set_view_mode(MODE_MINE)
    assert [s.annotator for s in view.spans.values()] == ["alice"]
    combo = window.mode_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "My spans (alice)",
        "All annotators",
        "bob's spans (read-only)",
    ]


def test_context_menu_tags_and_deletes(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    start, end = find(view, "Tuesday")
    drag(qtbot, view, start, end)
    menu = view.build_context_menu(point_in(view, start + 1))
    tag_menu = next(a.menu() for a in menu.actions() if a.text() == "Tag as")
    event_action = next(a for a in tag_menu.actions() if a.text().startswith("Event"))
    event_action.trigger()
    (span,) = stored_spans(project)
    assert span.label == "Event"
    menu = view.build_context_menu(point_in(view, start + 1))
    delete = next(a for a in menu.actions() if a.text().startswith("Delete Event"))
    delete.trigger()
    assert stored_spans(project) == []


def test_keyboard_selection_with_shift_arrows(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    click(qtbot, view, 0)
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, view, "p")
    (span,) = stored_spans(project)
    assert span.text == "Antony"  # snapped to the word
    # From where a click puts the caret, in the middle of the article.
    start, _ = find(view, "Astana")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_in(view, start, "left"))
    assert view.text_selection() is None
    for _ in range(2):
        qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.text_selection() == (start, start + 2)
    key(qtbot, view, "g")
    assert sorted(s.text for s in stored_spans(project)) == ["Antony", "Astana"]


def test_undo_of_an_edit_on_another_document_shows_it(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Astana"))
    key(qtbot, view, "g")
    first = window.document_id
    show_document(qtbot, window, "Uzbekistan")
    window.undo_action.trigger()
    assert window.document_id == first
    assert stored_spans(project) == []
    assert view.spans == {}


def test_tag_all_matches_is_one_edit_and_one_undo(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "said"))
    key(qtbot, view, "x")
    assert window.tag_all_matches() == 1
    assert sorted(s.start for s in stored_spans(project)) == [
        find(view, "said")[0],
        find(view, "said", 1)[0],
    ]
    assert window.undo_action.text() == "&Undo Tag 1 match as Other"
    assert window.tag_all_matches() == 0  # nothing left to tag
    window.undo_action.trigger()
    assert len(stored_spans(project)) == 1
    assert len(view.spans) == 1


def test_document_filters_by_title_and_status(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.documents
    tree = panel.tree

    def visible() -> list[str]:
        items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        return [item.text(0) for item in items if item is not None and not item.isHidden()]

    qtbot.keyClicks(panel.filter_edit, "uzbek")
    assert visible() == ["Uzbekistan hosted talks in Tashkent."]
    panel.filter_edit.clear()
    qtbot.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("Done"))
    assert visible() == ["Antony Blinken said Kazakhstan is a partner of the United States."]
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("Not done"))
    assert len(visible()) == 2


def test_recent_projects_menu_lists_the_open_project(window: MainWindow, project: Path) -> None:
    window._fill_recent_menu()
    texts = [action.text() for action in window.recent_menu.actions()]
    assert texts == [str(project.resolve())]


def test_link_asks_which_relation_when_the_schema_allows_several(
    qtbot: QtBot, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = project / "project.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["schema"]["relations"].append({"name": "source", "from": ["Quote"], "to": ["Person"]})
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    window.view.finish_styling()
    asked: list[list[str]] = []

    def answer(types: list[object], target: object) -> str:
        asked.append([t.name for t in types])  # type: ignore[attr-defined]
        return "source"

    monkeypatch.setattr(window, "choose_relation_type", answer)
    view = window.view
    quote = find(view, '"We are here to listen."')
    speaker = find(view, "minister")
    drag(qtbot, view, *quote)
    key(qtbot, view, "q")
    drag(qtbot, view, *speaker)
    key(qtbot, view, "p")
    click(qtbot, view, quote[0] + 4)
    key(qtbot, view, "l")
    click(qtbot, view, speaker[0] + 1)
    assert asked == [["speaker", "source"]]
    (relation,) = stored_relations(project, window.document_id or 0)
    assert relation.type == "source"
    window.close()


def test_export_writes_my_spans_with_exact_offsets(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Antony Blinken"))
    key(qtbot, view, "p")
    target = tmp_path / "out.jsonl"
    assert window.export_dataset("native", target, "mine")
    (record,) = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    (layer,) = record["annotations"]
    (span,) = layer["spans"]
    assert layer["annotator"] == "alice"
    assert record["text"][span["start"] : span["end"]] == span["text"] == "Antony Blinken"
    assert "Exported 1 document, 1 span and 0 links" in window.statusBar().currentMessage()


def test_export_dialog_follows_the_format(qtbot: QtBot, tmp_path: Path) -> None:
    from annotator.ui.export_dialog import ExportDialog

    dialog = ExportDialog("alice", tmp_path / "data.jsonl")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentIndex(dialog.format.findData("brat"))
    dialog.done_only.setChecked(True)
    choice = dialog.choice()
    assert (choice.format, choice.target.name, choice.layer, choice.done_only) == (
        "brat",
        "data.zip",
        "mine",
        True,
    )


def test_a_small_window_keeps_the_article_and_panels_readable(
    qtbot: QtBot, window: MainWindow
) -> None:
    from annotator.ui.main_window import MIN_ARTICLE_WIDTH, MIN_SIDE_PANEL_WIDTH

    window.resize(520, 380)
    qtbot.wait(50)
    # The window goes no smaller than its parts' room, and the article keeps a few words a line.
    assert window.view.width() >= MIN_ARTICLE_WIDTH
    assert window.documents.width() >= MIN_SIDE_PANEL_WIDTH
    assert window.span_list.width() >= MIN_SIDE_PANEL_WIDTH - 20  # inside the panel's margins
    window.resize(1280, 800)
    qtbot.wait(50)
    assert window.view.width() > 500


def test_a_long_span_is_shown_whole_in_the_details(qtbot: QtBot, window: MainWindow) -> None:
    view = window.view
    start, end = 0, len(view.text.rstrip())  # the whole article, in a low window
    view.set_text_selection(start, end, exact=True)
    key(qtbot, view, "c")
    window.resize(1280, 420)
    qtbot.wait(50)
    details = window.details
    assert details.text.text() == view.text[start:end]
    # Never squeezed below what it needs (the text's last lines were cut off):
    # what does not fit scrolls.
    assert details.height() >= details.minimumSizeHint().height()
    assert details.text.geometry().bottom() <= details.height()
    area = window.findChild(QScrollArea, "spanDetailsArea")
    assert area is not None and area.widget() is details
    assert area.verticalScrollBar().maximum() > 0


def test_f6_moves_the_keyboard_focus_through_the_panes(qtbot: QtBot, window: MainWindow) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Astana"))
    key(qtbot, view, "g")  # a span selected: its note can take the focus
    window.activateWindow()
    view.setFocus()
    order = [window.span_list, window.details.note, window.documents.tree, view]
    for expected in order:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F6)
        assert QApplication.focusWidget() is expected
    qtbot.keyClick(view, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.documents.tree
    # Tab leaves the span table instead of walking its cells.
    window.span_list.setFocus()
    qtbot.keyClick(window.span_list, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not window.span_list
