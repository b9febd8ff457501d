"""Bulk reads and writes for dataset export and import (docs/design.md, "Bulk paths").

Core statements and plain rows only, never ORM objects:

- :func:`select_document_ids` picks the documents an export wants (a list of
  ints, cheap even for a big project) and :func:`iter_documents` streams them
  in batches with their annotation layers, so memory stays flat whatever the
  project's size.
- :func:`insert_annotated` stores pre-annotated documents into one
  annotator's layer: one transaction per batch, Core inserts of lists of rows,
  and a change-log row for every span, relation and status written.

Datetimes are passed through as ISO 8601 text (UTC, ``Z``) so exports never
build ``datetime`` objects for half a million spans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, TypedDict

import orjson
from sqlalchemy import (
    Connection,
    DateTime,
    String,
    Text,
    and_,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    union,
    update,
)
from sqlalchemy.orm import Session

from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft, JsonDict
from annotator.store.models import (
    Annotator,
    ChangeLog,
    Document,
    DocumentStatus,
    Relation,
    Span,
    utcnow,
)
from annotator.store.repository import check_can_write, check_person

READ_BATCH_DOCUMENTS = 500
"""Documents fetched per round trip by :func:`iter_documents`."""

IMPORT_ACTION = "import"
"""The change-log action written for rows stored by :func:`insert_annotated`."""


# --- reading ------------------------------------------------------------------


class SpanRow(TypedDict):
    """A stored span as a plain dict (the shape native JSONL writes as it is)."""

    id: int
    start: int
    end: int
    label: str
    text: str
    attributes: JsonDict
    note: str
    created_at: str
    updated_at: str
    version: int


class RelationRow(TypedDict):
    id: int
    type: str
    source_id: int
    target_id: int
    created_at: str


class SurfaceMismatch(Exception):
    """A stored span whose surface text is not the document text at its offsets."""


@dataclass(slots=True)
class Layer:
    """One annotator's work on one document."""

    annotator: str
    status: str = DocStatus.NEW.value
    spans: list[SpanRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    spans_json: list[str] | None = None
    """With ``as_json``: each span as JSON text (the keys of :class:`SpanRow`), ``spans`` empty."""
    relations_json: list[str] | None = None


@dataclass(slots=True)
class ExportDocument:
    id: int
    title: str
    source: str
    url: str
    date: str
    meta: JsonDict
    text: str
    layers: list[Layer] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """What an export keeps. ``None`` means no restriction."""

    annotators: frozenset[str] | None = None
    labels: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    document_ids: frozenset[int] | None = None


def iso_text(value: Any) -> str:
    """A stored datetime (SQLite text or a driver's datetime) as ISO 8601 UTC text."""
    if type(value) is str and len(value) == 26 and value[10] == " ":
        # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (stored in UTC): the common case.
        return f"{value[:10]}T{value[11:]}Z"
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(value.astimezone(UTC).isoformat()).replace("+00:00", "Z")
    text = str(value)
    if len(text) > 10 and text[10] == " ":
        text = f"{text[:10]}T{text[11:]}"
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    elif not text.endswith("Z") and "+" not in text[10:] and "-" not in text[10:]:
        text += "Z"
    return text


def parse_iso(value: Any) -> datetime | None:
    """ISO 8601 text (as :func:`iso_text` writes it) to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _json(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def annotator_ids(conn: Connection) -> dict[int, str]:
    return {int(i): str(n) for i, n in conn.execute(select(Annotator.id, Annotator.name))}


def _wanted_annotators(conn: Connection, flt: ExportFilter) -> dict[int, str]:
    names = annotator_ids(conn)
    if flt.annotators is None:
        return names
    return {i: n for i, n in names.items() if n in flt.annotators}


BULK_READ_CACHE_KIB = 65_536
"""SQLite page cache while an export reads (the default is 2 MiB)."""


@contextmanager
def bulk_read(conn: Connection) -> Iterator[None]:
    """A bigger SQLite page cache for the duration of a bulk read.

    Reading spans by document and sorting them by offset touches more pages
    than SQLite's default 2 MiB cache holds; with 64 MiB, reading 500,000
    spans took about a quarter less time here. The previous size is restored
    afterwards.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_READ_CACHE_KIB}")
    try:
        yield
    finally:
        # A read cut short (Ctrl-C) leaves the connection invalidated: it is
        # discarded, and restoring it would only hide the interruption.
        if not conn.invalidated:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


