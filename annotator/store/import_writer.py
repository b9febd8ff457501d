"""The import writer: pre-annotated documents stored into annotators' layers.

:func:`insert_annotated` stores :mod:`annotator.core.dataset` drafts in the
caller's transaction (one batch), with a change record
(:class:`annotator.core.changes.ChangeRecord`) for every span, relation and
status written, as an edit would log it. On SQLite it hands the session's
own connection to :mod:`annotator.store.import_sqlite`, the writer the
command line also runs without SQLAlchemy, so both store the same rows; on
PostgreSQL, Core inserts of lists of rows through the repository's helpers
(:func:`~annotator.store.repository.bulk_insert`,
:func:`~annotator.store.repository.insert_ids`). Both writers plan a batch
with :mod:`annotator.store.import_plan`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from annotator.core.changes import (
    Action,
    ChangeRecord,
    Entity,
    entity_payload,
    relation_values,
    span_values,
    stored_change,
)
from annotator.core.dataset import AnnotatedDraft, EntityDraft, InsertResult
from annotator.core.model import DocumentDraft
from annotator.store import import_sqlite
from annotator.store.import_plan import (
    Link,
    PlannedLayer,
    StatusPlan,
    document_label_changes,
    entity_id_for,
    entity_values,
    layer_writers,
    log_authors,
    plan_relations,
    plan_spans,
    span_log_values,
    stored_span_keys,
    wanted_document_labels,
)
from annotator.store.models import (
    ChangeLog,
    Document,
    DocumentLabel,
    DocumentStatus,
    NamedEntity,
    Relation,
    Span,
    utcnow,
)
from annotator.store.repository import (
    annotator_id,
    bulk_insert,
    check_can_write,
    check_person,
    document_rows,
    insert_documents_once,
    insert_ids,
    log_row,
)


def _stored_spans(session: Session, doc_ids: list[int]) -> Iterable[Any]:
    """Rows (id, document, annotator, label, start, end, fragments) of the spans
    stored on these documents."""
    for i in range(0, len(doc_ids), 500):
        yield from session.execute(
            select(
                Span.id, Span.document_id, Span.annotator_id, Span.label, Span.start, Span.end,
                Span.fragments,
            ).where(Span.document_id.in_(doc_ids[i : i + 500]))
        )  # fmt: skip


def _stored_relations(session: Session, doc_ids: list[int]) -> set[Link]:
    found: set[Link] = set()
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


def _document_ids(session: Session, drafts: Sequence[DocumentDraft]) -> tuple[list[int], set[int]]:
    """Ids for the drafts: existing documents by content hash, new ones inserted;
    and the set of ids this call inserted."""
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
    _, rows = document_rows(drafts, hashes, known)
    new_hashes = [row["content_hash"] for row in rows]
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
    return [known[h] for h in hashes], set(inserted.values())


def _insert_columns(
    session: Session, table: Any, columns: dict[str, list[Any]], *, ids: bool = False
) -> list[int]:
    """Insert rows given as columns (equal lists by column name) with one executemany
    (:func:`~annotator.store.repository.insert_ids`,
    :func:`~annotator.store.repository.bulk_insert`); with ``ids``, returns the
    new rows' ids in order."""
    keys = list(columns)
    if not columns[keys[0]]:
        return []
    rows = [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    if ids:
        return insert_ids(session, table, rows)
    bulk_insert(session, table, rows)
    return []


def _as_columns(keys: Sequence[str], rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    """Rows (tuples in the order of ``keys``) as columns: key -> list of values."""
    if not rows:
        return {key: [] for key in keys}
    return dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True))


_SPAN_LOG = stored_change(Action.ADD, Entity.SPAN, None, None, None, None, imported=True)
_RELATION_LOG = stored_change(Action.ADD, Entity.RELATION, None, None, None, None, imported=True)
LOG_COLUMNS = ("at", "annotator_id", "action", "entity", "entity_id", "document_id", "before",
               "after")  # fmt: skip
"""The change log's columns an import writes (what :func:`stored_change` gives, who, when)."""


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


