"""The import writer on SQLite, in SQL through :mod:`sqlite3` alone (issue 14).

:func:`insert_annotated` stores :mod:`annotator.core.dataset` drafts on an
SQLite connection inside the caller's write transaction (begun with ``BEGIN
IMMEDIATE``: no one else writes until it ends, so looking for stored
articles and numbering new rows from the tables' maxima holds). Every SQLite
import runs it: the command line's, on a connection of its own
(:func:`annotator.store.sqlite_direct.connect`, without loading SQLAlchemy),
and everyone else's through :func:`annotator.store.import_writer.insert_annotated`,
on the session's own connection. One writer, so the two cannot store
different rows; PostgreSQL keeps the SQLAlchemy writer.

Values are written as the models' column types write them on SQLite
(:func:`time_text`, :func:`json_text`; a test holds them to the types), and
columns are always named: tables may gain columns with defaults.

This module imports no SQLAlchemy (see docs/design.md, "Bulk paths").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from annotator.core.changes import (
    Action,
    ChangeRecord,
    Entity,
    relation_values,
    span_values,
    stored_change,
)
from annotator.core.dataset import AnnotatedDraft, InsertResult, LayerDraft
from annotator.core.errors import PermissionDenied, SaveFailed
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, name_problem, write_problem
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


def _check_writers(
    conn: sqlite3.Connection, items: Sequence[AnnotatedDraft], editor: str | None
) -> dict[str, str]:
    """Layer -> who writes it (its owner; ``editor`` for gold), each checked."""
    if editor is not None:
        problem = name_problem(editor)
        if problem is not None:
            raise PermissionDenied(problem)
    writers: dict[str, str] = {}
    for item in items:
        for lay in item.layers:
            if lay.annotator not in writers:
                writer = editor if editor and lay.annotator == GOLD_ANNOTATOR else lay.annotator
                check_can_write(conn, lay.annotator, writer)
                writers[lay.annotator] = writer
    return writers


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
    conn: sqlite3.Connection, items: Sequence[AnnotatedDraft], *, editor: str | None = None
) -> InsertResult:
    """Store documents and their layers in the caller's write transaction (one batch).

    What :func:`annotator.store.import_writer.insert_annotated` promises, on
    SQLite: documents already in the project (same text) get the spans; a
    span equal to one the annotator already has there (label, start, end) is
    skipped, and a relation to it links the stored span (once); each layer is
    written by its owner, the gold layer by ``editor`` (a reviewer), else
    :class:`PermissionDenied` with nothing written; every span, relation and
    status written gets its change-log row, marked imported. Offsets must
    already be checked against the text (the io layer does).
    """
    result = InsertResult()
    if not items:
        return result
    writers = _check_writers(conn, items, editor)
    now_time = datetime.now(UTC)
    now = time_text(now_time)
    people = _People(conn, now)
    doc_ids, fresh = _document_ids(conn, items, now)
    result.documents_added = len(fresh)
    result.documents_existing = len(set(doc_ids)) - len(fresh)
    result.document_ids = doc_ids

    # Spans each annotator already has on documents stored before this call
    # (those this call inserted have none): (document, annotator) -> (label,
    # start, end) -> the span's position among the new ones, or ~id (negative)
    # of a stored span.
    existing: dict[tuple[int, int], dict[tuple[str, int, int], int]] = {}
    stored_docs = sorted({d for d in doc_ids if d not in fresh})
    for sid, doc_id, ann_id, label, start, end in _in_chunks(
        conn,
        'SELECT id, document_id, annotator_id, label, start, "end" FROM spans '
        "WHERE document_id IN ({})",
        stored_docs,
    ):
        existing.setdefault((doc_id, ann_id), {})[(label, start, end)] = ~sid

    next_span = _next_id(conn, "spans")
    span_rows: list[tuple[Any, ...]] = []
    log_rows: list[tuple[Any, ...]] = []
    span_log_action, span_log_entity = _SPAN_LOG["action"], _SPAN_LOG["entity"]
    # Per layer: the position of each of its spans among the new ones (or ~stored id).
    layer_positions: list[list[int]] = []
    layer_meta: list[tuple[int, int, LayerDraft]] = []
    dumps = orjson.dumps
    for item, doc_id in zip(items, doc_ids, strict=True):
        text = item.document.text
        for lay in item.layers:
            name = lay.annotator
            ann_id = people.id(name)
            seen = existing.setdefault((doc_id, ann_id), {})
            positions: list[int] = []
            for span in lay.spans:
                label, start, end = span.label, span.start, span.end
                key = (label, start, end)
                if key in seen:
                    # A repeat points at the first copy, so its relations survive.
                    positions.append(seen[key])
                    result.duplicate_spans += 1
                    continue
                position = len(span_rows)
                seen[key] = position
                positions.append(position)
                surface = text[start:end]
                attributes, note, version = span.attributes, span.note, span.version
                created = time_text(span.created_at) if span.created_at else now
                updated = time_text(span.updated_at) if span.updated_at else created
                span_id = next_span + position
                span_rows.append(
                    (span_id, doc_id, ann_id, label, start, end, surface,
                     dumps(attributes).decode(), note, created,
                     updated, version)
                )  # fmt: skip
                # The change record an edit adding this span would log.
                after = span_values(
                    doc_id, name, label, start, end, surface, attributes, note, version
                )
                log_rows.append(
                    (now, ann_id, span_log_action, span_log_entity, span_id, doc_id, _NULL,
                     dumps(after).decode())
                )  # fmt: skip
            layer_positions.append(positions)
            layer_meta.append((doc_id, ann_id, lay))
    conn.executemany(_SPAN_INSERT, span_rows)
    result.spans = len(span_rows)
    del span_rows

    next_relation = _next_id(conn, "relations")
    relation_rows: list[tuple[Any, ...]] = []
    stored_relations: set[tuple[int, str, int, int]] | None = None
    written: set[tuple[int, str, int, int]] = set()  # (annotator, type, source, target)
    rel_log_action, rel_log_entity = _RELATION_LOG["action"], _RELATION_LOG["entity"]
    for positions, (doc_id, ann_id, lay) in zip(layer_positions, layer_meta, strict=True):
        for rel in lay.relations:
            src, dst = positions[rel.source], positions[rel.target]
            source_id = next_span + src if src >= 0 else ~src
            target_id = next_span + dst if dst >= 0 else ~dst
            if source_id == target_id:
                continue  # two copies of one span: the io layer refuses a span linked to itself
            link = (ann_id, rel.type, source_id, target_id)
            if link in written:  # a record repeated in this batch
                result.duplicate_relations += 1
                continue
            written.add(link)
            if src < 0 and dst < 0:
                # Both spans were stored before: the relation may be too.
                if stored_relations is None:
                    stored_relations = {
                        (int(a), str(t), int(s), int(d))
                        for a, t, s, d in _in_chunks(
                            conn,
                            "SELECT annotator_id, type, source_id, target_id FROM relations "
                            "WHERE document_id IN ({})",
                            stored_docs,
                        )
                    }
                if link in stored_relations:
                    result.duplicate_relations += 1
                    continue
            relation_id = next_relation + len(relation_rows)
            created = time_text(rel.created_at) if rel.created_at else now
            relation_rows.append(
                (relation_id, doc_id, ann_id, rel.type, source_id, target_id, created)
            )
            after = relation_values(lay.annotator, rel.type, source_id, target_id)
            log_rows.append(
                (now, ann_id, rel_log_action, rel_log_entity, relation_id, doc_id, _NULL,
                 dumps(after).decode())
            )  # fmt: skip
    conn.executemany(_RELATION_INSERT, relation_rows)
    result.relations = len(relation_rows)

    log_rows.extend(_store_statuses(conn, layer_meta, now, fresh))
    # The log names who wrote each row: a gold layer's reviewer, not "gold".
    by = {
        people.id(layer): people.id(writer) for layer, writer in writers.items() if writer != layer
    }
    if by:
        log_rows = [(row[0], by.get(row[1], row[1]), *row[2:]) for row in log_rows]
    conn.executemany(_LOG_INSERT, log_rows)
    return result


def _store_statuses(
    conn: sqlite3.Connection,
    layer_meta: list[tuple[int, int, LayerDraft]],
    now: str,
    fresh: set[int],
) -> list[tuple[Any, ...]]:
    """Set each layer's status: the one it names, else "in progress" for a layer
    with spans or relations and no status yet. Returns the change-log rows.
    Documents in ``fresh`` were inserted by this transaction: they have none yet."""
    wanted: dict[tuple[int, int], str] = {}
    for doc_id, ann_id, lay in layer_meta:
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
    current: dict[tuple[int, int], str] = {
        (int(d), int(a)): str(s)
        for d, a, s in _in_chunks(
            conn,
            "SELECT document_id, annotator_id, status FROM document_status "
            "WHERE document_id IN ({})",
            sorted({d for d, _ in wanted if d not in fresh}),
        )
    }
    explicit = {(d, a) for d, a, lay in layer_meta if lay.status is not None}
    owners = {(d, a): lay.annotator for d, a, lay in layer_meta}
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    logs: list[tuple[Any, ...]] = []
    for (doc_id, ann_id), status in wanted.items():
        before = current.get((doc_id, ann_id))
        if before == status or (before is not None and (doc_id, ann_id) not in explicit):
            continue
        if before is None:
            inserts.append((doc_id, ann_id, status, now))
        else:
            updates.append((status, now, doc_id, ann_id))
        record = ChangeRecord.status(
            doc_id, owners[(doc_id, ann_id)], before or DocStatus.NEW.value, status, imported=True
        ).to_json()
        logs.append(
            (now, ann_id, record["action"], record["entity"], record["entity_id"],
             record["document_id"], json_text(record["before"]), json_text(record["after"]))
        )  # fmt: skip
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
            result = insert_annotated(conn, batch, editor=editor)
            conn.execute("COMMIT")
        except PermissionDenied as exc:  # checked before; a role changed meanwhile
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
