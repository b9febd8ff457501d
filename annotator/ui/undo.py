"""Thin QUndoCommands over the core commands (core owns undo; Qt only shows it)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from annotator.core.commands import Changes, Command, EditStore


class UndoableEdit(QUndoCommand):
    """Runs a core command against the store and hands its changes to the window.

    The window runs the command once before pushing (so a failure never leaves
    a command on the stack that did not happen); the push's own redo() call is
    therefore skipped.
    """

    def __init__(
        self,
        command: Command,
        store: EditStore,
        on_changes: Callable[[Changes], None],
        on_error: Callable[[str, Exception], None],
    ) -> None:
        super().__init__(command.text)
        self.command = command
        self._store = store
        self._on_changes = on_changes
        self._on_error = on_error
        self._already_done = True

    def redo(self) -> None:
        if self._already_done:
            self._already_done = False
            return
        try:
            changes = self.command.do(self._store)
        except Exception as exc:  # an undo stack must not die with one bad step
            self._on_error(f"Redo {self.command.text}", exc)
            return
        self._on_changes(changes)

    def undo(self) -> None:
        try:
            changes = self.command.undo(self._store)
        except Exception as exc:
            self._on_error(f"Undo {self.command.text}", exc)
            return
        self._on_changes(changes)
