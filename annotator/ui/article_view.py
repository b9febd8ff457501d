"""The article view: the text with its spans, selected and tagged with the mouse.

The document itself, its spans and what may be done with them live in a
Qt-free :class:`annotator.core.document.DocumentModel` (docs/design.md,
"Document model"): the span index, the selection in code points, word
snapping, the layer and its permissions, link mode. This widget draws the
model and adapts Qt's input to it. Qt counts UTF-16 code units; each mouse
or key event converts its position to code points once, with the map in
``_umap`` (:class:`annotator.core.offsets.Utf16Map`, docs/design.md,
"Offsets"), and every offset that leaves the widget is in code points.

Rendering follows docs/design.md, "Rendering": ``span_paint.py`` puts each
paragraph's spans on its QTextLayout as format ranges (a screen first, the
rest from the event loop, after an edit only the paragraphs it touched) and
draws the bars under nested spans and the outlines of the selected span and
its links, which this widget's paint places.

The module is over 500 lines and stays one class because it is one thing,
the Qt edge of the document model: every Qt event of the widget (paint,
mouse, keys, context menu, tooltip) turned into calls on the model, and the
model's answers into signals, the selection on screen and repaints. The rest
of the widget's public names (``spans``, ``user``, ``editable``, ...) are the
model's, kept under the names the window and its helpers use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from itertools import pairwise
from typing import Protocol

from PySide6.QtCore import QEvent, QMimeData, QPoint, Qt, Signal
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
    QTextBlock,
    QTextCursor,
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
from annotator.core.document import BlockIndex, DocumentModel
from annotator.core.model import RelationData, SpanData
from annotator.core.offsets import Utf16Map
from annotator.core.pieces import piece_at, pieces_of
from annotator.core.schema import LabelSchema
from annotator.core.span_rows import SpanRows
from annotator.ui.display_text import DisplayText
from annotator.ui.plain import literal, menu_text
from annotator.ui.span_paint import BAR_DARKER as BAR_DARKER
from annotator.ui.span_paint import (
    ParagraphStyler,
    line_pieces,
    paint_bars,
    paint_connector,
    paint_outline,
)
from annotator.ui.text_geometry import CodepointGeometry

EDGE_GRAB_PIXELS = 4
"""How close to a selected span's edge a press starts resizing it."""

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

    def clear(self) -> None:
        """Another text is shown: nothing drawn for the one before stays."""
        ...


