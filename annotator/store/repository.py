"""Repository functions: every read and write of project data goes through here.

Each function takes a Session; the caller owns the transaction (one per user
action). Edits to annotations also write the change log. Bulk paths use Core
statements and plain rows (docs/design.md, "Bulk paths": ORM objects are ~10x
slower there).

It is long (over 1,000 lines) because it is one thing: the SQL of the project's
own tables (documents, analysts and roles, spans, relations, statuses, the
change log), written once so that every path (an edit, an import, an export,
the live feed) shares the same statements and the same version checks.
Review's tables have their own module (:mod:`annotator.store.review`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import DateTime, Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from annotator.core.changes import Action, ChangeRecord, Entity
from annotator.core.errors import NotFound, PermissionDenied
from annotator.core.model import (
    RESERVED_NAMES,
    DocStatus,
    DocumentDraft,
    DocumentSummary,
    JsonDict,
    OffsetError,
    RelationData,
    SpanData,
    check_span_bounds,
    name_problem,
    write_problem,
)
from annotator.core.pieces import (
    PIECE_JOINER,
    Pieces,
    normalise,
    stored_fragments,
)
from annotator.store.db import json_text
from annotator.store.models import (
    Annotator,
    ChangeLog,
    Document,
    DocumentStatus,
    Relation,
    Span,
    utcnow,
)


class StaleEdit(RuntimeError):
    """The span changed since it was read (optimistic concurrency)."""


ROLES = ("annotator", "reviewer")


# --- annotators -------------------------------------------------------------


_ANNOTATOR_IDS = "annotator_ids"


def annotator_id(session: Session, name: str, *, create: bool = True) -> int:
    # Annotators are never deleted, so an id read from the database is cached
    # on the (pooled) connection for good; one created by this transaction is
    # not, since the transaction may still roll back.
    cache: dict[str, int] = session.connection().info.setdefault(_ANNOTATOR_IDS, {})
    if name in cache:
        return cache[name]
    found = session.scalar(select(Annotator.id).where(Annotator.name == name))
    if found is not None:
        cache[name] = found
        return found
    if not create:
        raise NotFound(f"no annotator named {name!r}")
    return annotator_id_once(session, name)  # survives a concurrent insert


def known_annotator_id(run: Run, info: dict[Any, Any], name: str) -> int | None:
    """:func:`annotator_id` on a connection the caller runs statements on
    (``info``: that connection's, where the ids are cached as there); None if
    the database has no such annotator yet (it is created the long way)."""
    cache: dict[str, int] = info.setdefault(_ANNOTATOR_IDS, {})
    found = cache.get(name)
    if found is None:
        row = run("SELECT id FROM annotators WHERE name = %s", (name,))
        if row is None:
            return None
        found = cache[name] = int(row[0])
    return found


def annotator_names(session: Session) -> list[str]:
    return list(session.scalars(select(Annotator.name).order_by(Annotator.name)))


def check_person(name: str) -> None:
    """Raise :class:`PermissionDenied` unless ``name`` can be an analyst's name."""
    problem = name_problem(name)
    if problem is not None:
        raise PermissionDenied(problem)


def set_roles(session: Session, reviewers: Iterable[str]) -> None:
    """Make exactly these people reviewers (everyone else an annotator).

    For seeding a database and for tests; a team's roles change one person at
    a time through :func:`change_role`, by a reviewer.
    """
    names = sorted(set(reviewers))
    for name in names:
        check_person(name)
    for name in names:
        annotator_id(session, name)
    session.execute(
        update(Annotator)
        .where(Annotator.name.in_(names), Annotator.role != "reviewer")
        .values(role="reviewer")
    )
    session.execute(
        update(Annotator)
        .where(Annotator.name.not_in(names), Annotator.role != "annotator")
        .values(role="annotator")
    )


def role_of(session: Session, name: str) -> str:
    return session.scalar(select(Annotator.role).where(Annotator.name == name)) or "annotator"


def reviewer_names(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(Annotator.name).where(Annotator.role == "reviewer").order_by(Annotator.name)
        )
    )


def people_roles(session: Session) -> list[tuple[str, str]]:
    """(name, role) of everyone in the database, by name; not the gold layer."""
    return [
        (str(name), str(role))
        for name, role in session.execute(
            select(Annotator.name, Annotator.role).order_by(Annotator.name)
        )
        if name not in RESERVED_NAMES
    ]


def seed_roles(session: Session, reviewers: Iterable[str]) -> bool:
    """Make these people the reviewers if the database has none yet (a new
    project, or one whose roles were never set); True if it did."""
    names = [n for n in dict.fromkeys(reviewers)]
    if not names or reviewer_names(session):
        return False
    set_roles(session, names)
    return True


def roles_difference(session: Session, reviewers: Iterable[str] | None) -> str | None:
    """How project.yaml's reviewers differ from the database's (None: they do not)."""
    if reviewers is None:
        return None
    want = sorted(set(reviewers))
    have = reviewer_names(session)
    if want == have:
        return None
    return (
        f"project.yaml names reviewers {', '.join(want) or 'none'}, the database has "
        f"{', '.join(have) or 'none'}: the database's roles hold (a reviewer changes them "
        "with 'annotator roles')"
    )


