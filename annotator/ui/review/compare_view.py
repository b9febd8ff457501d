"""The text of one document with the items of a comparison marked.

Rendering follows docs/design.md, "Rendering": a read-only QPlainTextEdit whose paragraphs get
their formats with ``QTextLayout.setFormats``; overlapping items are cut into
non-overlapping segments (the innermost item's colour wins), and the current
item's outline and the A / B extent bars are painted over the visible
paragraphs only; a split span is drawn by its pieces. Offsets are code
points; Qt's UTF-16 positions are converted with
:class:`annotator.core.offsets.Utf16Map` at this boundary.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTextBlock,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from annotator.core.adjudication import Resolution
from annotator.core.compare import KIND_TITLES, CompareItem, Kind, index_at
from annotator.core.document import BlockIndex
from annotator.core.model import SpanData
from annotator.core.offsets import Utf16Map
from annotator.core.pieces import Pieces, normalise, pieces_of
from annotator.ui.display_text import DisplayText
from annotator.ui.plain import literal
from annotator.ui.segments import Piece, segments
from annotator.ui.text_geometry import CodepointGeometry, line_x

KIND_COLORS: dict[Kind, str] = {
    Kind.SAME: "#bfe5bb",
    Kind.ONLY_A: "#b3d4f7",
    Kind.ONLY_B: "#fbd0a0",
    Kind.LABEL_DIFFERS: "#dcc0f0",
    Kind.OVERLAP: "#f6e57c",
}
"""Background of each kind of item; A's marks are blue, B's orange throughout."""

A_COLOR = "#2f6fbf"
B_COLOR = "#d9731c"
ACCEPTED_COLOR = "#1e6b2a"
BAR_HEIGHT = 2.0


class CompareView(CodepointGeometry):
    """Shows a document's text with compared items; a click picks the item under it."""

    itemClicked = Signal(int)
    """The position in :attr:`items` of the item clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        font = QFont(self.font())
        font.setPointSize(12)
        self.setFont(font)
        self._text = ""
        self._umap = Utf16Map("")
        self._blocks = BlockIndex("")
        self.items: list[CompareItem] = []
        self.resolutions: list[Resolution] = []
        self.current: int | None = None
        self._press: QPoint | None = None
        self._by_block: dict[int, list[int]] = {}
        self._covered: list[Pieces] = []
        """The text each item covers (:func:`item_pieces`), by position in :attr:`items`."""

    @property
    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        # A very long paragraph is shown as several blocks, as in the article
        # view (annotator/ui/display_text.py); offsets stay exact.
        display = DisplayText(text)
        self._text = text
        self._umap = display.map
        self._blocks = display.blocks
        self.setPlainText(display.text)

    def set_items(
        self,
        items: Sequence[CompareItem],
        resolutions: Sequence[Resolution],
        current: int | None = None,
    ) -> None:
        self.items = list(items)
        self.resolutions = list(resolutions)
        self.current = current
        self._style_all()

    def set_current(self, index: int | None, *, scroll: bool = True) -> None:
        self.current = index
        if scroll and index is not None:
            self.scroll_to(self.items[index].start)
        self.viewport().update()

    def scroll_to(self, offset: int) -> None:
        cursor = self.textCursor()
        cursor.setPosition(self._umap.to_utf16(offset))
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    # --- styling -------------------------------------------------------------

    def _format(self, index: int) -> QTextCharFormat:
        item = self.items[index]
        fmt = QTextCharFormat()
        resolution = self.resolutions[index] if index < len(self.resolutions) else None
        color = QColor(KIND_COLORS[item.kind])
        if resolution is Resolution.REJECTED:
            fmt.setFontStrikeOut(True)
            fmt.setForeground(QColor("#6b6b6b"))
            color = color.lighter(112)
        elif resolution in (Resolution.ACCEPTED_A, Resolution.ACCEPTED_B):
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
            fmt.setUnderlineColor(QColor(ACCEPTED_COLOR))
        fmt.setBackground(color)
        return fmt

    def update_states(self, resolutions: Sequence[Resolution], changed: Sequence[int]) -> None:
        """New states for the same items; only the paragraphs of ``changed`` are restyled."""
        self.resolutions = list(resolutions)
        numbers: set[int] = set()
        for i in changed:
            numbers.update(self._blocks.blocks_of(self.items[i].start, self.items[i].end))
        self._style_blocks(sorted(numbers))

    def _style_all(self) -> None:
        self._covered = [item_pieces(item) for item in self.items]
        by_block: dict[int, list[int]] = {}
        for i, item in enumerate(self.items):
            for number in self._blocks.blocks_of(item.start, item.end):
                by_block.setdefault(number, []).append(i)
        old = self._by_block
        self._by_block = by_block
        self._style_blocks(sorted(set(by_block) | set(old)))

    def _style_blocks(self, numbers: Sequence[int]) -> None:
        document = self.document()
        to_u16 = self._umap.to_utf16
        for number in numbers:
            block = document.findBlockByNumber(number)
            if not block.isValid():
                continue
            ids = self._by_block.get(number, [])
            ranges: list[QTextLayout.FormatRange] = []
            if ids:
                lo, hi = self._blocks.bounds(number)
                base = block.position()
                pieces = [Piece(i, start, end) for i in ids for start, end in self._covered[i]]
                for seg in segments(pieces, lo, hi):
                    start = to_u16(seg.start) - base
                    end = min(to_u16(seg.end) - base, block.length() - 1)
                    fr = QTextLayout.FormatRange()
                    fr.start = start
                    fr.length = end - start
                    fr.format = self._format(seg.innermost)
                    ranges.append(fr)
            layout = block.layout()
            if ranges or layout.formats():
                layout.setFormats(ranges)
                # A paragraph not laid out yet picks the formats up when it is;
                # marking it dirty would lay it out now, for nothing.
                if layout.lineCount() > 0:
                    document.markContentsDirty(block.position(), block.length())
        self.viewport().update()

    # --- painting ------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.items:
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
                self._paint_block(painter, block, geometry.top())
            block = block.next()
        painter.end()

    def _paint_block(self, painter: QPainter, block: QTextBlock, top: float) -> None:
        base = block.position()
        for i in self._by_block.get(block.blockNumber(), ()):
            item = self.items[i]
            # A's extent as a blue bar under the text, B's as an orange one below it.
            for depth, (span, color) in enumerate(((item.a, A_COLOR), (item.b, B_COLOR))):
                if span is None:
                    continue
                for start, end in self._block_ranges(base, _span_pieces(span)):
                    for line, x1, x2, line_top in self._line_pieces(block, top, start, end):
                        y = line_top + line.height() - BAR_HEIGHT * (2 - depth)
                        rect = QRectF(x1, y, max(1.0, x2 - x1), BAR_HEIGHT)
                        painter.fillRect(rect, QColor(color))
            if i == self.current:
                pen = QPen(QColor("#202020"))
                pen.setWidthF(2.0)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for start, end in self._block_ranges(base, self._covered[i]):
                    for line, x1, x2, line_top in self._line_pieces(block, top, start, end):
                        painter.drawRect(QRectF(x1 - 1, line_top, x2 - x1 + 2, line.height() - 1))

    def _block_ranges(self, base: int, pieces: Pieces) -> list[tuple[int, int]]:
        """``pieces`` (code points) as UTF-16 ranges relative to a block at ``base``."""
        to_u16 = self._umap.to_utf16
        return [(to_u16(start) - base, to_u16(end) - base) for start, end in pieces]

    def _line_pieces(
        self, block: QTextBlock, top: float, start: int, end: int
    ) -> list[tuple[QTextLine, float, float, float]]:
        layout = block.layout()
        pieces = []
        for n in range(layout.lineCount()):
            line = layout.lineAt(n)
            line_start = line.textStart()
            lo, hi = max(start, line_start), min(end, line_start + line.textLength())
            if lo >= hi:
                continue
            x1, x2 = line_x(line, lo), line_x(line, hi)
            pieces.append((line, min(x1, x2), max(x1, x2), top + line.y()))
        return pieces

    # --- geometry and the mouse ---------------------------------------------------

    def item_at(self, point: QPoint) -> int | None:
        offset = self.offset_at(point)
        return None if offset is None else index_at(self.items, offset)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        point = event.position().toPoint()
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        if (point - press).manhattanLength() > 4:
            return  # a drag selects text to copy; only a click picks an item
        index = self.item_at(point)
        if index is not None:
            self.itemClicked.emit(index)

    def describe(self, index: int) -> str:
        item = self.items[index]
        parts = [KIND_TITLES[item.kind]]
        for side, span in (("A", item.a), ("B", item.b)):
            if span is not None:
                parts.append(f"{side} ({span.annotator}): {span.label} {span.text!r}")
        return "\n".join(parts)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.item_at(event.pos())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), literal(self.describe(index)), self)
            return True
        return super().viewportEvent(event)


def _span_pieces(span: SpanData) -> Pieces:
    return pieces_of(span.start, span.end, span.fragments)


def item_pieces(item: CompareItem) -> Pieces:
    """The text an item covers: its spans' pieces, merged (a split span's gap
    is not coloured)."""
    return normalise([piece for span in item.spans for piece in _span_pieces(span)])
