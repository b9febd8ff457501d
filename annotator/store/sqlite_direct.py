"""An SQLite project's database through the standard library alone (issue 14).

Loading SQLAlchemy and the store's models costs a command more than half a
second before it does anything; bulk commands on an SQLite project (import,
export, agreement) can do their reading and writing with :mod:`sqlite3`
directly. :func:`connect` opens the database with the same settings the
engine's connections get (``db.py``: WAL, ``synchronous = FULL``, foreign
keys, the busy timeout, transactions begun by the caller) and only when its
schema is the one this program writes; otherwise it gives None and the caller
takes the usual path, which migrates, reports and does everything else.

This module imports no SQLAlchemy (see docs/design.md, "Bulk paths").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from annotator.core.errors import InUse
from annotator.core.forked import OtherSnapshot
from annotator.store.first_read import HEAD_REVISION

BUSY_TIMEOUT_MS = 15_000
"""The same wait for a lock as the engine's; ``db.py`` uses this value."""

OPEN_LOCK_SUFFIX = ".lock"
"""Beside an SQLite database (annotator.sqlite.lock): shared by every program that
has it open, taken alone by ``annotator restore``."""
OPEN_WAIT_S = 30.0
"""How long opening a database waits for a restore in progress to finish."""


# --- who has an SQLite database open ----------------------------------------
#
# A program that opens the database holds a read transaction on a small
# lock database beside it (SQLite's own SHARED lock, on every platform and
# across processes); restore needs it EXCLUSIVE. The file is never deleted:
# deleting a lock file while someone waits on it would let two hold it.


def open_lock_path(path: Path) -> Path:
    return path.with_name(path.name + OPEN_LOCK_SUFFIX)


class OpenHold:
    """A shared hold on a database's lock file, for as long as it is open."""

    def __init__(self, path: Path, wait_s: float | None = None) -> None:
        self._conn: sqlite3.Connection | None = None
        wait_s = OPEN_WAIT_S if wait_s is None else wait_s
        try:
            conn = sqlite3.connect(
                open_lock_path(path), timeout=wait_s, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
        except sqlite3.Error:
            return  # a read-only folder: nothing can restore over it either
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise InUse(
                    f"the database is being restored from a backup (waited {wait_s:.0f} s); "
                    "try again"
                ) from exc
            return  # a lock file that cannot be read is no reason not to open
        self._conn = conn

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.execute("ROLLBACK")
            finally:
                conn.close()


_SAVE_PROBLEMS = (
    ("database or disk is full", "the disk is full"),
    ("readonly database", "the project folder or database file is read-only"),
    ("read-only", "the project folder or database file is read-only"),
    ("database is locked", "another program holds a lock on the database"),
    ("disk i/o error", "the disk reported an error (a network share that went away?)"),
    ("unable to open database file", "the database file cannot be opened (folder gone?)"),
    ("server closed the connection", "the connection to the database server was lost"),
    ("connection", "the database server cannot be reached"),
)


def why_not_saved(reason: str) -> str:
    """What a user is told when the database refused a write, from the driver's reason."""
    lowered = reason.lower()
    for marker, plain in _SAVE_PROBLEMS:
        if marker in lowered:
            return f"not saved: {plain}"
    return f"not saved: {reason}"


def connect(path: Path, *, writable: bool) -> sqlite3.Connection | None:
    """``path``'s database, or None when it is missing, cannot be opened or
    has another schema revision than :data:`HEAD_REVISION`.

    The connection is in autocommit mode (``isolation_level = None``): begin
    with ``BEGIN IMMEDIATE`` to write, as the engine does, or ``BEGIN`` for
    one snapshot to read.
    """
    if not path.is_file():
        return None
    mode = "rw" if writable else "ro"
    try:
        connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error:
        return None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if writable:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        connection.close()
        return None
    if found is None or found[0] != HEAD_REVISION:
        connection.close()
        return None
    return connection


def last_change(conn: sqlite3.Connection) -> int:
    """The newest change record's id (0: none yet). Every write of an
    annotation adds one in its own transaction (docs/design.md,
    "The change log and live updates"), so two transactions that see the
    same value see the same annotations."""
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0])


@contextmanager
def reading_as_of(path: Path, seen: int) -> Iterator[sqlite3.Connection | None]:
    """A read transaction on ``path``, on a connection of its own (a forked
    child's: a connection is not carried over a fork), that sees what a
    transaction whose :func:`last_change` was ``seen`` sees; None when the
    file cannot be opened again. Raises :class:`OtherSnapshot` when an
    annotation was written since, or the file cannot be read now."""
    conn = connect(path, writable=False)
    if conn is None:
        yield None
        return
    try:
        try:
            conn.execute("BEGIN")
            same = last_change(conn) == seen
        except sqlite3.Error:
            same = False
        if not same:
            raise OtherSnapshot(path)
        yield conn
    finally:
        conn.close()


def backup_sqlite_to(path: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API (consistent under WAL)."""
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def reviewers(conn: sqlite3.Connection) -> list[str]:
    """The database's reviewers, by name (a direct open needs them to be
    project.yaml's, as the usual open would leave them)."""
    rows = conn.execute(
        "SELECT annotators.name FROM annotators WHERE annotators.role = 'reviewer' "
        "ORDER BY annotators.name"
    ).fetchall()
    return [str(name) for (name,) in rows]
