"""The export reader: documents and their layers streamed from the database.

Core statements and plain rows only, never ORM objects (docs/design.md, "Bulk paths"):
:func:`select_document_ids` picks the documents an export wants (a list of
ints, cheap even for a big project) and :func:`iter_documents` streams them in
batches with their annotation layers (:mod:`annotator.core.dataset` values), so
memory stays flat whatever the project's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, String, Text, func, select, type_coerce, union

from annotator.core.dataset import (
    EntityRow,
    ExportDocument,
    ExportFilter,
    Layer,
    SpanRow,
    SurfaceMismatch,
    iso_text,
)
from annotator.core.model import DocStatus
from annotator.store import export_sqlite
from annotator.store.models import (
    Annotator,
    ChangeLog,
    Document,
    DocumentLabel,
    DocumentStatus,
    NamedEntity,
    Relation,
    Span,
)

NO_FILTER = ExportFilter()
"""Every document, every layer."""

READ_BATCH_DOCUMENTS = export_sqlite.READ_BATCH_DOCUMENTS
"""Documents fetched per round trip by :func:`iter_documents`."""


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


BULK_READ_CACHE_KIB = export_sqlite.BULK_READ_CACHE_KIB


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


def snapshot_of(conn: Connection) -> str:
    """What another connection needs to read what this one's transaction
    sees (:func:`join_snapshot`): on PostgreSQL the transaction's exported
    snapshot; on SQLite the newest change record's id (every write of an
    annotation adds one in its own transaction)."""
    if conn.dialect.name == "postgresql":
        return str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
    return str(conn.execute(select(func.coalesce(func.max(ChangeLog.id), 0))).scalar_one())


def join_snapshot(conn: Connection, snapshot: str) -> bool:
    """Whether this connection's new transaction sees what :func:`snapshot_of`'s
    does; call it first thing. PostgreSQL takes that snapshot itself (the
    first transaction must still be open); on SQLite this is True when no
    annotation was written in between."""
    if conn.dialect.name == "postgresql":
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise ValueError(f"not a snapshot id: {snapshot!r}")
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        return True
    return snapshot_of(conn) == snapshot


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
"""PostgreSQL's exported snapshot ids (``00000003-0000001B-1``), checked
before they are spelt into SQL (SET TRANSACTION takes no parameter)."""


def select_document_ids(conn: Connection, flt: ExportFilter) -> list[int]:
    """Ids (ascending) of the documents an export with this filter writes.

    With a status filter, a document counts only if one of the wanted
    annotators has one of the wanted statuses on it; with an annotator
    filter, only if one of them has spans or a status on it. On SQLite, the
    SQL of :mod:`annotator.store.export_sqlite` (the command line's too).
    """
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        return export_sqlite.select_document_ids(raw, flt)
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


def filter_refusal(conn: Connection, flt: ExportFilter) -> str | None:
    """:func:`annotator.store.export_sqlite.refusal_of_filter` on this database
    (on SQLite, :func:`annotator.store.export_sqlite.filter_refusal` itself)."""
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        return export_sqlite.filter_refusal(raw, flt)
    missing: list[int] = []
    if flt.document_ids is not None:
        asked = sorted(flt.document_ids)
        found = {int(i) for (i,) in conn.execute(select(Document.id).where(Document.id.in_(asked)))}
        missing = [i for i in asked if i not in found]
    return export_sqlite.refusal_of_filter(flt, annotator_ids(conn).values(), missing)


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
    type_coerce(Span.fragments, Text),
    Span.entity_id,
)


def iter_documents(
    conn: Connection,
    document_ids: Sequence[int],
    flt: ExportFilter = NO_FILTER,
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

    ``as_json`` (SQLite only; elsewhere it is ignored) reads with
    :func:`annotator.store.export_sqlite.iter_documents_json` on the session's
    own driver connection: SQLite writes each span and relation as JSON text
    into ``Layer.spans_json`` and ``relations_json``, which the native export
    embeds as they are.
    """
    if as_json and conn.dialect.name == "sqlite":
        # The same SQL as the command line's reading without SQLAlchemy.
        raw: Any = conn.connection.driver_connection
        yield from export_sqlite.iter_documents_json(raw, document_ids, flt, batch=batch)
        return
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
            export_sqlite.layer_of(layers, who, doc_id, annotator_id).status = status

        span_stmt = select(*_SPAN_SELECT).where(
            Span.document_id.in_(chunk), Span.annotator_id.in_(who_ids)
        )
        if labels is not None:
            span_stmt = span_stmt.where(Span.label.in_(labels))
        span_stmt = span_stmt.order_by(
            Span.document_id, Span.annotator_id, Span.start, Span.end, Span.id
        )
        kept: set[int] = set()
        mentions: dict[tuple[int, int], set[int]] = {}
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
            fragments,
            entity_id,
        ) in conn.execute(span_stmt).fetchall():
            if doc_id != current_key[0] or ann_id != current_key[1]:
                current_key = (doc_id, ann_id)
                spans = export_sqlite.layer_of(layers, who, doc_id, ann_id).spans
                text = docs[doc_id].text
            if fragments is not None:
                fragments = _json(fragments)
            if (start < 0 or end <= start or text[start:end] != surface) and not (
                fragments is not None
                and export_sqlite.split_text_matches(text, start, end, fragments, surface)
            ):
                raise SurfaceMismatch(
                    export_sqlite.mismatch(
                        docs[doc_id], who[ann_id], sid, label, start, end, surface
                    )
                )
            created = times.get(c)
            if created is None:
                created = times[c] = iso_text(c)
            updated = times.get(u)
            if updated is None:
                updated = times[u] = iso_text(u)
            span_row: SpanRow = {
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
            # The keys of a split span and a mention only where set (as on SQLite).
            if fragments is not None:
                span_row["fragments"] = fragments
            if entity_id is not None:
                span_row["entity"] = entity_id
                mentions.setdefault((doc_id, ann_id), set()).add(entity_id)
            spans.append(span_row)
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
            export_sqlite.layer_of(layers, who, doc_id, annotator_id).relations.append(
                {
                    "id": rid,
                    "type": type_,
                    "source_id": source_id,
                    "target_id": target_id,
                    "created_at": created,
                }
            )

        for doc_id, annotator_id, name, value in conn.execute(
            select(
                DocumentLabel.document_id,
                DocumentLabel.annotator_id,
                DocumentLabel.name,
                DocumentLabel.value,
            )
            .where(DocumentLabel.document_id.in_(chunk), DocumentLabel.annotator_id.in_(who_ids))
            .order_by(DocumentLabel.name)
        ).fetchall():
            export_sqlite.layer_of(layers, who, doc_id, annotator_id).document_labels[name] = value

        kept_layers = []
        for key, lay in sorted(layers.items(), key=lambda kv: (kv[0][0], kv[1].annotator)):
            if flt.statuses is not None and lay.status not in flt.statuses:
                continue
            if labels is not None and not (lay.spans) and lay.status == "new":
                continue
            docs[key[0]].layers.append(lay)
            kept_layers.append(key)
        if mentions:
            export_sqlite.attach_entities(
                docs, kept_layers, mentions, lambda ids: _entity_rows(conn, ids)
            )
        for doc_id in chunk:
            found = docs.get(doc_id)
            drop_empty = flt.statuses is not None or flt.annotators is not None
            if found is not None and (found.layers or not drop_empty):
                yield found


def _entity_rows(conn: Connection, ids: Sequence[int]) -> dict[int, EntityRow]:
    rows = conn.execute(
        select(
            NamedEntity.id,
            NamedEntity.name,
            NamedEntity.label,
            NamedEntity.external_id,
            NamedEntity.aliases,
        ).where(NamedEntity.id.in_(list(ids)))
    )
    return {int(row[0]): export_sqlite.entity_row(*row) for row in rows}


def plain_rows(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """Run a Core statement and return the driver's own row tuples.

    The statement is compiled (and cached) for the connection's dialect as
    usual; only the result wrapping is skipped, which on the export path (half
    a million span rows) and a window's document read (20,000) costs more than
    the database's own reading. The columns read this way need no result
    processing (JSON and datetimes are converted by the caller).
    """
    result = conn.execute(stmt)
    try:
        cursor = getattr(result, "cursor", None)
        if cursor is None or result._metadata is None:  # pragma: no cover
            return [tuple(row) for row in result]
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
    finally:
        result.close()


def iter_plain_rows(conn: Connection, stmt: Any, batch: int = 10_000) -> Iterator[tuple[Any, ...]]:
    """:func:`plain_rows` as they come, ``batch`` rows at a time (memory holds a batch)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[key] for key in compiled.positiontup or ())
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        while rows := cursor.fetchmany(batch):
            yield from rows
    finally:
        cursor.close()


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
