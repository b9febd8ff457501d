"""Thin QUndoCommands over the core commands (core owns undo; Qt only shows it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoCommand, QUndoStack

from annotator.core.commands import Changes, Command, EditStore
from annotator.ui.plain import menu_text


class UndoableEdit(QUndoCommand):
    """Runs a core command against the store and hands its changes to the window.

    The window runs the command once before pushing (so a failure never leaves
    a command on the stack that did not happen); the push's own redo() call is
    therefore skipped. When an undo or redo fails (the database refused the
    write), the stack is stepped back so its history keeps matching the
    database: the failed step stays where it was, to be tried again.
    """

    def __init__(
        self,
        command: Command,
        store: EditStore,
        on_changes: Callable[[Changes], None],
        on_error: Callable[[str, Exception], None],
        stack: QUndoStack | None = None,
    ) -> None:
        # The text, then (after a line break) the Edit menu's text: "&" shown as it is.
        text = " ".join(command.text.splitlines())
        super().__init__(f"{text}\n{menu_text(text)}")
        self.command = command
        self._store = store
        self._on_changes = on_changes
        self._on_error = on_error
        self._stack = stack
        self._skip_next = True

    def redo(self) -> None:
        if self._skip_next:
            self._skip_next = False
            return
        try:
            changes = self.command.do(self._store)
        except Exception as exc:  # an undo stack must not die with one bad step
            self._on_error(f"Redo {self.command.text}", exc)
            self._step_back(redo_failed=True)
            return
        self._on_changes(changes)

    def undo(self) -> None:
        if self._skip_next:
            self._skip_next = False
            return
        try:
            changes = self.command.undo(self._store)
        except Exception as exc:
            self._on_error(f"Undo {self.command.text}", exc)
            self._step_back(redo_failed=False)
            return
        self._on_changes(changes)

    def _step_back(self, *, redo_failed: bool) -> None:
        """Move the stack's index back over this step without running it again."""
        if self._stack is None:
            return
        self._skip_next = True
        QTimer.singleShot(0, self._stack.undo if redo_failed else self._stack.redo)