def select_document_ids(conn: Connection, flt: ExportFilter) -> list[int]:
    """Ids (ascending) of the documents an export with this filter writes.

    With a status filter, a document counts only if one of the wanted
    annotators has one of the wanted statuses on it; with an annotator
    filter, only if one of them has spans or a status on it.
    """
    if flt.statuses is not None and DocStatus.NEW.value not in flt.statuses:
        wanted = list(_wanted_annotators(conn, flt))
        stmt: Any = (
            select(DocumentStatus.document_id)
            .where(
                DocumentStatus.annotator_id.in_(wanted),
                DocumentStatus.status.in_(list(flt.statuses)),
            )
            .distinct()
            .order_by(DocumentStatus.document_id)
        )
    elif flt.annotators is not None:
        # Only documents the wanted annotators worked on.
        wanted = list(_wanted_annotators(conn, flt))
        stmt = union(
            select(Span.document_id).where(Span.annotator_id.in_(wanted)),
            select(DocumentStatus.document_id).where(DocumentStatus.annotator_id.in_(wanted)),
        ).order_by("document_id")
    else:
        # Every document; a status filter with "new" is applied to the layers as read.
        stmt = select(Document.id).order_by(Document.id)
    ids = [int(i) for (i,) in conn.execute(stmt)]
    if flt.document_ids is not None:
        ids = [i for i in ids if i in flt.document_ids]
    return ids


_SPAN_SELECT = (
    Span.id,
    Span.document_id,
    Span.annotator_id,
    Span.label,
    Span.start,
    Span.end,
    Span.text,
    # Raw JSON and datetime text: parsed once here, not by per-row processors.
    type_coerce(Span.attributes, Text),
    Span.note,
    type_coerce(Span.created_at, String),
    type_coerce(Span.updated_at, String),
    Span.version,
)


