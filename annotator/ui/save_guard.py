"""Edits the database refused (full disk, read-only folder, lost server).

They are kept, in order, shown in a bar above the article, retried every few
seconds and saved as soon as the database takes them; nothing is dropped
without the analyst saying so. The queue and the rules are the workspace's
(``annotator.app.workspace``: :class:`KeptEdits`, :class:`Workspace`); this
module is their Qt side: :class:`UnsavedEdits` is the bar and its timer,
:class:`EditRunner` is how a window (the main window, compare mode) drives
its workspace, with that bar and an undo stack that shows the history.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton

from annotator.app.workspace import Changed, KeptEdits, Operation, Outcome, Workspace
from annotator.core.commands import Changes, Command, EditStore
from annotator.ui.plain import escape, literal
from annotator.ui.undo import UndoableEdit

RETRY_MS = 3000


class UnsavedEdits(QFrame):
    """The bar that shows a queue of unsaved edits, and retries it on a timer."""

    changed = Signal()

    def __init__(
        self,
        try_save: Callable[[Command], str | None] | None = None,
        *,
        queue: KeptEdits | None = None,
    ) -> None:
        """Shows ``queue``, or a queue of its own whose ``try_save`` runs a
        command and returns None, or why it was not saved."""
        super().__init__()
        self.setObjectName("saveProblemBar")
        self.setStyleSheet(
            "#saveProblemBar { background: #fff3cd; border: 1px solid #e0a800; }"
            "#saveProblemBar QLabel { color: #5c4400; }"
        )
        if queue is None:
            if try_save is None:
                raise TypeError("UnsavedEdits needs a queue or a try_save")
            queue = KeptEdits(try_save)
        self.queue = queue
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
        self._unsubscribe = queue.changed.subscribe(self._queue_changed)

    def show_queue(self, queue: KeptEdits) -> None:
        """Show another queue (another workspace's) instead."""
        self._unsubscribe()
        self.queue = queue
        self._unsubscribe = queue.changed.subscribe(self._queue_changed)
        self._queue_changed(queue)

    @property
    def pending(self) -> list[Command]:
        return self.queue.pending

    @property
    def reason(self) -> str:
        return self.queue.reason

    def keep(self, command: Command, reason: str) -> None:
        self.queue.keep(command, reason)

    def retry(self) -> None:
        """Save the kept edits in order; stop at the first one still refused."""
        self.queue.retry()

    def discard(self) -> list[Command]:
        return self.queue.discard()

    def _queue_changed(self, queue: KeptEdits) -> None:
        if queue.pending:
            if not self._timer.isActive():
                self._timer.start(RETRY_MS)
            self._show()
            return
        self._timer.stop()
        self.hide()
        self.changed.emit()

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
    """How a window drives its workspace; the main window and compare mode share it.

    Each command is run once by the workspace, in one transaction, and only
    then recorded in its history, put on the window's undo stack (a view of
    that history) and shown. What happens when it is not saved:

    - the database cannot take the write now (``SaveFailed``: a full disk,
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
        self.workspace = Workspace(None)
        self._unsubscribe = self._subscribe(self.workspace)
        self.bar = UnsavedEdits(queue=self.workspace.queue)
        self.bar.discard_button.clicked.connect(self.ask_discard)

    def _subscribe(self, workspace: Workspace) -> Callable[[], None]:
        published = workspace.changes.subscribe(self._published)
        refused = workspace.refused.subscribe(self._report)

        def unsubscribe() -> None:
            published()
            refused()

        return unsubscribe

    def open(self, workspace: Workspace) -> None:
        """Drive ``workspace`` (a project just opened) instead of the one driven
        now, which is let go: its history leaves the undo stack."""
        self._unsubscribe()
        self.undo_stack.clear()
        self.workspace = workspace
        self._unsubscribe = self._subscribe(workspace)
        self.bar.show_queue(workspace.queue)

    def close(self) -> None:
        """Close the workspace's project and database; an empty workspace
        (no project open) takes its place."""
        self.workspace.close()
        self.open(Workspace(None))

    @property
    def store(self) -> EditStore | None:
        return self.workspace.store

    @property
    def refusal(self) -> str | None:
        """Why the last edit run was refused (None: saved, or kept to retry)."""
        return self.workspace.refusal

    @property
    def saving_kept(self) -> bool:
        """True while a kept edit is being saved (the analyst may have moved on)."""
        return self.workspace.saving_kept

    def run(self, command: Command) -> bool:
        """Do a command now and put it on the undo stack; True only when saved."""
        return self.workspace.run(command) is Outcome.SAVED

    def _published(self, event: Changed) -> None:
        """A saved edit, undo or redo: shown, and a new edit put on the undo stack."""
        if event.operation in (Operation.DO, Operation.RETRY):
            self.undo_stack.push(
                UndoableEdit(event.command, self.workspace, self.failed, self.undo_stack)
            )
        self._apply(event.changes)

    def failed(self, message: str) -> None:
        """An undo or redo the store or the database did not take (it stays in
        the history, to be tried again)."""
        self._report(message)

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

    def may_close(self, action: str = "Quit") -> bool:
        """Try the kept edits once more; if some are still not saved, ask before
        ``action`` ("Quit", "Open another project", ...) loses them."""
        if self.bar.pending:
            self.bar.retry()
        if not self.bar.pending:
            return True
        answer = QMessageBox.warning(
            self._window,
            "Edits not saved",
            literal(
                f"{_count(len(self.bar.pending), 'edit')} could not be saved "
                f"({self.bar.reason}). {action} and lose them?"
            ),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