class ArticleView(CodepointGeometry):
    """Read-only text with span highlights; edits leave as signals (code points)."""

    spanRequested = Signal(int, int, str)  # start, end, label
    spanSelected = Signal(int)  # span id, or -1 for none
    relabelRequested = Signal(int, str)
    deleteRequested = Signal(int)
    resizeRequested = Signal(int, int, int)  # span id, start, end
    linkRequested = Signal(int, int)  # source span id, target span id
    pieceAddRequested = Signal(int, int, int)  # span id, start, end
    pieceRemoveRequested = Signal(int, int)  # span id, index of the piece
    statusMessage = Signal(str)
    stylingFinished = Signal()
    painted = Signal()  # after each paint of the text (a cold start opens the project then)

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

        self.model = DocumentModel()
        """The document shown: text, spans, selection, layer, link mode."""
        self.sticky_label: str | None = None
        self._umap: Utf16Map = Utf16Map("")
        self.paint_count = 0
        """Paints of the text so far."""
        self._measured: DisplayText | None = None
        """The text :meth:`screen_end` measured, kept for :meth:`set_content`."""
        self._styler = ParagraphStyler(self, self.model)
        self._styler.finished.connect(self.stylingFinished)

        self._press_point: QPoint | None = None
        self._press_offset = 0
        self._dragging = False
        self._drag_edge: str | None = None
        self._showing_selection = False
        """True while the view puts the model's selection on screen."""
        self.selectionChanged.connect(self._take_qt_selection)
        self.overlays: list[ViewOverlay] = []
        """Drawn after the spans; given clicks and keys before the view acts on them."""

    # --- the model's state, under the names the window uses ----------------

    @property
    def schema(self) -> LabelSchema:
        return self.model.schema

    def set_schema(self, schema: LabelSchema) -> None:
        self.model.schema = schema
        self._styler.styles.set_schema(schema)

    @property
    def user(self) -> str:
        """The layer being edited (the analyst's name, or gold)."""
        return self.model.layer

    @user.setter
    def user(self, layer: str) -> None:
        self.model.layer = layer

    @property
    def editable(self) -> bool:
        """False when showing another annotator's spans (read-only review)."""
        return self.model.editable

    @editable.setter
    def editable(self, editable: bool) -> None:
        self.model.editable = editable

    @property
    def snap(self) -> bool:
        return self.model.snap_to_words

    @snap.setter
    def snap(self, snap: bool) -> None:
        self.model.snap_to_words = snap

    @property
    def link_source(self) -> int | None:
        return self.model.link_source

    @property
    def selected_span_id(self) -> int | None:
        return self.model.selected_span_id

    @property
    def selected_span(self) -> SpanData | None:
        return self.model.selected_span

    @property
    def text(self) -> str:
        return self.model.text

    @property
    def spans(self) -> MutableMapping[int, SpanData]:
        return self.model.spans

    @property
    def relations(self) -> dict[int, RelationData]:
        return self.model.relations

    @property
    def _blocks(self) -> BlockIndex:
        return self.model.blocks

    def spans_at(self, offset: int | None) -> list[SpanData]:
        """Spans covering ``offset``, innermost first."""
        return self.model.spans_at(offset)

    def linked_span_ids(self, span_id: int) -> list[int]:
        return self.model.linked_span_ids(span_id)

    def label_color(self, label: str) -> QColor:
        return self._styler.styles.color(label)

    # --- content -----------------------------------------------------------

    def set_content(
        self,
        text: str,
        spans: Iterable[SpanData] | SpanRows,
        relations: Iterable[RelationData] = (),
    ) -> None:
        """Show a new text; the visible paragraphs are styled before this returns.

        The rest of a long article is styled in chunks from the event loop, so
        the window never freezes (``stylingFinished`` tells when it is done).
        """
        self._styler.stop()
        # A paragraph too long to lay out at once is shown as several blocks
        # (display_text.py); offsets stay those of the stored text, and the
        # model indexes spans by those blocks, the unit styled.
        display = self._display_of(text)
        self._umap = display.map
        for overlay in self.overlays:
            overlay.clear()
        # The span index proper is built after the first paint; until then the
        # model finds spans in a list sorted by start.
        self.model.set_content(text, spans, relations, display.blocks)
        # The same path as a plain QPlainTextEdit (the benchmark's floor): the
        # document lays paragraphs out lazily, when they are first painted.
        self.setPlainText(display.text)
        self.model.clear_selection()
        self._refresh_outlines()
        self._styler.start(self._umap.to_utf16)

    def screen_end(self, text: str) -> int:
        """Where the first screen of ``text`` ends, as a stored-text offset:
        the spans that start before it are all this view needs to paint that
        screen (the paragraphs :meth:`set_content` styles before it returns;
        ``len(text)`` when they are the whole text)."""
        display = self._display_of(text)
        self._measured = display
        blocks = display.blocks
        shown = self._styler.first_screen(blocks)
        if len(shown) >= len(blocks):
            return len(text)
        return blocks.starts[shown[-1] + 1]  # where the next paragraph starts

    def _display_of(self, text: str) -> DisplayText:
        measured, self._measured = self._measured, None
        if measured is not None and measured.source is text:
            return measured
        return DisplayText(text)

    def set_spans(
        self,
        spans: Iterable[SpanData] | SpanRows,
        relations: Iterable[RelationData] = (),
        *,
        first_screen: SpanRows | None = None,
    ) -> None:
        """Every span and link of the text shown, read after its first screen
        was painted with ``first_screen``, the spans that start there: the
        text and the scroll stay, and nothing stays selected. When those are
        the first of ``spans`` as they were (same ids, same versions), the
        paragraphs styled stay as they are and the rest are styled from the
        event loop; else the styling starts again."""
        self._styler.stop()
        self.model.set_spans(spans, relations)
        self._refresh_outlines()
        if first_screen is not None and _begins_with(spans, first_screen):
            self._styler.resume()
        else:
            self._styler.start(self._umap.to_utf16)

    def finish_styling(self) -> None:
        """Style every remaining paragraph now (tests, screenshots)."""
        self._styler.finish()

    @property
    def styling_done(self) -> bool:
        return self._styler.done

    def apply_changes(self, changes: Changes, visible: set[str] | None = None) -> None:
        """Show what a command changed; only the touched paragraphs are restyled.

        ``visible`` limits which annotators' spans are shown (None: all).
        """
        selected = self.model.selected_span_id
        touched = self.model.apply(changes, visible)
        if selected is not None and self.model.selected_span_id is None:
            self.spanSelected.emit(-1)
        self._styler.restyle(touched)
        self._refresh_outlines()

    # --- painting ----------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        self._paint(event)
        self._styler.painted()
        self.painted.emit()

    def _paint(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        outlined = self._outlined_spans()
        all_bars = self._styler.bars
        if not all_bars and not outlined and not self.overlays:
            return
        painter = QPainter(self.viewport())
        offset = self.contentOffset()
        bottom = event.rect().bottom()
        to_u16 = self._umap.to_utf16
        block = self.firstVisibleBlock()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            top = geometry.top()
            if top > bottom:
                break
            if block.isVisible():
                bars = all_bars.get(block.blockNumber())
                if bars:
                    paint_bars(painter, block, top, bars)
                base = block.position()
                for span, solid in outlined:
                    color = self.label_color(span.label)
                    pieces = pieces_of(span.start, span.end, span.fragments)
                    for start, end in pieces:
                        start, end = to_u16(start) - base, to_u16(end) - base
                        paint_outline(painter, block, top, start, end, color, solid)
                    if solid:
                        for (_, gap_start), (gap_end, _) in pairwise(pieces):
                            start, end = to_u16(gap_start) - base, to_u16(gap_end) - base
                            paint_connector(painter, block, top, start, end, color)
                for overlay in self.overlays:
                    overlay.paint_block(painter, block, top)
            block = block.next()
        painter.end()

    def _outlined_spans(self) -> list[tuple[SpanData, bool]]:
        """The selected span (solid outline) and the spans linked to it (dashed)."""
        span = self.selected_span
        if span is None:
            return []
        spans = self.model.spans
        linked = [(spans[i], False) for i in self.model.linked_span_ids(span.id)]
        return [*linked, (span, True)]

    def highlighted_span_ids(self) -> set[int]:
        return {span.id for span, _ in self._outlined_spans()}

    def _line_pieces(
        self, block: QTextBlock, top: float, start: int, end: int
    ) -> list[tuple[QTextLine, float, float, float]]:
        """(line, x1, x2, line top) for each line of a block that ``start..end``
        (UTF-16, relative to the block) covers; overlays draw with it."""
        return line_pieces(block, top, start, end)

    def _refresh_outlines(self) -> None:
        # The outlines are painted in paintEvent; a repaint shows the new ones.
        self.viewport().update()

    def scroll_to_span(self, span_id: int) -> None:
        span = self.model.spans.get(span_id)
        if span is None:
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._umap.to_utf16(span.start))
        self.setTextCursor(cursor)
        self.centerCursor()

    # --- selection ---------------------------------------------------------

    def text_selection(self) -> tuple[int, int] | None:
        """The selected text as code points (None when nothing is selected)."""
        chosen = self.model.selection
        return None if chosen is None else (chosen.start, chosen.end)

    def set_text_selection(self, start: int, end: int, *, exact: bool = False) -> None:
        """Select text; an ``exact`` selection (Alt held) is not snapped to words."""
        self._show_selection(start, end, exact=exact, snapped=False)

    def _show_selection(self, start: int, end: int, *, exact: bool, snapped: bool) -> None:
        """Select text in the model, then on screen (``snapped``: already whole words)."""
        self.model.set_selection(start, end, exact=exact, snapped=snapped)
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._umap.to_utf16(start))
        cursor.setPosition(self._umap.to_utf16(end), QTextCursor.MoveMode.KeepAnchor)
        self._showing_selection = True
        try:
            self.setTextCursor(cursor)
        finally:
            self._showing_selection = False

    def _take_qt_selection(self) -> None:
        """A selection Qt made (keys, another widget's cursor) goes to the model."""
        if self._showing_selection:
            return
        cursor = self.textCursor()
        if not cursor.hasSelection():
            self.model.clear_selection()
            return
        to_codepoint = self._umap.to_codepoint
        start = to_codepoint(cursor.selectionStart())
        end = to_codepoint(cursor.selectionEnd())
        self.model.set_selection(start, end)

    def createMimeDataFromSelection(self) -> QMimeData:
        """Copy gives the stored text (without the breaks of a long paragraph's display)."""
        data = QMimeData()
        selection = self.text_selection()
        data.setText(self.model.text[selection[0] : selection[1]] if selection else "")
        return data

    def clear_text_selection(self) -> None:
        self.model.clear_selection()
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.setTextCursor(cursor)

    def select_span(self, span_id: int | None, *, scroll: bool = False) -> None:
        changed = self.model.select_span(span_id)
        self._refresh_outlines()
        selected = self.model.selected_span_id
        if selected is not None and scroll:
            self.scroll_to_span(selected)
        if changed:
            self.spanSelected.emit(-1 if selected is None else selected)

    def _can_edit(self, span: SpanData | None = None) -> bool:
        refusal = self.model.edit_refusal(span)
        if refusal is not None:
            self.statusMessage.emit(refusal)
            return False
        return True

    def tag_selection(self, label: str) -> bool:
        """Ask for a span over the selected text; False if nothing is selected."""
        if self.model.selection is None or not self._can_edit():
            return False
        chosen = self.model.tag_range()
        if chosen is None:
            return False
        self.clear_text_selection()
        self.spanRequested.emit(chosen[0], chosen[1], label)
        return True

    def apply_label(self, label: str) -> None:
        """A label key or palette click: tag the selected text, else relabel the span."""
        if self.tag_selection(label):
            return
        span = self.selected_span
        if span is not None and span.label != label:
            self._relabel(span.id, label)

    def add_piece(self) -> bool:
        """Ask to add the selected text to the selected span as a piece."""
        span = self.model.piece_target
        if span is None:
            self.statusMessage.emit("Select a span, then the text to add to it as a piece")
            return False
        chosen = self.model.tag_range()
        if chosen is None:
            self.statusMessage.emit(f"Select the text to add to the {span.label} as a piece")
            return False
        return self._request_piece(span, *chosen)

    def remove_piece(self) -> bool:
        """Ask to remove the piece of the selected span that the selected text
        touches, or that the click selecting the span landed in."""
        span = self.model.piece_target
        if span is None:
            self.statusMessage.emit("Select a span in pieces first")
            return False
        index = self.model.piece_under(span)
        if index is None:
            self.statusMessage.emit(f"Click the piece of the {span.label} to remove")
            return False
        return self._request_piece_removal(span, index)

    def _request_piece(self, span: SpanData, start: int, end: int) -> bool:
        if not self._can_edit(span):
            return False
        self.clear_text_selection()
        self.select_span(span.id)
        self.pieceAddRequested.emit(span.id, start, end)
        return True

    def _request_piece_removal(self, span: SpanData, index: int) -> bool:
        if not self._can_edit(span):
            return False
        if span.fragments is None:
            self.statusMessage.emit(f"The {span.label} is in one piece: delete it instead")
            return False
        self.clear_text_selection()
        self.select_span(span.id)
        self.pieceRemoveRequested.emit(span.id, index)
        return True

    def start_link(self) -> bool:
        problem = self.model.start_link()
        source = self.model.selected_span
        if problem is not None or source is None:
            self.statusMessage.emit(problem or "")
            return False
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.statusMessage.emit(f"Click the span this {source.label} belongs to (Esc cancels)")
        return True

    def cancel_link(self) -> None:
        self.model.cancel_link()
        self.viewport().setCursor(Qt.CursorShape.IBeamCursor)

    # --- mouse -------------------------------------------------------------

    def _edge_at(self, point: QPoint) -> str | None:
        span = self.selected_span
        if span is None or not self.model.can_edit(span):
            return None
        for edge, offset in (("start", span.start), ("end", span.end - 1)):
            rect = self.char_rect(offset)
            x = rect.left() if edge == "start" else rect.right() + 1
            if rect.top() <= point.y() <= rect.bottom() and abs(point.x() - x) <= EDGE_GRAB_PIXELS:
                return edge
        return None

    def _cursor_offset(self, point: QPoint) -> int:
        """The code-point offset of the text cursor position nearest ``point``."""
        return self._umap.to_codepoint(self.cursorForPosition(point).position())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        point = event.position().toPoint()
        self._press_point = point
        self._press_offset = self._cursor_offset(point)
        self._dragging = False
        self._drag_edge = (
            None
            if self.link_source is not None or self._is_piece_gesture(event.modifiers())
            else self._edge_at(point)
        )
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
            exact = self._is_exact(event.modifiers())
            start, end = self._drag_range(point, exact)
            self._show_selection(start, end, exact=exact, snapped=True)
        event.accept()

    @staticmethod
    def _is_exact(modifiers: Qt.KeyboardModifier) -> bool:
        return bool(modifiers & Qt.KeyboardModifier.AltModifier)

    @staticmethod
    def _is_piece_gesture(modifiers: Qt.KeyboardModifier) -> bool:
        """Ctrl held: a drag adds a piece to the selected span, a click on one
        of its pieces removes that piece."""
        return bool(modifiers & Qt.KeyboardModifier.ControlModifier)

    def _drag_range(self, point: QPoint, exact: bool) -> tuple[int, int]:
        """The snapped range from the press to ``point`` (or the resized span)."""
        here = self._cursor_offset(point)
        edge = self._drag_edge
        return self.model.drag_range(self._press_offset, here, exact=exact, edge=edge)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press_point is None:
            super().mouseReleaseEvent(event)
            return
        point = event.position().toPoint()
        self._press_point = None
        event.accept()
        piece_gesture = self._is_piece_gesture(event.modifiers())
        if not self._dragging:
            if not (piece_gesture and self._remove_piece_at(point)):
                self._click(point)
            return
        self._dragging = False
        exact = self._is_exact(event.modifiers())
        start, end = self._drag_range(point, exact)
        span = self.selected_span
        if piece_gesture and span is not None and start < end:
            self._request_piece(span, start, end)
            return
        if self._drag_edge and span is not None:
            self._drag_edge = None
            self.clear_text_selection()
            if start < end and (start, end) != (span.start, span.end):
                self.resizeRequested.emit(span.id, start, end)
            return
        if start >= end:
            self.clear_text_selection()
            return
        # Snapped once, here: tagging takes the range as it is.
        self._show_selection(start, end, exact=exact, snapped=True)
        self._unselect_span_for_text()
        if self.sticky_label and self.editable:
            self.tag_selection(self.sticky_label)

    def _unselect_span_for_text(self) -> None:
        """Text selected with the mouse unselects the span; Add Piece may still
        add the text to it."""
        target = self.selected_span_id
        self.select_span(None)
        self.model.piece_target_id = target

    def _remove_piece_at(self, point: QPoint) -> bool:
        """Ctrl+click: remove the piece of the selected span under ``point``;
        False when the click is not on one."""
        span = self.selected_span
        offset = self.offset_at(point)
        if span is None or offset is None:
            return False
        index = piece_at(pieces_of(span.start, span.end, span.fragments), offset)
        if index is None:
            return False
        self._request_piece_removal(span, index)
        return True

    def _click(self, point: QPoint) -> None:
        offset = self.offset_at(point)
        under = self.spans_at(offset)
        if self.link_source is not None:
            link = self.model.finish_link(under)
            self.cancel_link()
            if link is None:
                self.statusMessage.emit("Linking cancelled: no span there")
            else:
                self.linkRequested.emit(link.source_id, link.target_id)
            return
        if any(overlay.click(offset, under) for overlay in self.overlays):
            self.clear_text_selection()
            return
        # The caret goes where the click was, for Shift+arrows to select from there.
        self.setTextCursor(self.cursorForPosition(point))
        self.select_span(self.model.span_to_select(offset, under))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        offset = self.offset_at(event.position().toPoint())
        event.accept()
        self._press_point = None
        if offset is None:
            return
        start, end = self.model.word_at(offset)
        if start >= end:
            return
        self._unselect_span_for_text()
        self._show_selection(start, end, exact=False, snapped=True)
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
        offset = self.offset_at(point)
        for overlay in self.overlays:
            overlay.add_menu_actions(menu, offset)
        under = self.spans_at(offset)
        if under and self.selected_span_id not in [s.id for s in under]:
            self.select_span(under[0].id)
        span = self.selected_span
        if selection is not None:
            tag_menu = menu.addMenu("Tag as")
            self._add_label_actions(tag_menu, None, self.tag_selection)
        self._add_piece_actions(menu, offset)
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

    def _add_piece_actions(self, menu: QMenu, offset: int | None) -> None:
        """Add the selected text to the span as a piece; remove the piece clicked."""
        target = self.model.piece_target
        if target is None:
            return
        if self.text_selection() is not None:
            add = QAction(menu_text(f"Add to {target.label} as a piece"), menu)
            add.triggered.connect(self.add_piece)
            menu.addAction(add)
        index = None
        if target.fragments is not None and offset is not None:
            index = piece_at(target.fragments, offset)
        if index is not None:
            remove = QAction(menu_text(f"Remove this piece of {target.label}"), menu)
            remove.triggered.connect(
                lambda _=False, span=target, i=index: self._request_piece_removal(span, i)
            )
            menu.addAction(remove)

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
        span = self.model.spans.get(span_id)
        if span is not None and self._can_edit(span):
            self.relabelRequested.emit(span_id, label)

    def request_delete(self, span_id: int) -> None:
        """Ask the window to delete a span (refused for someone else's)."""
        span = self.model.spans.get(span_id)
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
        moved = self.model.nudged(span, edge, direction)
        if moved is not None:
            self.resizeRequested.emit(span.id, *moved)

    def set_font_size(self, points: int) -> None:
        font = QFont(self.font())
        font.setPointSize(max(6, min(48, points)))
        self.setFont(font)
        self.document().setDefaultFont(font)


def _begins_with(spans: Iterable[SpanData] | SpanRows, first: SpanRows) -> bool:
    """Whether ``spans`` begin with ``first``: the same spans (ids) at the
    same versions, in the same order."""
    if not isinstance(spans, SpanRows):
        return False
    count = len(first.ids)
    return list(spans.ids[:count]) == list(first.ids) and list(spans.versions[:count]) == list(
        first.versions
    )
