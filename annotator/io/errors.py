"""Problems with a user's input: always one line naming the file (and line)."""

from __future__ import annotations

from pathlib import Path


class InputProblem(Exception):
    """Bad input from the user. ``str()`` is the one-line message to show."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


class ProjectProblem(InputProblem):
    """A project that cannot be used (missing, unreadable or invalid project.yaml)."""
