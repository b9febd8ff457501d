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
from collections.abc import Callable, Iterable, Sequence
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
from annotator.core.dataset import AnnotatedDraft, EntityDraft, InsertResult, LayerDraft, SpanDraft
from annotator.core.errors import PermissionDenied, SaveFailed
from annotator.core.model import (
    GOLD_ANNOTATOR,
    DocStatus,
    DocumentLabelValue,
    EntityData,
    JsonDict,
    OffsetError,
    clean_aliases,
    name_problem,
    write_problem,
)
from annotator.core.pieces import check_pieces, joined_text, normalise, stored_fragments
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


def split_span(
    text: str, span: SpanDraft
) -> tuple[int, int, str, tuple[tuple[int, int], ...] | None]:
    """A split span's outer bounds, text (its pieces joined) and stored pieces
    (None when they make one piece); a span without fragments as it is.
    Raises :class:`OffsetError` for pieces the text does not hold."""
    if span.fragments is None:
        return span.start, span.end, text[span.start : span.end], None
    pieces = normalise(span.fragments)
    check_pieces(len(text), pieces)
    return pieces[0][0], pieces[-1][1], joined_text(text, pieces), stored_fragments(pieces)


def span_log_values(
    doc_id: int, layer: str, label: str, start: int, end: int, surface: str,
    attributes: JsonDict, note: str, version: int,
    pieces: tuple[tuple[int, int], ...] | None, entity_id: int | None,
) -> JsonDict:  # fmt: skip
    """What an edit adding a split span or a mention logs
    (:func:`annotator.core.changes.span_payload`)."""
    after = span_values(doc_id, layer, label, start, end, surface, attributes, note, version)
    if pieces is not None:
        after["fragments"] = [list(piece) for piece in pieces]
    if entity_id is not None:
        after["entity"] = entity_id
    return after


