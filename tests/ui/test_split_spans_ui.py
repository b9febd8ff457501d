"""Split spans in the window, driven by mouse and keys: a quote in pieces
("We will win," he said, "and soon.") is added to, cut down, undone, redone,
drawn piece by piece and clicked as one span (issue 15).

Every edit is checked on disk through a connection of its own.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from annotator.core.compare import Kind
from annotator.core.model import DocumentDraft, SpanData
from annotator.io.project import create_project, load_project, save_project
from annotator.store import repository
from annotator.ui.main_window import MainWindow
from annotator.ui.review import open_compare
from annotator.ui.review.compare_view import KIND_COLORS
from annotator.ui.span_paint import OUTLINE_DARKER
from annotator.ui.view_modes import MODE_ALL, MODE_OTHER
from tests.ui.conftest import click, drag, find, key, point_in, stored_relations, stored_spans

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier
QUOTE_COLOR = "#8cb4e8"
# In the first line, "Antony Blinken said Kazakhstan is a partner of the
# United States.", the quote is "Kazakhstan" and "United States"; the words
# between them are the gap.
FIRST, GAP, SECOND = "Kazakhstan", "partner", "United States"


def only_span(project: Path, window: MainWindow) -> SpanData:
    """The one Quote on disk in the shown document."""
    (quote,) = [s for s in stored_spans(project, window.document_id) if s.label == "Quote"]
    return quote


def quote_in_one_piece(qtbot: QtBot, window: MainWindow, project: Path) -> SpanData:
    """Tag the first word as a Quote, which selects it."""
    view = window.view
    drag(qtbot, view, *find(view, FIRST))
    key(qtbot, view, "q")
    span = only_span(project, window)
    assert view.selected_span_id == span.id and span.fragments is None
    return span


def ctrl_drag(qtbot: QtBot, window: MainWindow, start: int, end: int) -> None:
    drag(qtbot, window.view, start, end, CTRL)


def ctrl_click(qtbot: QtBot, window: MainWindow, offset: int) -> None:
    view = window.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, CTRL, point_in(view, offset))


def quote_in_two_pieces(qtbot: QtBot, window: MainWindow, project: Path) -> SpanData:
    quote_in_one_piece(qtbot, window, project)
    ctrl_drag(qtbot, window, *find(window.view, SECOND))
    span = only_span(project, window)
    assert span.fragments == (find(window.view, FIRST), find(window.view, SECOND))
    return span


def table_text(window: MainWindow) -> str:
    model = window.span_model
    assert model.rowCount() == 1
    return str(model.data(model.index(0, 1)))


def pixel(window: MainWindow, offset: int) -> str:
    """The colour at the top of a character's cell (background, not strokes)."""
    view = window.view
    rect = view.char_rect(offset)
    return view.viewport().grab().toImage().pixelColor(rect.center().x(), rect.top() + 2).name()


def underline_colors(window: MainWindow, start: int, end: int) -> set[str]:
    """The colours along the bottom of the characters ``start..end``."""
    view = window.view
    image = view.viewport().grab().toImage()
    first, last = view.char_rect(start), view.char_rect(end - 1)
    y = first.bottom() - 1
    return {image.pixelColor(x, y).name() for x in range(first.left(), last.right())}


def test_ctrl_drag_adds_a_piece_and_undo_redo_take_it_back_and_again(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    span = quote_in_one_piece(qtbot, window, project)
    ctrl_drag(qtbot, window, *find(view, SECOND))
    stored = only_span(project, window)
    assert stored.id == span.id
    assert stored.fragments == (find(view, FIRST), find(view, SECOND))
    assert (stored.start, stored.end) == (find(view, FIRST)[0], find(view, SECOND)[1])
    assert stored.text == "Kazakhstan … United States"
    # Still one span, still selected; the table and the details show its pieces.
    assert view.selected_span_id == span.id and view.text_selection() is None
    assert table_text(window) == "Kazakhstan … United States"
    assert window.span_model.data(window.span_model.index(0, 2)) == stored.start
    assert "in 2 pieces" in window.details.title.text()
    assert window.details.text.text() == "Kazakhstan … United States"
    assert window.undo_action.text() == "&Undo Add piece to Quote"

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    undone = only_span(project, window)
    assert undone.fragments is None and undone.text == FIRST
    assert table_text(window) == FIRST
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL_SHIFT)
    assert only_span(project, window).fragments == stored.fragments
    assert table_text(window) == "Kazakhstan … United States"


