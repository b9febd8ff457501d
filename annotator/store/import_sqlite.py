"""The import writer on SQLite, in SQL through :mod:`sqlite3` alone (issue 14).

:func:`insert_annotated` stores :mod:`annotator.core.dataset` drafts on an
SQLite connection inside the caller's write transaction (begun with ``BEGIN
IMMEDIATE``: no one else writes until it ends, so looking for stored
articles and numbering new rows from the tables' maxima holds). Every SQLite
import runs it: the command line's, on a connection of its own
(:func:`annotator.store.sqlite_direct.connect`, without loading SQLAlchemy),
and everyone else's through :func:`annotator.store.import_writer.insert_annotated`,
on the session's own connection. One writer, so the two cannot store
different rows; PostgreSQL keeps the SQLAlchemy writer. Both plan a batch
with :mod:`annotator.store.import_plan`; this module reads and writes it.

Values are written as the models' column types write them on SQLite
(:func:`time_text`, :func:`json_text`; a test holds them to the types), and
columns are always named: tables may gain columns with defaults.

This module imports no SQLAlchemy (see docs/design.md, "Bulk paths").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

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
from annotator.core.errors import PermissionDenied, SaveFailed
from annotator.core.model import GOLD_ANNOTATOR, OffsetError, name_problem, write_problem
from annotator.store.import_plan import (
    EntityKeys,
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
from annotator.store.sqlite_direct import OpenHold, why_not_saved

CHUNK = 500
"""Values in one ``IN (...)`` list (SQLite allows 32,766 variables; this keeps statements short)."""


def time_text(value: datetime) -> str:
    """A timestamp as the models' UTC column stores it on SQLite: UTC, no zone,
    microseconds always written."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d} "
        f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
    )


def json_text(value: Any) -> str:
    """A JSON column's text, as the engine's serializer writes it (orjson)."""
    return orjson.dumps(value).decode()


_DOCUMENT_INSERT = (
    "INSERT INTO documents (id, title, source, url, date, meta, text, length, content_hash, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SPAN_INSERT = (
    'INSERT INTO spans (id, document_id, annotator_id, label, start, "end", text, attributes, '
    "note, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SPLIT_SPAN_INSERT = (
    'INSERT INTO spans (id, document_id, annotator_id, label, start, "end", text, attributes, '
    "note, created_at, updated_at, version, fragments, entity_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
"""A split span or a mention (the plain spans' statement names no more columns)."""
_ENTITY_INSERT = (
    "INSERT INTO entities (id, name, label, external_id, aliases, created_at, updated_at, "
    "version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)"
)
_DOCUMENT_LABEL_INSERT = (
    "INSERT INTO document_labels (document_id, annotator_id, name, value, updated_at) "
    "VALUES (?, ?, ?, ?, ?)"
)
_DOCUMENT_LABEL_UPDATE = (
    "UPDATE document_labels SET value = ?, updated_at = ? WHERE document_id = ? "
    "AND annotator_id = ? AND name = ?"
)
_RELATION_INSERT = (
    "INSERT INTO relations (id, document_id, annotator_id, type, source_id, target_id, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_STATUS_INSERT = (
    "INSERT INTO document_status (document_id, annotator_id, status, updated_at) "
    "VALUES (?, ?, ?, ?)"
)
_STATUS_UPDATE = (
    "UPDATE document_status SET status = ?, updated_at = ? WHERE document_id = ? "
    "AND annotator_id = ?"
)
_LOG_INSERT = (
    'INSERT INTO change_log (at, annotator_id, action, entity, entity_id, document_id, "before", '
    '"after") VALUES (?, ?, ?, ?, ?, ?, ?, ?)'
)

_SPAN_LOG = stored_change(Action.ADD, Entity.SPAN, None, None, None, None, imported=True)
_RELATION_LOG = stored_change(Action.ADD, Entity.RELATION, None, None, None, None, imported=True)
_ENTITY_LOG = stored_change(Action.ADD, Entity.NAMED_ENTITY, None, None, None, None, imported=True)
_NULL = json_text(None)


def _in_chunks(
    conn: sqlite3.Connection, query: str, values: Sequence[Any]
) -> Iterable[tuple[Any, ...]]:
    """Rows of ``query`` (its ``IN ({})`` filled) for ``values``, a chunk at a time."""
    for i in range(0, len(values), CHUNK):
        chunk = values[i : i + CHUNK]
        yield from conn.execute(query.format(", ".join("?" * len(chunk))), chunk)


def _next_id(conn: sqlite3.Connection, table: str) -> int:
    # The write transaction is ours alone (BEGIN IMMEDIATE): ids from the maximum
    # hold, and a plain executemany is several times faster than RETURNING.
    return int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])


