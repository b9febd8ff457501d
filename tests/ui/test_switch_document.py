"""Switching documents with a click in the document list (issue 14).

The click reads the document through the fast reader, shows its text with
the spans coloured and fills the span table; the table's order is the one
its keys define, however the spans arrive.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from annotator.core.commands import AddSpan
from annotator.core.model import SpanData
from annotator.core.span_rows import SpanRows
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