def change_role(session: Session, name: str, role: str, *, by: str) -> str:
    """Give ``name`` a role, as ``by`` (a reviewer); returns the previous role.

    Only a reviewer changes roles, except the first one of a database that has
    none (someone has to start). The last reviewer is not demoted: that would
    open the database to anyone. The change log records who did it.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    check_person(name)
    check_person(by)
    current = reviewer_names(session)
    if current and by not in current:
        raise PermissionDenied(
            f"{by} may not change roles: only a reviewer may ({', '.join(current)})"
        )
    previous = role_of(session, name)
    if previous == role:
        return previous
    if role != "reviewer" and current == [name]:
        raise PermissionDenied(f"{name} is the only reviewer: make someone else a reviewer first")
    who = annotator_id(session, name)
    session.execute(update(Annotator).where(Annotator.id == who).values(role=role))
    _log(session, annotator_id(session, by), ChangeRecord.role(who, name, previous, role))
    return previous


def check_can_write(session: Session, layer: str, editor: str) -> None:
    """People change their own layer; only reviewers change the gold layer.

    The rule lives here, under every way of editing (window, command line,
    import): a reserved layer name is never an editor, so calling oneself
    "gold" gives no way into the gold layer.
    """
    problem = write_problem(layer, editor, lambda: role_of(session, editor) == "reviewer")
    if problem is not None:
        raise PermissionDenied(problem)


# --- documents --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    title: str
    source: str
    url: str
    date: str
    meta: JsonDict
    text: str
    content_hash: str
    created_at: datetime


def existing_hashes(session: Session, hashes: Iterable[str]) -> set[str]:
    wanted = list(set(hashes))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        found.update(
            session.scalars(select(Document.content_hash).where(Document.content_hash.in_(chunk)))
        )
    return found


def insert_documents(session: Session, drafts: Sequence[DocumentDraft]) -> list[int | None]:
    """Insert documents in one statement; a text already stored is skipped.

    Returns, for each draft, the new document's id, or None for a duplicate
    (of a stored document or of an earlier draft in the same batch).
    """
    hashes = [d.content_hash for d in drafts]
    known = existing_hashes(session, hashes)
    positions, rows = document_rows(drafts, hashes, known)
    result: list[int | None] = [None] * len(drafts)
    if rows:
        # A text another import stored since we looked is a duplicate (None), not an error.
        ids = insert_documents_once(session, rows)
        for pos, row in zip(positions, rows, strict=True):
            result[pos] = ids.get(row["content_hash"])
    return result


def bulk_insert(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) with one DBAPI executemany, or on
    PostgreSQL one ``COPY`` (:func:`_copy_rows`).

    The statement is compiled once for the dialect and only the columns whose
    type needs it (JSON, dates) are converted, each datetime once: this skips
    SQLAlchemy's per-row parameter handling, which costs more than SQLite's own
    insert on bulk paths, and the rows of an import share a handful of
    timestamps (converting them was otherwise a third of the import's time).
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    processors = _bind_processors(table, keys, dialect)
    if dialect.name == "postgresql":
        _copy_rows(conn, table, keys, processors, rows)
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    positional = bool(compiled.positional)
    order = list(compiled.positiontup or keys) if positional else keys
    getter = itemgetter(*order)
    single = len(order) == 1
    params: list[Any] = []
    for row in rows:
        values = dict(row)
        for key, proc in processors.items():
            values[key] = proc(values[key])
        if not positional:
            params.append(values)
        else:
            params.append((getter(values),) if single else getter(values))
    conn.exec_driver_sql(compiled.string, params)


def _bind_processors(table: Any, keys: Sequence[str], dialect: Any) -> dict[str, Any]:
    """The conversion each column among ``keys`` needs before the driver takes
    its value (JSON, dates; None: none), a datetime's remembered per value."""
    processors: dict[str, Any] = {}
    for key in keys:
        proc = table.c[key].type._cached_bind_processor(dialect)
        if proc is None:
            continue
        kind = table.c[key].type
        if isinstance(getattr(kind, "impl_instance", kind), DateTime):
            proc = _memoized(proc)
        processors[key] = proc
    return processors


def _copy_rows(
    conn: Any,
    table: Any,
    keys: list[str],
    processors: dict[str, Any],
    rows: Sequence[dict[str, Any]],
) -> None:
    """PostgreSQL: the rows by ``COPY ... FROM STDIN`` on the session's own
    connection and transaction, each value converted as an executemany would
    send it (JSON as psycopg's ``Json``, aware datetimes as UTC); a multi-row
    INSERT of 50,000 spans spent most of its 6 s of CPU making the statement's
    text."""
    names = ", ".join(f'"{key}"' for key in keys)
    driver = conn.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            values = dict(row)
            for key, proc in processors.items():
                values[key] = proc(values[key])
            copy.write_row([values[key] for key in keys])


def _memoized(proc: Any) -> Any:
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = proc(value)
            return result

    return convert


