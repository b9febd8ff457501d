"""Switching documents with a click in the document list (issue 14).

The click reads the document through the fast reader, shows its text with
the spans coloured and fills the span table; the table's order is the one
its keys define, however the spans arrive.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from annotator.core.commands import AddSpan
from annotator.core.model import DocumentDraft, SpanData
from annotator.core.span_rows import SpanRows
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.db import Database
from annotator.ui import open_window
from annotator.ui.main_window import MainWindow
from annotator.ui.panels import SpanList, SpanTableModel

from .conftest import EMOJI_CRLF, find, stored_spans


def list_click(qtbot: QtBot, window: MainWindow, document_id: int) -> None:
    tree = window.documents.tree
    model = tree.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if model.data(index, Qt.ItemDataRole.UserRole) == document_id:
            tree.scrollTo(index)
            qtbot.mouseClick(
                tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualRect(index).center()
            )
            return
    raise AssertionError(f"document {document_id} is not listed")


def test_a_click_in_the_list_shows_the_document_and_its_spans(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    first = window.document_id
    assert first is not None
    # Spans in two documents, one of them the emoji and CRLF article.
    emoji = next(i for i in window.documents.document_ids() if i != first and i > first + 1)
    window.show_document(emoji)
    window.view.finish_styling()
    text = window.view.text
    assert text == EMOJI_CRLF.replace("\r\n", "\n")
    for word in ("Astana", "Tashkent", "line"):
        start, end = find(window.view, word)
        assert window.run(AddSpan(emoji, "alice", "Location", start, end))
    list_click(qtbot, window, first)
    assert window.document_id == first
    assert window.span_model.rowCount() == 0

    list_click(qtbot, window, emoji)
    assert window.document_id == emoji
    assert window.view.text == text
    stored = stored_spans(project, emoji)
    assert sorted(window.view.spans.values(), key=lambda s: s.id) == sorted(
        stored, key=lambda s: s.id
    )
    rows = window.span_model.spans()
    assert [s.id for s in rows] == [
        s.id for s in sorted(stored, key=lambda s: (s.start, -s.end, s.id))
    ]
    assert all(text[s.start : s.end] == s.text for s in rows)
    # The first screen is coloured at once: Astana's place is not white.
    window.view.viewport().repaint()
    span = next(s for s in rows if s.text == "Astana")
    rect = window.view.char_rect(span.start)
    image = window.view.viewport().grab().toImage()
    assert image.pixelColor(rect.center().x(), rect.top() + 1) != QColor("white")


def reference_key(column: int, span: SpanData) -> tuple[object, ...]:
    position = (span.start, -span.end, span.id)
    extra = {0: (span.label,), 1: (span.text.lower(),), 3: (span.annotator,)}.get(column, ())
    return (*extra, *position)


def test_the_span_table_keeps_its_order_on_every_column() -> None:
    rng = random.Random(3)
    spans = []
    for n in range(400):
        start = rng.randrange(0, 200)
        spans.append(
            SpanData(
                n + 1,
                1,
                rng.choice(("ana", "bob", "gold")),
                rng.choice(("Person", "Quote", "Claim")),
                start,
                start + rng.randint(1, 20),
                rng.choice(("Astana", "astana", "Tashkent 🇺🇿", "talks")),
            )
        )
    model = SpanTableModel(lambda label: QColor("red"))
    model.set_spans(spans[:300])
    for column in range(4):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            descending = order == Qt.SortOrder.DescendingOrder
            model.sort(column, order)
            shown = model.spans()
            expected = sorted(shown, key=lambda s: reference_key(column, s), reverse=descending)
            assert shown == expected
            model.set_spans(list(reversed(shown)))
            assert model.spans() == expected
            for span in spans[300:310]:
                model.insert(span)
            inserted = model.spans()
            assert inserted == sorted(
                inserted, key=lambda s: reference_key(column, s), reverse=descending
            )
            for span in spans[300:310]:
                model.remove(span.id)
            assert model.spans() == expected


def test_the_span_table_shows_every_row_read_and_sorts_on_a_header_click(
    qtbot: QtBot,
) -> None:
    """Spans as the store reads them (rows made into spans when shown): the
    table lists all of them in position order, a click on a header sorts by
    that column, and only the rows on screen are made into spans."""
    rng = random.Random(5)
    text = " ".join(rng.choice(("Astana", "talks", "Blinken", "Tashkent")) for _ in range(3000))
    starts = [i for i in range(len(text)) if i == 0 or text[i - 1] == " "]
    spans = sorted(
        (
            SpanData(n + 1, 1, rng.choice(("ana", "bob")), rng.choice(LABELS), s, e, text[s:e])
            for n, s in enumerate(starts)
            if (e := text.find(" ", s)) > 0
        ),
        key=lambda s: (s.start, -s.end, s.id),
    )
    rows = SpanRows(
        1,
        text,
        ids=[s.id for s in spans],
        annotators=[s.annotator for s in spans],
        labels=[s.label for s in spans],
        starts=[s.start for s in spans],
        ends=[s.end for s in spans],
        attributes=["{}"] * len(spans),
        notes=[""] * len(spans),
        created=[None] * len(spans),
        updated=[None] * len(spans),
        versions=[1] * len(spans),
        fragments=[None] * len(spans),
        entity_ids=[None] * len(spans),
        attributes_of=lambda raw: {},
        time_of=lambda raw: None,
    )
    model = SpanTableModel(lambda label: QColor("red"))
    table = SpanList(model)
    qtbot.addWidget(table)
    table.resize(400, 300)
    table.show()
    qtbot.waitExposed(table)
    model.set_spans(rows)
    assert model.rowCount() == len(spans) > 2500

    def made() -> int:
        return sum(span is not None for span in rows._made)

    table.viewport().repaint()
    first = table.indexAt(QPoint(2, 2))
    assert model.data(first, Qt.ItemDataRole.UserRole) == spans[0].id
    assert made() == 0  # the rows on screen are read from the columns: no span made
    assert model.data(model.index(0, 1)) == spans[0].text
    table.scrollToBottom()
    table.viewport().repaint()
    last = table.indexAt(table.viewport().rect().bottomLeft() - QPoint(-2, 4))
    assert model.data(last, Qt.ItemDataRole.UserRole) == spans[-1].id

    header = table.horizontalHeader()
    label_column = header.sectionViewportPosition(0) + header.sectionSize(0) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(label_column, 5))
    by_label = sorted(spans, key=lambda s: reference_key(0, s))
    assert [model.data(model.index(r, 0)) for r in range(0, len(spans), 97)] == [
        s.label for s in by_label[::97]
    ]
    assert model.spans() == by_label
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(label_column, 5))
    assert model.spans() == by_label[::-1]


LABELS = ("Person", "Location", "Claim")


LONG_LINE = "Officials in Astana said the talks with Tashkent would go on. \U0001f600 Next.\n"


@contextmanager
def open_database_of(project: Path) -> Iterator[Database]:
    db = load_project(project).open_database()
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def long_document(project: Path) -> tuple[int, list[tuple[int, int]]]:
    """An article of 600 lines (an emoji on each) with a span on every
    line's "Astana" in alice's layer; its id and the spans' offsets."""
    text = LONG_LINE * 600
    db = load_project(project).open_database()
    try:
        with db.session() as s:
            [doc] = repository.insert_documents(s, [DocumentDraft(text=text, title="Long")])
            assert doc is not None
            stored = repository.document_text(s, doc)
            offsets = []
            at = stored.find("Astana")
            while at >= 0:
                offsets.append((at, at + len("Astana")))
                at = stored.find("Astana", at + 1)
            for start, end in offsets:
                repository.add_span(s, doc, "alice", "Location", start, end)
    finally:
        db.close()
    return doc, offsets


