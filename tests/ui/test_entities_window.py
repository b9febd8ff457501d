"""Entities in the window, by mouse and keys (issue 15): two mentions in
different articles grouped into one entity (the first creating it, the second
picking it from the completer), the Entities panel listing both and opening
one, editing an entity in the panel, each step undone and checked on disk."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from annotator.core.model import EntityData
from annotator.io.project import load_project
from annotator.store import entities
from annotator.ui.entities import EntityChooser
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import SECOND, click, drag, find, key, stored_spans


def stored_entities(project: Path) -> list[EntityData]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return entities.list_entities(session)
    finally:
        db.close()


def tag(qtbot: QtBot, window: MainWindow, word: str, label_key: str) -> int:
    """Drag over ``word``, press the label's key; the new span's id."""
    start, end = find(window.view, word)
    drag(qtbot, window.view, start, end)
    key(qtbot, window.view, label_key)
    span = window.view.selected_span
    assert span is not None and span.text == word
    return span.id


def open_chooser(qtbot: QtBot, window: MainWindow) -> EntityChooser:
    qtbot.keyClick(window.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    chooser = window.entities.chooser
    assert chooser is not None
    qtbot.waitUntil(chooser.isVisible)
    return chooser


def entity_of(project: Path, span_id: int) -> int | None:
    return next(s.entity_id for s in stored_spans(project) if s.id == span_id)


def test_two_mentions_in_two_articles_become_one_entity_and_undo_each(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    first_doc = window.document_id
    first = tag(qtbot, window, "Antony Blinken", "p")

    chooser = open_chooser(qtbot, window)
    assert chooser.field.text() == "Antony Blinken"  # the mention's text, to create at once
    qtbot.keyClick(chooser.field, Qt.Key.Key_Return)
    [created] = stored_entities(project)
    assert (created.name, created.label) == ("Antony Blinken", "Person")
    assert entity_of(project, first) == created.id
    assert window.undo_stack.undoText() == "Link Person to new entity Antony Blinken"

    second_doc = window.documents.neighbour(first_doc, 1)  # type: ignore[arg-type]
    assert second_doc is not None
    window.show_document(second_doc)
    window.view.finish_styling()
    assert window.view.text == SECOND
    second = tag(qtbot, window, "Tashkent", "p")  # any span may be a mention
    chooser = open_chooser(qtbot, window)
    chooser.field.clear()
    qtbot.keyClicks(chooser.field, "blink")
    popup = chooser.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().index(0, 0).data() == "Antony Blinken (Person)"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not chooser.isVisible())
    assert entity_of(project, second) == created.id
    assert len(stored_entities(project)) == 1  # picked, not created again

    # The panel: the entity with its two mentions; a click opens the other article.
    window.action_by_id["view.entities"].trigger()
    panel = window.entities.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert panel.model.index(0, 4).data() == "2 in 2 articles"
    table = panel.table
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualRect(table.model().index(0, 0)).center(),
    )
    assert panel.mentions.rowCount() == 2
    assert [panel.mentions.item(r, 1).text() for r in range(2)] == ["Antony Blinken", "Tashkent"]
    mentions = panel.mentions
    qtbot.mouseClick(
        mentions.viewport(),
        Qt.MouseButton.LeftButton,
        pos=mentions.visualItemRect(mentions.item(0, 1)).center(),
    )
    assert window.document_id == first_doc
    assert window.view.selected_span_id == first

    # Undo each step: the second link, then the creation with its link.
    window.undo_action.trigger()
    assert entity_of(project, second) is None
    assert window.document_id == second_doc  # the undone edit's article is shown
    window.undo_action.trigger()  # the Tashkent span
    assert window.undo_stack.undoText() == "Link Person to new entity Antony Blinken"
    window.undo_action.trigger()
    assert entity_of(project, first) is None
    assert stored_entities(project) == []
    assert window.document_id == first_doc
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    window.redo_action.trigger()
    assert [e.id for e in stored_entities(project)] == [created.id]
    assert entity_of(project, first) == created.id


def test_an_entity_is_described_in_the_panel_and_unlinked_by_key(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    first = tag(qtbot, window, "Antony Blinken", "p")
    chooser = open_chooser(qtbot, window)
    qtbot.keyClick(chooser.field, Qt.Key.Key_Return)
    window.action_by_id["view.entities"].trigger()
    panel = window.entities.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)

    table = panel.table
    for column, text in ((2, "Q4498"), (3, "Blinken; the Secretary")):
        index = table.model().index(0, column)
        table.setCurrentIndex(index)
        qtbot.keyClick(table, Qt.Key.Key_F2)
        [editor] = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda c=column, t=text: table.model().index(0, c).data() == t)
    [described] = stored_entities(project)
    assert (described.external_id, described.aliases) == ("Q4498", ("Blinken", "the Secretary"))
    qtbot.waitUntil(lambda: panel.model.index(0, 2).data() == "Q4498")
    window.undo_action.trigger()
    assert stored_entities(project)[0].aliases == ()
    # The edit before it undone too (it was refused as someone else's change).
    window.undo_action.trigger()
    assert stored_entities(project)[0].external_id == ""
    window.redo_action.trigger()

    click(qtbot, window.view, find(window.view, "Antony Blinken")[0])
    control_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.view, Qt.Key.Key_U, control_shift)
    assert entity_of(project, first) is None
    window.undo_action.trigger()
    assert entity_of(project, first) == described.id


def test_the_panel_follows_a_mention_linked_while_it_is_open(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    window.action_by_id["view.entities"].trigger()
    panel = window.entities.panel
    tag(qtbot, window, "Antony Blinken", "p")
    chooser = open_chooser(qtbot, window)
    qtbot.keyClicks(chooser.field, "Antony Blinken")
    qtbot.keyClick(chooser.field, Qt.Key.Key_Return)
    [entity] = stored_entities(project)
    qtbot.waitUntil(lambda: panel.selected_id == entity.id)
    qtbot.waitUntil(lambda: panel.mentions.rowCount() == 1)


def test_a_stale_entity_edit_is_refused_with_the_usual_message(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    tag(qtbot, window, "Antony Blinken", "p")
    qtbot.keyClick(open_chooser(qtbot, window).field, Qt.Key.Key_Return)
    window.action_by_id["view.entities"].trigger()
    panel = window.entities.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    [entity] = stored_entities(project)
    db = load_project(project).open_database()  # someone else renames it meanwhile
    try:
        with db.session() as session:
            entities.update_entity(session, entity.id, "bob", name="Tony Blinken")
    finally:
        db.close()
    assert not panel.model.setData(panel.model.index(0, 2), "Q4498")
    assert "changed by someone else" in window.statusBar().currentMessage()
    assert stored_entities(project)[0].external_id == ""
    assert panel.model.index(0, 0).data() == "Tony Blinken"  # read again


def test_others_span_is_read_only_for_linking(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    first = tag(qtbot, window, "Antony Blinken", "p")
    window.set_view_mode("other", "bob")
    window.view.select_span(first)
    qtbot.keyClick(window.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.entities.chooser is None or not window.entities.chooser.isVisible()
    assert stored_entities(project) == []


def test_a_suggested_link_is_accepted_with_enter_and_undone(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    tag(qtbot, window, "Astana", "g")
    qtbot.keyClick(open_chooser(qtbot, window).field, Qt.Key.Key_Return)
    [astana] = stored_entities(project)
    emoji_doc = max(d.id for d in window.workspace.documents_for("alice").documents)
    window.show_document(emoji_doc)
    window.view.finish_styling()
    mention = tag(qtbot, window, "Astana", "g")
    overlay = window.assist.overlay
    links = [s for s in overlay.suggestions if s.link is not None]
    assert [(s.link.span_id, s.link.entity_id) for s in links if s.link] == [(mention, astana.id)]
    for _ in range(len(overlay.suggestions)):
        qtbot.keyClick(window.view, Qt.Key.Key_Tab)
        current = overlay.current_suggestion
        if current is not None and current.link is not None:
            break
    assert "link this Location to the entity Astana" in window.statusBar().currentMessage()
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert entity_of(project, mention) == astana.id
    assert not [s for s in overlay.suggestions if s.link is not None]
    window.undo_action.trigger()
    assert entity_of(project, mention) is None


def test_the_details_name_the_entity_and_anothers_rename_arrives(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    tag(qtbot, window, "Antony Blinken", "p")
    qtbot.keyClick(open_chooser(qtbot, window).field, Qt.Key.Key_Return)
    details = window.details.entity
    assert details.isVisible() and details.text() == "Mention of Antony Blinken (Person)"
    window.action_by_id["view.entities"].trigger()
    panel = window.entities.panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    [entity] = stored_entities(project)
    db = load_project(project).open_database()
    try:
        with db.session() as session:
            entities.update_entity(session, entity.id, "bob", external_id="Q4498")
    finally:
        db.close()
    assert window.live is not None
    window.live.poll()
    assert details.text() == "Mention of Antony Blinken (Person · Q4498)"
    qtbot.waitUntil(lambda: panel.model.index(0, 2).data() == "Q4498")


def test_one_enter_creates_a_name_the_completer_only_half_matches(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    tag(qtbot, window, "Antony Blinken", "p")
    qtbot.keyClick(open_chooser(qtbot, window).field, Qt.Key.Key_Return)
    kazakhstan = tag(qtbot, window, "Kazakhstan", "g")
    chooser = open_chooser(qtbot, window)
    chooser.field.clear()
    qtbot.keyClicks(chooser.field, "Blink")
    popup = chooser.completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(chooser.field, Qt.Key.Key_Return)
    assert sorted(e.name for e in stored_entities(project)) == ["Antony Blinken", "Blink"]
    assert entity_of(project, kazakhstan) == next(
        e.id for e in stored_entities(project) if e.name == "Blink"
    )
