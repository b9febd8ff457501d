"""The short tour shown when the sample project is opened for the first time.

Three steps, the three things to try: highlight and press a key, link a quote
to its speaker, export. It floats over the bottom right of the article, does
not block the window (try each step while reading it), and is shown once:
closing it, or merely seeing it, is remembered in the user's settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui import settings


@dataclass(frozen=True)
class Step:
    title: str
    text: str


STEPS = (
    Step(
        "Highlight and press a key",
        "Drag across a name in the article, for example <i>Antony Blinken</i>, then "
        "press <b>P</b> (Person). The name takes the label's colour and appears in the "
        "span list on the right. Every label's key is shown in the palette; "
        "<b>Ctrl+Z</b> undoes.",
    ),
    Step(
        "Link a quote to its speaker",
        "Drag across words someone said and press <b>Q</b> (Quote). With the quote "
        "selected, press <b>L</b> and click the person who said it. The details panel "
        "lists the link; both spans are outlined together when either is selected.",
    ),
    Step(
        "Export",
        "<b>File → Export dataset…</b> (<b>Ctrl+Shift+E</b>) writes your spans and links "
        "as JSONL, doccano, Prodigy, brat, CoNLL or CSV. The same from the command line: "
        "<code>annotator export PROJECT -o out.jsonl</code>. Help → User guide has the rest.",
    ),
)


class TourPanel(QFrame):
    """A small floating card with the steps, Back / Next and a close button."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tourPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setFixedWidth(360)
        self.index = 0

        self.counter = QLabel()
        self.counter.setObjectName("tourCounter")
        self.title = QLabel()
        self.title.setObjectName("tourTitle")
        self.text = QLabel()
        self.text.setObjectName("tourText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QPushButton("Close tour")
        self.close_button.setObjectName("tourClose")
        self.back_button = QPushButton("Back")
        self.back_button.setObjectName("tourBack")
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("tourNext")
        self.close_button.clicked.connect(self.dismiss)
        self.back_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button.clicked.connect(self._next)

        top = QHBoxLayout()
        top.addWidget(self.counter)
        top.addStretch(1)
        top.addWidget(self.close_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)

        parent.installEventFilter(self)
        self.go(0)

    def go(self, index: int) -> None:
        self.index = max(0, min(len(STEPS) - 1, index))
        step = STEPS[self.index]
        self.counter.setText(f"Try it — step {self.index + 1} of {len(STEPS)}")
        self.title.setText(f"<b>{step.title}</b>")
        self.text.setText(step.text)
        self.back_button.setEnabled(self.index > 0)
        self.next_button.setText("Done" if self.index == len(STEPS) - 1 else "Next")
        self.adjustSize()
        self._place()

    def _next(self) -> None:
        if self.index == len(STEPS) - 1:
            self.dismiss()
        else:
            self.go(self.index + 1)

    def dismiss(self) -> None:
        settings.mark_tour_shown()
        self.hide()
        self.deleteLater()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        margin = 16
        # Over the bottom right of the article (the main window's central widget).
        central = getattr(parent, "centralWidget", lambda: None)()
        area = central.geometry() if isinstance(central, QWidget) else parent.rect()
        x = max(0, area.right() - self.width() - margin)
        y = max(0, area.bottom() - self.height() - margin)
        self.move(x, y)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False


def start_tour(window: QWidget, *, force: bool = False) -> TourPanel | None:
    """Show the tour over ``window`` unless it was shown before (or ``force``)."""
    if settings.tour_shown() and not force:
        return None
    panel = TourPanel(window)
    panel.show()
    panel.raise_()
    settings.mark_tour_shown()
    return panel
