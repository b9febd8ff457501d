"""Spans and links another analyst imports appear in an open window."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from annotator.core.dataset import AnnotatedDraft, LayerDraft, RelationDraft, SpanDraft
from annotator.core.model import DocumentDraft
from annotator.io.project import load_project
from annotator.store import import_writer
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import find


def test_an_import_by_someone_else_appears_without_reopening(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    window.set_view_mode("all")
    assert window.document_id is not None
    view = window.view
    quote = find(view, '"We are here to listen."')
    minister = find(view, "minister")
    layer = LayerDraft(
        "bob",
        [SpanDraft("Quote", *quote), SpanDraft("Person", *minister)],
        [RelationDraft("speaker", source=0, target=1)],
    )
    other = load_project(project).open_database()  # bob's `annotator import`
    with other.session() as s:
        result = import_writer.insert_annotated(
            s, [AnnotatedDraft(DocumentDraft(text=view.text), [layer])]
        )
    other.close()
    assert result.document_ids == [window.document_id] and result.spans == 2
    qtbot.waitUntil(lambda: len(view.spans) == 2 and len(view.relations) == 1, timeout=6000)
    assert sorted((sp.label, sp.annotator) for sp in view.spans.values()) == [
        ("Person", "bob"),
        ("Quote", "bob"),
    ]
    assert "New edits by bob" in window.statusBar().currentMessage()
