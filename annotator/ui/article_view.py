"""The article view: the text with its spans, selected and tagged with the mouse.

Rendering follows docs/design.md, "Rendering": each paragraph (QTextBlock) gets its span
colours as format ranges on its QTextLayout, so a paint costs the same
whatever the number of spans, and one edit restyles only the paragraphs the
span touches. Overlapping spans are cut into segments (``segments.py``): the
innermost span is the background and every span around it is a coloured bar
under the text, painted for the visible paragraphs only. The selected span
and the spans linked to it are the only extra selections (a small set).

Qt counts UTF-16 code units; everything that leaves this widget is in code
points, converted by :class:`annotator.core.offsets.Utf16Map` (docs/design.md,
"Offsets").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import attrgetter
from typing import Protocol

from PySide6.QtCore import QEvent, QMimeData, QPoint, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLayout,
    QTextLine,
)
from PySide6.QtWidgets import (
    QApplication,
    QMenu,
    QPlainTextEdit,
    QToolTip,
    QWidget,
)

from annotator.core.commands import Changes
from annotator.core.model import RelationData, SpanData
from annotator.core.offsets import Utf16Map
from annotator.core.schema import LabelSchema
from annotator.ui.display_text import DisplayText
from annotator.ui.plain import literal, menu_text
from annotator.ui.segments import (
    BlockIndex,
    Piece,
    segments,
    snap_to_words,
    step_word_edge,
    word_at,
)
from annotator.ui.text_geometry import CodepointGeometry, line_x

EDGE_GRAB_PIXELS = 4
"""How close to a selected span's edge a press starts resizing it."""

BAR_HEIGHT = 3
BAR_STEP = 4
BAR_DARKER = 150
OUTLINE_DARKER = 260
STYLE_CHUNK_BLOCKS = 100
"""Paragraphs styled per step when a long article is styled in the background."""
MENU_LABELS = 30
"""Labels listed in the Tag as / Relabel menus (a schema may have thousands)."""


class ViewOverlay(Protocol):
    """Something drawn over the text and answering clicks and keys first
    (suggestions: ``annotator.ui.suggestions``). Offsets are code points."""

    def paint_block(self, painter: QPainter, block: QTextBlock, top: float) -> None: ...

    def click(self, offset: int | None, under: list[SpanData]) -> bool: ...

    def key_press(self, event: QKeyEvent) -> bool: ...

    def tooltip(self, offset: int | None) -> str: ...

    def add_menu_actions(self, menu: QMenu, offset: int | None) -> None: ...

    def clickable(self, offset: int | None) -> bool:
        """Whether a click at ``offset`` would be the overlay's (a pointing hand)."""
        ...


_START = attrgetter("start")
_END = attrgetter("end")


@dataclass(frozen=True, slots=True)
class _Bar:
    start: int  # UTF-16, relative to the block
    end: int
    colors: tuple[QColor, ...]  # outermost last