def iter_documents(
    conn: Connection,
    document_ids: Sequence[int],
    flt: ExportFilter = ExportFilter(),
    *,
    batch: int = READ_BATCH_DOCUMENTS,
    as_json: bool = False,
) -> Iterator[ExportDocument]:
    """Documents with their layers, in the order of ``document_ids``, ``batch`` at a time.

    A layer is an annotator with spans, relations or a status on the document,
    restricted by the filter: wanted annotators, wanted statuses, and wanted
    labels (a relation is kept only if both its spans are). Every span's
    surface text is checked against the document as it is read
    (:class:`SurfaceMismatch`).

    ``as_json`` (SQLite only; elsewhere it is ignored) has SQLite write each
    span and relation as JSON text into ``Layer.spans_json`` and
    ``relations_json`` instead of building dicts: the native export embeds
    them as they are, and skips most of the per-span Python work.
    """
    as_json = as_json and conn.dialect.name == "sqlite"
    who = _wanted_annotators(conn, flt)
    who_ids = list(who)
    labels = list(flt.labels) if flt.labels is not None else None
    for offset in range(0, len(document_ids), batch):
        chunk = list(document_ids[offset : offset + batch])
        docs: dict[int, ExportDocument] = {}
        for row in conn.execute(
            select(
                Document.id,
                Document.title,
                Document.source,
                Document.url,
                Document.date,
                type_coerce(Document.meta, Text),
                Document.text,
            ).where(Document.id.in_(chunk))
        ).fetchall():
            docs[row[0]] = ExportDocument(
                row[0], row[1], row[2], row[3], row[4], _json(row[5]), row[6]
            )
        layers: dict[tuple[int, int], Layer] = {}

        for doc_id, annotator_id, status in conn.execute(
            select(
                DocumentStatus.document_id, DocumentStatus.annotator_id, DocumentStatus.status
            ).where(DocumentStatus.document_id.in_(chunk), DocumentStatus.annotator_id.in_(who_ids))
        ).fetchall():
            _layer(layers, who, doc_id, annotator_id).status = status

        span_stmt = select(*_SPAN_SELECT).where(
            Span.document_id.in_(chunk), Span.annotator_id.in_(who_ids)
        )
        if labels is not None:
            span_stmt = span_stmt.where(Span.label.in_(labels))
        span_stmt = span_stmt.order_by(
            Span.document_id, Span.annotator_id, Span.start, Span.end, Span.id
        )
        kept: set[int] = set()
        if as_json:
            _read_spans_json(
                conn, span_stmt, docs, layers, who, kept if labels is not None else None
            )
            _read_relations_json(
                conn, chunk, who, who_ids, layers, kept if labels is not None else None
            )
        else:
            spans: list[SpanRow] = []
            current_key = (-1, -1)
            text = ""
            times: dict[Any, str] = {}
            # The hot loop of every export: one dict per span, nothing else.
            for (
                sid,
                doc_id,
                ann_id,
                label,
                start,
                end,
                surface,
                attrs,
                note,
                c,
                u,
                version,
            ) in conn.execute(span_stmt).fetchall():
                if doc_id != current_key[0] or ann_id != current_key[1]:
                    current_key = (doc_id, ann_id)
                    spans = _layer(layers, who, doc_id, ann_id).spans
                    text = docs[doc_id].text
                if start < 0 or end <= start or text[start:end] != surface:
                    raise SurfaceMismatch(
                        _mismatch(docs[doc_id], who[ann_id], sid, label, start, end, surface)
                    )
                created = times.get(c)
                if created is None:
                    created = times[c] = iso_text(c)
                updated = times.get(u)
                if updated is None:
                    updated = times[u] = iso_text(u)
                spans.append(
                    {
                        "id": sid,
                        "start": start,
                        "end": end,
                        "label": label,
                        "text": surface,
                        "attributes": {} if attrs == "{}" or attrs is None else _json(attrs),
                        "note": note,
                        "created_at": created,
                        "updated_at": updated,
                        "version": version,
                    }
                )
                if labels is not None:
                    kept.add(sid)

            for rid, doc_id, annotator_id, type_, source_id, target_id, c in conn.execute(
                select(
                    Relation.id,
                    Relation.document_id,
                    Relation.annotator_id,
                    Relation.type,
                    Relation.source_id,
                    Relation.target_id,
                    type_coerce(Relation.created_at, String),
                )
                .where(Relation.document_id.in_(chunk), Relation.annotator_id.in_(who_ids))
                .order_by(Relation.id)
            ).fetchall():
                if labels is not None and (source_id not in kept or target_id not in kept):
                    continue
                created = times.get(c)
                if created is None:
                    created = times[c] = iso_text(c)
                _layer(layers, who, doc_id, annotator_id).relations.append(
                    {
                        "id": rid,
                        "type": type_,
                        "source_id": source_id,
                        "target_id": target_id,
                        "created_at": created,
                    }
                )

        for (doc_id, _), lay in sorted(layers.items(), key=lambda kv: (kv[0][0], kv[1].annotator)):
            if flt.statuses is not None and lay.status not in flt.statuses:
                continue
            if labels is not None and not (lay.spans or lay.spans_json) and lay.status == "new":
                continue
            docs[doc_id].layers.append(lay)
        for doc_id in chunk:
            found = docs.get(doc_id)
            drop_empty = flt.statuses is not None or flt.annotators is not None
            if found is not None and (found.layers or not drop_empty):
                yield found


def _iso_sql(column: str) -> str:
    """SQLite's stored datetime text ("YYYY-MM-DD HH:MM:SS.ffffff", UTC) as ISO 8601 UTC."""
    return f"replace({column}, ' ', 'T') || 'Z'"


_SPAN_JSON: Any = literal_column(
    "json_object('id', spans.id, 'start', spans.start, 'end', spans.\"end\", "
    "'label', spans.label, 'text', spans.text, 'attributes', json(spans.attributes), "
    f"'note', spans.note, 'created_at', {_iso_sql('spans.created_at')}, "
    f"'updated_at', {_iso_sql('spans.updated_at')}, 'version', spans.version)"
)
_RELATION_JSON: Any = literal_column(
    "json_object('id', relations.id, 'type', relations.type, "
    "'source_id', relations.source_id, 'target_id', relations.target_id, "
    f"'created_at', {_iso_sql('relations.created_at')})"
)