def insert_annotated(
    session: Session,
    items: Sequence[AnnotatedDraft],
    *,
    editor: str | None = None,
    entity_ids: dict[str, int] | None = None,
) -> InsertResult:
    """Store documents and their layers in the caller's transaction (one batch).

    Documents already in the project (same text) get the spans; a span equal
    to one the annotator already has there (label, start, end and pieces) is
    skipped, so importing the same file twice adds nothing, and a relation to
    it links the stored span (once). Offsets must already be checked against the text
    (the io layer does, line by line); a split span's pieces are normalised
    and checked again. Mentions name entities by the file's keys, which
    ``entity_ids`` maps to stored ids for the whole run
    (:class:`annotator.store.import_plan.EntityKeys`); each layer's
    document labels replace the stored values.

    Each layer is written by its owner, checked by
    :func:`annotator.store.repository.check_can_write` like any edit; the gold
    layer needs ``editor``, a reviewer, whom the change log names. Raises
    :class:`annotator.core.errors.PermissionDenied` (nothing written).

    On SQLite, :func:`annotator.store.import_sqlite.insert_annotated` on the
    session's connection (its errors raised as SQLAlchemy's, as the session's
    own would be). On PostgreSQL rows are gathered as columns and written with
    one executemany a table (:func:`_insert_columns`); the documents this call
    inserted have nothing stored on them yet, so only the others are read for
    duplicates and statuses.
    """
    result = InsertResult()
    if not items:
        return result
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        try:
            driver = connection.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            return import_sqlite.insert_annotated(
                driver, items, editor=editor, entity_ids=entity_ids
            )
        except sqlite3.Error as exc:  # as the session's own statements would fail
            raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
    writers = layer_writers(
        items, editor, check_person, lambda layer, writer: check_can_write(session, layer, writer)
    )
    doc_ids, fresh = _document_ids(session, [item.document for item in items])
    added = len(fresh)
    result.documents_added = added
    result.documents_existing = len({*doc_ids}) - added
    result.document_ids = doc_ids
    now = utcnow()
    who_cache: dict[str, int] = {}

    def who(name: str) -> int:
        if name not in who_cache:
            who_cache[name] = annotator_id(session, name)
        return who_cache[name]

    pairs = {
        (doc_id, who(lay.annotator))
        for item, doc_id in zip(items, doc_ids, strict=True)
        for lay in item.layers
    }
    _lock_layers(session, {ann_id for _, ann_id in pairs})
    # The documents this call inserted have nothing stored on them yet.
    existing = stored_span_keys(
        _stored_spans(session, sorted({d for d, _ in pairs if d not in fresh})), lambda f: f
    )
    plan = plan_spans(items, doc_ids, who, existing)
    result.duplicate_spans = plan.duplicates
    ids = {} if entity_ids is None else entity_ids
    entity_log: list[dict[str, Any]] = []

    span_rows: list[tuple[Any, ...]] = []
    split_rows: list[tuple[Any, ...]] = []  # split spans and mentions (rare)
    split_positions: list[int] = []
    s_name: list[str] = []  # the layer's name, for the log
    split = plan.split
    position = 0
    for planned in plan.layers:
        doc_id, ann_id, text, name = (
            planned.doc_id,
            planned.ann_id,
            planned.text,
            planned.layer.annotator,
        )
        for span in planned.new_spans:
            if span.fragments is None and span.entity is None:
                start, end = span.start, span.end
                span_rows.append(
                    (doc_id, ann_id, span.label, start, end, text[start:end], span.attributes,
                     span.note, span.created_at or now, span.updated_at or span.created_at or now,
                     span.version)
                )  # fmt: skip
                s_name.append(name)
            else:
                start, end, surface, pieces = split[position]
                entity_id = None
                if span.entity is not None:
                    entity_id = _entity_id(
                        session, span.entity, ids, planned.entities, ann_id, now, entity_log
                    )
                split_rows.append(
                    (doc_id, ann_id, span.label, start, end, surface, span.attributes, span.note,
                     span.created_at or now, span.updated_at or span.created_at or now,
                     span.version, None if pieces is None else [list(p) for p in pieces],
                     entity_id, name)
                )  # fmt: skip
                split_positions.append(position)
            position += 1
    span_keys = ("document_id", "annotator_id", "label", "start", "end", "text", "attributes",
                 "note", "created_at", "updated_at", "version")  # fmt: skip
    spans = _as_columns(span_keys, span_rows)
    del span_rows
    s_doc, s_ann, s_label, s_start, s_end, s_text, s_attributes, s_note = (
        spans[key] for key in span_keys[:8]
    )
    s_version = spans["version"]

    span_ids = _insert_columns(session, Span.__table__, spans, ids=True)
    ids_by_position = span_ids
    split_ids: list[int] = []
    if split_rows:
        split_keys = (*span_keys, "fragments", "entity_id")
        split_ids = _insert_columns(
            session, Span.__table__, _as_columns(split_keys, [r[:-1] for r in split_rows]), ids=True
        )
        # The plain and the split spans were inserted apart: ids back in position order.
        split_id_at = dict(zip(split_positions, split_ids, strict=True))
        plain_ids = iter(span_ids)
        ids_by_position = [
            split_id_at[p] if p in split_id_at else next(plain_ids) for p in range(plan.count)
        ]
    result.spans = len(span_ids) + len(split_ids)

    # Every row written is logged as the edit it equals: a ChangeRecord marked
    # imported, in its stored shape (built without a record object per span).
    log: dict[str, list[Any]] = {key: [] for key in LOG_COLUMNS}
    log["at"] = [now] * len(span_ids)
    log["annotator_id"] = list(s_ann)
    log["action"] = [_SPAN_LOG["action"]] * len(span_ids)
    log["entity"] = [_SPAN_LOG["entity"]] * len(span_ids)
    log["entity_id"] = list(span_ids)
    log["document_id"] = list(s_doc)
    log["before"] = [None] * len(span_ids)
    log["after"] = [
        span_values(*values)
        for values in zip(
            s_doc,
            s_name,
            s_label,
            s_start,
            s_end,
            s_text,
            s_attributes,
            s_note,
            s_version,
            strict=True,
        )
    ]

    if split_rows:
        log["at"].extend([now] * len(split_ids))
        log["annotator_id"].extend(row[1] for row in split_rows)
        log["action"].extend([_SPAN_LOG["action"]] * len(split_ids))
        log["entity"].extend([_SPAN_LOG["entity"]] * len(split_ids))
        log["entity_id"].extend(split_ids)
        log["document_id"].extend(row[0] for row in split_rows)
        log["before"].extend([None] * len(split_ids))
        log["after"].extend(
            span_log_values(
                doc_id, layer, label, start, end, surface, attributes, note, version,
                None if fragments is None else tuple(map(tuple, fragments)), entity_id,
            )
            for (doc_id, _, label, start, end, surface, attributes, note, _c, _u, version,
                 fragments, entity_id, layer) in split_rows
        )  # fmt: skip
    result.entities = len(entity_log)
    for row in entity_log:
        for column in LOG_COLUMNS:
            log[column].append(row[column])

    relations: dict[str, list[Any]] = {
        key: []
        for key in ("document_id", "annotator_id", "type", "source_id", "target_id", "created_at")
    }
    r_doc, r_ann, r_type, r_source, r_target, r_created = relations.values()
    planned_relations, result.duplicate_relations = plan_relations(
        plan.layers, ids_by_position, lambda: _stored_relations(session, sorted(set(doc_ids)))
    )
    for planned, rel, source_id, target_id in planned_relations:
        r_doc.append(planned.doc_id)
        r_ann.append(planned.ann_id)
        r_type.append(rel.type)
        r_source.append(source_id)
        r_target.append(target_id)
        r_created.append(rel.created_at or now)
    if r_doc:
        relation_ids = _insert_columns(session, Relation.__table__, relations, ids=True)
        owners = {ann_id: name for name, ann_id in who_cache.items()}
        log["at"].extend([now] * len(relation_ids))
        log["annotator_id"].extend(r_ann)
        log["action"].extend([_RELATION_LOG["action"]] * len(relation_ids))
        log["entity"].extend([_RELATION_LOG["entity"]] * len(relation_ids))
        log["entity_id"].extend(relation_ids)
        log["document_id"].extend(r_doc)
        log["before"].extend([None] * len(relation_ids))
        log["after"].extend(
            relation_values(owners[ann_id], rtype, source_id, target_id)
            for ann_id, rtype, source_id, target_id in zip(
                r_ann, r_type, r_source, r_target, strict=True
            )
        )
    result.relations = len(r_doc)

    for row in _store_statuses(session, plan.layers, now, fresh):
        for column in LOG_COLUMNS:
            log[column].append(row[column])
    if any(planned.layer.document_labels for planned in plan.layers):
        for row in _store_document_labels(session, plan.layers, now, fresh, result):
            for column in LOG_COLUMNS:
                log[column].append(row[column])
    by = log_authors(writers, who)
    if by:
        log["annotator_id"] = [by.get(ann_id, ann_id) for ann_id in log["annotator_id"]]
    _insert_columns(session, ChangeLog.__table__, log)
    return result