def test_a_long_documents_first_screen_is_painted_before_the_rest_is_read(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """The click paints the first screen with the spans that start on it and
    the table's first rows, then reads every span before it returns."""
    doc, offsets = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)  # shown and painted once
    window.view.finish_styling()
    painted_before = window.view.paint_count
    at_first_paint: list[tuple[int, int, int, bool]] = []

    def first_screen(document_id: int) -> None:
        view = window.view
        block = view.document().findBlockByNumber(0)  # the first span's line
        at_first_paint.append(
            (
                document_id,
                len(view.model.spans),
                window.span_model.rowCount(),
                bool(block.layout().formats()),
            )
        )

    window.firstScreenPainted.connect(first_screen)
    list_click(qtbot, window, doc)
    assert window.document_id == doc
    [(shown, spans_then, rows_then, styled)] = at_first_paint
    assert shown == doc and styled and window.view.paint_count > painted_before
    assert 0 < spans_then == rows_then < len(offsets)  # the first screen's only
    # Once the click is done, every span is there, in the view and the table.
    assert len(window.view.model.spans) == window.span_model.rowCount() == len(offsets)
    assert [(s.start, s.end) for s in window.span_model.spans()] == offsets
    # Spans past the first screen are coloured too, and found where they are.
    last_start = offsets[-1][0]
    window.view.finish_styling()
    last_line = window.view.document().findBlockByNumber(len(offsets) - 1)
    assert "Astana" in last_line.text() and last_line.layout().formats()
    assert [s.start for s in window.view.spans_at(last_start)] == [last_start]
    window.close()