def _read_spans_json(
    conn: Connection,
    span_stmt: Any,
    docs: dict[int, ExportDocument],
    layers: dict[tuple[int, int], Layer],
    who: dict[int, str],
    kept: set[int] | None,
) -> None:
    # Rows come in index order (document, annotator); sorting them by offset
    # here is cheaper than SQLite's sorter moving the JSON text around.
    stmt = (
        span_stmt.with_only_columns(
            Span.id,
            Span.document_id,
            Span.annotator_id,
            Span.label,
            Span.start,
            Span.end,
            Span.text,
            _SPAN_JSON,
        )
        .order_by(None)
        .order_by(Span.document_id, Span.annotator_id)
    )
    rows = _plain_rows(conn, stmt)
    rows.sort(key=itemgetter(1, 2, 4, 5, 0))
    current_key = (-1, -1)
    text = ""
    out: list[str] = []
    for sid, doc_id, ann_id, label, start, end, surface, as_json in rows:
        if doc_id != current_key[0] or ann_id != current_key[1]:
            current_key = (doc_id, ann_id)
            lay = _layer(layers, who, doc_id, ann_id)
            if lay.spans_json is None:
                lay.spans_json = []
            out = lay.spans_json
            text = docs[doc_id].text
        if start < 0 or end <= start or text[start:end] != surface:
            raise SurfaceMismatch(
                _mismatch(docs[doc_id], who[ann_id], sid, label, start, end, surface)
            )
        out.append(as_json)
        if kept is not None:
            kept.add(sid)
    for lay in layers.values():
        if lay.spans_json is None:
            lay.spans_json = []


def _read_relations_json(
    conn: Connection,
    chunk: list[int],
    who: dict[int, str],
    who_ids: list[int],
    layers: dict[tuple[int, int], Layer],
    kept: set[int] | None,
) -> None:
    stmt = (
        select(
            Relation.document_id,
            Relation.annotator_id,
            Relation.source_id,
            Relation.target_id,
            _RELATION_JSON,
        )
        .where(Relation.document_id.in_(chunk), Relation.annotator_id.in_(who_ids))
        .order_by(Relation.id)
    )
    for doc_id, ann_id, source_id, target_id, as_json in _plain_rows(conn, stmt):
        if kept is not None and (source_id not in kept or target_id not in kept):
            continue
        lay = _layer(layers, who, doc_id, ann_id)
        if lay.relations_json is None:
            lay.relations_json = []
        lay.relations_json.append(as_json)
    for lay in layers.values():
        if lay.spans_json is None:
            lay.spans_json = []
        if lay.relations_json is None:
            lay.relations_json = []


