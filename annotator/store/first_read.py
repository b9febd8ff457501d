"""The first document of a cold start, read before SQLAlchemy is loaded (issue 14).

Importing SQLAlchemy and the store's models takes longer than everything else
a cold start does before the article can be painted. An SQLite project's
database is a file the standard library reads: :func:`peek_document` opens it
read-only with :mod:`sqlite3`, checks that its schema is the one this program
writes, and reads the document the window opens on with its spans, as
:mod:`annotator.store.document_reader` does (the same columns and order, the
same :class:`~annotator.core.span_rows.SpanRows`). The window shows it while
the database layer is loaded and opened as usual; that open reads the
document again, and from then on only that read counts (versions, links).
Anything unexpected (a server URL, a missing or locked file, an older or
newer schema) gives None, and the usual path does everything.

This module imports no SQLAlchemy; the SQLite URL helpers and the schema
revision live here so that ``annotator/io/project.py`` and ``db.py`` share
them without it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from annotator.core.model import JsonDict
from annotator.core.span_rows import DetailsLoader, SpanRows

HEAD_REVISION = "0008"
"""The schema version this program writes; tests check it is Alembic's head."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return Path(url[len(prefix) :])
    return None


@dataclass(frozen=True, slots=True)
class FirstRead:
    document_id: int
    text: str
    spans: SpanRows


