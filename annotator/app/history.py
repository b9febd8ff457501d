"""One command history, free of Qt (docs/design.md, "Application package").

Push after do: :meth:`CommandHistory.run` does a command through the store and
records it only once it was saved, so the history never holds an edit that
did not happen. An undo or redo the store refuses raises and leaves the
history where it was: the failed step stays, to be tried again. A Qt undo
stack, if any, is only a view of this history.
"""

from __future__ import annotations

from collections.abc import Callable

from annotator.core.commands import Changes, Command, EditStore

Listener = Callable[[], None]


class CommandHistory:
    """The edits done, in order, and how far back they are undone."""

    def __init__(self) -> None:
        self._commands: list[Command] = []
        self._index = 0
        self._clean: int | None = 0
        self._listeners: list[Listener] = []

    # What is in it

    @property
    def commands(self) -> list[Command]:
        return list(self._commands)

    @property
    def index(self) -> int:
        """How many of :attr:`commands` are done (the rest can be redone)."""
        return self._index

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo else ""

    @property
    def clean_index(self) -> int | None:
        """The index last marked clean; None when that state cannot come back."""
        return self._clean

    @property
    def is_clean(self) -> bool:
        return self._clean == self._index

    def set_clean(self) -> None:
        self._clean = self._index
        self._notify()

    # Changing it

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` whenever the history changes; returns how to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def run(self, command: Command, store: EditStore) -> Changes:
        """Do ``command`` in one transaction, then record it (nothing if it raised)."""
        changes = command.do(store)
        self.record(command)
        return changes

    def record(self, command: Command) -> None:
        """Record a command already done: the steps undone before are dropped."""
        del self._commands[self._index :]
        if self._clean is not None and self._clean > self._index:
            self._clean = None
        self._commands.append(command)
        self._index += 1
        self._notify()

    def undo(self, store: EditStore) -> Changes:
        """Undo the last step; if the store refuses, it raises and the step stays."""
        if not self.can_undo:
            raise IndexError("nothing to undo")
        changes = self._commands[self._index - 1].undo(store)
        self._index -= 1
        self._notify()
        return changes

    def redo(self, store: EditStore) -> Changes:
        """Redo the next step; if the store refuses, it raises and the step stays."""
        if not self.can_redo:
            raise IndexError("nothing to redo")
        changes = self._commands[self._index].do(store)
        self._index += 1
        self._notify()
        return changes

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self._clean = 0
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()