def insert_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows with one executemany; returns their new ids in order.

    On SQLite the ids are given explicitly from the table's current maximum:
    the transaction began with BEGIN IMMEDIATE, so no one else can insert
    meanwhile, and a plain executemany is several times faster than RETURNING
    (which the driver runs row by row). On PostgreSQL they are taken from the
    table's sequence first and the rows copied in (:func:`bulk_insert`).
    """
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        base = int(conn.scalar(select(func.max(table.c.id))) or 0)
        ids = list(range(base + 1, base + 1 + len(rows)))
        for new_id, row in zip(ids, rows, strict=True):
            row["id"] = new_id
        bulk_insert(session, table, rows)
        return ids
    # PostgreSQL: as many ids as rows from the table's sequence (distinct even
    # while others insert), then the rows with their ids by COPY (bulk_insert).
    sequence = conn.scalar(select(func.pg_get_serial_sequence(table.name, "id")))
    ids = [
        int(new_id)
        for (new_id,) in conn.execute(
            select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
        )
    ]
    for new_id, row in zip(ids, rows, strict=True):
        row["id"] = new_id
    bulk_insert(session, table, rows)
    return ids


def annotator_id_once(session: Session, name: str) -> int:
    """The id of a new annotator, or of the one another transaction just created.

    Two programs adding the same person at once (on PostgreSQL) would
    otherwise fail on the unique name; on SQLite writers are serialised.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = (
            pg_insert(Annotator)
            .values(name=name, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(Annotator.id)
        )
        found = session.scalar(stmt)
        if found is None:
            found = session.scalar(select(Annotator.id).where(Annotator.name == name))
        return int(found or 0)
    return int(
        session.scalar(
            insert(Annotator).values(name=name, created_at=utcnow()).returning(Annotator.id)
        )
        or 0
    )


def insert_documents_once(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert document rows (each with its ``content_hash``); returns hash -> id of
    those this call inserted.

    The caller has looked for the stored hashes in its transaction. On SQLite
    that look holds: BEGIN IMMEDIATE serialises writers. On PostgreSQL another
    import may store the same article between the look and the insert, so the
    insert is ON CONFLICT DO NOTHING (their row stands, ours is skipped). The
    rows go in content-hash order, so that two imports of the same articles
    wait for each other rather than deadlock, with ids drawn beforehand in
    the caller's order (documents are numbered in the order they were read).
    """
    if not rows:
        return {}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text as sql
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        ids = sorted(
            int(i)
            for i in conn.execute(
                sql(
                    "SELECT nextval(pg_get_serial_sequence('documents', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            ).scalars()
        )
        numbered = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
        stmt = (
            pg_insert(Document)
            .on_conflict_do_nothing(index_elements=["content_hash"])
            .returning(Document.content_hash, Document.id)
        )
        ordered = sorted(numbered, key=itemgetter("content_hash"))
        return {str(h): int(i) for h, i in conn.execute(stmt, ordered)}
    ids = insert_ids(session, Document.__table__, rows)
    return {row["content_hash"]: new_id for row, new_id in zip(rows, ids, strict=True)}


def document_rows(
    drafts: Sequence[DocumentDraft], hashes: Sequence[str], known: Iterable[str]
) -> tuple[list[int], list[dict[str, Any]]]:
    """Rows to insert for the drafts whose text (``hashes``) is not ``known``
    (nor an earlier draft's): their positions among the drafts, and the rows."""
    seen = set(known)
    now = utcnow()
    positions: list[int] = []
    rows: list[dict[str, Any]] = []
    for i, (draft, digest) in enumerate(zip(drafts, hashes, strict=True)):
        if digest in seen:
            continue
        seen.add(digest)
        positions.append(i)
        rows.append(
            {
                "title": draft.title,
                "source": draft.source,
                "url": draft.url,
                "date": draft.date,
                "meta": draft.meta,
                "text": draft.text,
                "length": len(draft.text),
                "content_hash": digest,
                "created_at": now,
            }
        )
    return positions, rows


def get_document(session: Session, document_id: int) -> StoredDocument:
    row = session.execute(
        select(
            Document.id,
            Document.title,
            Document.source,
            Document.url,
            Document.date,
            Document.meta,
            Document.text,
            Document.content_hash,
            Document.created_at,
        ).where(Document.id == document_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    return StoredDocument(*row)


def document_text(session: Session, document_id: int) -> str:
    text = session.scalar(select(Document.text).where(Document.id == document_id))
    if text is None:
        raise NotFound(f"no document with id {document_id}")
    return text


def _surface_text(session: Session, document_id: int, start: int, end: int) -> str:
    """The text of ``start:end`` of a document, checked against its length.

    Only the slice crosses the wire: SQL substr counts characters (code points)
    on SQLite and PostgreSQL alike.
    """
    if not isinstance(start, int) or not isinstance(end, int):
        check_span_bounds(0, start, end)
    row = (
        session.connection()
        .execute(
            _SURFACE_SELECT,
            {"from_1": start + 1, "count": max(end - start, 0), "document_id": document_id},
        )
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"no document with id {document_id}")
    check_span_bounds(row[0], start, end)
    return str(row[1])


def document_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Document.id))) or 0)


def list_documents(session: Session) -> list[DocumentSummary]:
    """Every document with its span counts and status per annotator."""
    docs = session.execute(
        select(Document.id, Document.title, Document.source, Document.length).order_by(Document.id)
    ).all()
    spans: dict[int, dict[str, int]] = {}
    for doc_id, name, count in session.execute(
        select(Span.document_id, Annotator.name, func.count(Span.id))
        .join(Annotator, Annotator.id == Span.annotator_id)
        .group_by(Span.document_id, Annotator.name)
    ):
        spans.setdefault(doc_id, {})[name] = count
    statuses: dict[int, dict[str, str]] = {}
    for doc_id, name, status in session.execute(
        select(DocumentStatus.document_id, Annotator.name, DocumentStatus.status).join(
            Annotator, Annotator.id == DocumentStatus.annotator_id
        )
    ):
        statuses.setdefault(doc_id, {})[name] = status
    return [
        DocumentSummary(
            id=doc_id,
            title=title,
            source=source,
            length=length,
            spans_by_annotator=spans.get(doc_id, {}),
            status_by_annotator=statuses.get(doc_id, {}),
        )
        for doc_id, title, source, length in docs
    ]


@dataclass(frozen=True, slots=True)
class ProjectCounts:
    documents: int
    characters: int
    annotators: list[str]
    spans: int
    relations: int
    spans_by_label: dict[str, int]
    done_by_annotator: dict[str, int]


def _count_map(session: Session, stmt: Any) -> dict[str, int]:
    return {str(key): int(count) for key, count in session.execute(stmt)}


def project_counts(session: Session) -> ProjectCounts:
    docs, chars = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.length), 0))
    ).one()
    by_label = _count_map(
        session, select(Span.label, func.count(Span.id)).group_by(Span.label).order_by(Span.label)
    )
    done = _count_map(
        session,
        select(Annotator.name, func.count(DocumentStatus.id))
        .join(Annotator, Annotator.id == DocumentStatus.annotator_id)
        .where(DocumentStatus.status == DocStatus.DONE.value)
        .group_by(Annotator.name),
    )
    return ProjectCounts(
        documents=int(docs),
        characters=int(chars),
        annotators=annotator_names(session),
        spans=int(sum(by_label.values())),
        relations=int(session.scalar(select(func.count(Relation.id))) or 0),
        spans_by_label=by_label,
        done_by_annotator=done,
    )


# --- spans ------------------------------------------------------------------

_SPAN_COLUMNS = (
    Span.id,
    Span.document_id,
    Annotator.name,
    Span.label,
    Span.start,
    Span.end,
    Span.text,
    Span.attributes,
    Span.note,
    Span.created_at,
    Span.updated_at,
    Span.version,
    Span.fragments,
    Span.entity_id,
)


def span_from_row(row: Any) -> SpanData:
    """A span from the columns of ``_SPAN_COLUMNS`` (its pieces as tuples)."""
    fragments = row[12]
    if fragments is not None:
        fragments = tuple((int(start), int(end)) for start, end in fragments)
    (span_id, document_id, name, label, start, end, text, attributes, note, created, updated,
     version) = row[:12]  # fmt: skip
    return SpanData(
        span_id, document_id, name, label, start, end, text, attributes, note, created, updated,
        version, fragments, row[13],
    )  # fmt: skip


def _span_query() -> Any:
    return select(*_SPAN_COLUMNS).join(Annotator, Annotator.id == Span.annotator_id)