def _plain_rows(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """Run a Core statement and return the driver's own row tuples.

    The statement is compiled for the connection's dialect as usual; only the
    result wrapping is skipped, which on the export path (half a million span
    rows) costs more than SQLite's own reading. The columns read this way need
    no result processing (JSON and datetimes are converted by the caller).
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[key] for key in compiled.positiontup or ())
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _mismatch(
    doc: ExportDocument, annotator: str, span_id: int, label: str, start: int, end: int, text: str
) -> str:
    return (
        f"document {doc.id} ({doc.title[:60]!r}): span {span_id} ({annotator}, {label} "
        f"{start}-{end}) has stored text {text!r} but the document has "
        f"{doc.text[start:end]!r} there; nothing was written"
    )


def _layer(
    layers: dict[tuple[int, int], Layer], who: dict[int, str], doc_id: int, annotator_id: int
) -> Layer:
    key = (doc_id, annotator_id)
    found = layers.get(key)
    if found is None:
        found = layers[key] = Layer(who[annotator_id])
    return found


def count_relations(conn: Connection, document_ids: Sequence[int], flt: ExportFilter) -> int:
    """How many relations the selection holds (doccano picks its form by this)."""
    who_ids = list(_wanted_annotators(conn, flt))
    total = 0
    for offset in range(0, len(document_ids), 5000):
        chunk = list(document_ids[offset : offset + 5000])
        total += int(
            conn.scalar(
                select(func.count(Relation.id)).where(
                    Relation.document_id.in_(chunk), Relation.annotator_id.in_(who_ids)
                )
            )
            or 0
        )
    return total


# --- writing ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpanDraft:
    """A span to store. Offsets are code points into the draft's (normalised) text."""

    label: str
    start: int
    end: int
    attributes: JsonDict = field(default_factory=dict)
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class RelationDraft:
    """A relation between two spans of the same layer, by their index in ``spans``."""

    type: str
    source: int
    target: int
    created_at: datetime | None = None


@dataclass(slots=True)
class LayerDraft:
    annotator: str
    spans: list[SpanDraft] = field(default_factory=list)
    relations: list[RelationDraft] = field(default_factory=list)
    status: str | None = None
    """None leaves the status as it is (a new layer with spans becomes in_progress)."""


@dataclass(slots=True)
class AnnotatedDraft:
    """A document with the layers to store on it (possibly an existing document)."""

    document: DocumentDraft
    layers: list[LayerDraft] = field(default_factory=list)
    origin: str = ""


@dataclass(slots=True)
class InsertResult:
    documents_added: int = 0
    documents_existing: int = 0
    spans: int = 0
    relations: int = 0
    duplicate_spans: int = 0
    duplicate_relations: int = 0
    document_ids: list[int] = field(default_factory=list)


def _executemany(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) with one DBAPI executemany.

    Like :func:`annotator.store.repository.bulk_insert`, compiled once with
    only the needed type conversions, and with each datetime converted once:
    the rows of an import share a handful of timestamps, and converting
    them is otherwise a third of the import's time.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    processors: dict[str, Any] = {}
    for key in keys:
        proc = table.c[key].type._cached_bind_processor(dialect)
        if proc is None:
            continue
        kind = table.c[key].type
        if isinstance(getattr(kind, "impl_instance", kind), DateTime):
            proc = _memoized(proc)
        processors[key] = proc
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


def _memoized(proc: Any) -> Any:
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = proc(value)
            return result

    return convert


def _insert_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows with one executemany; returns their new ids in order.

    On SQLite the ids are given explicitly from the table's current maximum:
    the transaction began with BEGIN IMMEDIATE, so no one else can insert
    meanwhile, and a plain executemany is several times faster than RETURNING
    (which the driver runs row by row). Other databases use RETURNING.
    """
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        base = int(conn.scalar(select(func.max(table.c.id))) or 0)
        ids = list(range(base + 1, base + 1 + len(rows)))
        for new_id, row in zip(ids, rows, strict=True):
            row["id"] = new_id
        _executemany(session, table, rows)
        return ids
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(r[0]) for r in conn.execute(stmt, rows)]


def _annotator_id(session: Session, name: str) -> int:
    found = session.scalar(select(Annotator.id).where(Annotator.name == name))
    if found is not None:
        return int(found)
    return annotator_id_once(session, name)


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
    ids = _insert_ids(session, Document.__table__, rows)
    return {row["content_hash"]: new_id for row, new_id in zip(rows, ids, strict=True)}


def _check_writers(
    session: Session, items: Sequence[AnnotatedDraft], editor: str | None
) -> dict[str, str]:
    """Layer -> who writes it (its owner; ``editor`` for gold), each checked by the store."""
    if editor is not None:
        check_person(editor)
    writers: dict[str, str] = {}
    for item in items:
        for lay in item.layers:
            if lay.annotator not in writers:
                writer = editor if editor and lay.annotator == GOLD_ANNOTATOR else lay.annotator
                check_can_write(session, lay.annotator, writer)
                writers[lay.annotator] = writer
    return writers


def _stored_relations(session: Session, doc_ids: list[int]) -> set[tuple[int, str, int, int]]:
    found: set[tuple[int, str, int, int]] = set()
    for i in range(0, len(doc_ids), 500):
        found.update(
            (int(a), str(t), int(s), int(d))
            for a, t, s, d in session.execute(
                select(
                    Relation.annotator_id, Relation.type, Relation.source_id, Relation.target_id
                ).where(Relation.document_id.in_(doc_ids[i : i + 500]))
            )
        )
    return found


def _document_ids(session: Session, drafts: Sequence[DocumentDraft]) -> tuple[list[int], int]:
    """Ids for the drafts: existing documents by content hash, new ones inserted."""
    hashes = [d.content_hash for d in drafts]
    known: dict[str, int] = {}
    unique = list(set(hashes))
    for i in range(0, len(unique), 500):
        for h, doc_id in session.execute(
            select(Document.content_hash, Document.id).where(
                Document.content_hash.in_(unique[i : i + 500])
            )
        ):
            known[h] = int(doc_id)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    new_hashes: list[str] = []
    for draft, digest in zip(drafts, hashes, strict=True):
        if digest in known or digest in new_hashes:
            continue
        new_hashes.append(digest)
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
    inserted = insert_documents_once(session, rows)
    known.update(inserted)
    # Stored by another import since we looked (PostgreSQL): theirs is the document.
    late = [h for h in new_hashes if h not in inserted]
    for i in range(0, len(late), 500):
        for h, doc_id in session.execute(
            select(Document.content_hash, Document.id).where(
                Document.content_hash.in_(late[i : i + 500])
            )
        ):
            known[h] = int(doc_id)
    return [known[h] for h in hashes], len(inserted)


LAYER_LOCK = 0x616E6E6F
"""First key of the PostgreSQL advisory lock an import takes on each layer it writes."""


def _lock_layers(session: Session, annotator_ids: set[int]) -> None:
    """Imports into the same layer one at a time, until their transaction ends.

    What the layer already has is read to skip duplicates; on PostgreSQL two
    imports of one file would both read nothing and both insert. (SQLite's
    writers are serialised already.) Taken in id order: no deadlock.
    """
    if not annotator_ids or session.connection().dialect.name != "postgresql":
        return
    for ann_id in sorted(annotator_ids):
        session.execute(select(func.pg_advisory_xact_lock(LAYER_LOCK, ann_id)))


def _span_log(doc_id: int, annotator: str, span: SpanDraft, text: str) -> JsonDict:
    return {
        "document_id": doc_id,
        "annotator": annotator,
        "label": span.label,
        "start": span.start,
        "end": span.end,
        "text": text,
        "attributes": span.attributes,
        "note": span.note,
        "version": span.version,
    }


def insert_annotated(
    session: Session, items: Sequence[AnnotatedDraft], *, editor: str | None = None
) -> InsertResult:
    """Store documents and their layers in the caller's transaction (one batch).

    Documents already in the project (same text) get the spans; a span equal
    to one the annotator already has there (label, start, end) is skipped, so
    importing the same file twice adds nothing, and a relation to it links
    the stored span (once). Offsets must already be checked against the text
    (the io layer does, line by line).

    Each layer is written by its owner, checked by
    :func:`annotator.store.repository.check_can_write` like any edit; the gold
    layer needs ``editor``, a reviewer, whom the change log names. Raises
    :class:`annotator.store.repository.PermissionDenied` (nothing written).
    """
    result = InsertResult()
    if not items:
        return result
    writers = _check_writers(session, items, editor)
    doc_ids, added = _document_ids(session, [item.document for item in items])
    result.documents_added = added
    result.documents_existing = len({*doc_ids}) - added
    result.document_ids = doc_ids
    now = utcnow()
    who_cache: dict[str, int] = {}

    def who(name: str) -> int:
        if name not in who_cache:
            who_cache[name] = _annotator_id(session, name)
        return who_cache[name]

    # Spans each annotator already has on these documents (for duplicates).
    pairs = {
        (doc_id, who(lay.annotator))
        for item, doc_id in zip(items, doc_ids, strict=True)
        for lay in item.layers
    }
    _lock_layers(session, {ann_id for _, ann_id in pairs})
    # (document, annotator) -> (label, start, end) -> position in span_rows, or
    # ~id (negative) of a span stored before this call.
    existing: dict[tuple[int, int], dict[tuple[str, int, int], int]] = {}
    if pairs:
        wanted_docs = sorted({d for d, _ in pairs})
        for i in range(0, len(wanted_docs), 500):
            for sid, doc_id, ann_id, label, start, end in session.execute(
                select(
                    Span.id, Span.document_id, Span.annotator_id, Span.label, Span.start, Span.end
                ).where(Span.document_id.in_(wanted_docs[i : i + 500]))
            ):
                existing.setdefault((doc_id, ann_id), {})[(label, start, end)] = ~sid

    span_rows: list[dict[str, Any]] = []
    span_refs: list[tuple[int, str, int, SpanDraft]] = []  # doc id, annotator, who, span
    # For relations: (layer key, index in layer) -> position in span_rows (or ~stored id).
    layer_positions: list[list[int]] = []
    layer_meta: list[tuple[int, int, LayerDraft, str]] = []
    for item, doc_id in zip(items, doc_ids, strict=True):
        text = item.document.text
        for lay in item.layers:
            ann_id = who(lay.annotator)
            seen = existing.setdefault((doc_id, ann_id), {})
            positions: list[int] = []
            for span in lay.spans:
                key = (span.label, span.start, span.end)
                if key in seen:
                    # A repeat points at the first copy, so its relations survive.
                    positions.append(seen[key])
                    result.duplicate_spans += 1
                    continue
                seen[key] = len(span_rows)
                positions.append(len(span_rows))
                span_rows.append(
                    {
                        "document_id": doc_id,
                        "annotator_id": ann_id,
                        "label": span.label,
                        "start": span.start,
                        "end": span.end,
                        "text": text[span.start : span.end],
                        "attributes": span.attributes,
                        "note": span.note,
                        "created_at": span.created_at or now,
                        "updated_at": span.updated_at or span.created_at or now,
                        "version": span.version,
                    }
                )
                span_refs.append((doc_id, lay.annotator, ann_id, span))
            layer_positions.append(positions)
            layer_meta.append((doc_id, ann_id, lay, text))

    span_ids = _insert_ids(session, Span.__table__, span_rows)
    result.spans = len(span_ids)

    log_rows: list[dict[str, Any]] = []
    for span_id, row, (doc_id, name, ann_id, span) in zip(
        span_ids, span_rows, span_refs, strict=True
    ):
        log_rows.append(
            {
                "at": now,
                "annotator_id": ann_id,
                "document_id": doc_id,
                "action": IMPORT_ACTION,
                "entity": "span",
                "entity_id": span_id,
                "before": None,
                "after": _span_log(doc_id, name, span, row["text"]),
            }
        )

    relation_rows: list[dict[str, Any]] = []
    stored_relations: set[tuple[int, str, int, int]] | None = None
    for positions, (doc_id, ann_id, lay, _text) in zip(layer_positions, layer_meta, strict=True):
        for rel in lay.relations:
            src, dst = positions[rel.source], positions[rel.target]
            source_id = span_ids[src] if src >= 0 else ~src
            target_id = span_ids[dst] if dst >= 0 else ~dst
            if source_id == target_id:
                continue  # two copies of one span: the io layer refuses a span linked to itself
            if src < 0 and dst < 0:
                # Both spans were stored before: the relation may be too.
                if stored_relations is None:
                    stored_relations = _stored_relations(session, sorted(set(doc_ids)))
                link = (ann_id, rel.type, source_id, target_id)
                if link in stored_relations:
                    result.duplicate_relations += 1
                    continue
                stored_relations.add(link)
            relation_rows.append(
                {
                    "document_id": doc_id,
                    "annotator_id": ann_id,
                    "type": rel.type,
                    "source_id": source_id,
                    "target_id": target_id,
                    "created_at": rel.created_at or now,
                }
            )
    if relation_rows:
        relation_ids = _insert_ids(session, Relation.__table__, relation_rows)
        owners = {ann_id: name for name, ann_id in who_cache.items()}
        for rel_id, row in zip(relation_ids, relation_rows, strict=True):
            log_rows.append(
                {
                    "at": now,
                    "annotator_id": row["annotator_id"],
                    "document_id": row["document_id"],
                    "action": IMPORT_ACTION,
                    "entity": "relation",
                    "entity_id": rel_id,
                    "before": None,
                    "after": {  # as an edit logs it: the live feed reads both alike
                        "annotator": owners[row["annotator_id"]],
                        "type": row["type"],
                        "source_id": row["source_id"],
                        "target_id": row["target_id"],
                    },
                }
            )
    result.relations = len(relation_rows)

    log_rows.extend(_store_statuses(session, layer_meta, now))
    # The log names who wrote each row: a gold layer's reviewer, not "gold".
    by = {who(layer): who(writer) for layer, writer in writers.items() if writer != layer}
    if by:
        for log_row in log_rows:
            log_row["annotator_id"] = by.get(log_row["annotator_id"], log_row["annotator_id"])
    if log_rows:
        _executemany(session, ChangeLog.__table__, log_rows)
    return result


def _store_statuses(
    session: Session, layer_meta: list[tuple[int, int, LayerDraft, str]], now: datetime
) -> list[dict[str, Any]]:
    """Upsert each layer's status; returns the change-log rows for the changes."""
    wanted: dict[tuple[int, int], str] = {}
    for doc_id, ann_id, lay, _ in layer_meta:
        status = lay.status
        if status is None:
            if not lay.spans and not lay.relations:
                continue
            status = DocStatus.IN_PROGRESS.value
            if (doc_id, ann_id) in wanted:
                continue
        wanted[(doc_id, ann_id)] = status
    if not wanted:
        return []
    current: dict[tuple[int, int], str] = {}
    docs = sorted({d for d, _ in wanted})
    for i in range(0, len(docs), 500):
        for doc_id, ann_id, status in session.execute(
            select(
                DocumentStatus.document_id, DocumentStatus.annotator_id, DocumentStatus.status
            ).where(DocumentStatus.document_id.in_(docs[i : i + 500]))
        ):
            current[(doc_id, ann_id)] = status
    inserts: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    explicit = {(d, a) for d, a, lay, _ in layer_meta if lay.status is not None}
    owners = {(d, a): lay.annotator for d, a, lay, _ in layer_meta}
    for (doc_id, ann_id), status in wanted.items():
        before = current.get((doc_id, ann_id))
        if before == status or (before is not None and (doc_id, ann_id) not in explicit):
            continue
        if before is None:
            inserts.append(
                {
                    "document_id": doc_id,
                    "annotator_id": ann_id,
                    "status": status,
                    "updated_at": now,
                }
            )
        else:
            session.execute(
                update(DocumentStatus)
                .where(
                    and_(
                        DocumentStatus.document_id == doc_id,
                        DocumentStatus.annotator_id == ann_id,
                    )
                )
                .values(status=status, updated_at=now)
            )
        owner = owners[(doc_id, ann_id)]
        logs.append(
            {
                "at": now,
                "annotator_id": ann_id,
                "document_id": doc_id,
                "action": IMPORT_ACTION,
                "entity": "document",
                "entity_id": doc_id,
                "before": {"annotator": owner, "status": before or DocStatus.NEW.value},
                "after": {"annotator": owner, "status": status},
            }
        )
    if inserts and session.connection().dialect.name == "postgresql":
        # The window may have just given the layer a status (its first span):
        # an explicit status replaces it, an implied "in progress" leaves it.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(DocumentStatus)
        keys = ["document_id", "annotator_id"]
        set_status = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={"status": stmt.excluded.status, "updated_at": stmt.excluded.updated_at},
        )
        for rows, action in (
            ([r for r in inserts if (r["document_id"], r["annotator_id"]) in explicit], set_status),
            (
                [r for r in inserts if (r["document_id"], r["annotator_id"]) not in explicit],
                stmt.on_conflict_do_nothing(index_elements=keys),
            ),
        ):
            if rows:
                session.execute(action, rows)
    elif inserts:
        _executemany(session, DocumentStatus.__table__, inserts)
    return logs


def layer_annotators(conn: Connection, document_ids: Sequence[int], flt: ExportFilter) -> set[str]:
    """Names of the annotators with spans or a status on the selected documents."""
    who = _wanted_annotators(conn, flt)
    found: set[int] = set()
    for offset in range(0, len(document_ids), 5000):
        chunk = list(document_ids[offset : offset + 5000])
        for table in (Span, DocumentStatus):
            found.update(
                int(i)
                for (i,) in conn.execute(
                    select(table.annotator_id)
                    .where(table.document_id.in_(chunk), table.annotator_id.in_(list(who)))
                    .distinct()
                )
            )
    return {who[i] for i in found}
