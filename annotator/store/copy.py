"""Copying a whole project database to another (SQLite <-> PostgreSQL).

Every table, in foreign-key order, with its ids kept, streamed in chunks so
memory stays flat; the target's id sequences are moved past the copied ids.

Into PostgreSQL the rows go by ``COPY ... FROM STDIN`` on the driver's
connection, as the columns are stored: from SQLite each stored value as it is
(its timestamps are UTC text, read so by setting the transaction's time zone
to UTC; its JSON is text), from PostgreSQL the text ``COPY ... TO STDOUT``
gives. Inserting row objects through SQLAlchemy cost about 85 µs of CPU a row
(25 s for 300,000 spans).

From PostgreSQL into SQLite (a server project's backup) the server writes each
row as SQLite stores it (timestamps as UTC text with microseconds, JSON as its
text), and ``sqlite3`` inserts the tuples. SQLite to SQLite goes row by row
through SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Connection, Table, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from annotator.store.db import Database
from annotator.store.models import Base, UTCDateTime

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
        into_server = target.dialect == "postgresql"
        from_server = target.dialect == "sqlite" and source.dialect == "postgresql"
        if into_server:
            # SQLite's timestamps are naive UTC text; read in the server's zone they would shift.
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        for table in tables:
            if into_server or from_server:
                with _reported_as_sqlalchemy_does(table.name):
                    move = _copy_into_server if into_server else _copy_from_server
                    counts[table.name] = move(table, reading, conn, progress)
                continue
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


@contextmanager
def _reported_as_sqlalchemy_does(table: str) -> Iterator[None]:
    """A driver's error (a refused row, a full disk, a lost server) raised as
    SQLAlchemy raises it, so :meth:`Database.session` reports it (SaveFailed)."""
    try:
        yield
    except Exception as exc:
        bases: list[type[Exception]] = [sqlite3.Error]
        try:
            import psycopg

            bases.append(psycopg.Error)
        except ImportError:  # pragma: no cover - a server project needs it installed
            pass
        for base in bases:
            if isinstance(exc, base):
                raise DBAPIError.instance(f"copying {table}", None, exc, base) from exc
        raise


def _copy_into_server(
    table: Table, reading: Session, conn: Connection, progress: Progress | None
) -> int:
    """Copy ``table`` into the PostgreSQL ``conn`` with ``COPY``, inside both
    transactions (the source's one moment, the target's all-or-nothing); the
    rows copied."""
    columns = ", ".join(f'"{column.name}"' for column in table.columns)
    order = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
    into = f'COPY "{table.name}" ({columns}) FROM STDIN'
    source: Any = reading.connection().connection.driver_connection
    target: Any = conn.connection.driver_connection
    copied = 0
    with target.cursor() as cursor, cursor.copy(into) as copy:
        if reading.get_bind().dialect.name == "postgresql":
            # Text from one server to the other: each row one line, as COPY writes it.
            out = f'COPY (SELECT {columns} FROM "{table.name}" ORDER BY {order}) TO STDOUT'
            with source.cursor() as reader, reader.copy(out) as stream:
                for block in stream:
                    copy.write(block)
                    copied += bytes(block).count(b"\n")
                    if progress is not None:
                        progress(table.name, copied)
            return copied
        rows = source.execute(f'SELECT {columns} FROM "{table.name}" ORDER BY {order}')
        while chunk := rows.fetchmany(CHUNK_ROWS):
            for row in chunk:
                copy.write_row(row)
            copied += len(chunk)
            if progress is not None:
                progress(table.name, copied)
    return copied


def _as_sqlite_stores(table: Table) -> str:
    """The select list that gives ``table``'s columns as SQLite stores them
    (what :func:`annotator.store.import_sqlite.time_text` and the JSON type write)."""
    parts = []
    for column in table.columns:
        name = f'"{column.name}"'
        if isinstance(column.type, UTCDateTime):
            name = f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        elif isinstance(column.type, JSON):
            name = f"{name}::text"
        parts.append(name)
    return ", ".join(parts)


def _copy_from_server(
    table: Table, reading: Session, conn: Connection, progress: Progress | None
) -> int:
    """Copy ``table`` from PostgreSQL into the SQLite ``conn`` (its transaction)."""
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    order = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
    marks = ", ".join("?" for _ in table.columns)
    source: Any = reading.connection().connection.driver_connection
    target: Any = conn.connection.driver_connection
    copied = 0
    query = f'SELECT {_as_sqlite_stores(table)} FROM "{table.name}" ORDER BY {order}'
    with source.cursor(name=f"copy_{table.name}") as rows:  # a server-side cursor: flat memory
        rows.itersize = CHUNK_ROWS
        rows.execute(query)
        while chunk := rows.fetchmany(CHUNK_ROWS):
            target.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', chunk)
            copied += len(chunk)
            if progress is not None:
                progress(table.name, copied)
    return copied
