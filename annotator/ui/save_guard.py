"""Edits the database refused (full disk, read-only folder, lost server).

They are kept, in order, shown in a bar above the article, retried every few
seconds and saved as soon as the database takes them; nothing is dropped
without the analyst saying so.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from annotator.core.commands import Command

RETRY_MS = 3000


class UnsavedEdits(QFrame):
    """The queue of unsaved edits and the bar that shows it."""

    changed = Signal()

    def __init__(self, try_save: Callable[[Command], str | None]) -> None:
        """``try_save`` runs a command and returns None, or why it was not saved."""
        super().__init__()
        self.setObjectName("saveProblemBar")
        self.setStyleSheet(
            "#saveProblemBar { background: #fff3cd; border: 1px solid #e0a800; }"
            "#saveProblemBar QLabel { color: #5c4400; }"
        )
        self._try_save = try_save
        self.pending: list[Command] = []
        self.reason = ""
        self.message = QLabel()
        self.message.setObjectName("saveProblemText")
        self.message.setWordWrap(True)
        retry = QPushButton("Retry now")
        retry.setObjectName("retrySave")
        retry.clicked.connect(self.retry)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setObjectName("discardUnsaved")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.message, 1)
        layout.addWidget(retry)
        layout.addWidget(self.discard_button)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.retry)
        self.hide()

    def keep(self, command: Command, reason: str) -> None:
        self.pending.append(command)
        self.reason = reason
        if not self._timer.isActive():
            self._timer.start(RETRY_MS)
        self._show()

    def retry(self) -> None:
        """Save the kept edits in order; stop at the first one still refused."""
        while self.pending:
            reason = self._try_save(self.pending[0])
            if reason is not None:
                self.reason = reason
                self._show()
                return
            self.pending.pop(0)
        self._timer.stop()
        self.reason = ""
        self.hide()
        self.changed.emit()

    def discard(self) -> list[Command]:
        dropped, self.pending = self.pending, []
        self._timer.stop()
        self.hide()
        self.changed.emit()
        return dropped

    def _show(self) -> None:
        count = len(self.pending)
        names = ", ".join(c.text for c in self.pending[:3]) + (", …" if count > 3 else "")
        self.message.setText(
            f"<b>{count} edit{'s' if count != 1 else ''} not saved</b> ({self.reason}): {names}. "
            "They are kept here and saved as soon as the database takes them."
        )
        self.show()
        self.changed.emit()