def get_span(session: Session, span_id: int) -> SpanData:
    row = session.connection().execute(_SPAN_BY_ID, {"span_id": span_id}).one_or_none()
    if row is None:
        raise NotFound(f"no span with id {span_id}")
    return span_from_row(row)


def list_spans(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[SpanData]:
    stmt = _span_query().where(Span.document_id == document_id)
    if annotators is not None:
        stmt = stmt.where(Annotator.name.in_(list(annotators)))
    stmt = stmt.order_by(Span.start, Span.end.desc(), Span.id)
    return [span_from_row(row) for row in session.execute(stmt)]


def _log(session: Session, who: int, record: ChangeRecord) -> None:
    """Write one change record, made by the annotator ``who`` (an id)."""
    session.connection().execute(_LOG_INSERT, log_row(record, who, utcnow()))


def log_row(record: ChangeRecord, who: int, at: datetime) -> dict[str, Any]:
    """A change record as a ``change_log`` row, by the annotator ``who`` (an id)."""
    return {"at": at, "annotator_id": who, **record.to_json()}


# Statements built once and run with parameters: building one per edit (and
# its cache key) costs more than the database's own work for it.
_LOG_INSERT = insert(ChangeLog)
_SPAN_BY_ID = _span_query().where(Span.id == bindparam("span_id"))
_SPAN_INSERT = insert(Span).returning(Span.id)
_SURFACE_SELECT = select(
    Document.length,
    func.substr(
        Document.text, bindparam("from_1", type_=Integer), bindparam("count", type_=Integer)
    ),
).where(Document.id == bindparam("document_id"))
_SPAN_AND_LINKS_BY_ID = (
    select(
        *_SPAN_COLUMNS,
        select(Relation.id)
        .where((Relation.source_id == Span.id) | (Relation.target_id == Span.id))
        .exists(),
    )
    .join(Annotator, Annotator.id == Span.annotator_id)
    .where(Span.id == bindparam("span_id"))
)


# --- PostgreSQL: an edit in as few statements (round trips) as it takes --------
#
# With a team on one server the cost of an edit is mostly CPU (the client's
# and the server's) spent per statement: each is a round trip, a parse, an
# execution context. On PostgreSQL a write and its change-log row go in one
# statement (data-modifying CTEs), sent as plain DBAPI parameters; psycopg
# prepares each statement on the server after a few uses. SQLite has no
# writes inside WITH and runs the statements one by one (the writes are
# in-process there and cost little).


def _one_statement(conn: Any) -> bool:
    return bool(conn.dialect.name == "postgresql")


_LOG_COLUMNS = "at, annotator_id, document_id, action, entity, entity_id, before, after"
_LOG_VALUES = "%s, %s, %s, %s, %s, %s, %s::json, %s::json"


def _pg_log_params(record: ChangeRecord, who: int, at: datetime) -> tuple[Any, ...]:
    row = record.to_json()
    return (
        at, who, row["document_id"], row["action"], row["entity"], row["entity_id"],
        json_text(row["before"]), json_text(row["after"]),
    )  # fmt: skip


Run = Callable[[str, tuple[Any, ...]], Any]
"""Runs one statement with DBAPI parameters and gives its first row (None:
no row). The one-statement edits below take one: a session's connection
(:func:`_session_run`, in the session's transaction) or the edit store's
connection of its own (:meth:`annotator.store.db.Database.own_connection`:
each statement its own transaction, committed when it returns)."""


def _session_run(conn: Any) -> Run:
    def run(sql: str, params: tuple[Any, ...]) -> Any:
        return conn.exec_driver_sql(sql, params).one_or_none()

    return run


def _pg_write_logged(conn: Any, sql: str, params: tuple[Any, ...]) -> bool:
    """Run a write-and-log statement; True if the write found its row."""
    return bool(conn.exec_driver_sql(sql, params).scalar())


_PG_ADD_SPAN = (
    # The span's surface text comes from the document (only if the offsets lie
    # inside it), its id from the sequence (or the id an undo restores); the
    # change-log row is built from the row written, with the same keys in the
    # same order as ChangeRecord.span, and the layer's status is set "in
    # progress" unless it has one. No row back: no such document, or offsets
    # outside it (the caller asks which).
    "WITH d AS (SELECT substr(text, %s, %s) AS surface FROM documents "
    "WHERE id = %s AND length >= %s), "
    's AS (INSERT INTO spans (id, document_id, annotator_id, label, start, "end", text, '
    "attributes, note, created_at, updated_at, version) "
    "SELECT {span_id}, %s, %s, %s, %s, %s, d.surface, %s::json, %s, %s, %s, 1 FROM d "
    'RETURNING id, document_id, label, start, "end", text, attributes, note, version), '
    f"l AS (INSERT INTO change_log ({_LOG_COLUMNS}) "
    "SELECT %s, %s, s.document_id, %s, %s, s.id, 'null'::json, json_build_object("
    "'document_id', s.document_id, 'annotator', %s::text, 'label', s.label, "
    "'start', s.start, 'end', s.\"end\", 'text', s.text, 'attributes', s.attributes, "
    "'note', s.note, 'version', s.version) FROM s), "
    "t AS (INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
    "SELECT s.document_id, %s, %s, %s FROM s "
    "ON CONFLICT (document_id, annotator_id) DO NOTHING) "
    "SELECT id, text FROM s"
)
_PG_ADD_SPAN_KEY = "annotator_add_span"


def pg_add_span_sql(run: Run, info: dict[Any, Any], restoring: bool) -> str:
    """The add statement, drawing a new id from the spans' sequence named as a
    constant (looked up once a connection, kept in its ``info``: resolved when
    the server prepares the statement, not at every edit), or taking the id
    an undo restores."""
    if restoring:
        return _PG_ADD_SPAN.format(span_id="%s")
    sql: str | None = info.get(_PG_ADD_SPAN_KEY)
    if sql is None:
        (sequence,) = run("SELECT quote_literal(pg_get_serial_sequence('spans', 'id'))", ())
        sql = info[_PG_ADD_SPAN_KEY] = _PG_ADD_SPAN.format(span_id=f"nextval({sequence}::regclass)")
    return sql


_PG_DELETE_SPAN = (
    "WITH d AS (DELETE FROM spans WHERE id = %s AND version = %s RETURNING id), "
    f"l AS (INSERT INTO change_log ({_LOG_COLUMNS}) SELECT {_LOG_VALUES} FROM d) "
    "SELECT count(*) FROM d"
)
_PG_SPAN_SET = {
    "label": "label = %s",
    "start": "start = %s",
    "end": '"end" = %s',
    "text": "text = %s",
    "attributes": "attributes = %s::json",
    "note": "note = %s",
    "updated_at": "updated_at = %s",
    "version": "version = %s",
    "fragments": "fragments = %s::json",
    "entity_id": "entity_id = %s",
}
_PG_UPDATE_SQL: dict[tuple[str, ...], str] = {}


def _pg_update_sql(keys: tuple[str, ...]) -> str:
    sql = _PG_UPDATE_SQL.get(keys)
    if sql is None:
        sets = ", ".join(_PG_SPAN_SET[key] for key in keys)
        sql = _PG_UPDATE_SQL[keys] = (
            f"WITH u AS (UPDATE spans SET {sets} WHERE id = %s AND version = %s RETURNING id), "
            f"l AS (INSERT INTO change_log ({_LOG_COLUMNS}) SELECT {_LOG_VALUES} FROM u) "
            "SELECT count(*) FROM u"
        )
    return sql


def _pg_value(key: str, value: Any) -> Any:
    if key == "fragments":
        return None if value is None else json_text(value)
    return json_text(value) if key == "attributes" else value


def pg_add_span_row(
    run: Run,
    sql: str,
    who: int,
    by: int,
    document_id: int,
    annotator: str,
    label: str,
    start: int,
    end: int,
    *,
    attributes: JsonDict | None,
    note: str,
    span_id: int | None,
) -> SpanData | None:
    """:func:`add_span` in one statement (``sql``: :func:`pg_add_span_sql`'s):
    the span, its surface text, its change-log row and the layer's status,
    together (one round trip); None if it wrote nothing (no such document,
    offsets outside it)."""
    now = utcnow()
    attrs = dict(attributes or {})
    row = run(sql, (
        start + 1, end - start, document_id, end,
        *((span_id,) if span_id is not None else ()),
        document_id, who, label, start, end, json_text(attrs), note, now, now,
        now, by, Action.ADD.value, Entity.SPAN.value, annotator,
        who, DocStatus.IN_PROGRESS.value, now,
    ))  # fmt: skip
    if row is None:
        return None
    return SpanData(
        int(row[0]), document_id, annotator, label, start, end, str(row[1]), attrs,
        note, now, now, 1,
    )  # fmt: skip


def one_statement_add(start: Any, end: Any) -> bool:
    """Whether an add with these offsets can be tried in one statement (else
    it is checked, and refused, the long way)."""
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end


def _pg_add_span(
    session: Session,
    conn: Any,
    document_id: int,
    annotator: str,
    label: str,
    start: int,
    end: int,
    *,
    attributes: JsonDict | None,
    note: str,
    span_id: int | None,
    editor: str | None,
) -> SpanData:
    """:func:`add_span` in one statement (:func:`pg_add_span_row`)."""
    if one_statement_add(start, end):
        who = annotator_id(session, annotator)
        by = who if editor in (None, annotator) else annotator_id(session, editor or annotator)
        run = _session_run(conn)
        sql = pg_add_span_sql(run, conn.info, span_id is not None)
        span = pg_add_span_row(
            run, sql, who, by, document_id, annotator, label, start, end,
            attributes=attributes, note=note, span_id=span_id,
        )  # fmt: skip
        if span is not None:
            return span
    elif not isinstance(start, int) or not isinstance(end, int):
        check_span_bounds(0, start, end)
    # Nothing written: say why (no such document, or offsets outside it).
    length = conn.exec_driver_sql(
        "SELECT length FROM documents WHERE id = %s", (document_id,)
    ).scalar()
    if length is None:
        raise NotFound(f"no document with id {document_id}")
    check_span_bounds(int(length), start, end)
    raise NotFound(f"no document with id {document_id}")  # deleted meanwhile


def add_span(
    session: Session,
    document_id: int,
    annotator: str,
    label: str,
    start: int,
    end: int,
    *,
    attributes: JsonDict | None = None,
    note: str = "",
    span_id: int | None = None,
    editor: str | None = None,
    fragments: Sequence[tuple[int, int]] | None = None,
    entity_id: int | None = None,
) -> SpanData:
    """Add a span to ``annotator``'s layer; its surface text is taken from the
    document (and so always matches). ``editor`` (default: the layer's owner)
    is checked by :func:`check_can_write`.

    ``fragments`` makes it a split span (its pieces; ``start`` and ``end`` are
    then its outer bounds); ``entity_id`` makes it a mention of an entity.
    ``span_id`` restores a deleted span under its old id (undo).
    """
    check_can_write(session, annotator, editor or annotator)
    conn = session.connection()
    pieces = stored_fragments(normalise(fragments)) if fragments is not None else None
    if pieces is not None:
        start, end = pieces[0][0], pieces[-1][1]
    if _one_statement(conn) and pieces is None and entity_id is None:
        return _pg_add_span(
            session, conn, document_id, annotator, label, start, end,
            attributes=attributes, note=note, span_id=span_id, editor=editor,
        )  # fmt: skip
    surface = _span_text(session, document_id, start, end, pieces)
    who = annotator_id(session, annotator)
    now = utcnow()
    values: dict[str, Any] = {
        "document_id": document_id,
        "annotator_id": who,
        "label": label,
        "start": start,
        "end": end,
        "text": surface,
        "attributes": dict(attributes or {}),
        "note": note,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "fragments": pieces,  # JSON arrays (the serializer writes tuples as arrays)
        "entity_id": entity_id,
    }
    if span_id is not None:
        values["id"] = span_id
    new_id = int(session.connection().execute(_SPAN_INSERT, values).scalar_one())
    span = SpanData(
        new_id, document_id, annotator, label, start, end, surface,
        values["attributes"], note, now, now, 1, pieces, entity_id,
    )  # fmt: skip
    by = who if editor in (None, annotator) else annotator_id(session, editor or annotator)
    _log(session, by, ChangeRecord.span(Action.ADD, None, span))
    _touch_status(session, document_id, who)
    return span


def _span_text(
    session: Session, document_id: int, start: int, end: int, pieces: Pieces | None
) -> str:
    """A span's text from its document: its one piece, or its pieces joined."""
    if pieces is None:
        return _surface_text(session, document_id, start, end)
    return PIECE_JOINER.join(_surface_text(session, document_id, s, e) for s, e in pieces)


def _check_version(span: SpanData, expected_version: int | None) -> None:
    if expected_version is not None and span.version != expected_version:
        raise StaleEdit(
            f"span {span.id} was changed by someone else (version {span.version}, "
            f"you edited version {expected_version})"
        )


_PG_SPAN_BEFORE = (
    # The span as it is (and, for a deletion, whether a relation touches it).
    'b AS (SELECT sp.id, sp.document_id, a.name, sp.label, sp.start, sp."end", sp.text, '
    "sp.attributes, sp.note, sp.created_at, sp.updated_at, sp.version, sp.fragments, "
    "sp.entity_id{linked} FROM spans sp "
    "JOIN annotators a ON a.id = sp.annotator_id WHERE sp.id = %s)"
)
_PG_LINKED = (
    ", EXISTS (SELECT 1 FROM relations r WHERE r.source_id = sp.id OR r.target_id = sp.id) "
    "AS linked"
)
_PG_WRITABLE = (
    # Written only in the editor's own layer, at the version read (and the
    # version the editor saw, if given); anything else writes nothing and the
    # caller looks at the span read to say why.
    "spans.id = b.id AND spans.version = b.version AND b.name = %s "
    "AND b.version = coalesce(%s::int, b.version) "
    # The payloads built here name no pieces and no entity: a split span or a
    # mention is written the long way, its change-log row made by ChangeRecord.
    "AND b.fragments IS NULL AND b.entity_id IS NULL"
)


def _pg_payload(row: str) -> str:
    """SQL for a span's change-log payload (ChangeRecord.span: the same keys in
    the same order) from ``row``'s columns, the layer named by ``b``."""
    return (
        f"json_build_object('document_id', {row}.document_id, 'annotator', b.name, "
        f"'label', {row}.label, 'start', {row}.start, 'end', {row}.\"end\", 'text', {row}.text, "
        f"'attributes', {row}.attributes, 'note', {row}.note, 'version', {row}.version)"
    )


_PG_DELETE_OWN_SPAN = (
    f"WITH {_PG_SPAN_BEFORE.format(linked=_PG_LINKED)}, "
    f"d AS (DELETE FROM spans USING b WHERE {_PG_WRITABLE} AND NOT b.linked RETURNING spans.id), "
    f"l AS (INSERT INTO change_log ({_LOG_COLUMNS}) SELECT %s, %s, b.document_id, %s, %s, b.id, "
    f"{_pg_payload('b')}, 'null'::json FROM d CROSS JOIN b) "
    "SELECT b.*, (SELECT count(*) FROM d) FROM b"
)
_PG_UPDATE_OWN_SQL: dict[tuple[str, ...], str] = {}


def _pg_update_own_sql(keys: tuple[str, ...]) -> str:
    sql = _PG_UPDATE_OWN_SQL.get(keys)
    if sql is None:
        sets = "".join(f"{_PG_SPAN_SET[key]}, " for key in keys)
        sql = _PG_UPDATE_OWN_SQL[keys] = (
            f"WITH {_PG_SPAN_BEFORE.format(linked='')}, "
            f"u AS (UPDATE spans SET {sets}updated_at = %s, version = b.version + 1 FROM b "
            f"WHERE {_PG_WRITABLE} RETURNING spans.*), "
            f"l AS (INSERT INTO change_log ({_LOG_COLUMNS}) SELECT %s, %s, u.document_id, %s, %s, "
            f"u.id, {_pg_payload('b')}, {_pg_payload('u')} FROM u CROSS JOIN b) "
            "SELECT b.*, (SELECT count(*) FROM u) FROM b"
        )
    return sql


def _pg_span_read(row: Any) -> SpanData:
    """A span from a row of ``b`` read as the driver gives it (timestamps in UTC,
    as the models give them)."""
    (span_id, document_id, name, label, start, end, surface, attributes, note, created,
     updated, version, fragments, entity_id) = row[:14]  # fmt: skip
    return span_from_row((
        span_id, document_id, name, label, start, end, surface, attributes, note,
        created.astimezone(UTC), updated.astimezone(UTC), version, fragments, entity_id,
    ))  # fmt: skip


def one_statement_update(
    start: int | None, end: int | None, fragments: Any, set_entity: bool
) -> bool:
    """Whether a change can be tried in one statement: it keeps the offsets,
    the pieces and the entity (else it is done the long way)."""
    return start is None and end is None and fragments is None and not set_entity


def pg_update_span_row(
    run: Run,
    span_id: int,
    editor: str,
    who: int,
    changes: dict[str, Any],
    expected_version: int | None,
) -> tuple[SpanData, SpanData | None] | None:
    """A change in the editor's own layer that keeps the offsets (``changes``:
    label, attributes, note), read, checked, written and logged in one
    statement (one round trip): the span before and after; after None if it
    wrote nothing (stale, not the editor's, a split span or a mention: the
    caller says why or does it the long way); None if there is no such span.
    ``who`` is the editor's id."""
    now = utcnow()
    keys = tuple(changes)
    row = run(_pg_update_own_sql(keys), (
        span_id, *(_pg_value(key, changes[key]) for key in keys), now, editor,
        expected_version, now, who, Action.UPDATE.value, Entity.SPAN.value,
    ))  # fmt: skip
    if row is None:
        return None
    before = _pg_span_read(row)
    if not row[-1]:
        return before, None
    return before, replace(before, **changes, updated_at=now, version=before.version + 1)


def pg_delete_span_row(
    run: Run, span_id: int, editor: str, who: int, expected_version: int | None
) -> tuple[SpanData, bool, bool] | None:
    """The deletion of a span of the editor's own layer that no relation
    touches, read, checked, deleted and logged in one statement (one round
    trip): the span, whether a relation touches it, whether it was deleted;
    None if there is no such span. ``who`` is the editor's id."""
    row = run(_PG_DELETE_OWN_SPAN, (
        span_id, editor, expected_version, utcnow(), who, Action.DELETE.value,
        Entity.SPAN.value,
    ))  # fmt: skip
    if row is None:
        return None
    return _pg_span_read(row), bool(row[14]), bool(row[-1])


def update_span(
    session: Session,
    span_id: int,
    editor: str,
    *,
    expected_version: int | None = None,
    label: str | None = None,
    start: int | None = None,
    end: int | None = None,
    attributes: JsonDict | None = None,
    note: str | None = None,
    fragments: Sequence[tuple[int, int]] | None = None,
    set_entity: bool = False,
    entity_id: int | None = None,
) -> SpanData:
    """Change a span; refuse with :class:`StaleEdit` if its version moved on.

    ``fragments`` gives the span its pieces (one piece makes it whole again,
    and sets its offsets); with ``set_entity`` its entity becomes
    ``entity_id`` (None: a mention of nothing).
    """
    conn = session.connection()
    changes: dict[str, Any] = {}
    if label is not None:
        changes["label"] = label
    if attributes is not None:
        changes["attributes"] = dict(attributes)
    if note is not None:
        changes["note"] = note
    before: SpanData | None = None
    if _one_statement(conn) and one_statement_update(start, end, fragments, set_entity):
        # A change in the editor's own layer that keeps the offsets: read,
        # checked, written and logged in one statement (one round trip).
        check_person(editor)
        who = annotator_id(session, editor)
        run = _session_run(conn)
        read = pg_update_span_row(run, span_id, editor, who, changes, expected_version)
        if read is None:
            raise NotFound(f"no span with id {span_id}")
        before, after = read
        if after is not None:
            return after
        # Nothing written: refused below, or a reviewer's gold edit, done the long way.
    if before is None:
        before = get_span(session, span_id)
    check_can_write(session, before.annotator, editor)
    _check_version(before, expected_version)
    values: dict[str, Any] = {"updated_at": utcnow(), "version": before.version + 1}
    if label is not None:
        values["label"] = label
    if fragments is not None:
        pieces = normalise(fragments)
        new_start, new_end = pieces[0][0], pieces[-1][1]
        kept = stored_fragments(pieces)
        surface = _span_text(session, before.document_id, new_start, new_end, kept)
        values.update(start=new_start, end=new_end, text=surface, fragments=kept)
    elif start is not None or end is not None:
        # Resizing a split span moves its outer bounds: its first piece's
        # start, its last piece's end.
        new_start = before.start if start is None else start
        new_end = before.end if end is None else end
        kept = before.fragments
        if kept is not None:
            kept = stored_fragments(
                normalise([(new_start, kept[0][1]), *kept[1:-1], (kept[-1][0], new_end)])
            )
        surface = _span_text(session, before.document_id, new_start, new_end, kept)
        values.update(start=new_start, end=new_end, text=surface)
        if before.fragments is not None:
            values["fragments"] = kept
    if set_entity:
        values["entity_id"] = entity_id
    if attributes is not None:
        values["attributes"] = dict(attributes)
    if note is not None:
        values["note"] = note
    after = replace(before, **values)
    who = annotator_id(session, editor)
    record = ChangeRecord.span(Action.UPDATE, before, after)
    if _one_statement(conn):
        # The update and its change-log row in one statement (and one trip).
        done = _pg_write_logged(conn, _pg_update_sql(tuple(values)), (
            *(_pg_value(key, value) for key, value in values.items()),
            span_id, before.version, *_pg_log_params(record, who, values["updated_at"]),
        ))  # fmt: skip
    else:
        result = session.execute(
            update(Span).where(Span.id == span_id, Span.version == before.version).values(**values)
        )
        done = result.rowcount == 1  # type: ignore[attr-defined]
        if done:
            _log(session, who, record)
    if not done:
        raise StaleEdit(f"span {span_id} was changed by someone else meanwhile")
    return after


def delete_span(
    session: Session, span_id: int, editor: str, *, expected_version: int | None = None
) -> tuple[SpanData, list[RelationData]]:
    """Delete a span and the relations that touch it; returns both (for undo).

    Refused with :class:`StaleEdit` if the span changed since the editor saw it:
    a delete must not discard someone else's newer edit any more than a change may.
    """
    conn = session.connection()
    if _one_statement(conn):
        # A span of the editor's own layer that no relation touches: read,
        # checked, deleted and logged in one statement (one round trip).
        check_person(editor)
        who = annotator_id(session, editor)
        read = pg_delete_span_row(_session_run(conn), span_id, editor, who, expected_version)
        if read is None:
            raise NotFound(f"no span with id {span_id}")
        span, linked, done = read
        if done:
            return span, []
        # Nothing deleted: refused below, or linked or gold, done the long way.
    else:
        row = conn.execute(_SPAN_AND_LINKS_BY_ID, {"span_id": span_id}).one_or_none()
        if row is None:
            raise NotFound(f"no span with id {span_id}")
        span, linked = span_from_row(row[:-1]), bool(row[-1])
    check_can_write(session, span.annotator, editor)
    _check_version(span, expected_version)
    relations = (
        [RelationData(*r) for r in conn.execute(_LINKS_OF_SPAN, {"span_id": span_id})]
        if linked
        else []
    )
    who = annotator_id(session, editor)
    for rel in relations:
        delete_relation(session, rel.id, editor)
    record = ChangeRecord.span(Action.DELETE, span, None)
    if _one_statement(conn):
        # The delete and its change-log row in one statement (and one trip).
        done = _pg_write_logged(
            conn, _PG_DELETE_SPAN, (span_id, span.version, *_pg_log_params(record, who, utcnow()))
        )
    else:
        result = session.execute(
            delete(Span).where(Span.id == span_id, Span.version == span.version)
        )
        done = result.rowcount == 1  # type: ignore[attr-defined]
        if done:
            _log(session, who, record)
    if not done:
        raise StaleEdit(f"span {span_id} was changed by someone else meanwhile")
    return span, relations


# --- relations --------------------------------------------------------------


def _relation_query() -> Any:
    return select(
        Relation.id,
        Relation.document_id,
        Annotator.name,
        Relation.type,
        Relation.source_id,
        Relation.target_id,
    ).join(Annotator, Annotator.id == Relation.annotator_id)


_LINKS_OF_SPAN = (
    _relation_query()
    .where(
        (Relation.source_id == bindparam("span_id")) | (Relation.target_id == bindparam("span_id"))
    )
    .order_by(Relation.id)
)


def list_relations(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[RelationData]:
    stmt = _relation_query().where(Relation.document_id == document_id)
    if annotators is not None:
        stmt = stmt.where(Annotator.name.in_(list(annotators)))
    return [RelationData(*row) for row in session.execute(stmt.order_by(Relation.id))]


def add_relation(
    session: Session,
    annotator: str,
    type_: str,
    source_id: int,
    target_id: int,
    *,
    relation_id: int | None = None,
    editor: str | None = None,
) -> RelationData:
    check_can_write(session, annotator, editor or annotator)
    source = get_span(session, source_id)
    target = get_span(session, target_id)
    if source.document_id != target.document_id:
        raise OffsetError("a relation must link spans of the same document")
    if source_id == target_id:
        raise OffsetError("a span cannot be linked to itself")
    who = annotator_id(session, annotator)
    values: dict[str, Any] = {
        "document_id": source.document_id,
        "annotator_id": who,
        "type": type_,
        "source_id": source_id,
        "target_id": target_id,
        "created_at": utcnow(),
    }
    if relation_id is not None:
        values["id"] = relation_id
    new_id = int(session.scalar(insert(Relation).values(**values).returning(Relation.id)) or 0)
    relation = RelationData(new_id, source.document_id, annotator, type_, source_id, target_id)
    by = who if editor in (None, annotator) else annotator_id(session, editor or annotator)
    _log(session, by, ChangeRecord.relation(Action.ADD, relation))
    return relation


def delete_relation(session: Session, relation_id: int, editor: str) -> RelationData:
    row = session.execute(_relation_query().where(Relation.id == relation_id)).one_or_none()
    if row is None:
        raise NotFound(f"no relation with id {relation_id}")
    rel = RelationData(*row)
    check_can_write(session, rel.annotator, editor)
    session.execute(delete(Relation).where(Relation.id == relation_id))
    _log(session, annotator_id(session, editor), ChangeRecord.relation(Action.DELETE, rel))
    return rel


# --- status -----------------------------------------------------------------


def get_status(session: Session, document_id: int, annotator: str) -> DocStatus:
    status = session.scalar(
        select(DocumentStatus.status)
        .join(Annotator, Annotator.id == DocumentStatus.annotator_id)
        .where(DocumentStatus.document_id == document_id, Annotator.name == annotator)
    )
    return DocStatus(status) if status else DocStatus.NEW


def set_status(
    session: Session,
    document_id: int,
    annotator: str,
    status: DocStatus,
    *,
    editor: str | None = None,
) -> DocStatus:
    """Set an annotator's status for a document; returns the previous one."""
    check_can_write(session, annotator, editor or annotator)
    who = annotator_id(session, annotator)
    previous = get_status(session, document_id, annotator)
    if previous == status:
        return previous
    _upsert_status(session, document_id, who, status)
    by = who if editor in (None, annotator) else annotator_id(session, editor or annotator)
    _log(session, by, ChangeRecord.status(document_id, annotator, previous, status))
    return previous


def _upsert_status(session: Session, document_id: int, who: int, status: DocStatus) -> None:
    updated = session.execute(
        update(DocumentStatus)
        .where(DocumentStatus.document_id == document_id, DocumentStatus.annotator_id == who)
        .values(status=status.value, updated_at=utcnow())
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(
            insert(DocumentStatus).values(
                document_id=document_id, annotator_id=who, status=status.value, updated_at=utcnow()
            )
        )


def _touch_status(session: Session, document_id: int, who: int) -> None:
    """The first span an annotator adds moves the document to in_progress."""
    values = {
        "document_id": document_id,
        "annotator_id": who,
        "status": DocStatus.IN_PROGRESS.value,
        "updated_at": utcnow(),
    }
    # One statement, whoever else is adding spans to the document at the same time.
    conn = session.connection()
    stmt = _TOUCH_STATUS.get(conn.dialect.name)
    if stmt is None:
        stmt = _TOUCH_STATUS[conn.dialect.name] = _dialect_insert(session)(
            DocumentStatus
        ).on_conflict_do_nothing(index_elements=["document_id", "annotator_id"])
    conn.execute(stmt, values)


_TOUCH_STATUS: dict[str, Any] = {}


def _dialect_insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def change_log_query() -> Any:
    """The change log's rows as :meth:`ChangeRecord.from_json` reads them, by id."""
    return (
        select(
            ChangeLog.id,
            ChangeLog.at,
            Annotator.name.label("annotator"),
            ChangeLog.document_id,
            ChangeLog.action,
            ChangeLog.entity,
            ChangeLog.entity_id,
            ChangeLog.before,
            ChangeLog.after,
        )
        .join(Annotator, Annotator.id == ChangeLog.annotator_id)
        .order_by(ChangeLog.id)
    )


def change_log(session: Session, document_id: int | None = None) -> list[dict[str, Any]]:
    """The change log's rows as stored (``annotator``: who made each change)."""
    stmt = change_log_query()
    if document_id is not None:
        stmt = stmt.where(ChangeLog.document_id == document_id)
    return [dict(row._mapping) for row in session.execute(stmt)]


def change_records(session: Session, document_id: int | None = None) -> list[ChangeRecord]:
    """The change log read as :class:`ChangeRecord` values, whatever shape each row has."""
    return [ChangeRecord.from_json(row) for row in change_log(session, document_id)]


# --- reads for the annotation window ------------------------------------------


def read_spans(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[SpanData]:
    """The same as :func:`list_spans`, read through the Core connection.

    The window opens documents with tens of thousands of spans: the ORM
    result path costs about 0.17 s for 20,000 rows, the Core path about half.
    """
    stmt = _span_query().where(Span.document_id == document_id)
    if annotators is not None:
        stmt = stmt.where(Annotator.name.in_(list(annotators)))
    stmt = stmt.order_by(Span.start, Span.end.desc(), Span.id)
    # fetchall: one trip into the driver, not one per row.
    return [span_from_row(row) for row in session.connection().execute(stmt).all()]