def test_a_piece_touching_another_merges_with_it(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    quote_in_two_pieces(qtbot, window, project)
    # "Kazakhstan is" overlaps the first piece: the first piece grows.
    grown = (find(view, FIRST)[0], find(view, " is ")[0] + 3)
    ctrl_drag(qtbot, window, *grown)
    assert only_span(project, window).fragments == (grown, find(view, SECOND))
    # Text inside a piece adds nothing, and says so.
    ctrl_drag(qtbot, window, *find(view, "United"))
    assert only_span(project, window).fragments == (grown, find(view, SECOND))
    assert "already in the Quote" in window.statusBar().currentMessage()
    assert window.undo_action.text() == "&Undo Add piece to Quote"


def test_the_key_adds_the_selected_text_to_the_span_selected_before(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    span = quote_in_one_piece(qtbot, window, project)
    # Selecting text with the mouse unselects the span; the key still adds to it.
    drag(qtbot, view, *find(view, SECOND))
    assert view.selected_span_id is None and view.text_selection() == find(view, SECOND)
    qtbot.keyClick(view, Qt.Key.Key_P, CTRL_SHIFT)
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, SECOND))
    assert view.selected_span_id == span.id
    # With no span chosen, the key asks for one and changes nothing.
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    drag(qtbot, view, *find(view, "Astana"))
    qtbot.keyClick(view, Qt.Key.Key_P, CTRL_SHIFT)
    assert "Select a span" in window.statusBar().currentMessage()
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, SECOND))


def test_ctrl_click_removes_a_piece_and_undo_redo_it(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    span = quote_in_two_pieces(qtbot, window, project)
    ctrl_click(qtbot, window, find(view, SECOND)[0] + 2)
    plain = only_span(project, window)
    assert plain.fragments is None and (plain.start, plain.end) == find(view, FIRST)
    assert plain.text == FIRST and table_text(window) == FIRST
    assert view.selected_span_id == span.id
    assert window.undo_action.text() == "&Undo Remove piece of Quote"
    # The last piece does not go: that would be deleting the span.
    ctrl_click(qtbot, window, find(view, FIRST)[0] + 2)
    assert "one piece" in window.statusBar().currentMessage()
    assert only_span(project, window).fragments is None

    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, SECOND))
    assert table_text(window) == "Kazakhstan … United States"
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL_SHIFT)
    assert only_span(project, window).fragments is None
    assert table_text(window) == FIRST


def test_the_key_removes_the_piece_clicked(qtbot: QtBot, window: MainWindow, project: Path) -> None:
    view = window.view
    quote_in_two_pieces(qtbot, window, project)
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    click(qtbot, view, find(view, FIRST)[0] + 2)
    qtbot.keyClick(view, Qt.Key.Key_Backspace, CTRL_SHIFT)
    kept = only_span(project, window)
    assert (kept.start, kept.end, kept.fragments) == (*find(view, SECOND), None)
    qtbot.keyClick(view, Qt.Key.Key_Z, CTRL)
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, SECOND))


