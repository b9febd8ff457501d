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
from pathlib import Path

from annotator.store.first_read import HEAD_REVISION

BUSY_TIMEOUT_MS = 15_000
"""The same wait for a lock as the engine's; ``db.py`` uses this value."""


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
