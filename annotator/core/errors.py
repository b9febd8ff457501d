"""The problems every layer raises and every surface reports, defined once.

They are plain values (no database, no files), so the windows and the command
line catch them without importing the layer that raised them. ``str()`` of each
is the one line to show the user.
"""

from __future__ import annotations

from pathlib import Path


class InputProblem(Exception):
    """Bad input from the user. ``str()`` is the one-line message to show."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = Path(path)
        # As given: a Path would fold a database URL's "//" into one slash.
        self.shown_path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.shown_path}:{self.line}" if self.line is not None else self.shown_path
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled by its own arguments: a forked helper sends it to its parent.
        return (type(self), (self.path, self.message, self.line))


class ProjectProblem(InputProblem):
    """A project that cannot be used (missing, unreadable or invalid project.yaml)."""


class DatabaseProblem(Exception):
    """A database that cannot be used; the message is meant for the user."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled by its own arguments: a forked helper sends it to its parent.
        return (type(self), (self.where, self.reason))


class DatabaseTooNew(DatabaseProblem):
    pass


class DatabaseTooOld(DatabaseProblem):
    pass


class SaveFailed(DatabaseProblem):
    """A write that did not reach the database; nothing of it was stored."""


class InUse(Exception):
    """Another program has the database open (or is restoring it)."""


class NotFound(LookupError):
    pass


class PermissionDenied(PermissionError):
    """An edit of a layer the editor may not change."""