def test_pieces_are_drawn_and_clicked_but_not_the_gap(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    span = quote_in_two_pieces(qtbot, window, project)
    gap = find(view, GAP)
    outline = QColor(QUOTE_COLOR).darker(OUTLINE_DARKER).name()
    # Selected: both pieces outlined, a dashed line joins them under the gap.
    assert outline in underline_colors(window, *gap)
    for word in (FIRST, SECOND):
        rect = view.char_rect(find(view, word)[0] + 2)
        image = view.viewport().grab().toImage()
        assert image.pixelColor(rect.center().x(), rect.top()).name() == outline
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.selected_span_id is None
    assert pixel(window, find(view, FIRST)[0] + 2) == QUOTE_COLOR
    assert pixel(window, find(view, SECOND)[0] + 2) == QUOTE_COLOR
    assert pixel(window, gap[0] + 2) != QUOTE_COLOR
    assert outline not in underline_colors(window, *gap)
    # A click in the gap selects nothing; on either piece, the span.
    click(qtbot, view, gap[0] + 2)
    assert view.selected_span_id is None
    click(qtbot, view, find(view, SECOND)[0] + 2)
    assert view.selected_span_id == span.id
    assert [s.id for s in view.spans_at(find(view, SECOND)[0])] == [span.id]
    assert view.spans_at(gap[0]) == []


def test_another_annotators_split_span_is_read_only(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    doc = window.document_id
    assert doc is not None
    db = load_project(project).open_database()
    with db.session() as session:
        theirs = repository.add_span(
            session, doc, "bob", "Quote", *find(view, FIRST),
            fragments=(find(view, FIRST), find(view, SECOND)),
        )  # fmt: skip
    db.close()
    window.set_view_mode(MODE_OTHER, "bob")
    click(qtbot, view, find(view, SECOND)[0] + 2)
    assert view.selected_span_id == theirs.id
    ctrl_drag(qtbot, window, *find(view, "Astana"))
    assert "Read-only" in window.statusBar().currentMessage()
    ctrl_click(qtbot, window, find(view, SECOND)[0] + 2)
    assert "Read-only" in window.statusBar().currentMessage()
    (stored,) = stored_spans(project, doc)
    assert stored.fragments == theirs.fragments and stored.version == theirs.version


def test_a_colleagues_new_piece_is_drawn_as_it_arrives(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    window.set_view_mode(MODE_ALL)
    view = window.view
    doc = window.document_id
    assert doc is not None
    other = load_project(project).open_database()
    with other.session() as session:
        theirs = repository.add_span(session, doc, "bob", "Quote", *find(view, FIRST))
    qtbot.waitUntil(lambda: theirs.id in view.spans, timeout=6000)
    second = find(view, SECOND)
    assert pixel(window, second[0] + 2) != QUOTE_COLOR
    with other.session() as session:
        repository.update_span(session, theirs.id, "bob", fragments=(find(view, FIRST), second))
    other.close()
    qtbot.waitUntil(lambda: view.spans[theirs.id].fragments is not None, timeout=6000)
    view.finish_styling()
    assert pixel(window, second[0] + 2) == QUOTE_COLOR
    assert pixel(window, find(view, GAP)[0] + 2) != QUOTE_COLOR
    assert table_text(window) == "Kazakhstan … United States"


def test_a_link_belongs_to_the_whole_split_span(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    drag(qtbot, view, *find(view, "Antony Blinken"))
    key(qtbot, view, "p")
    span = quote_in_two_pieces(qtbot, window, project)
    key(qtbot, view, "l")
    click(qtbot, view, find(view, "Blinken")[0] + 2)
    (relation,) = stored_relations(project, window.document_id or 0)
    assert (relation.source_id, relation.type) == (span.id, "speaker")
    # Selecting the quote by its second piece shows the link; removing a
    # piece keeps it.
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    click(qtbot, view, find(view, SECOND)[0] + 2)
    assert view.selected_span_id == span.id
    assert window.details.relations.count() == 1
    ctrl_click(qtbot, window, find(view, SECOND)[0] + 2)
    assert only_span(project, window).fragments is None
    assert [r.source_id for r in stored_relations(project, window.document_id or 0)] == [span.id]


def test_compare_mode_colours_a_split_span_by_its_pieces(qtbot: QtBot, tmp_path: Path) -> None:
    text = "Antony Blinken said Kazakhstan is a partner of the United States.\n"
    directory = tmp_path / "compare"
    create_project(directory)
    config = load_project(directory)
    config.annotators, config.reviewers = ["alice", "bob"], ["rita"]
    save_project(config)
    first, second = (text.index(FIRST), text.index(FIRST) + len(FIRST)), (
        text.index(SECOND), text.index(SECOND) + len(SECOND),
    )  # fmt: skip
    db = load_project(directory).open_database()
    with db.session() as session:
        (doc,) = repository.insert_documents(session, [DocumentDraft(text, title="Visit")])
        repository.add_span(session, doc, "alice", "Quote", *first, fragments=(first, second))
        repository.add_span(session, doc, "bob", "Person", 0, len("Antony Blinken"))
    db.close()
    window = open_compare(directory, "rita", doc, "alice", "bob")
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    view = window.view
    image = view.viewport().grab().toImage()

    def color_at(offset: int) -> str:
        rect = view.char_rect(offset)
        return image.pixelColor(rect.center().x(), rect.top() + 2).name()

    only_a = KIND_COLORS[Kind.ONLY_A]
    assert color_at(first[0] + 2) == only_a and color_at(second[0] + 2) == only_a
    assert color_at(text.index(GAP) + 2) != only_a
    window.close()


def test_the_context_menu_removes_and_adds_a_piece(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    quote_in_two_pieces(qtbot, window, project)

    def choose(offset: int, text: str) -> None:
        menu = view.build_context_menu(point_in(view, offset))
        action = next(a for a in menu.actions() if a.text() == text)
        action.trigger()
        menu.deleteLater()

    choose(find(view, SECOND)[0] + 2, "Remove this piece of Quote")
    assert only_span(project, window).fragments is None
    drag(qtbot, view, *find(view, SECOND))
    choose(find(view, SECOND)[0] + 2, "Add to Quote as a piece")
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, SECOND))


def test_text_selected_with_the_keys_is_added_by_the_key(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    view = window.view
    span = quote_in_one_piece(qtbot, window, project)
    # From the end of the text, back over "." and the line end, then a word.
    qtbot.keyClick(view, Qt.Key.Key_End, CTRL)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    qtbot.keyClick(view, Qt.Key.Key_Left, CTRL_SHIFT)
    assert view.selected_span_id == span.id and view.text_selection() == find(view, "Tuesday")
    qtbot.keyClick(view, Qt.Key.Key_P, CTRL_SHIFT)
    assert only_span(project, window).fragments == (find(view, FIRST), find(view, "Tuesday"))
