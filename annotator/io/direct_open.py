"""Opening an SQLite project's database with the standard library alone, as
the usual open would leave it (issue 14; docs/design.md, "Bulk paths").

``annotator import``, ``export`` and ``agreement`` on an SQLite project read
and write through :mod:`sqlite3` without loading SQLAlchemy. Each must first
do what :meth:`Project.open_database` does, or step aside for it:

- hold the database against a restore (:class:`~annotator.store.sqlite_direct.OpenHold`);
- find the schema current (:func:`~annotator.store.sqlite_direct.connect`);
- find project.yaml's reviewers already the database's (the usual open seeds
  or reports them);
- take the daily backup (one that cannot be made is reported, never fatal).

:func:`open_directly` does all four, in one place for the three commands.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import DatabaseProblem, InUse
from annotator.io.errors import ProjectProblem
from annotator.io.project import Project
from annotator.store import sqlite_direct
from annotator.store.first_read import sqlite_path


@dataclass(slots=True)
class DirectOpen:
    """An open database: its file, the connection, the hold. Close when done."""

    path: Path
    conn: sqlite3.Connection
    hold: sqlite_direct.OpenHold

    def close(self) -> None:
        self.conn.close()
        self.hold.release()


def open_directly(project: Project, *, writable: bool) -> DirectOpen | None:
    """``project``'s SQLite database through :mod:`sqlite3`, or None when the
    usual open is needed (a server database, a missing file, a schema to
    migrate, reviewers to seed or differing from project.yaml). A restore
    that does not finish in time raises :class:`DatabaseProblem`."""
    from annotator.io.backup import automatic_backup

    path = sqlite_path(project.database_url)
    if path is None:
        return None
    try:
        hold = sqlite_direct.OpenHold(path)
    except InUse as exc:  # a restore that did not finish in time
        raise DatabaseProblem(str(path), str(exc)) from exc
    conn = sqlite_direct.connect(path, writable=writable)
    if conn is None:
        hold.release()
        return None
    opened = DirectOpen(path, conn, hold)
    try:
        wanted = project.reviewers
        if wanted is not None and sqlite_direct.reviewers(conn) != sorted(set(wanted)):
            opened.close()
            return None
    except sqlite3.Error:
        opened.close()
        return None
    try:
        automatic_backup(path, project.directory, project.setting("backups_keep"))
    except ProjectProblem as exc:  # as on any open: reported, never fatal
        logging.getLogger("annotator").warning("annotator: no daily backup: %s", exc)
    return opened