class ArticleView(CodepointGeometry):
    """Read-only text with span highlights; edits leave as signals (code points)."""

    spanRequested = Signal(int, int, str)  # start, end, label
    spanSelected = Signal(int)  # span id, or -1 for none
    relabelRequested = Signal(int, str)
    deleteRequested = Signal(int)
    resizeRequested = Signal(int, int, int)  # span id, start, end
    linkRequested = Signal(int, int)  # source span id, target span id
    statusMessage = Signal(str)
    stylingFinished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("articleView")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.viewport().setMouseTracking(True)
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)

        self.schema = LabelSchema(labels=())
        self.user = ""
        self.editable = True
        """False when showing another annotator's spans (read-only review)."""
        self.snap = True
        self.sticky_label: str | None = None
        self.link_source: int | None = None

        self._text = ""
        self._umap: Utf16Map = Utf16Map("")
        self._blocks = BlockIndex("")
        self._spans: dict[int, SpanData] = {}
        self._relations: dict[int, RelationData] = {}
        self._block_spans: list[set[int]] = [set()]
        self._ordered: list[SpanData] = []
        self._ordered_starts: list[int] = []
        self._ordered_max_end: list[int] = []
        self._index_ready = True
        self._bars: dict[int, list[_Bar]] = {}
        self._formats: dict[tuple[str, bool], QTextCharFormat] = {}
        self._colors: dict[str, QColor] = {}
        self.selected_span_id: int | None = None
        self._pending_blocks: list[int] = []
        self._style_timer = QTimer(self)
        self._style_timer.setInterval(0)
        self._style_timer.timeout.connect(self._style_next_chunk)

        self._press_point: QPoint | None = None
        self._press_position = 0
        self._dragging = False
        self._drag_edge: str | None = None
        self._last_click_offset: int | None = None
        self._exact_selection = False
        self.overlays: list[ViewOverlay] = []
        """Drawn after the spans; given clicks and keys before the view acts on them."""

    # --- content -----------------------------------------------------------

    def set_schema(self, schema: LabelSchema) -> None:
        self.schema = schema
        self._formats.clear()
        self._colors.clear()

    @property
    def text(self) -> str:
        return self._text

    @property
    def spans(self) -> dict[int, SpanData]:
        return self._spans

    @property
    def relations(self) -> dict[int, RelationData]:
        return self._relations

    def set_content(
        self,
        text: str,
        spans: Iterable[SpanData],
        relations: Iterable[RelationData] = (),
    ) -> None:
        """Show a new text; the visible paragraphs are styled before this returns.

        The rest of a long article is styled in chunks from the event loop, so
        the window never freezes (``stylingFinished`` tells when it is done).
        """
        self._style_timer.stop()
        self._text = text
        # A paragraph too long to lay out at once is shown as several blocks
        # (display_text.py); offsets stay those of the stored text.
        display = DisplayText(text)
        self._umap = display.map
        self._blocks = display.blocks
        # The per-paragraph index of spans is built after the first paint;
        # until then, spans are found from a list sorted by start.
        self._ordered = sorted(spans, key=_START)
        self._ordered_starts = list(map(_START, self._ordered))
        self._ordered_max_end = list(accumulate(map(_END, self._ordered), max))
        self._spans = {span.id: span for span in self._ordered}
        self._index_ready = False
        self._relations = {r.id: r for r in relations}
        self._bars = {}
        self.selected_span_id = None
        self.link_source = None

        # The same path as a plain QPlainTextEdit (the benchmark's floor): the
        # document lays paragraphs out lazily, when they are first painted.
        self.setPlainText(display.text)
        # The paragraphs on screen first (not laid out yet, so no relayout is
        # needed), the rest later.
        visible = self._visible_block_numbers(0)
        self._style_blocks(visible)
        shown = set(visible)
        self._pending_blocks = [b for b in range(len(self._blocks) - 1, -1, -1) if b not in shown]
        self._refresh_outlines()
        if self._pending_blocks or not self._index_ready:
            self._style_timer.start()
        else:
            self.stylingFinished.emit()

    def finish_styling(self) -> None:
        """Style every remaining paragraph now (tests, screenshots)."""
        while not self.styling_done:
            self._style_next_chunk()

    @property
    def styling_done(self) -> bool:
        return self._index_ready and not self._pending_blocks

    def _style_next_chunk(self) -> None:
        if not self._index_ready:
            self._ensure_index()
            return
        chunk = self._pending_blocks[-STYLE_CHUNK_BLOCKS:]
        del self._pending_blocks[-STYLE_CHUNK_BLOCKS:]
        self._style_blocks(chunk, mark_dirty=True)
        if not self._pending_blocks:
            self._style_timer.stop()
            self.stylingFinished.emit()

    def _visible_block_numbers(self, first: int) -> list[int]:
        """The paragraphs that fill the first screen, estimated before any layout.

        Each paragraph takes about len / characters-per-line lines; a quarter
        of a screen more is styled to be safe (the rest follows within moments).
        """
        metrics = self.fontMetrics()
        per_line = max(1, self.viewport().width() // max(1, metrics.averageCharWidth()))
        wanted = 1.25 * self.viewport().height() / max(1, metrics.height()) + 2
        numbers = []
        lines = 0.0
        number = first
        while number < len(self._blocks) and lines < wanted:
            start, end = self._blocks.bounds(number)
            lines += max(1, -(-(end - start) // per_line))
            numbers.append(number)
            number += 1
        return numbers

    def _ensure_index(self) -> None:
        """Index every span by the paragraphs it touches (one pass, tight loop)."""
        if self._index_ready:
            return
        starts = self._blocks.starts
        block_spans: list[set[int]] = [set() for _ in range(len(starts))]
        for span in self._ordered:
            first = bisect_right(starts, span.start) - 1
            last = bisect_right(starts, span.end - 1) - 1
            if first == last:
                block_spans[first].add(span.id)
            else:
                for block in range(first, last + 1):
                    block_spans[block].add(span.id)
        self._block_spans = block_spans
        self._ordered = []
        self._ordered_starts = []
        self._ordered_max_end = []
        self._index_ready = True

    def _spans_in_block(self, number: int) -> Iterable[int]:
        if self._index_ready:
            return self._block_spans[number]
        lo, hi = self._blocks.bounds(number)
        found = []
        # Spans starting before the paragraph ends; walking back, stop once no
        # earlier span reaches into the paragraph.
        j = bisect_left(self._ordered_starts, hi) - 1
        while j >= 0 and self._ordered_max_end[j] > lo:
            span = self._ordered[j]
            if span.end > lo and span.start < hi:
                found.append(span.id)
            j -= 1
        return found

    def _index_span(self, span: SpanData) -> None:
        self._spans[span.id] = span
        for block in self._blocks.blocks_of(span.start, span.end):
            self._block_spans[block].add(span.id)

    def _unindex_span(self, span_id: int) -> range:
        span = self._spans.pop(span_id)
        blocks = self._blocks.blocks_of(span.start, span.end)
        for block in blocks:
            self._block_spans[block].discard(span_id)
        return blocks

    def apply_changes(self, changes: Changes, visible: set[str] | None = None) -> None:
        """Show what a command changed; only the touched paragraphs are restyled.

        ``visible`` limits which annotators' spans are shown (None: all).
        """
        self._ensure_index()
        dirty: set[int] = set()
        for span_id in changes.removed_spans:
            if span_id in self._spans:
                dirty.update(self._unindex_span(span_id))
        for span in (*changes.added_spans.values(), *changes.updated_spans.values()):
            if span.id in self._spans:
                dirty.update(self._unindex_span(span.id))
            if visible is None or span.annotator in visible:
                self._index_span(span)
                dirty.update(self._blocks.blocks_of(span.start, span.end))
        for relation_id in changes.removed_relations:
            self._relations.pop(relation_id, None)
        for relation in changes.added_relations.values():
            self._relations[relation.id] = relation
        if self.selected_span_id is not None and self.selected_span_id not in self._spans:
            self.selected_span_id = None
            self.spanSelected.emit(-1)
        self._pending_blocks = [b for b in self._pending_blocks if b not in dirty]
        self._style_blocks(sorted(dirty), mark_dirty=True)
        self._refresh_outlines()

    # --- styling -----------------------------------------------------------

    def _format(self, span: SpanData) -> QTextCharFormat:
        mine = span.annotator == self.user
        key = (span.label, mine)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(self.label_color(span.label))
            if not mine:
                # Someone else's span: same colour, dotted underline to tell them apart.
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            self._formats[key] = fmt
        return fmt

    def label_color(self, label: str) -> QColor:
        color = self._colors.get(label)
        if color is None:
            found = self.schema.label(label)
            color = QColor(found.color if found is not None else "#cccccc")
            self._colors[label] = color
        return color

    def _style_blocks(
        self,
        numbers: Sequence[int],
        document: QTextDocument | None = None,
        *,
        mark_dirty: bool = False,
    ) -> None:
        document = document or self.document()
        to_u16 = self._umap.to_utf16
        for number in numbers:
            block = document.findBlockByNumber(number)
            if not block.isValid():
                continue
            ids = self._spans_in_block(number)
            ranges: list[QTextLayout.FormatRange] = []
            bars: list[_Bar] = []
            if ids:
                lo, hi = self._blocks.bounds(number)
                base = block.position()
                last = block.length() - 1  # a display break's position is the next block's
                pieces = [Piece(i, self._spans[i].start, self._spans[i].end) for i in ids]
                for seg in segments(pieces, lo, hi):
                    start = to_u16(seg.start) - base
                    end = min(to_u16(seg.end) - base, last)
                    item = QTextLayout.FormatRange()
                    item.start = start
                    item.length = end - start
                    item.format = self._format(self._spans[seg.innermost])
                    ranges.append(item)
                    if len(seg.span_ids) > 1:
                        colors = tuple(self.label_color(self._spans[i].label) for i in seg.outer)
                        bars.append(_Bar(start, end, colors))
            if bars:
                self._bars[number] = bars
            else:
                self._bars.pop(number, None)
            layout = block.layout()
            if not ranges and not layout.formats():
                continue
            layout.setFormats(ranges)
            # A paragraph not laid out yet picks the formats up when it is;
            # marking it dirty would lay it out now, for nothing.
            if mark_dirty and layout.lineCount() > 0:
                document.markContentsDirty(block.position(), block.length())
        if mark_dirty:
            self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        outlined = self._outlined_spans()
        if not self._bars and not outlined and not self.overlays:
            return
        painter = QPainter(self.viewport())
        offset = self.contentOffset()
        bottom = event.rect().bottom()
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > bottom:
                break
            if block.isVisible():
                bars = self._bars.get(block.blockNumber())
                if bars:
                    self._paint_bars(painter, block, geometry.top(), bars)
                for span, solid in outlined:
                    self._paint_outline(painter, block, geometry.top(), span, solid)
                for overlay in self.overlays:
                    overlay.paint_block(painter, block, geometry.top())
            block = block.next()
        painter.end()

    def _outlined_spans(self) -> list[tuple[SpanData, bool]]:
        """The selected span (solid outline) and the spans linked to it (dashed)."""
        span = self.selected_span
        if span is None:
            return []
        linked = [(self._spans[i], False) for i in self.linked_span_ids(span.id)]
        return [*linked, (span, True)]

    def highlighted_span_ids(self) -> set[int]:
        return {span.id for span, _ in self._outlined_spans()}

    def _line_pieces(
        self, block: QTextBlock, top: float, start: int, end: int
    ) -> list[tuple[QTextLine, float, float, float]]:
        """(line, x1, x2, line top) for each line of a block that ``start..end`` covers.

        ``start`` and ``end`` are UTF-16 positions relative to the block.
        """
        layout = block.layout()
        pieces = []
        for i in range(layout.lineCount()):
            line = layout.lineAt(i)
            line_start = line.textStart()
            line_end = line_start + line.textLength()
            lo, hi = max(start, line_start), min(end, line_end)
            if lo >= hi:
                continue
            x1, x2 = line_x(line, lo), line_x(line, hi)
            pieces.append((line, min(x1, x2), max(x1, x2), top + line.y()))
        return pieces

    def _paint_bars(
        self, painter: QPainter, block: QTextBlock, top: float, bars: list[_Bar]
    ) -> None:
        for bar in bars:
            for line, x1, x2, line_top in self._line_pieces(block, top, bar.start, bar.end):
                base = line_top + line.height() - BAR_HEIGHT
                for depth, color in enumerate(bar.colors):
                    painter.fillRect(
                        QRectF(x1, base - depth * BAR_STEP, max(1.0, x2 - x1), BAR_HEIGHT),
                        color.darker(BAR_DARKER),
                    )

    def _paint_outline(
        self, painter: QPainter, block: QTextBlock, top: float, span: SpanData, solid: bool
    ) -> None:
        base = block.position()
        start = self._umap.to_utf16(span.start) - base
        end = self._umap.to_utf16(span.end) - base
        if end <= 0 or start >= block.length():
            return
        pen = QPen(self.label_color(span.label).darker(OUTLINE_DARKER))
        pen.setWidthF(2.0)
        if not solid:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for line, x1, x2, line_top in self._line_pieces(block, top, start, end):
            painter.drawRect(QRectF(x1 - 1, line_top, x2 - x1 + 2, line.height() - 1))

    def _refresh_outlines(self) -> None:
        # The outlines are painted in paintEvent; a repaint shows the new ones.
        self.viewport().update()

    def linked_span_ids(self, span_id: int) -> list[int]:
        linked = []
        for rel in self._relations.values():
            if rel.source_id == span_id and rel.target_id in self._spans:
                linked.append(rel.target_id)
            elif rel.target_id == span_id and rel.source_id in self._spans:
                linked.append(rel.source_id)
        return linked

    # --- geometry ----------------------------------------------------------

    def spans_at(self, offset: int | None) -> list[SpanData]:
        """Spans covering ``offset``, innermost first."""
        if offset is None or not self._text:
            return []
        self._ensure_index()
        block = self._blocks.block_of(offset)
        found = [
            self._spans[i]
            for i in self._block_spans[block]
            if self._spans[i].start <= offset < self._spans[i].end
        ]
        found.sort(key=lambda s: (s.end - s.start, -s.start, -s.id))
        return found

    def scroll_to_span(self, span_id: int) -> None:
        span = self._spans.get(span_id)
        if span is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._umap.to_utf16(span.start))
        self.setTextCursor(cursor)
        self.centerCursor()

    # --- selection ---------------------------------------------------------

    def text_selection(self) -> tuple[int, int] | None:
        """The selected text as code points (None when nothing is selected)."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start = self._umap.to_codepoint(cursor.selectionStart())
        end = self._umap.to_codepoint(cursor.selectionEnd())
        return (start, end) if start < end else None

    def set_text_selection(self, start: int, end: int, *, exact: bool = False) -> None:
        """Select text; an ``exact`` selection (Alt held) is not snapped to words."""
        self._exact_selection = exact
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._umap.to_utf16(start))
        cursor.setPosition(self._umap.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)

    def createMimeDataFromSelection(self) -> QMimeData:
        """Copy gives the stored text (without the breaks of a long paragraph's display)."""
        data = QMimeData()
        selection = self.text_selection()
        data.setText(self._text[selection[0] : selection[1]] if selection else "")
        return data

    def clear_text_selection(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.setTextCursor(cursor)

    def select_span(self, span_id: int | None, *, scroll: bool = False) -> None:
        if span_id is not None and span_id not in self._spans:
            span_id = None
        changed = span_id != self.selected_span_id
        self.selected_span_id = span_id
        self._refresh_outlines()
        if span_id is not None and scroll:
            self.scroll_to_span(span_id)
        if changed:
            self.spanSelected.emit(-1 if span_id is None else span_id)

    @property
    def selected_span(self) -> SpanData | None:
        return self._spans.get(self.selected_span_id) if self.selected_span_id else None

    def _snapped(self, start: int, end: int, exact: bool) -> tuple[int, int]:
        start, end = min(start, end), max(start, end)
        if self.snap and not exact:
            return snap_to_words(self._text, start, end)
        return start, end

    def _can_edit(self, span: SpanData | None = None) -> bool:
        if not self.editable:
            self.statusMessage.emit("Read-only: these are another annotator's spans")
            return False
        if span is not None and span.annotator != self.user:
            self.statusMessage.emit(f"This span belongs to {span.annotator}; it is read-only")
            return False
        return True

    def tag_selection(self, label: str) -> bool:
        """Ask for a span over the selected text; False if nothing is selected."""
        selection = self.text_selection()
        if selection is None or not self._can_edit():
            return False
        start, end = self._snapped(*selection, exact=self._exact_selection)
        if start >= end:
            return False
        self.clear_text_selection()
        self.spanRequested.emit(start, end, label)
        return True

    def apply_label(self, label: str) -> None:
        """A label key or palette click: tag the selected text, else relabel the span."""
        if self.tag_selection(label):
            return
        span = self.selected_span
        if span is not None and span.label != label and self._can_edit(span):
            self.relabelRequested.emit(span.id, label)

    def start_link(self) -> bool:
        span = self.selected_span
        if span is None:
            self.statusMessage.emit("Select a quote or claim first, then press L")
            return False
        if not self._can_edit(span):
            return False
        if not any(span.label in r.sources for r in self.schema.relations):
            self.statusMessage.emit(f"A {span.label} cannot be linked to anything")
            return False
        self.link_source = span.id
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.statusMessage.emit(f"Click the span this {span.label} belongs to (Esc cancels)")
        return True

    def cancel_link(self) -> None:
        self.link_source = None
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)

    # --- mouse -------------------------------------------------------------

    def _edge_at(self, point: QPoint) -> str | None:
        span = self.selected_span
        if span is None or span.annotator != self.user or not self.editable:
            return None
        for edge, offset in (("start", span.start), ("end", span.end - 1)):
            rect = self.char_rect(offset)
            x = rect.left() if edge == "start" else rect.right() + 1
            if rect.top() <= point.y() <= rect.bottom() and abs(point.x() - x) <= EDGE_GRAB_PIXELS:
                return edge
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        point = event.position().toPoint()
        self._press_point = point
        self._press_position = self.cursorForPosition(point).position()
        self._dragging = False
        self._drag_edge = None if self.link_source else self._edge_at(point)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if not event.buttons() & Qt.MouseButton.LeftButton or self._press_point is None:
            if self.link_source is None:
                shape = (
                    Qt.CursorShape.SizeHorCursor
                    if self._edge_at(point)
                    else Qt.CursorShape.IBeamCursor
                )
                if shape == Qt.CursorShape.IBeamCursor and self.overlays:
                    offset = self.offset_at(point)
                    if not self.spans_at(offset) and any(
                        overlay.clickable(offset) for overlay in self.overlays
                    ):
                        shape = Qt.CursorShape.PointingHandCursor
                self.viewport().setCursor(shape)
            return
        if (point - self._press_point).manhattanLength() >= QApplication.startDragDistance():
            self._dragging = True
        if self._dragging:
            # Dragging past the top or bottom edge scrolls, to select on.
            bar = self.verticalScrollBar()
            if point.y() < 0:
                bar.setValue(bar.value() - 1)
            elif point.y() > self.viewport().height():
                bar.setValue(bar.value() + 1)
            start, end = self._drag_range(point, event.modifiers())
            self.set_text_selection(start, end, exact=self._is_exact(event.modifiers()))
        event.accept()

    @staticmethod
    def _is_exact(modifiers: Qt.KeyboardModifier) -> bool:
        return bool(modifiers & Qt.KeyboardModifier.AltModifier)

    def _drag_range(self, point: QPoint, modifiers: Qt.KeyboardModifier) -> tuple[int, int]:
        exact = self._is_exact(modifiers)
        here = self._umap.to_codepoint(self.cursorForPosition(point).position())
        span = self.selected_span
        if self._drag_edge and span is not None:
            if self._drag_edge == "start":
                start, end = min(here, span.end - 1), span.end
                if not exact and self.snap:
                    start = snap_to_words(self._text, start, end)[0]
            else:
                start, end = span.start, max(here, span.start + 1)
                if not exact and self.snap:
                    end = snap_to_words(self._text, start, end)[1]
            return start, end
        anchor = self._umap.to_codepoint(self._press_position)
        return self._snapped(anchor, here, exact)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press_point is None:
            super().mouseReleaseEvent(event)
            return
        point = event.position().toPoint()
        self._press_point = None
        event.accept()
        if self._dragging:
            self._dragging = False
            start, end = self._drag_range(point, event.modifiers())
            span = self.selected_span
            if self._drag_edge and span is not None:
                self._drag_edge = None
                self.clear_text_selection()
                if start < end and (start, end) != (span.start, span.end):
                    self.resizeRequested.emit(span.id, start, end)
                return
            if start >= end:
                self.clear_text_selection()
                return
            self.set_text_selection(start, end, exact=self._is_exact(event.modifiers()))
            self.select_span(None)
            if self.sticky_label and self.editable:
                self.tag_selection(self.sticky_label)
            return
        self._click(point)

    def _click(self, point: QPoint) -> None:
        offset = self.offset_at(point)
        under = self.spans_at(offset)
        if self.link_source is not None:
            source = self._spans.get(self.link_source)
            self.cancel_link()
            target = next((s for s in under if s.id != self.link_source), None)
            if source is None or target is None:
                self.statusMessage.emit("Linking cancelled: no span there")
                return
            self.linkRequested.emit(source.id, target.id)
            return
        if any(overlay.click(offset, under) for overlay in self.overlays):
            self.clear_text_selection()
            return
        self.clear_text_selection()
        if not under:
            self.select_span(None)
            self._last_click_offset = None
            return
        ids = [s.id for s in under]
        if self.selected_span_id in ids and self._last_click_offset is not None:
            # Clicking again where spans are stacked walks outwards through them.
            chosen = ids[(ids.index(self.selected_span_id) + 1) % len(ids)]
        else:
            chosen = ids[0]
        self._last_click_offset = offset
        self.select_span(chosen)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        offset = self.offset_at(event.position().toPoint())
        event.accept()
        self._press_point = None
        if offset is None:
            return
        start, end = word_at(self._text, offset)
        if start >= end:
            return
        self.select_span(None)
        self.set_text_selection(start, end)
        if self.sticky_label and self.editable:
            self.tag_selection(self.sticky_label)

    def tooltip_at(self, point: QPoint) -> str:
        lines: list[str] = []
        offset = self.offset_at(point)
        lines.extend(tip for overlay in self.overlays if (tip := overlay.tooltip(offset)))
        for span in self.spans_at(offset):
            line = f"{span.label} — {span.annotator}"
            if span.note:
                line += f": {span.note}"
            lines.append(line)
        return "\n".join(lines)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), literal(tip), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # --- context menu ------------------------------------------------------

    def build_context_menu(self, point: QPoint) -> QMenu:
        menu = QMenu(self)
        selection = self.text_selection()
        for overlay in self.overlays:
            overlay.add_menu_actions(menu, self.offset_at(point))
        under = self.spans_at(self.offset_at(point))
        if under and self.selected_span_id not in [s.id for s in under]:
            self.select_span(under[0].id)
        span = self.selected_span
        if selection is not None:
            tag_menu = menu.addMenu("Tag as")
            self._add_label_actions(tag_menu, None, self.tag_selection)
        if span is not None:
            relabel = menu.addMenu(menu_text(f"Relabel {span.label} as"))
            span_id = span.id

            def relabel_as(name: str) -> None:
                self._relabel(span_id, name)

            self._add_label_actions(relabel, span.label, relabel_as)
            link = QAction("Link to…\tL", menu)
            link.triggered.connect(self.start_link)
            menu.addAction(link)
            delete = QAction(menu_text(f"Delete {span.label}") + "\tDel", menu)
            delete.triggered.connect(lambda _=False, sid=span.id: self.request_delete(sid))
            menu.addAction(delete)
        if menu.isEmpty():
            menu.addAction("Select text to tag it").setEnabled(False)
        return menu

    def _add_label_actions(
        self, menu: QMenu, leave_out: str | None, chosen: Callable[[str], object]
    ) -> None:
        """List at most :data:`MENU_LABELS` labels in a menu, those with a key
        first; below them, say how many more the label palette finds."""
        labels = [lab for lab in self.schema.labels if lab.name != leave_out]
        listed = labels
        if len(labels) > MENU_LABELS:
            keyed = [lab for lab in labels if lab.key][:MENU_LABELS]
            listed = keyed + [lab for lab in labels if not lab.key][: MENU_LABELS - len(keyed)]
        for label in listed:
            action = menu.addAction(self._label_text(label.name, label.key))
            action.triggered.connect(lambda _=False, name=label.name: chosen(name))
        if len(listed) < len(labels):
            more = f"{len(labels) - len(listed):,} more: find them in the label palette"
            menu.addAction(more).setEnabled(False)

    @staticmethod
    def _label_text(name: str, key: str | None) -> str:
        return menu_text(f"{name}\t{key.upper()}" if key else name)

    def _relabel(self, span_id: int, label: str) -> None:
        span = self._spans.get(span_id)
        if span is not None and self._can_edit(span):
            self.relabelRequested.emit(span_id, label)

    def request_delete(self, span_id: int) -> None:
        """Ask the window to delete a span (refused for someone else's)."""
        span = self._spans.get(span_id)
        if span is not None and self._can_edit(span):
            self.deleteRequested.emit(span_id)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.build_context_menu(self.viewport().mapFrom(self, event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()

    # --- keyboard ----------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # Tab and Shift+Tab move focus before keyPressEvent sees them: overlays
        # (suggestions) may take them first.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and any(overlay.key_press(event) for overlay in self.overlays)
        ):
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if any(overlay.key_press(event) for overlay in self.overlays):
            return
        key = event.key()
        mods = event.modifiers()
        plain = not mods & (
            Qt.KeyboardModifier.ControlModifier
            | Qt.KeyboardModifier.AltModifier
            | Qt.KeyboardModifier.MetaModifier
        )
        span = self.selected_span
        if key == Qt.Key.Key_Escape:
            self.cancel_link()
            self.select_span(None)
            self.clear_text_selection()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and span is not None:
            self.request_delete(span.id)
            return
        if (
            key in (Qt.Key.Key_Left, Qt.Key.Key_Right)
            and mods & Qt.KeyboardModifier.AltModifier
            and span is not None
        ):
            self._nudge_edge(
                span,
                "start" if mods & Qt.KeyboardModifier.ShiftModifier else "end",
                -1 if key == Qt.Key.Key_Left else 1,
            )
            return
        text = event.text().lower()
        if plain and text == "l":
            self.start_link()
            return
        if plain and text:
            label = self.schema.label_for_key(text)
            if label is not None:
                self.apply_label(label.name)
                return
        super().keyPressEvent(event)

    def _nudge_edge(self, span: SpanData, edge: str, direction: int) -> None:
        """Alt+Left/Right moves a span's end by a word, with Shift its start."""
        if not self._can_edit(span):
            return
        start, end = span.start, span.end
        if edge == "start":
            start = step_word_edge(self._text, start, edge, direction)
        else:
            end = step_word_edge(self._text, end, edge, direction)
        if start < end and (start, end) != (span.start, span.end):
            self.resizeRequested.emit(span.id, start, end)

    def set_font_size(self, points: int) -> None:
        font = QFont(self.font())
        font.setPointSize(max(6, min(48, points)))
        self.setFont(font)
        self.document().setDefaultFont(font)
