"""A span's details (attributes, note, times) are read when it is first shown.

The window's read of a document leaves them out on SQLite (issue 14: a click
on a long article does not wait for them; ``core/span_rows.py``). What the
analyst sees of a span must still be what is stored, also when another
session changed the span between the read and its selection.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.core.span_rows import SpanMap
from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui import open_window
from tests.ui.conftest import click, find, key, stored_spans


def test_details_shown_are_the_stored_ones_even_when_changed_elsewhere(
    qtbot: QtBot, project: Path
) -> None:
    db = load_project(project).open_database()
    with db.session() as s:
        doc = repository.list_documents(s)[0].id
        text = repository.document_text(s, doc)
        words = ("Kazakhstan", "Astana")
        spans = []
        for n, word in enumerate(words):
            start = text.index(word)
            spans.append(
                repository.add_span(
                    s, doc, "alice", "Location", start, start + len(word), note=f"note {n}"
                )
            )
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    window.view.finish_styling()
    assert window.document_id == doc
    assert window.live is not None
    window.live.stop()  # the other session's edit is not heard of before the click
    kazakhstan, astana = spans
    with db.session() as s:
        changed = repository.update_span(
            s, astana.id, "alice", note="checked by bob", attributes={"sure": "yes"}
        )
    db.close()
    view = window.view
    # Shown (painted, listed) but not selected yet: details not read.
    assert window.span_model.rowCount() == 2
    assert isinstance(view.spans, SpanMap) and view.spans.rows.details_unread == 1
    click(qtbot, view, find(view, "Kazakhstan")[0] + 2)
    assert view.selected_span_id == kazakhstan.id
    assert window.details.note.text() == "note 0"
    assert view.selected_span == kazakhstan  # every value, times included
    click(qtbot, view, find(view, "Astana")[0] + 2)
    assert view.selected_span_id == astana.id
    assert window.details.note.text() == "checked by bob"
    shown = view.selected_span
    assert shown is not None
    assert (shown.note, shown.attributes, shown.updated_at) == (
        "checked by bob",
        {"sure": "yes"},
        changed.updated_at,
    )
    # The version is the one read: an edit made on it is refused, as before.
    key(qtbot, view, "p")
    assert "changed by someone else" in window.statusBar().currentMessage()
    assert {s.id: s.label for s in stored_spans(project, doc)}[astana.id] == "Location"
    window.close()