class _People:
    """Annotators' ids by name, added when missing (as an edit would)."""

    def __init__(self, conn: sqlite3.Connection, now: str) -> None:
        self.conn = conn
        self.now = now
        self.ids: dict[str, int] = {}

    def id(self, name: str) -> int:
        found = self.ids.get(name)
        if found is None:
            row = self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
            if row is None:
                cursor = self.conn.execute(
                    "INSERT INTO annotators (name, role, created_at) VALUES (?, 'annotator', ?)",
                    (name, self.now),
                )
                found = int(cursor.lastrowid or 0)
            else:
                found = int(row[0])
            self.ids[name] = found
        return found

    def role(self, name: str) -> str:
        row = self.conn.execute("SELECT role FROM annotators WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row is not None else "annotator"


def check_can_write(conn: sqlite3.Connection, layer: str, editor: str) -> None:
    """:func:`annotator.store.repository.check_can_write` on this connection
    (the rule is :func:`~annotator.core.model.write_problem`)."""

    def is_reviewer() -> bool:
        row = conn.execute("SELECT role FROM annotators WHERE name = ?", (editor,)).fetchone()
        return row is not None and row[0] == "reviewer"

    problem = write_problem(layer, editor, is_reviewer)
    if problem is not None:
        raise PermissionDenied(problem)


def _document_ids(
    conn: sqlite3.Connection, items: Sequence[AnnotatedDraft], now: str
) -> tuple[list[int], set[int]]:
    """Ids for the drafts' documents: a stored article (same content hash) keeps
    its id, new ones are inserted in the order read; and the ids inserted."""
    hashes = [item.document.content_hash for item in items]
    known: dict[str, int] = {
        str(h): int(i)
        for h, i in _in_chunks(
            conn,
            "SELECT content_hash, id FROM documents WHERE content_hash IN ({})",
            list(set(hashes)),
        )
    }
    rows: list[tuple[Any, ...]] = []
    next_id = _next_id(conn, "documents")
    for item, digest in zip(items, hashes, strict=True):
        if digest in known:
            continue
        draft = item.document
        known[digest] = next_id
        rows.append(
            (next_id, draft.title, draft.source, draft.url, draft.date, json_text(draft.meta),
             draft.text, len(draft.text), digest, now)
        )  # fmt: skip
        next_id += 1
    conn.executemany(_DOCUMENT_INSERT, rows)
    return [known[h] for h in hashes], {row[0] for row in rows}


def insert_annotated(
    conn: sqlite3.Connection,
    items: Sequence[AnnotatedDraft],
    *,
    editor: str | None = None,
    entity_ids: dict[str, int] | None = None,
) -> InsertResult:
    """Store documents and their layers in the caller's write transaction (one batch).

    What :func:`annotator.store.import_writer.insert_annotated` promises, on
    SQLite: documents already in the project (same text) get the spans; a
    span equal to one the annotator already has there (label, start, end and
    pieces) is skipped, and a relation to it links the stored span (once); each layer is
    written by its owner, the gold layer by ``editor`` (a reviewer), else
    :class:`PermissionDenied` with nothing written; every span, relation,
    status, entity and document label written gets its change-log row,
    marked imported. Offsets must already be checked against the text (the
    io layer does); a split span's pieces are normalised and checked again
    (:class:`OffsetError`). ``entity_ids`` maps the run's entity keys to
    stored ids (:class:`EntityKeys`), and gains the keys this batch adds.
    """
    result = InsertResult()
    if not items:
        return result
    writers = layer_writers(
        items, editor, _check_name, lambda layer, writer: check_can_write(conn, layer, writer)
    )
    now_time = datetime.now(UTC)
    now = time_text(now_time)
    people = _People(conn, now)
    doc_ids, fresh = _document_ids(conn, items, now)
    result.documents_added = len(fresh)
    result.documents_existing = len(set(doc_ids)) - len(fresh)
    result.document_ids = doc_ids

    # Documents this call inserted have nothing stored on them yet.
    stored_docs = sorted({d for d in doc_ids if d not in fresh})
    existing = stored_span_keys(
        _in_chunks(
            conn,
            'SELECT id, document_id, annotator_id, label, start, "end", fragments FROM spans '
            "WHERE document_id IN ({})",
            stored_docs,
        ),
        orjson.loads,
    )
    plan = plan_spans(items, doc_ids, people.id, existing)
    result.duplicate_spans = plan.duplicates

    next_span = _next_id(conn, "spans")
    span_rows: list[tuple[Any, ...]] = []
    split_rows: list[tuple[Any, ...]] = []  # split spans and mentions (rare)
    log_rows: list[tuple[Any, ...]] = []
    entities = _Entities(conn, now, entity_ids, result, log_rows)
    span_log_action, span_log_entity = _SPAN_LOG["action"], _SPAN_LOG["entity"]
    split = plan.split
    dumps = orjson.dumps
    span_id = next_span
    for planned in plan.layers:
        doc_id, ann_id, text, name = (
            planned.doc_id,
            planned.ann_id,
            planned.text,
            planned.layer.annotator,
        )
        for span in planned.new_spans:
            label, start, end = span.label, span.start, span.end
            attributes, note, version = span.attributes, span.note, span.version
            created = time_text(span.created_at) if span.created_at else now
            updated = time_text(span.updated_at) if span.updated_at else created
            if span.fragments is None and span.entity is None:
                surface = text[start:end]
                span_rows.append(
                    (span_id, doc_id, ann_id, label, start, end, surface,
                     dumps(attributes).decode(), note, created,
                     updated, version)
                )  # fmt: skip
                # The change record an edit adding this span would log.
                after = span_values(
                    doc_id, name, label, start, end, surface, attributes, note, version
                )
            else:
                start, end, surface, pieces = split[span_id - next_span]
                entity_id = entities.id(span.entity, planned.entities, ann_id)
                split_rows.append(
                    (span_id, doc_id, ann_id, label, start, end, surface,
                     dumps(attributes).decode(), note, created, updated, version,
                     None if pieces is None else json_text(pieces), entity_id)
                )  # fmt: skip
                after = span_log_values(
                    doc_id, name, label, start, end, surface, attributes, note, version,
                    pieces, entity_id,
                )  # fmt: skip
            log_rows.append(
                (now, ann_id, span_log_action, span_log_entity, span_id, doc_id, _NULL,
                 dumps(after).decode())
            )  # fmt: skip
            span_id += 1
    conn.executemany(_SPAN_INSERT, span_rows)
    conn.executemany(_SPLIT_SPAN_INSERT, split_rows)
    result.spans = plan.count
    del span_rows, split_rows

    def stored_links() -> set[Link]:
        return {
            (int(a), str(t), int(s), int(d))
            for a, t, s, d in _in_chunks(
                conn,
                "SELECT annotator_id, type, source_id, target_id FROM relations "
                "WHERE document_id IN ({})",
                stored_docs,
            )
        }

    relations, result.duplicate_relations = plan_relations(
        plan.layers, range(next_span, next_span + plan.count), stored_links
    )
    next_relation = _next_id(conn, "relations")
    relation_rows: list[tuple[Any, ...]] = []
    rel_log_action, rel_log_entity = _RELATION_LOG["action"], _RELATION_LOG["entity"]
    for relation_id, (planned, rel, source_id, target_id) in enumerate(relations, next_relation):
        doc_id, ann_id = planned.doc_id, planned.ann_id
        created = time_text(rel.created_at) if rel.created_at else now
        relation_rows.append((relation_id, doc_id, ann_id, rel.type, source_id, target_id, created))
        after = relation_values(planned.layer.annotator, rel.type, source_id, target_id)
        log_rows.append(
            (now, ann_id, rel_log_action, rel_log_entity, relation_id, doc_id, _NULL,
             dumps(after).decode())
        )  # fmt: skip
    conn.executemany(_RELATION_INSERT, relation_rows)
    result.relations = len(relation_rows)

    log_rows.extend(_store_statuses(conn, plan.layers, now, fresh))
    if any(planned.layer.document_labels for planned in plan.layers):
        log_rows.extend(_store_document_labels(conn, plan.layers, now, fresh, result))
    by = log_authors(writers, people.id)
    if by:
        log_rows = [(row[0], by.get(row[1], row[1]), *row[2:]) for row in log_rows]
    conn.executemany(_LOG_INSERT, log_rows)
    return result


def _check_name(editor: str) -> None:
    problem = name_problem(editor)
    if problem is not None:
        raise PermissionDenied(problem)


class _Entities:
    """The entities a batch's mentions name, found or created on first use
    (:func:`entity_id_for`), each creation logged as an edit's would be."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        now: str,
        ids: dict[str, int] | None,
        result: InsertResult,
        log_rows: list[tuple[Any, ...]],
    ) -> None:
        self.conn = conn
        self.now = now
        self.ids = {} if ids is None else ids
        self.result = result
        self.log_rows = log_rows

    def id(self, key: str | None, drafts: Sequence[EntityDraft], ann_id: int) -> int | None:
        if key is None:
            return None

        def find(draft: EntityDraft) -> int | None:
            row = self.conn.execute(
                "SELECT id FROM entities WHERE external_id = ? AND label = ? ORDER BY id LIMIT 1",
                (draft.external_id.strip(), draft.label),
            ).fetchone()
            return None if row is None else int(row[0])

        def create(draft: EntityDraft) -> int:
            entity = entity_values(draft)
            entity_id = _next_id(self.conn, "entities")
            self.conn.execute(
                _ENTITY_INSERT,
                (entity_id, entity.name, entity.label, entity.external_id,
                 json_text(list(entity.aliases)), self.now, self.now),
            )  # fmt: skip
            self.result.entities += 1
            after = entity_payload(replace(entity, id=entity_id))
            self.log_rows.append(
                (self.now, ann_id, _ENTITY_LOG["action"], _ENTITY_LOG["entity"], entity_id, None,
                 _NULL, json_text(after))
            )  # fmt: skip
            return entity_id

        return entity_id_for(key, self.ids, drafts, find, create)


def _store_document_labels(
    conn: sqlite3.Connection,
    layers: list[PlannedLayer],
    now: str,
    fresh: set[int],
    result: InsertResult,
) -> list[tuple[Any, ...]]:
    """Set each layer's document labels (a value replaces the stored one);
    returns the change-log rows."""
    wanted = wanted_document_labels(layers)
    current = {
        (int(d), int(a), str(n)): orjson.loads(v)
        for d, a, n, v in _in_chunks(
            conn,
            "SELECT document_id, annotator_id, name, value FROM document_labels "
            "WHERE document_id IN ({})",
            sorted({d for d, _, _ in wanted if d not in fresh}),
        )
    }
    logs: list[tuple[Any, ...]] = []
    for (doc_id, ann_id, name), before, value, record in document_label_changes(wanted, current):
        if before is None:
            conn.execute(_DOCUMENT_LABEL_INSERT, (doc_id, ann_id, name, json_text(value), now))
        else:
            conn.execute(_DOCUMENT_LABEL_UPDATE, (json_text(value), now, doc_id, ann_id, name))
        result.document_labels += 1
        logs.append(_log_row(record, ann_id, now))
    return logs


def _log_row(record: ChangeRecord, ann_id: int, now: str) -> tuple[Any, ...]:
    stored = record.to_json()
    return (
        now, ann_id, stored["action"], stored["entity"], stored["entity_id"],
        stored["document_id"], json_text(stored["before"]), json_text(stored["after"]),
    )  # fmt: skip


def _store_statuses(
    conn: sqlite3.Connection,
    layers: list[PlannedLayer],
    now: str,
    fresh: set[int],
) -> list[tuple[Any, ...]]:
    """Set the statuses the batch changes (:class:`StatusPlan`); returns the
    change-log rows."""
    statuses = StatusPlan(layers)
    if not statuses.wanted:
        return []
    current: dict[tuple[int, int], str] = {
        (int(d), int(a)): str(s)
        for d, a, s in _in_chunks(
            conn,
            "SELECT document_id, annotator_id, status FROM document_status "
            "WHERE document_id IN ({})",
            statuses.documents_to_read(fresh),
        )
    }
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    logs: list[tuple[Any, ...]] = []
    for doc_id, ann_id, status, before, record in statuses.changes(current):
        if before is None:
            inserts.append((doc_id, ann_id, status, now))
        else:
            updates.append((status, now, doc_id, ann_id))
        logs.append(_log_row(record, ann_id, now))
    conn.executemany(_STATUS_INSERT, inserts)
    conn.executemany(_STATUS_UPDATE, updates)
    return logs


class DirectWriter:
    """An import's batches into an SQLite project's file, one ``BEGIN IMMEDIATE``
    transaction each (committed with ``synchronous = FULL``: durable when it
    returns), holding the file open against a restore as :class:`Database` does
    (:class:`~annotator.store.sqlite_direct.OpenHold`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, hold: OpenHold) -> None:
        self.path = path
        self.conn = conn
        self._hold = hold
        self.entities = EntityKeys()

    def reviewer_problem(self, reviewer: str) -> str | None:
        """Why ``reviewer`` may not write the gold layer (None: they may)."""
        try:
            check_can_write(self.conn, GOLD_ANNOTATOR, reviewer)
        except PermissionDenied as exc:
            return str(exc)
        return None

    def store_batch(
        self, batch: Sequence[AnnotatedDraft], editor: str | None
    ) -> InsertResult | str:
        """Store one batch in one transaction (:func:`insert_annotated`), or say
        why none of it was stored; a file that cannot take writes (full disk,
        read-only, locked past the busy timeout) raises :class:`SaveFailed`,
        as a session of :class:`Database` does."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            entity_ids = self.entities.for_batch()
            result = insert_annotated(conn, batch, editor=editor, entity_ids=entity_ids)
            conn.execute("COMMIT")
            self.entities.keep(entity_ids)
        except (PermissionDenied, OffsetError) as exc:  # roles changed meanwhile; bad pieces
            self._rollback()
            return f"not stored: {exc}"
        except sqlite3.OperationalError as exc:
            self._rollback()
            raise SaveFailed(str(self.path), why_not_saved(str(exc).splitlines()[0])) from exc
        except sqlite3.Error as exc:
            self._rollback()
            return f"not stored: database error ({str(exc).splitlines()[0]})"
        except BaseException:
            self._rollback()
            raise
        return result

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()
        self._hold.release()