class EntityKeys:
    """An import run's entities: a file's entity key -> the stored entity's id.

    Kept by the writer for the whole run (the same key in another batch is the
    same entity); a batch works on a copy (:meth:`for_batch`) that is kept
    only when the batch is stored (:meth:`keep`). The first time a key is
    used, the entity is the stored one with the same non-empty external id and
    label, or a new one (``find`` and ``create`` do the database's part).
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def for_batch(self) -> dict[str, int]:
        return dict(self.ids)

    def keep(self, ids: dict[str, int]) -> None:
        self.ids = ids


def entity_id_for(
    key: str,
    ids: dict[str, int],
    drafts: Sequence[EntityDraft],
    find: Callable[[EntityDraft], int | None],
    create: Callable[[EntityDraft], int],
) -> int:
    """The stored id of the entity ``key`` names (see :class:`EntityKeys`)."""
    found = ids.get(key)
    if found is None:
        draft = next((d for d in drafts if d.key == key), None)
        if draft is None:
            raise OffsetError(f"a mention names entity {key!r}, which the record does not list")
        found = find(draft) if draft.external_id.strip() else None
        if found is None:
            found = create(draft)
        ids[key] = found
    return found


def entity_values(draft: EntityDraft) -> EntityData:
    """An entity draft as stored (id 0 until it has one): names and aliases cleaned
    as :func:`annotator.store.entities.create_entity` cleans them."""
    name = draft.name.strip()
    if not name:
        raise OffsetError(f"entity {draft.key!r} has no name")
    return EntityData(0, name, draft.label, draft.external_id.strip(),
                      clean_aliases(draft.aliases, name))  # fmt: skip


def document_label_changes(
    wanted: dict[tuple[int, int, str], tuple[DocumentLabelValue, str]],
    current: dict[tuple[int, int, str], Any],
) -> Iterable[tuple[tuple[int, int, str], Any, Any, ChangeRecord]]:
    """For each (document, annotator, name) whose value changes: the key, the
    value before (None: none), the value after and the change record."""
    for key, (value, layer) in wanted.items():
        stored = list(value) if isinstance(value, list | tuple) else value
        before = current.get(key)
        if before == stored:
            continue
        doc_id, _, name = key
        record = ChangeRecord(
            Action.UPDATE, Entity.DOCUMENT_LABEL, doc_id, doc_id, layer,
            {"annotator": layer, "name": name, "value": before},
            {"annotator": layer, "name": name, "value": stored},
            imported=True,
        )  # fmt: skip
        yield key, before, stored, record


def wanted_document_labels(
    layer_meta: Iterable[tuple[int, int, LayerDraft]],
) -> dict[tuple[int, int, str], tuple[DocumentLabelValue, str]]:
    """(document, annotator, name) -> (value, layer) the drafts set (a later layer
    of the same annotator on the same document wins)."""
    wanted: dict[tuple[int, int, str], tuple[DocumentLabelValue, str]] = {}
    for doc_id, ann_id, lay in layer_meta:
        for name, value in lay.document_labels.items():
            wanted[(doc_id, ann_id, name)] = (value, lay.annotator)
    return wanted


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
    stored_docs = sorted({d for d in doc_ids if d not in fresh})
    existing: dict[tuple[int, int], dict[tuple[Any, ...], int]] = {}
    for sid, doc_id, ann_id, label, start, end, fragments in _in_chunks(
        conn,
        'SELECT id, document_id, annotator_id, label, start, "end", fragments FROM spans '
        "WHERE document_id IN ({})",
        stored_docs,
    ):
        stored_key = (
            (label, start, end) if fragments is None else _split_key(label, start, end, fragments)
        )
        existing.setdefault((doc_id, ann_id), {})[stored_key] = ~sid

    next_span = _next_id(conn, "spans")
    span_rows: list[tuple[Any, ...]] = []
    split_rows: list[tuple[Any, ...]] = []  # split spans and mentions (rare)
    log_rows: list[tuple[Any, ...]] = []
    entities = _Entities(conn, now, entity_ids, result, log_rows)
    span_log_action, span_log_entity = _SPAN_LOG["action"], _SPAN_LOG["entity"]
    # Per layer: the position of each of its spans among the new ones (or ~stored id).
    layer_positions: list[list[int]] = []
    layer_meta: list[tuple[int, int, LayerDraft]] = []
    dumps = orjson.dumps
    count = 0
    for item, doc_id in zip(items, doc_ids, strict=True):
        text = item.document.text
        for lay in item.layers:
            name = lay.annotator
            ann_id = people.id(name)
            seen = existing.setdefault((doc_id, ann_id), {})
            positions: list[int] = []
            for span in lay.spans:
                label, start, end = span.label, span.start, span.end
                plain = span.fragments is None and span.entity is None
                if plain:
                    key: tuple[Any, ...] = (label, start, end)
                else:
                    start, end, surface, pieces = split_span(text, span)
                    key = (label, start, end) if pieces is None else (label, start, end, pieces)
                if key in seen:
                    # A repeat points at the first copy, so its relations survive.
                    positions.append(seen[key])
                    result.duplicate_spans += 1
                    continue
                position = count
                count += 1
                seen[key] = position
                positions.append(position)
                attributes, note, version = span.attributes, span.note, span.version
                created = time_text(span.created_at) if span.created_at else now
                updated = time_text(span.updated_at) if span.updated_at else created
                span_id = next_span + position
                if plain:
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
                    entity_id = entities.id(span.entity, item.entities, ann_id)
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
            layer_positions.append(positions)
            layer_meta.append((doc_id, ann_id, lay))
    conn.executemany(_SPAN_INSERT, span_rows)
    conn.executemany(_SPLIT_SPAN_INSERT, split_rows)
    result.spans = count
    del span_rows, split_rows

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
    if any(lay.document_labels for _, _, lay in layer_meta):
        log_rows.extend(_store_document_labels(conn, layer_meta, now, fresh, result))
    # The log names who wrote each row: a gold layer's reviewer, not "gold".
    by = {
        people.id(layer): people.id(writer) for layer, writer in writers.items() if writer != layer
    }
    if by:
        log_rows = [(row[0], by.get(row[1], row[1]), *row[2:]) for row in log_rows]
    conn.executemany(_LOG_INSERT, log_rows)
    return result


def _split_key(label: str, start: int, end: int, fragments: Any) -> tuple[Any, ...]:
    """A stored split span's key among the duplicates (its pieces as :func:`split_span` gives)."""
    pieces = tuple((int(a), int(b)) for a, b in orjson.loads(fragments))
    return (label, start, end, pieces)


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
    layer_meta: list[tuple[int, int, LayerDraft]],
    now: str,
    fresh: set[int],
    result: InsertResult,
) -> list[tuple[Any, ...]]:
    """Set each layer's document labels (a value replaces the stored one);
    returns the change-log rows."""
    wanted = wanted_document_labels(layer_meta)
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
        stored = record.to_json()
        logs.append(
            (now, ann_id, stored["action"], stored["entity"], stored["entity_id"],
             stored["document_id"], json_text(stored["before"]), json_text(stored["after"]))
        )  # fmt: skip
    return logs


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