def _entity_id(
    session: Session,
    key: str,
    ids: dict[str, int],
    drafts: Sequence[EntityDraft],
    ann_id: int,
    now: datetime,
    logs: list[dict[str, Any]],
) -> int:
    """The stored entity a mention's key names, found or created
    (:func:`annotator.store.import_plan.entity_id_for`), a creation logged."""

    def find(draft: EntityDraft) -> int | None:
        return session.scalar(
            select(NamedEntity.id)
            .where(
                NamedEntity.external_id == draft.external_id.strip(),
                NamedEntity.label == draft.label,
            )
            .order_by(NamedEntity.id)
            .limit(1)
        )

    def create(draft: EntityDraft) -> int:
        entity = entity_values(draft)
        new_id = session.execute(
            insert(NamedEntity).returning(NamedEntity.id),
            {
                "name": entity.name, "label": entity.label, "external_id": entity.external_id,
                "aliases": list(entity.aliases), "created_at": now, "updated_at": now,
                "version": 1,
            },
        ).scalar_one()  # fmt: skip
        record = ChangeRecord(
            Action.ADD, Entity.NAMED_ENTITY, int(new_id), None, "", None,
            entity_payload(replace(entity, id=int(new_id))), imported=True,
        )  # fmt: skip
        logs.append(log_row(record, ann_id, now))
        return int(new_id)

    return entity_id_for(key, ids, drafts, find, create)


