"""How the article view draws spans: a format per label, bars, outlines.

Each paragraph's spans become format ranges on its QTextLayout (the innermost
span's colour as the background, docs/design.md, "Overlapping spans"), so a
paint costs the same whatever the number of spans; every span around the
innermost one is a bar under the text, and the selected span and its links
are outlined, both painted over the visible paragraphs only. A split span
is coloured and outlined piece by piece; when selected, a dashed line under
the text between its pieces joins them.
:class:`ParagraphStyler` decides when each paragraph gets its formats: the
first screen before a new text is painted, the rest from the event loop, and
after an edit only the paragraphs it touched. Positions handed to Qt are
UTF-16; the spans come from the document model in code points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPen,
    QTextBlock,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
)
from PySide6.QtWidgets import QPlainTextEdit

from annotator.core.document import BlockIndex, DocumentModel
from annotator.core.model import SpanData
from annotator.core.offsets import Utf16Map
from annotator.core.schema import LabelSchema
from annotator.core.span_rows import SpanShape, span_shape
from annotator.ui.segments import Piece, segments
from annotator.ui.text_geometry import line_x

STYLE_CHUNK_BLOCKS = 100
"""Paragraphs styled per step when a long article is styled in the background."""
FIRST_STEP_WAIT_MS = 50
"""The longest the background styling waits for the first paint of a new text."""
BAR_HEIGHT = 3
BAR_STEP = 4
BAR_DARKER = 150
OUTLINE_DARKER = 260


@dataclass(frozen=True, slots=True)
class Bar:
    start: int  # UTF-16, relative to the block
    end: int
    colors: tuple[QColor, ...]  # outermost last


class SpanStyles:
    """Colours and character formats by label, made once per schema."""

    def __init__(self) -> None:
        self.schema = LabelSchema(labels=())
        self._formats: dict[tuple[str, bool], QTextCharFormat] = {}
        self._colors: dict[str, QColor] = {}

    def set_schema(self, schema: LabelSchema) -> None:
        self.schema = schema
        self._formats.clear()
        self._colors.clear()

    def color(self, label: str) -> QColor:
        color = self._colors.get(label)
        if color is None:
            found = self.schema.label(label)
            color = QColor(found.color if found is not None else "#cccccc")
            self._colors[label] = color
        return color

    def format(self, label: str, mine: bool) -> QTextCharFormat:
        key = (label, mine)
        fmt = self._formats.get(key)
        if fmt is None:
            fmt = QTextCharFormat()
            fmt.setBackground(self.color(label))
            if not mine:
                # Someone else's span: same colour, dotted underline to tell them apart.
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            self._formats[key] = fmt
        return fmt

    def block_styling(
        self,
        shape_of: Callable[[int], SpanData | SpanShape],
        ids: Iterable[int],
        bounds: tuple[int, int],
        block: QTextBlock,
        to_utf16: Callable[[int], int],
        layer: str,
    ) -> tuple[list[QTextLayout.FormatRange], list[Bar]]:
        """The format ranges and bars of one block, whose text is ``bounds``
        (code points); ``shape_of`` gives a span's place and label by id
        (``core/span_rows.py``, span_shape: no span is made for a paint)."""
        ranges: list[QTextLayout.FormatRange] = []
        bars: list[Bar] = []
        base = block.position()
        last = block.length() - 1  # a display break's position is the next block's
        pieces: list[Piece] = []
        shapes = {i: shape_of(i) for i in ids}
        for i, span in shapes.items():
            if span.fragments is None:
                pieces.append(Piece(i, span.start, span.end))
            else:  # a split span colours its pieces, not the text between them
                pieces.extend(Piece(i, start, end) for start, end in span.fragments)
        for seg in segments(pieces, *bounds):
            start = to_utf16(seg.start) - base
            end = min(to_utf16(seg.end) - base, last)
            inner = shapes[seg.innermost]
            item = QTextLayout.FormatRange()
            item.start = start
            item.length = end - start
            item.format = self.format(inner.label, inner.annotator == layer)
            ranges.append(item)
            if len(seg.span_ids) > 1:
                colors = tuple(self.color(shapes[i].label) for i in seg.outer)
                bars.append(Bar(start, end, colors))
        return ranges, bars


def line_pieces(
    block: QTextBlock, top: float, start: int, end: int
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


def paint_bars(painter: QPainter, block: QTextBlock, top: float, bars: list[Bar]) -> None:
    for bar in bars:
        for line, x1, x2, line_top in line_pieces(block, top, bar.start, bar.end):
            base = line_top + line.height() - BAR_HEIGHT
            for depth, color in enumerate(bar.colors):
                painter.fillRect(
                    QRectF(x1, base - depth * BAR_STEP, max(1.0, x2 - x1), BAR_HEIGHT),
                    color.darker(BAR_DARKER),
                )


def paint_outline(
    painter: QPainter,
    block: QTextBlock,
    top: float,
    start: int,
    end: int,
    color: QColor,
    solid: bool,
) -> None:
    """Outline ``start..end`` (UTF-16, relative to the block): solid for the
    selected span, dashed for those linked to it."""
    if end <= 0 or start >= block.length():
        return
    pen = QPen(color.darker(OUTLINE_DARKER))
    pen.setWidthF(2.0)
    if not solid:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for line, x1, x2, line_top in line_pieces(block, top, start, end):
        painter.drawRect(QRectF(x1 - 1, line_top, x2 - x1 + 2, line.height() - 1))


def paint_connector(
    painter: QPainter, block: QTextBlock, top: float, start: int, end: int, color: QColor
) -> None:
    """A dashed line under ``start..end`` (UTF-16, relative to the block), the
    text between two pieces of the selected split span: they are one span."""
    if end <= 0 or start >= block.length():
        return
    pen = QPen(color.darker(OUTLINE_DARKER))
    pen.setWidthF(2.0)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    for line, x1, x2, line_top in line_pieces(block, top, start, end):
        y = line_top + line.height() - 2
        painter.drawLine(QPointF(x1 - 1, y), QPointF(x2 + 1, y))


class ParagraphStyler(QObject):
    """Puts the model's spans on the paragraphs of a QPlainTextEdit.

    Paragraphs are the model's blocks (one per QTextBlock). ``bars`` holds the
    bars of each styled paragraph for the editor's paint.
    """

    finished = Signal()
    """Every paragraph of the text is styled."""

    def __init__(self, editor: QPlainTextEdit, model: DocumentModel) -> None:
        super().__init__(editor)
        self._editor = editor
        self._model = model
        self.styles = SpanStyles()
        self.bars: dict[int, list[Bar]] = {}
        self._to_utf16: Callable[[int], int] = Utf16Map("").to_utf16
        self._pending: list[int] = []
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._step)

    def stop(self) -> None:
        self._timer.stop()

    def start(self, to_utf16: Callable[[int], int]) -> None:
        """Style a text the editor has just been given: the paragraphs on screen
        now, the rest in steps from the event loop (``to_utf16`` maps the model's
        offsets to the editor's positions)."""
        self._timer.stop()
        self._to_utf16 = to_utf16
        self.bars = {}
        # The paragraphs on screen first (not laid out yet, so no relayout is
        # needed), the rest later.
        visible = self._visible_block_numbers()
        self.style(visible)
        shown = set(visible)
        count = len(self._model.blocks)
        self._pending = [b for b in range(count - 1, -1, -1) if b not in shown]
        if not self.done:
            # The first step waits for the first paint (:meth:`painted`), so that
            # the screen styled above shows before the rest is worked on.
            self._timer.start(FIRST_STEP_WAIT_MS)
        else:
            self.finished.emit()

    def resume(self) -> None:
        """Go on styling the paragraphs not styled yet, from the event loop
        (the model's spans were replaced with ones that style the paragraphs
        already styled the same)."""
        if self.done:
            self.finished.emit()
        else:
            self._timer.start(0)

    def painted(self) -> None:
        """The editor has painted: styling the rest may start now."""
        if self._timer.isActive() and self._timer.interval() != 0:
            self._timer.start(0)

    @property
    def done(self) -> bool:
        return self._model.index.ready and not self._pending

    def finish(self) -> None:
        """Style every remaining paragraph now."""
        while not self.done:
            self._step()

    def _step(self) -> None:
        if self._timer.interval() != 0:
            self._timer.setInterval(0)
        # The model's span index is built first, in a step of its own.
        if not self._model.index.ready:
            self._model.index.build()
            return
        chunk = self._pending[-STYLE_CHUNK_BLOCKS:]
        del self._pending[-STYLE_CHUNK_BLOCKS:]
        self.style(chunk, mark_dirty=True)
        if not self._pending:
            self._timer.stop()
            self.finished.emit()

    def _visible_block_numbers(self) -> list[int]:
        return self.first_screen(self._model.blocks)

    def first_screen(self, blocks: BlockIndex) -> list[int]:
        """The paragraphs of ``blocks`` that fill the first screen, estimated
        before any layout.

        Each paragraph takes about len / characters-per-line lines; a quarter
        of a screen more is styled to be safe (the rest follows within moments).
        """
        editor = self._editor
        metrics = editor.fontMetrics()
        viewport = editor.viewport()
        per_line = max(1, viewport.width() // max(1, metrics.averageCharWidth()))
        wanted = 1.25 * viewport.height() / max(1, metrics.height()) + 2
        numbers = []
        lines = 0.0
        number = 0
        while number < len(blocks) and lines < wanted:
            start, end = blocks.bounds(number)
            lines += max(1, -(-(end - start) // per_line))
            numbers.append(number)
            number += 1
        return numbers

    def restyle(self, ranges: Iterable[tuple[int, int]]) -> None:
        """Restyle the paragraphs that the code-point ranges touch (after an edit)."""
        blocks = self._model.blocks
        dirty: set[int] = set()
        for start, end in ranges:
            dirty.update(blocks.blocks_of(start, end))
        self._pending = [b for b in self._pending if b not in dirty]
        self.style(sorted(dirty), mark_dirty=True)

    def style(self, numbers: Sequence[int], *, mark_dirty: bool = False) -> None:
        editor = self._editor
        document = editor.document()
        model = self._model
        shape_of = span_shape(model.spans)
        in_block, bounds = model.index.in_block, model.blocks.bounds
        for number in numbers:
            block = document.findBlockByNumber(number)
            if not block.isValid():
                continue
            ids = in_block(number)
            ranges, bars = (
                self.styles.block_styling(
                    shape_of, ids, bounds(number), block, self._to_utf16, model.layer
                )
                if ids
                else ([], [])
            )
            if bars:
                self.bars[number] = bars
            else:
                self.bars.pop(number, None)
            layout = block.layout()
            if not ranges and not layout.formats():
                continue
            layout.setFormats(ranges)
            # A paragraph not laid out yet picks the formats up when it is;
            # marking it dirty would lay it out now, for nothing.
            if mark_dirty and layout.lineCount() > 0:
                document.markContentsDirty(block.position(), block.length())
        if mark_dirty:
            editor.viewport().update()
