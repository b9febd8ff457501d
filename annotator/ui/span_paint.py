"""How the article view draws spans: a format per label, bars, outlines.

Each paragraph's spans become format ranges on its QTextLayout (the innermost
span's colour as the background, docs/design.md, "Overlapping spans"); every
span around the innermost one is a bar under the text, and the selected span
and its links are outlined, both painted over the visible paragraphs only.
Positions here are Qt's (UTF-16, relative to a block); the view converts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPen,
    QTextBlock,
    QTextCharFormat,
    QTextLayout,
    QTextLine,
)

from annotator.core.model import SpanData
from annotator.core.schema import LabelSchema
from annotator.ui.segments import Piece, segments
from annotator.ui.text_geometry import line_x

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
        spans: Mapping[int, SpanData],
        ids: Iterable[int],
        bounds: tuple[int, int],
        block: QTextBlock,
        to_utf16: Callable[[int], int],
        layer: str,
    ) -> tuple[list[QTextLayout.FormatRange], list[Bar]]:
        """The format ranges and bars of one block, whose text is ``bounds`` (code points)."""
        ranges: list[QTextLayout.FormatRange] = []
        bars: list[Bar] = []
        base = block.position()
        last = block.length() - 1  # a display break's position is the next block's
        pieces = [Piece(i, spans[i].start, spans[i].end) for i in ids]
        for seg in segments(pieces, *bounds):
            start = to_utf16(seg.start) - base
            end = min(to_utf16(seg.end) - base, last)
            inner = spans[seg.innermost]
            item = QTextLayout.FormatRange()
            item.start = start
            item.length = end - start
            item.format = self.format(inner.label, inner.annotator == layer)
            ranges.append(item)
            if len(seg.span_ids) > 1:
                colors = tuple(self.color(spans[i].label) for i in seg.outer)
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