def _store_document_labels(
    session: Session,
    layers: list[PlannedLayer],
    now: datetime,
    fresh: set[int],
    result: InsertResult,
) -> list[dict[str, Any]]:
    """Set each layer's document labels (a value replaces the stored one);
    returns the change-log rows."""
    wanted = wanted_document_labels(layers)
    docs = sorted({d for d, _, _ in wanted if d not in fresh})
    current: dict[tuple[int, int, str], Any] = {}
    for i in range(0, len(docs), 500):
        for doc_id, ann_id, name, value in session.execute(
            select(
                DocumentLabel.document_id, DocumentLabel.annotator_id, DocumentLabel.name,
                DocumentLabel.value,
            ).where(DocumentLabel.document_id.in_(docs[i : i + 500]))
        ):  # fmt: skip
            current[(doc_id, ann_id, name)] = value
    logs: list[dict[str, Any]] = []
    for (doc_id, ann_id, name), before, value, record in document_label_changes(wanted, current):
        if before is None:
            session.execute(
                insert(DocumentLabel).values(
                    document_id=doc_id, annotator_id=ann_id, name=name, value=value,
                    updated_at=now,
                )
            )  # fmt: skip
        else:
            session.execute(
                update(DocumentLabel)
                .where(
                    DocumentLabel.document_id == doc_id,
                    DocumentLabel.annotator_id == ann_id,
                    DocumentLabel.name == name,
                )
                .values(value=value, updated_at=now)
            )
        result.document_labels += 1
        logs.append(log_row(record, ann_id, now))
    return logs


def _store_statuses(
    session: Session,
    layers: list[PlannedLayer],
    now: datetime,
    fresh: set[int],
) -> list[dict[str, Any]]:
    """Set the statuses the batch changes (:class:`~annotator.store.import_plan.StatusPlan`);
    returns the change-log rows."""
    statuses = StatusPlan(layers)
    if not statuses.wanted:
        return []
    current: dict[tuple[int, int], str] = {}
    docs = statuses.documents_to_read(fresh)
    for i in range(0, len(docs), 500):
        for doc_id, ann_id, status in session.execute(
            select(
                DocumentStatus.document_id, DocumentStatus.annotator_id, DocumentStatus.status
            ).where(DocumentStatus.document_id.in_(docs[i : i + 500]))
        ):
            current[(doc_id, ann_id)] = status
    inserts: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    explicit = statuses.explicit
    for doc_id, ann_id, status, before, record in statuses.changes(current):
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
        logs.append(log_row(record, ann_id, now))
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
        bulk_insert(session, DocumentStatus.__table__, inserts)
    return logs