def open_read_only(path: Path, *, timeout: float) -> sqlite3.Connection:
    """The project's file opened read-only (``timeout``: how long to wait for a
    writer's lock)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)


def peek_document(
    path: Path,
    user: str,
    document_id: int | None,
    every_layer: bool,
    accept: Callable[[int], bool] = lambda length: True,
) -> FirstRead | None:
    """The document a window opens on: ``document_id`` if it is there, else
    the first one ``user`` has not done (assignments first, then by id), else
    the first; with the spans of ``user``'s layer, or of every layer. None
    when it cannot be read here, or ``accept`` refuses its length."""
    if not path.is_file():
        return None
    try:
        connection = open_read_only(path, timeout=0.2)
    except sqlite3.Error:
        return None
    try:
        return _read(connection, user, document_id, every_layer, accept, _details_loader(path))
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _read(
    connection: sqlite3.Connection,
    user: str,
    document_id: int | None,
    every_layer: bool,
    accept: Callable[[int], bool],
    load_details: DetailsLoader,
) -> FirstRead | None:
    execute = connection.execute
    connection.execute("BEGIN")  # one snapshot for every read below
    revision = execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None or revision[0] != HEAD_REVISION:
        return None
    names = dict(execute("SELECT id, name FROM annotators").fetchall())
    mine = next((i for i, name in names.items() if name == user), None)
    chosen = _document_to_open(connection, mine, document_id)
    if chosen is None:
        return None
    found = execute("SELECT length(text) FROM documents WHERE id = ?", (chosen,)).fetchone()
    if found is None or not accept(int(found[0])):
        return None
    (text,) = execute("SELECT text FROM documents WHERE id = ?", (chosen,)).fetchone()
    if every_layer:
        values = span_columns(connection, chosen, None, details=False)
        annotators: Sequence[str] = tuple(map(names.__getitem__, values.pop(1)))
    else:
        values = span_columns(connection, chosen, [] if mine is None else [mine], details=False)
        annotators = (user,) * len(values[0])
    spans = SpanRows.from_columns(
        chosen,
        text,
        values,
        annotators,
        attributes_of=_attributes_of,
        time_of=_time_of,
        load_details=load_details,
    )
    return FirstRead(chosen, text, spans)


def _details_loader(path: Path) -> DetailsLoader:
    """Spans' details read when asked for, from the file opened again
    (read-only); None when it cannot be read now."""

    def load(ids: Sequence[int]) -> dict[int, tuple[Any, ...]] | None:
        try:
            connection = open_read_only(path, timeout=1)
        except sqlite3.Error:
            return None
        try:
            return span_details(connection, ids)
        except sqlite3.Error:
            return None
        finally:
            connection.close()

    return load


def _document_to_open(
    connection: sqlite3.Connection, mine: int | None, wanted: int | None
) -> int | None:
    """As the document list chooses (``ui/document_list.py``, first_document)."""
    execute = connection.execute
    if wanted is not None and execute("SELECT 1 FROM documents WHERE id = ?", (wanted,)).fetchone():
        return wanted
    not_done = (
        "NOT EXISTS (SELECT 1 FROM document_status s WHERE s.document_id = d.id "
        "AND s.annotator_id = ? AND s.status = 'done')"
    )
    if mine is not None:
        for sql, parameters in (
            (
                "SELECT d.id FROM documents d JOIN assignments a ON a.document_id = d.id "
                f"AND a.annotator_id = ? WHERE {not_done} ORDER BY d.id LIMIT 1",
                (mine, mine),
            ),
            (f"SELECT d.id FROM documents d WHERE {not_done} ORDER BY d.id LIMIT 1", (mine,)),
        ):
            found = execute(sql, parameters).fetchone()
            if found is not None:
                return int(found[0])
    first = execute("SELECT min(id) FROM documents").fetchone()
    return int(first[0]) if first is not None and first[0] is not None else None


_SPAN_COLUMNS = (
    "id", "annotator_id", "label", "start", '"end"', "nullif(attributes, '{}')",
    "nullif(note, '')", "created_at", "updated_at", "version", "fragments", "entity_id",
)  # fmt: skip


_LEAN_SPAN_COLUMNS = tuple(
    c
    for c in _SPAN_COLUMNS
    if c not in {"nullif(attributes, '{}')", "nullif(note, '')", "created_at", "updated_at"}
)


def span_columns(
    connection: sqlite3.Connection,
    document_id: int,
    layer_ids: Sequence[int] | None,
    *,
    details: bool = True,
    starting_before: int | None = None,
) -> list[list[Any]]:
    """A document's spans in the layers ``layer_ids`` (None: every layer),
    column by column, ordered by start, longer first, id: id, annotator id
    (only when more than one layer is asked for), label, start, end,
    attributes and note (None when empty), created, updated, version,
    fragments, entity id, as the driver gives them (JSON: text or None).

    Each column comes as one JSON array (``json_group_array``) parsed by
    orjson: fetching 20,000 rows of eleven values through the driver made a
    Python object per value and a tuple per row, and took three times as
    long as SQLite's own reading and sorting (issue 14). The aggregate reads
    the subquery in its order (SQLite does not flatten an ordered subquery
    into an aggregate), which the readers' tests check against the ORM's.

    Without ``details``, attributes, note, created and updated are left out
    (:func:`span_details` reads them by id): the timestamps are most of
    the arrays' text, and the read takes less than half as long.

    With ``starting_before``, only the spans that start before that offset
    (the first screen's, for a window that paints before it reads the rest).
    """
    columns = list(_SPAN_COLUMNS if details else _LEAN_SPAN_COLUMNS)
    parameters: list[Any] = [document_id]
    where = "document_id = ?"
    if layer_ids is not None:
        if len(layer_ids) <= 1:
            del columns[1]  # one layer (or none): its name is known
        where += f" AND annotator_id IN ({', '.join('?' * len(layer_ids))})"
        parameters.extend(layer_ids)
    if starting_before is not None:
        where += " AND start < ?"
        parameters.append(starting_before)
    named = [f"{column} AS c{n}" for n, column in enumerate(columns)]
    arrays = ", ".join(f"json_group_array(c{n})" for n in range(len(columns)))
    row = connection.execute(
        f"SELECT {arrays} FROM (SELECT {', '.join(named)} FROM spans "
        f'WHERE {where} ORDER BY start, "end" DESC, id)',
        parameters,
    ).fetchone()
    return [orjson.loads(array) for array in row]


def span_details(connection: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """The details :func:`span_columns` leaves out, of the spans ``ids``, as
    stored now: {id: (attributes, note, created, updated)}, as it gives them
    (a span deleted since is missing)."""
    found: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(ids), _DETAILS_PER_QUERY):
        chunk = ids[start : start + _DETAILS_PER_QUERY]
        rows = connection.execute(
            "SELECT id, nullif(attributes, '{}'), nullif(note, ''), created_at, updated_at "
            f"FROM spans WHERE id IN ({', '.join('?' * len(chunk))})",
            list(chunk),
        )
        for row in rows:
            found[row[0]] = row[1:]
    return found


_DETAILS_PER_QUERY = 500  # under SQLite's oldest limit of bound values (999)


def _attributes_of(raw: Any) -> JsonDict:
    if raw is None or raw == "{}":
        return {}
    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return value if isinstance(value, dict) else {}


def _time_of(raw: Any) -> datetime | None:
    """SQLite's stored form, naive UTC, as the store's UTCDateTime reads it."""
    if raw is None:
        return None
    value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
