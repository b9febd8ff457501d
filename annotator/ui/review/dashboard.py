"""The progress dashboard: documents done per annotator and spans per label, as bars.

The charts are painted with QPainter (no chart library): a horizontal bar per
annotator, stacked from coloured segments, with its figures written beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from annotator.app import review
from annotator.app.review import Database
from annotator.core.schema import LabelSchema
from annotator.ui.plain import plain_label

DONE_COLOR = "#4caf50"
IN_PROGRESS_COLOR = "#ffb74d"
TRACK_COLOR = "#eeeeee"
FALLBACK_COLORS = ["#8cb4e8", "#f4a259", "#9ccc65", "#ba68c8", "#4db6ac", "#e57373", "#a1887f"]
ROW_HEIGHT = 26
NAME_WIDTH = 110
NOTE_WIDTH = 230


@dataclass(frozen=True, slots=True)
class Bar:
    """One row: a name, coloured segments (value, colour), and a note beside it."""

    name: str
    segments: list[tuple[float, str]]
    note: str = ""


@dataclass(slots=True)
class _ChartData:
    title: str
    bars: list[Bar] = field(default_factory=list)
    maximum: float = 0.0
    legend: list[tuple[str, str]] = field(default_factory=list)


class BarChart(QWidget):
    """Horizontal stacked bars over a grey track that stands for ``maximum``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = _ChartData(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(NAME_WIDTH + NOTE_WIDTH + 120)

    def set_bars(
        self,
        bars: Sequence[Bar],
        maximum: float,
        legend: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.data.bars = list(bars)
        self.data.maximum = max(
            maximum, max((sum(v for v, _ in b.segments) for b in bars), default=0)
        )
        self.data.legend = list(legend)
        self.setFixedHeight(self._header_height() + ROW_HEIGHT * max(1, len(bars)) + 8)
        self.update()

    def _header_height(self) -> int:
        return 2 * QFontMetrics(self.font()).height() + 14

    def sizeHint(self) -> QSize:
        return QSize(640, self._header_height() + ROW_HEIGHT * max(1, len(self.data.bars)) + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        bold = self.font()
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(
            QRectF(0, 0, self.width(), line + 4), Qt.AlignmentFlag.AlignLeft, self.data.title
        )
        painter.setFont(self.font())
        x = 0.0
        top = line + 6.0
        outline = self.palette().mid().color()
        for name, color in self.data.legend:
            swatch = QRectF(x, top + 3, 12, line - 6)
            painter.fillRect(swatch, QColor(color))
            painter.setPen(outline)  # "not started" is near the background's grey
            painter.drawRect(swatch)
            painter.setPen(self.palette().windowText().color())
            width = metrics.horizontalAdvance(name)
            painter.drawText(
                QRectF(x + 16, top, width + 4, line), Qt.AlignmentFlag.AlignVCenter, name
            )
            x += 16 + width + 16
        y = float(self._header_height())
        track_width = max(20.0, self.width() - NAME_WIDTH - NOTE_WIDTH - 16)
        if not self.data.bars:
            painter.drawText(
                QRectF(0, y, self.width(), ROW_HEIGHT), Qt.AlignmentFlag.AlignVCenter, "Nothing yet"
            )
        for bar in self.data.bars:
            painter.setPen(self.palette().windowText().color())
            name = metrics.elidedText(bar.name, Qt.TextElideMode.ElideRight, NAME_WIDTH - 8)
            painter.drawText(
                QRectF(0, y, NAME_WIDTH - 8, ROW_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                name,
            )
            track = QRectF(NAME_WIDTH, y + 4, track_width, ROW_HEIGHT - 8)
            painter.fillRect(track, QColor(TRACK_COLOR))
            left = track.left()
            if self.data.maximum > 0:
                for value, color in bar.segments:
                    share = track_width * value / self.data.maximum
                    if share > 0:
                        painter.fillRect(
                            QRectF(left, track.top(), share, track.height()), QColor(color)
                        )
                        left += share
            painter.drawText(
                QRectF(track.right() + 8, y, NOTE_WIDTH, ROW_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter,
                bar.note,
            )
            y += ROW_HEIGHT
        painter.end()


class ProgressDashboard(QWidget):
    """Documents done per annotator and spans per label per annotator."""

    def __init__(
        self,
        figures: review.Progress,
        label_colors: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("progressDashboard")
        self.label_colors = dict(label_colors or {})
        self.summary = plain_label()
        self.summary.setObjectName("progressSummary")
        self.documents_chart = BarChart("Documents per annotator")
        self.documents_chart.setObjectName("documentsChart")
        self.labels_chart = BarChart("Spans per label")
        self.labels_chart.setObjectName("labelsChart")
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.summary)
        layout.addWidget(self.documents_chart)
        layout.addSpacing(12)
        layout.addWidget(self.labels_chart)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.figures = figures
        self.set_progress(figures)

    @classmethod
    def load(
        cls,
        db: Database,
        names: Sequence[str] = (),
        schema: LabelSchema | None = None,
        parent: QWidget | None = None,
    ) -> ProgressDashboard:
        figures = review.progress(db, names)
        colors = {label.name: label.color for label in schema.labels} if schema else {}
        return cls(figures, colors, parent)

    def color_of(self, label: str, n: int) -> str:
        return self.label_colors.get(label) or FALLBACK_COLORS[n % len(FALLBACK_COLORS)]

    def set_progress(self, figures: review.Progress) -> None:
        self.figures = figures
        people = figures.annotators
        done_total = sum(a.done for a in people)
        self.summary.setText(
            f"{figures.documents} documents; {len(people)} annotators; "
            f"{done_total} marked done in all; {sum(a.spans for a in people)} spans"
        )
        self.documents_chart.set_bars(
            [
                Bar(
                    a.name,
                    [(a.done, DONE_COLOR), (a.in_progress, IN_PROGRESS_COLOR)],
                    f"{a.done} done, {a.in_progress} in progress"
                    + (f"; {a.assigned_done}/{a.assigned} assigned done" if a.assigned else ""),
                )
                for a in people
            ],
            figures.documents,
            [
                ("done", DONE_COLOR),
                ("in progress", IN_PROGRESS_COLOR),
                ("not started", TRACK_COLOR),
            ],
        )
        colors = {label: self.color_of(label, n) for n, label in enumerate(figures.labels)}
        self.labels_chart.set_bars(
            [
                Bar(
                    a.name,
                    [
                        (figures.spans_by_label.get(a.name, {}).get(label, 0), colors[label])
                        for label in figures.labels
                    ],
                    f"{a.spans} spans",
                )
                for a in people
            ],
            max((a.spans for a in people), default=0),
            list(colors.items()),
        )
