"""Edits the database refused (full disk, read-only folder, lost server).

They are kept, in order, shown in a bar above the article, retried every few
seconds and saved as soon as the database takes them; nothing is dropped
without the analyst saying so. :class:`EditRunner` is how a window (the main
window, compare mode) runs its edits with that bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton

from annotator.core.commands import Changes, Command, EditStore
from annotator.ui.plain import escape, literal
from annotator.ui.undo import UndoableEdit

if TYPE_CHECKING:
    from annotator.store.db import SaveFailed

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
            f"<b>{count} edit{'s' if count != 1 else ''} not saved</b> "
            f"({escape(self.reason)}): {escape(names)}. "
            "They are kept here and saved as soon as the database takes them."
        )
        self.show()
        self.changed.emit()


class EditRunner(QObject):
    """How a window makes edits; the main window and compare mode share it.

    Each command is run once, in one transaction, and only then put on the
    window's undo stack and shown. What happens when it is not saved:

    - the database cannot take the write now (:class:`SaveFailed`: a full disk,
      a read-only folder, a lock, a lost server): the edit is kept in the bar
      (:attr:`bar`), retried, and saved when the database takes it; edits made
      meanwhile queue behind it;
    - anything else refuses it for good (a span someone else changed since, a
      layer the user may not change, a rule of the database such as a
      constraint): the edit is not done, the window says so in its status bar
      and shows what is stored. A refused edit is never kept, so it cannot hold
      the edits after it back.
    """

    def __init__(
        self,
        window: QMainWindow,
        undo_stack: QUndoStack,
        apply: Callable[[Changes], None],
        reload: Callable[[], None],
    ) -> None:
        """``apply`` shows a saved edit's changes; ``reload`` shows what is stored."""
        super().__init__(window)
        self._window = window
        self.undo_stack = undo_stack
        self._apply = apply
        self._reload = reload
        self.store: EditStore | None = None
        self.refusal: str | None = None
        """Why the last edit run was refused (None: saved, or kept to retry)."""
        self.saving_kept = False
        """True while a kept edit is being saved (the analyst may have moved on)."""
        self.bar = UnsavedEdits(self._save_kept)
        self.bar.discard_button.clicked.connect(self.ask_discard)

    def run(self, command: Command) -> bool:
        """Do a command now and put it on the undo stack; True only when saved."""
        self.refusal = None
        if self.store is None:
            self.refusal = "no project is open"
            return False
        if self.bar.pending:  # saved in order: behind the edits already kept
            self.bar.keep(command, self.bar.reason)
            return False
        reason = self._save(command)
        if reason is not None:
            self.bar.keep(command, reason)
            return False
        return self.refusal is None

    def _save_kept(self, command: Command) -> str | None:
        self.saving_kept = True
        try:
            return self._save(command)
        finally:
            self.saving_kept = False

    def _save(self, command: Command) -> str | None:
        """Run and push one edit; the reason when the database cannot take it now,
        else None (saved, or refused for good and reported)."""
        from annotator.store.db import SaveFailed

        if self.store is None:
            return "no project is open"
        try:
            changes = command.do(self.store)
        except SaveFailed as exc:
            if not _refused_for_good(exc):
                return exc.reason.removeprefix("not saved: ")
            self.refused(command.text, exc)
            return None
        except Exception as exc:  # the store refused it: the edit did not happen
            self.refused(command.text, exc)
            return None
        self.undo_stack.push(
            UndoableEdit(command, self.store, self._apply, self.failed, self.undo_stack)
        )
        self._apply(changes)
        return None

    def refused(self, what: str, exc: Exception) -> None:
        from annotator.store.db import DatabaseProblem

        reason = exc.reason if isinstance(exc, DatabaseProblem) else str(exc)
        self.refusal = f"{what} refused, not saved: {reason.removeprefix('not saved: ')}"
        self._report(self.refusal)

    def failed(self, what: str, exc: Exception) -> None:
        """An undo or redo the store or the database did not take (it stays in
        the history, to be tried again)."""
        self._report(f"{what} failed: {exc}")

    def _report(self, message: str) -> None:
        self._window.statusBar().showMessage(message, 15000)
        self._reload()  # the database may no longer match what is shown

    def ask_discard(self) -> None:
        count = len(self.bar.pending)
        answer = QMessageBox.question(
            self._window,
            "Discard unsaved edits",
            f"Throw away {_count(count, 'edit')} that could not be saved?",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.bar.discard()
            self._window.statusBar().showMessage(
                f"{_count(count, 'unsaved edit')} discarded", 10000
            )

    def may_close(self) -> bool:
        """Try the kept edits once more; if some are still not saved, ask first."""
        if self.bar.pending:
            self.bar.retry()
        if not self.bar.pending:
            return True
        answer = QMessageBox.warning(
            self._window,
            "Edits not saved",
            literal(
                f"{_count(len(self.bar.pending), 'edit')} could not be saved "
                f"({self.bar.reason}). Quit and lose them?"
            ),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard


def _refused_for_good(exc: SaveFailed) -> bool:
    """A constraint or rule of the database refused the write: trying again
    would get the same answer (unlike a full disk or a lost server)."""
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc.__cause__, IntegrityError)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
