"""The document list as one analyst sees it, a page at a time (issue 14).

The window lists a project's documents with that analyst's status and span
count, their assignments first, filtered by a title substring (case-
insensitively, as Python's ``str.lower`` does: SQLite's ``lower`` only folds
ASCII, so on SQLite the filter calls a Python function registered on the
connection) and a status. These queries let it read only the rows shown, and
the counts, from the database: SQLite and PostgreSQL alike. The existing
indexes serve them: the documents' primary key, ``assignments`` and
``document_status`` unique on (document_id, annotator_id) and ``assignments``
indexed on annotator_id, ``spans`` indexed on (document_id, annotator_id).
Only the text filter reads every title (a substring: no index serves it).

A document without a title is listed as "Document ID"; the filter matches
that text.

Every function takes a SQLAlchemy ``Session`` or, on an SQLite project, a
plain :mod:`sqlite3` connection: the window's cold start lists the first page
with the standard library before SQLAlchemy is loaded (``store/first_read.py``),
with the same SQL (named parameters both understand). SQLAlchemy is imported
only for a session.

The default order (assignments first, then by id) is read as two runs, the
analyst's assignments and the rest, each by id: a page, a document's row and
its neighbour are then a walk along the documents' primary key that stops at
the rows wanted, not a sort of every document (:data:`RUNS`). A sort by a
column is one run ordered by that column and the id. The next or previous
document (:func:`neighbour`; with ``to_do``, the next one not done) is found
from the current one's sort key (keyset), so it is found even when the
filter hides the current document.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, cast

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from annotator.store.server_read import ServerConnection

SORTS = {
    None: "assigned DESC, d.id",
    "title": "shown_title {order}, d.id {order}",
    "status": "status {order}, d.id {order}",
    "spans": "spans {order}, d.id {order}",
}
"""ORDER BY of each sort (None: the analyst's assignments first, then by id)."""

STATUSES = ("new", "in_progress", "done", "not-done")

ASSIGNED = "assigned"
UNASSIGNED = "unassigned"
RUNS = (ASSIGNED, UNASSIGNED)
"""The default order's runs, each ordered by id: the analyst's assignments, then
the rest. The first is read with an inner join, so the database starts from
the assignments' index; the second with NOT EXISTS, an anti-join that walks
the documents' primary key (PostgreSQL plans a LEFT JOIN ... IS NULL there
as a join of every row, in parallel workers: 20-40 ms a page, not 2)."""
SORT_COLUMNS = {"title": "shown_title", "status": "status", "spans": "spans"}


@dataclass(frozen=True, slots=True)
class ListedRow:
    id: int
    title: str
    """As listed: the title, or "Document ID" when it has none."""
    source: str
    length: int
    status: str
    spans: int
    assigned: bool
    untitled: bool = False
    """Stored without a title (listed as "Document ID")."""


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


ROWS_BY_ID = 500
"""Ids per query when rows are read by id (each is a bound parameter)."""


class _Reader:
    """Runs the list's SQL on a session, an :mod:`sqlite3` connection or a
    psycopg connection (:mod:`annotator.store.server_read`)."""

    def __init__(self, source: Session | sqlite3.Connection | ServerConnection) -> None:
        raw: Any = None
        self._conn: sqlite3.Connection | None = None
        self._server: ServerConnection | None = None
        self._session: Session | None = None
        if isinstance(source, sqlite3.Connection):
            self.postgres = False
            self._conn = raw = source
        elif type(source).__module__.startswith("psycopg"):
            self.postgres = True
            self._server = cast("ServerConnection", source)
        else:
            self._session = cast("Session", source)
            connection = self._session.connection()
            self.postgres = connection.dialect.name == "postgresql"
            if not self.postgres:
                raw = connection.connection.driver_connection
        if raw is not None:
            # SQLite's lower() folds ASCII only; the filter folds as Python does.
            raw.create_function("py_lower", 1, _lower, deterministic=True)

    def all(self, sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        if self._conn is not None:
            return self._conn.execute(sql, params).fetchall()
        if self._server is not None:
            return self._server.execute(_pyformat(sql), params).fetchall()
        from sqlalchemy import text

        assert self._session is not None
        return self._session.execute(text(sql), params).all()

    def scalar(self, sql: str, params: dict[str, Any]) -> Any:
        found = self.all(sql, params)
        return found[0][0] if found else None

    def who(self, annotator: str) -> int:
        found = self.scalar("SELECT id FROM annotators WHERE name = :n", {"n": annotator})
        return int(found) if found is not None else -1  # no such annotator: nothing is theirs


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """The list's SQL (``:name`` parameters) as psycopg takes it (``%(name)s``)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


def _query(
    reader: _Reader,
    annotator: str,
    needle: str,
    status: str | None,
    columns: str,
    tail: str = "",
    *,
    spans: bool = True,
    only: list[int] | None = None,
    run: str | None = None,
    extra: str | None = None,
) -> tuple[str, dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status filter {status!r}")
    postgres = reader.postgres
    lower = "lower" if postgres else "py_lower"
    params: dict[str, Any] = {"who": reader.who(annotator)}
    shown = "CASE WHEN d.title = '' THEN 'Document ' || CAST(d.id AS TEXT) ELSE d.title END"
    where = []
    if needle.strip():
        params["needle"] = needle.strip().lower()
        find = "strpos" if postgres else "instr"
        where.append(f"{find}({lower}({shown}), :needle) > 0")
    status_expr = "COALESCE(ds.status, 'new')"
    # Written on ds.status itself where they can, so that "done" starts from the
    # statuses rather than testing every document.
    if status == "not-done":
        where.append("(ds.status IS NULL OR ds.status <> 'done')")
    elif status == "new":
        where.append("(ds.status IS NULL OR ds.status = 'new')")
    elif status is not None:
        params["status"] = status
        where.append("ds.status = :status")
    mine = "a.document_id = d.id AND a.annotator_id = :who"
    if run == ASSIGNED:
        assignments, assigned = f"JOIN assignments a ON {mine}", "1"
    elif run == UNASSIGNED:
        assignments, assigned = "", "0"
        where.append(f"NOT EXISTS (SELECT 1 FROM assignments a WHERE {mine})")
    else:
        assignments = f"LEFT JOIN assignments a ON {mine}"
        assigned = "CASE WHEN a.id IS NULL THEN 0 ELSE 1 END"
    if extra is not None:
        where.append(extra)
    if only is not None:
        names = [f"only{i}" for i in range(len(only))]
        params.update(zip(names, only, strict=True))
        where.append(f"d.id IN ({', '.join(':' + name for name in names)})")
    span_count = (
        "(SELECT count(*) FROM spans s WHERE s.document_id = d.id AND s.annotator_id = :who)"
        if spans
        else "0"
    )
    sql = (
        f"SELECT {columns} FROM ("
        f" SELECT d.id AS id, {shown} AS shown_title, d.source AS source,"
        " CASE WHEN d.title = '' THEN 1 ELSE 0 END AS untitled,"
        f" d.length AS length, {status_expr} AS status,"
        f" {span_count} AS spans,"
        f" {assigned} AS assigned"
        f" FROM documents d {assignments}"
        " LEFT JOIN document_status ds ON ds.document_id = d.id AND ds.annotator_id = :who"
        f" {'WHERE ' + ' AND '.join(where) if where else ''}"
        f") AS d {tail}"
    )
    return sql, params


Source: TypeAlias = "Session | sqlite3.Connection | ServerConnection | _Reader"
"""Where the list is read: a session, an SQLite or a PostgreSQL connection, or one adapted."""


def _reader(source: Source) -> _Reader:
    return source if isinstance(source, _Reader) else _Reader(source)


def _order(sort: str | None, descending: bool) -> str:
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    return SORTS[sort].format(order="DESC" if descending else "ASC")


def _row(r: Sequence[Any]) -> ListedRow:
    # The columns of _query's "*", in order.
    row_id, title, source, untitled, length, status, spans, assigned = r
    return ListedRow(
        id=int(row_id),
        title=str(title),
        source=str(source or ""),
        length=int(length),
        status=str(status),
        spans=int(spans),
        assigned=bool(assigned),
        untitled=bool(untitled),
    )


def page(
    session: Source,
    annotator: str,
    offset: int,
    limit: int,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
    *,
    listed: int | None = None,
) -> list[ListedRow]:
    """Rows ``offset`` to ``offset + limit`` of the list, in its order.

    The page's ids are found first (span counts only when the list is sorted
    by them), then only those rows are read with their counts. ``listed``, the
    number of rows the list has (when the caller counted them), lets a page in
    the second half be read from the end, backwards: the database then walks
    to it from the nearer end (the last page of a million rows)."""
    reader = _reader(session)
    offset, limit = max(offset, 0), max(limit, 0)
    if sort is None:
        wanted: list[int] = []
        assigned = _count(reader, annotator, needle, status, ASSIGNED)
        if offset < assigned:
            wanted = _ids(reader, annotator, needle, status, ASSIGNED, offset, limit)
        rest = None if listed is None else listed - assigned
        start = max(offset - assigned, 0)
        wanted += _ids(
            reader, annotator, needle, status, UNASSIGNED, start, limit - len(wanted), rest
        )
    else:
        wanted = _ids(
            reader, annotator, needle, status, None, offset, limit, listed, sort, descending
        )
    found_rows = {r.id: r for r in rows(reader, annotator, wanted)}
    return [found_rows[i] for i in wanted if i in found_rows]


def _ids(
    session: Source,
    annotator: str,
    needle: str,
    status: str | None,
    run: str | None,
    offset: int,
    limit: int,
    length: int | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> list[int]:
    """Ids ``offset`` to ``offset + limit`` of one run of the default order (by
    id), or of the whole list in a column's ``sort``; read backwards from the
    end when ``length`` (of the run, or the list) says that end is nearer."""
    reader = _reader(session)
    if limit <= 0 or (length is not None and offset >= length):
        return []
    backwards = length is not None and offset > length // 2
    if backwards:
        assert length is not None
        limit = min(limit, length - offset)
        offset = length - offset - limit  # rows after the page, counted from the end
        descending = not descending
    by_id = "DESC" if descending else "ASC"
    order = _order(sort, descending) if sort is not None else f"d.id {by_id}"
    sql, params = _query(
        reader,
        annotator,
        needle,
        status,
        "d.id",
        f"ORDER BY {order} LIMIT :limit OFFSET :offset",
        spans=sort == "spans",
        run=run,
    )
    params.update(limit=limit, offset=offset)
    found = [int(i) for (i,) in reader.all(sql, params)]
    return found[::-1] if backwards else found


def _count(
    session: Source,
    annotator: str,
    needle: str,
    status: str | None,
    run: str | None = None,
    doc: int | None = None,
    extra: str | None = None,
) -> int:
    """Rows of the filtered list (in ``run``; ``extra`` may compare ids with ``:doc``)."""
    reader = _reader(session)
    sql, params = _query(
        reader, annotator, needle, status, "count(*)", spans=False, run=run, extra=extra
    )
    if doc is not None:
        params["doc"] = doc
    return int(reader.scalar(sql, params) or 0)


def count(
    session: Source,
    annotator: str,
    needle: str = "",
    status: str | None = None,
    known_total: int | None = None,
) -> int:
    """How many documents the list shows with this filter (``known_total``: the
    project's document count, if the caller has it: a million take a while)."""
    reader = _reader(session)
    if not needle.strip():
        every = known_total if known_total is not None else total(reader)
        if status is None:
            return every
        if status in ("not-done", "new"):  # the documents less those with the other statuses
            others = ("done",) if status == "not-done" else ("done", "in_progress")
            return every - sum(_with_status(reader, annotator, s) for s in others)
        return _with_status(reader, annotator, status)
    return _count(reader, annotator, needle, status)


def _with_status(session: Source, annotator: str, status: str) -> int:
    """The analyst's documents with this status, counted in the statuses alone
    (each row names an existing document), not joined to every document."""
    reader = _reader(session)
    found = reader.scalar(
        "SELECT count(*) FROM document_status WHERE annotator_id = :who AND status = :status",
        {"who": reader.who(annotator), "status": status},
    )
    return int(found or 0)


def added_since(session: Source, after_id: int) -> tuple[int, int]:
    """How many documents have an id above ``after_id``, and the highest id:
    documents are only ever added, each with a higher id, so this is what others
    imported since the list last looked (a walk of the primary key from there)."""
    (found,) = _reader(session).all(
        "SELECT count(*), max(id) FROM documents WHERE id > :after", {"after": after_id}
    )
    return int(found[0] or 0), int(found[1] or after_id)


def latest_document(session: Source) -> int:
    """The highest document id (0: none)."""
    return int(_reader(session).scalar("SELECT max(id) FROM documents", {}) or 0)


def total(session: Source) -> int:
    """Every document of the project."""
    return int(_reader(session).scalar("SELECT count(*) FROM documents", {}) or 0)


def rows(session: Source, annotator: str, ids: list[int]) -> list[ListedRow]:
    """The listed rows of these documents (unfiltered), in no given order."""
    if not ids:
        return []
    reader = _reader(session)
    found: list[ListedRow] = []
    for i in range(0, len(ids), ROWS_BY_ID):
        chunk = list(ids[i : i + ROWS_BY_ID])
        sql, params = _query(reader, annotator, "", None, "*", only=chunk)
        found.extend(_row(r) for r in reader.all(sql, params))
    return found


def position(
    session: Source,
    annotator: str,
    document_id: int,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> int | None:
    """The row of a document in the list (None: the filter hides it, or no such
    document): the rows before it are counted by its sort key, in one pass and
    no sort (numbering every row in order took seconds on a million)."""
    reader = _reader(session)
    _order(sort, descending)  # an unknown sort is refused
    listed = rows(reader, annotator, [document_id])
    if not listed or not _count(
        reader, annotator, needle, status, None, document_id, "d.id = :doc"
    ):
        return None  # no such document, or the filter hides it
    current = listed[0]
    if sort is None:
        # Every row of the runs before its own, and its run's below its id.
        before = 0
        if not current.assigned:
            before = _count(reader, annotator, needle, status, ASSIGNED)
        run = ASSIGNED if current.assigned else UNASSIGNED
        below = _count(reader, annotator, needle, status, run, document_id, "d.id < :doc")
        return before + below
    column, earlier = SORT_COLUMNS[sort], ">" if descending else "<"
    sql, params = _query(
        reader,
        annotator,
        needle,
        status,
        "count(*)",
        f"WHERE ({column} {earlier} :key OR ({column} = :key AND d.id {earlier} :doc))",
        spans=sort == "spans",
    )
    params.update(key=_sort_key(current, sort), doc=document_id)
    return int(reader.scalar(sql, params) or 0)


def _sort_key(row: ListedRow, sort: str) -> object:
    """The value a row is sorted by under ``sort`` (a column of :data:`SORT_COLUMNS`)."""
    return {"title": row.title, "status": row.status, "spans": row.spans}[sort]


def neighbour(
    session: Source,
    annotator: str,
    document_id: int,
    step: int,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
    *,
    to_do: bool = False,
    wrap: bool = False,
) -> int | None:
    """The listed document after (``step`` > 0) or before ``document_id`` in the
    list so filtered and sorted; None at the end. Found from ``document_id``'s
    sort key, so the filter may hide ``document_id`` itself. ``to_do``: the
    nearest one not done; ``wrap``: round from the other end when there is none
    that way (which may find ``document_id`` itself)."""
    reader = _reader(session)
    found = rows(reader, annotator, [document_id])
    if not found:
        return None
    current = found[0]
    if to_do:
        if status == "done":
            return None
        status = status if status in ("new", "in_progress") else "not-done"
    forward = step > 0
    runs: list[tuple[str | None, str | None, bool]]
    if sort is None:
        runs = [(run, None, False) for run in RUNS]
        mine = 0 if current.assigned else 1
    else:
        _order(sort, descending)  # an unknown sort is refused
        runs = [(None, SORT_COLUMNS[sort], descending)]
        mine = 0
    if forward:
        order = list(range(mine, len(runs))) + (list(range(0, mine + 1)) if wrap else [])
    else:
        order = list(range(mine, -1, -1)) + (
            list(range(len(runs) - 1, mine - 1, -1)) if wrap else []
        )
    for n, index in enumerate(order):
        run, column, desc = runs[index]
        later = ">" if forward != desc else "<"  # along the run's own order
        direction = "ASC" if forward != desc else "DESC"
        params: dict[str, Any] = {"kid": document_id}
        if n == 0:  # its own run: past its key
            if column is None:
                where = f"WHERE d.id {later} :kid"
            else:
                params["key"] = _sort_key(current, sort or "")
                where = f"WHERE ({column} {later} :key OR ({column} = :key AND d.id {later} :kid))"
        else:
            where = ""
        by = f"{column} {direction}, d.id {direction}" if column else f"d.id {direction}"
        sql, query_params = _query(
            reader,
            annotator,
            needle,
            status,
            "d.id",
            f"{where} ORDER BY {by} LIMIT 1",
            spans=column == "spans",
            run=run,
        )
        query_params.update(params)
        found_id = reader.scalar(sql, query_params)
        if found_id is not None:
            return int(found_id)
    return None


def ids(
    session: Source,
    annotator: str,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> list[int]:
    """Every listed document's id, in the list's order (the first ``limit``)."""
    reader = _reader(session)
    tail = f"ORDER BY {_order(sort, descending)}"
    if limit is not None:
        tail += f" LIMIT {int(limit)}"
    sql, params = _query(reader, annotator, needle, status, "d.id", tail, spans=sort == "spans")
    return [int(i) for (i,) in reader.all(sql, params)]


def every_row(session: Source, annotator: str) -> list[ListedRow]:
    """The whole list, unfiltered, in its order (assignments first)."""
    reader = _reader(session)
    sql, params = _query(reader, annotator, "", None, "*", f"ORDER BY {_order(None, False)}")
    return [_row(r) for r in reader.all(sql, params)]
