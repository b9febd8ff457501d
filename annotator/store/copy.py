"""Copying a whole project database to another (SQLite <-> PostgreSQL).

Every table, in foreign-key order, with its ids kept, streamed in chunks so
memory stays flat; the target's id sequences are moved past the copied ids.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from annotator.store.db import Database
from annotator.store.models import Base

CHUNK_ROWS = 5000

Progress = Callable[[str, int], None]
"""Called with (table name, rows copied so far)."""


class TargetNotEmpty(RuntimeError):
    pass


def copy_database(
    source: Database, target: Database, progress: Progress | None = None
) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; returns rows per table."""
    tables = Base.metadata.sorted_tables
    with target.reader() as session:
        for table in tables:
            if session.scalar(select(func.count()).select_from(table)):
                raise TargetNotEmpty(f"the target database already has data (table {table.name})")
    counts: dict[str, int] = {}
    with source.reader() as reading, target.session() as writing:
        conn = writing.connection()
        for table in tables:
            copied = 0
            result = reading.execute(select(table).order_by(*table.primary_key.columns))
            for rows in result.mappings().partitions(CHUNK_ROWS):
                conn.execute(table.insert(), [dict(row) for row in rows])
                copied += len(rows)
                if progress is not None:
                    progress(table.name, copied)
            counts[table.name] = copied
        if target.dialect == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.primary_key:
                    next_id = select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()
                    sequence = func.pg_get_serial_sequence(table.name, "id")
                    conn.execute(select(func.setval(sequence, next_id, False)))
    return counts
