"""Documents and schemas the window cannot lay out at once: a paragraph of
megabytes, a document over the size limit, a schema of thousands of labels.
The window builds a bounded number of blocks and widgets, and offsets stay exact."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from annotator.io.importer import import_paths
from annotator.io.project import load_project
from annotator.ui import open_window, settings
from annotator.ui.article_view import MENU_LABELS
from annotator.ui.display_text import MAX_BLOCK, DisplayText
from annotator.ui.main_window import MainWindow
from annotator.ui.panels import PALETTE_LIMIT
from annotator.ui.preferences import COLOR_BUTTONS, PreferencesDialog
from tests.ui.conftest import drag, find, key, stored_spans

WORDS = "Officials met in Astana on Tuesday and talked about trade. "
# One paragraph of about 120,000 characters: words, a run of 20,000 characters
# without a space (a base64 blob), an emoji flag (two UTF-16 units each), more words.
LONG_LINE = (
    WORDS * 1000
    + "QUJD" * 5000
    + " \U0001f1f0\U0001f1ff "
    + WORDS * 500
    + "The minister Tokayev spoke last."
)


def click_document(qtbot: QtBot, window: MainWindow, document_id: int) -> None:
    """Click the document's row in the list, as the analyst does."""
    tree = window.documents.tree
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == document_id:
            rect = tree.visualItemRect(item)
            qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            return
    raise AssertionError(f"no document {document_id} in the list")


def long_id(window: MainWindow) -> int:
    return max(window.documents.document_ids())  # imported last


@pytest.fixture
def long_window(qtbot: QtBot, project: Path, tmp_path: Path) -> MainWindow:
    article = tmp_path / "long" / "z-long.txt"
    article.parent.mkdir()
    article.write_text(LONG_LINE, encoding="utf-8")
    db = load_project(project).open_database()
    try:
        assert import_paths(db, [article]).added
    finally:
        db.close()
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    window.show_document(window.documents.document_ids()[0])
    return window


def test_a_very_long_paragraph_is_shown_in_short_blocks_offsets_exact(
    qtbot: QtBot, long_window: MainWindow, project: Path
) -> None:
    window, view = long_window, long_window.view
    click_document(qtbot, window, long_id(window))
    assert view.text == LONG_LINE
    document = view.document()
    lengths = [document.findBlockByNumber(n).length() for n in range(document.blockCount())]
    assert len(lengths) >= len(LONG_LINE) // MAX_BLOCK and max(lengths) <= MAX_BLOCK + 1
    # A word far down the paragraph, after the blob and the flag: scroll to it, tag it.
    start, end = find(view, "Tokayev")
    view.set_text_selection(start, start)
    view.centerCursor()
    drag(qtbot, view, start, end)
    key(qtbot, view, "p")
    # Words either side of a display break, selected across it with the mouse.
    breaks = DisplayText(LONG_LINE).breaks
    at = breaks[len(breaks) // 2]
    view.set_text_selection(at, at)
    view.centerCursor()
    drag(qtbot, view, at - 8, at + 6)
    key(qtbot, view, "e")
    stored = {s.label: s for s in stored_spans(project) if s.document_id == window.document_id}
    assert stored["Person"].text == "Tokayev" == LONG_LINE[start:end]
    across = stored["Event"]
    assert across.start < at < across.end and across.text == LONG_LINE[across.start : across.end]
    assert view.spans[across.id].text == across.text
    view.set_text_selection(at - 30, at + 30)  # copy gives the stored text, no break in it
    assert view.createMimeDataFromSelection().text() == LONG_LINE[at - 30 : at + 30]


def test_a_document_over_the_limit_is_refused_with_a_message(
    qtbot: QtBot, long_window: MainWindow
) -> None:
    window, view = long_window, long_window.view
    settings.app_settings().setValue("view/max_document_mb", 0.1)  # 100,000 characters
    shown = window.document_id
    click_document(qtbot, window, long_id(window))
    assert view.text == "" and view.document().blockCount() == 1
    assert "too long to show" in view.placeholderText()
    assert "0.1 million" in window.statusBar().currentMessage()
    assert not view.editable and window.span_model.rowCount() == 0
    click_document(qtbot, window, shown or 0)  # the others still open
    assert window.document_id == shown and view.text.startswith("Antony Blinken")
    assert view.placeholderText() == ""


def test_thousands_of_labels_build_a_bounded_palette_and_menus(qtbot: QtBot, project: Path) -> None:
    config = project / "project.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["schema"]["labels"] += [
        {"name": f"Topic {n:04d}", "kind": "entity", "color": "#88aacc"} for n in range(3000)
    ]
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    palette, view = window.label_palette, window.view
    assert palette.list.count() == PALETTE_LIMIT and palette.more.isVisible()
    drag(qtbot, view, *find(view, "Astana"))
    menu = view.build_context_menu(view.char_rect(find(view, "Astana")[0]).center())
    tag_menu = next(a.menu() for a in menu.actions() if a.text() == "Tag as")
    assert tag_menu is not None and len(tag_menu.actions()) == MENU_LABELS + 1
    assert tag_menu.actions()[0].text().startswith("Claim")  # the labels with keys come first
    assert "more: find them in the label palette" in tag_menu.actions()[-1].text()
    menu.deleteLater()
    # Find a label far down the schema by typing, and tag the selection with a click.
    qtbot.keyClicks(palette.filter_edit, "topic 2718")
    assert palette.list.count() == 1
    item = palette.item_for("Topic 2718")
    assert item is not None
    drag(qtbot, view, *find(view, "Astana"))
    rect = palette.list.visualItemRect(item)
    qtbot.mouseClick(palette.list.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.center()))
    assert [(s.label, s.text) for s in stored_spans(project)] == [("Topic 2718", "Astana")]
    dialog = PreferencesDialog(window)  # Edit > Preferences: a colour button per label shown
    assert len(dialog.color_buttons) == COLOR_BUTTONS
    dialog.deleteLater()
    window.close()


def test_display_offsets_round_trip_through_the_breaks() -> None:
    from annotator.core.offsets import Utf16Map

    text = ("ab \U0001f600 cd\n" * 3 + "x" * 50 + " y \U0001f1f0z" * 9 + "\n") * 3
    display = DisplayText(text, limit=16)
    assert display.breaks and display.text.replace("\n", "") == text.replace("\n", "")
    mapping, plain = display.map, Utf16Map(display.text)
    for offset in range(len(text) + 1):
        position = mapping.to_utf16(offset)
        assert mapping.to_codepoint(position) == offset
        shown = plain.to_codepoint(position)  # the same character on screen
        assert display.text[shown : shown + 1] == text[offset : offset + 1]
    for number in range(len(display.blocks)):
        start, end = display.blocks.bounds(number)
        assert end - start <= 16 and "\n" not in text[start:end]


def test_compare_mode_shows_a_very_long_paragraph_in_short_blocks(qtbot: QtBot) -> None:
    from annotator.ui.review.compare_view import CompareView

    view = CompareView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.set_text(LONG_LINE)
    document = view.document()
    assert document.blockCount() >= len(LONG_LINE) // MAX_BLOCK
    assert max(document.findBlockByNumber(n).length() for n in range(document.blockCount())) <= (
        MAX_BLOCK + 1
    )
    offset = LONG_LINE.index("Tokayev")
    view.set_current(None)
    cursor = view.textCursor()
    cursor.setPosition(view._umap.to_utf16(offset))
    view.setTextCursor(cursor)
    view.centerCursor()
    assert view.offset_at(view.char_rect(offset).center()) == offset  # positions stay exact
