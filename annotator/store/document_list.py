"""The document list as one analyst sees it, a page at a time (issue 14).

The window lists a project's documents with that analyst's status and span
count, their assignments first, filtered by a title substring (case-
insensitively, as Python's ``str.lower`` does: SQLite's ``lower`` only folds
ASCII, so on SQLite the filter calls a Python function registered on the
connection) and a status. These queries let it read only the rows shown, and
the counts, from the database: SQLite and PostgreSQL alike. The existing
indexes serve them: ``assignments`` and ``document_status`` are unique on
(document_id, annotator_id), ``spans`` is indexed on the same pair.

A document without a title is listed as "Document ID"; the filter matches
that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

SORTS = {
    None: "assigned DESC, d.id",
    "title": "shown_title {order}, d.id {order}",
    "status": "status {order}, d.id {order}",
    "spans": "spans {order}, d.id {order}",
}
"""ORDER BY of each sort (None: the analyst's assignments first, then by id)."""

STATUSES = ("new", "in_progress", "done", "not-done")


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


def _prepare(session: Session) -> bool:
    """True on PostgreSQL; on SQLite, register ``py_lower`` on the connection."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return True
    raw: Any = connection.connection.driver_connection
    raw.create_function("py_lower", 1, _lower, deterministic=True)
    return False


def _who(session: Session, annotator: str) -> int:
    who = session.scalar(text("SELECT id FROM annotators WHERE name = :n"), {"n": annotator})
    return int(who) if who is not None else -1  # no such annotator: nothing is theirs


def _query(
    session: Session,
    annotator: str,
    needle: str,
    status: str | None,
    columns: str,
    tail: str = "",
    *,
    spans: bool = True,
    only: list[int] | None = None,
) -> tuple[str, dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status filter {status!r}")
    postgres = _prepare(session)
    lower = "lower" if postgres else "py_lower"
    params: dict[str, Any] = {"who": _who(session, annotator)}
    shown = "CASE WHEN d.title = '' THEN 'Document ' || CAST(d.id AS TEXT) ELSE d.title END"
    where = []
    if needle.strip():
        params["needle"] = needle.strip().lower()
        find = "strpos" if postgres else "instr"
        where.append(f"{find}({lower}({shown}), :needle) > 0")
    status_expr = "COALESCE(ds.status, 'new')"
    if status == "not-done":
        where.append(f"{status_expr} <> 'done'")
    elif status is not None:
        params["status"] = status
        where.append(f"{status_expr} = :status")
    if only is not None:
        params["only"] = list(only)
        where.append("d.id IN :only")
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
        " CASE WHEN a.id IS NULL THEN 0 ELSE 1 END AS assigned"
        " FROM documents d"
        " LEFT JOIN assignments a ON a.document_id = d.id AND a.annotator_id = :who"
        " LEFT JOIN document_status ds ON ds.document_id = d.id AND ds.annotator_id = :who"
        f" {'WHERE ' + ' AND '.join(where) if where else ''}"
        f") AS d {tail}"
    )
    return sql, params


def _order(sort: str | None, descending: bool) -> str:
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    return SORTS[sort].format(order="DESC" if descending else "ASC")


def _row(r: Any) -> ListedRow:
    return ListedRow(
        id=int(r.id),
        title=str(r.shown_title),
        source=str(r.source or ""),
        length=int(r.length),
        status=str(r.status),
        spans=int(r.spans),
        assigned=bool(r.assigned),
        untitled=bool(r.untitled),
    )


def page(
    session: Session,
    annotator: str,
    offset: int,
    limit: int,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> list[ListedRow]:
    """Rows ``offset`` to ``offset + limit`` of the list, in its order.

    The page's ids are found first (span counts only when the list is sorted
    by them), then only those rows are read with their counts."""
    sql, params = _query(
        session,
        annotator,
        needle,
        status,
        "d.id",
        f"ORDER BY {_order(sort, descending)} LIMIT :limit OFFSET :offset",
        spans=sort == "spans",
    )
    params.update(limit=max(limit, 0), offset=max(offset, 0))
    wanted = [int(i) for (i,) in session.execute(text(sql), params)]
    found = {r.id: r for r in rows(session, annotator, wanted)}
    return [found[i] for i in wanted if i in found]


def count(session: Session, annotator: str, needle: str = "", status: str | None = None) -> int:
    """How many documents the list shows with this filter."""
    if not needle.strip() and status is None:
        return total(session)
    sql, params = _query(session, annotator, needle, status, "count(*)", spans=False)
    return int(session.scalar(text(sql), params) or 0)


def total(session: Session) -> int:
    """Every document of the project."""
    return int(session.scalar(text("SELECT count(*) FROM documents")) or 0)


def rows(session: Session, annotator: str, ids: list[int]) -> list[ListedRow]:
    """The listed rows of these documents (unfiltered), in no given order."""
    if not ids:
        return []
    sql, params = _query(session, annotator, "", None, "*", only=list(ids))
    statement = text(sql).bindparams(bindparam("only", expanding=True))
    return [_row(r) for r in session.execute(statement, params)]


def position(
    session: Session,
    annotator: str,
    document_id: int,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> int | None:
    """The row of a document in the list (None: the filter hides it, or no such document)."""
    order = _order(sort, descending)
    sql, params = _query(
        session,
        annotator,
        needle,
        status,
        f"d.id AS id, ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS row_number",
        spans=sort == "spans",
    )
    params["doc"] = document_id
    found = session.scalar(text(f"SELECT row_number FROM ({sql}) AS n WHERE n.id = :doc"), params)
    return int(found) if found is not None else None


def ids(
    session: Session,
    annotator: str,
    needle: str = "",
    status: str | None = None,
    sort: str | None = None,
    descending: bool = False,
) -> list[int]:
    """Every listed document's id, in the list's order."""
    sql, params = _query(
        session, annotator, needle, status, "d.id", f"ORDER BY {_order(sort, descending)}"
    )
    return [int(i) for (i,) in session.execute(text(sql), params)]


def every_row(session: Session, annotator: str) -> list[ListedRow]:
    """The whole list, unfiltered, in its order (assignments first)."""
    sql, params = _query(session, annotator, "", None, "*", f"ORDER BY {_order(None, False)}")
    return [_row(r) for r in session.execute(text(sql), params)]