def test_a_short_document_is_read_once(qtbot: QtBot, window: MainWindow) -> None:
    """A text that ends on the first screen needs no second read and no early paint."""
    other = next(i for i in window.documents.document_ids() if i != window.document_id)
    sent: list[int] = []
    window.firstScreenPainted.connect(sent.append)
    list_click(qtbot, window, other)
    assert window.document_id == other and sent == []


def test_a_table_sorted_by_label_waits_for_every_span(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """The first screen's spans are the table's first rows only in position
    order: sorted otherwise, the table is empty at the first paint, not wrong."""
    doc, offsets = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    window.span_list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    rows: list[int] = []
    window.firstScreenPainted.connect(lambda _: rows.append(window.span_model.rowCount()))
    list_click(qtbot, window, doc)
    assert rows == [0] and window.span_model.rowCount() == len(offsets)
    # A short document, read whole at once, fills the sorted table at once.
    short = next(i for i in window.documents.document_ids() if i != doc)
    with open_database_of(project) as db, db.session() as s:
        repository.add_span(s, short, "alice", "Person", 0, 5)
        repository.add_span(s, short, "alice", "Location", 6, 10)
    list_click(qtbot, window, short)
    assert rows == [0] and window.span_model.rowCount() == 2
    assert [window.span_model.data(window.span_model.index(r, 0)) for r in range(2)] == [
        "Location",
        "Person",
    ]
    window.close()


def test_a_span_changed_between_the_two_reads_is_shown_as_stored(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """The first screen and the rest are two reads: a span relabelled in
    between (here by alice in another window) is coloured as the second read
    has it, not kept as the first screen painted it."""
    doc, offsets = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)

    def relabel_first(document_id: int) -> None:
        db = load_project(project).open_database()
        try:
            with db.session() as s:
                first = repository.read_spans(s, document_id, ["alice"])[0]
                repository.update_span(s, first.id, "alice", label="Person")
        finally:
            db.close()

    window.firstScreenPainted.connect(relabel_first)
    list_click(qtbot, window, doc)
    first = window.view.spans_at(offsets[0][0])[0]
    assert first.label == "Person"
    formats = window.view.document().findBlockByNumber(0).layout().formats()
    [styled] = [f for f in formats if f.start <= offsets[0][0] < f.start + f.length]
    person = window.view._styler.styles.format("Person", True)
    assert styled.format.background() == person.background()
    window.close()


def test_opening_a_long_document_at_a_search_match_paints_no_top_first(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """A search result opens its document at the match: the whole document
    is read before the first paint, so its top does not flash on the way."""
    doc, offsets = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    sent: list[int] = []
    window.firstScreenPainted.connect(sent.append)
    start, end = offsets[-1]
    window.assist.show_match(doc, start, end)
    assert window.document_id == doc and sent == []
    assert len(window.view.model.spans) == window.span_model.rowCount() == len(offsets)
    assert window.view.text_selection() == (start, end)
    window.close()


def test_a_first_screen_whose_rest_cannot_be_read_is_not_edited(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """If the database goes away between the two reads, the first screen stays
    on show, read-only: no edit is made on a document read in part."""
    from annotator.core.errors import DatabaseProblem

    doc, _ = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    assert window.view.editable

    def lost(*args: Any) -> Any:
        raise DatabaseProblem("annotator.sqlite", "the disk went away")

    window.workspace.read_document = lost  # type: ignore[method-assign]
    with qtbot.capture_exceptions() as raised:
        list_click(qtbot, window, doc)
    assert [type(e[1]) for e in raised] == [DatabaseProblem]
    assert window.document_id == doc and not window.view.editable
    window.close()


def test_a_window_not_on_screen_reads_a_long_document_whole(
    qtbot: QtBot, project: Path, long_document: tuple[int, list[tuple[int, int]]]
) -> None:
    """Painting a first screen ahead is for a window on screen; a hidden one
    reads the document once, whole."""
    doc, offsets = long_document
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    window.hide()
    sent: list[int] = []
    window.firstScreenPainted.connect(sent.append)
    window.show_document(doc)
    assert window.document_id == doc and sent == []
    assert len(window.view.model.spans) == window.span_model.rowCount() == len(offsets)
    window.close()
