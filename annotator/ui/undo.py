"""Thin QUndoCommands over the workspace's history (annotator/app/history.py).

The history is the one record of what was done; the window's QUndoStack is a
view of it, for the Edit menu's Undo and Redo and their texts. Each
:class:`UndoableEdit` is one step of the history, at the index it was recorded
at, and asks the workspace to undo or redo only when the history is on the
other side of that step: the push of an edit already saved, and the stack
stepping back over a failed step, find the history already where it should
be and do nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoCommand, QUndoStack

from annotator.app.workspace import Workspace
from annotator.core.commands import Command
from annotator.ui.plain import menu_text


class UndoableEdit(QUndoCommand):
    """One step of the workspace's history, shown on a QUndoStack.

    Made just after the workspace recorded ``command``. The changes an undo or
    redo makes reach the window through the workspace's publisher. When an
    undo or redo fails (the database refused the write), the stack is stepped
    back so it keeps matching the history: the failed step stays where it
    was, to be tried again.
    """

    def __init__(
        self,
        command: Command,
        workspace: Workspace,
        on_error: Callable[[str], None],
        stack: QUndoStack | None = None,
    ) -> None:
        # The text, then (after a line break) the Edit menu's text: "&" shown as it is.
        text = " ".join(command.text.splitlines())
        super().__init__(f"{text}\n{menu_text(text)}")
        self.command = command
        self._workspace = workspace
        self._on_error = on_error
        self._stack = stack
        self.position = workspace.history.index - 1
        """Where the command is in the history."""

    def _done(self) -> bool:
        return self._workspace.history.index > self.position

    def redo(self) -> None:
        if self._done():  # pushed after it was saved, or stepped back over
            return
        if not self._workspace.redo():
            self._on_error(self._workspace.failure or f"Redo {self.command.text} failed")
            self._step_back(redo_failed=True)

    def undo(self) -> None:
        if not self._done():  # stepped back over a failed redo
            return
        if not self._workspace.undo():
            self._on_error(self._workspace.failure or f"Undo {self.command.text} failed")
            self._step_back(redo_failed=False)

    def _step_back(self, *, redo_failed: bool) -> None:
        """Move the stack's index back over this step; the history has not moved,
        so the step does nothing when the stack passes it."""
        if self._stack is None:
            return
        QTimer.singleShot(0, self._stack.undo if redo_failed else self._stack.redo)
