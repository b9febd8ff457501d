"""The native export's reading on SQLite, with the standard library alone (issue 14).

The one source of the SQL an SQLite project's native export runs: the command
line runs it on a :mod:`sqlite3` connection of its own
(:mod:`annotator.store.sqlite_direct`, no SQLAlchemy loaded), and
:mod:`annotator.store.export_reader` on the driver connection under its
session, so both write the same bytes. SQLite writes each span and relation
as JSON text (``json_object``), which the native format embeds as it is
(``Layer.spans_json``); Python only orders the spans by offset and checks
each one's text against its document. Columns are always named.

This module imports no SQLAlchemy (see docs/design.md, "Bulk paths").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import orjson

from annotator.core.dataset import EntityRow, ExportDocument, ExportFilter, Layer, SurfaceMismatch
from annotator.core.model import GOLD_ANNOTATOR, DocStatus
from annotator.core.pieces import joined_text, pieces_of

READ_BATCH_DOCUMENTS = 500
"""Documents fetched per round of queries."""

BULK_READ_CACHE_KIB = 65_536
"""SQLite page cache while an export reads (the default is 2 MiB)."""


def _iso_sql(column: str) -> str:
    """SQLite's stored datetime text ("YYYY-MM-DD HH:MM:SS.ffffff", UTC) as ISO 8601 UTC."""
    return f"replace({column}, ' ', 'T') || 'Z'"


_PLAIN_SPAN_JSON = (
    "json_object('id', spans.id, 'start', spans.start, 'end', spans.\"end\", "
    "'label', spans.label, 'text', spans.text, 'attributes', "
    "CASE spans.attributes WHEN '{}' THEN json('{}') ELSE json(spans.attributes) END, "
    f"'note', spans.note, 'created_at', {_iso_sql('spans.created_at')}, "
    f"'updated_at', {_iso_sql('spans.updated_at')}, 'version', spans.version)"
)

SPAN_JSON = (
    "CASE WHEN spans.fragments IS NULL AND spans.entity_id IS NULL "
    f"THEN {_PLAIN_SPAN_JSON} ELSE json_patch({_PLAIN_SPAN_JSON}, "
    "json_object('fragments', json(spans.fragments), 'entity', spans.entity_id)) END"
)
"""One span as the native format writes it: a split span's ``fragments`` and a
mention's ``entity`` only where set (json_patch drops the null one), so every
other span's text is what it always was."""

RELATION_JSON = (
    "json_object('id', relations.id, 'type', relations.type, "
    "'source_id', relations.source_id, 'target_id', relations.target_id, "
    f"'created_at', {_iso_sql('relations.created_at')})"
)
"""One relation as the native format writes it."""


@contextmanager
def bulk_read(conn: sqlite3.Connection) -> Iterator[None]:
    """A 64 MiB page cache for the duration of a bulk read (reading spans by
    document and sorting them by offset touches more pages than the default 2
    MiB hold: about a quarter less time here); the previous size is restored."""
    previous = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{BULK_READ_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(previous or -2000)}")


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def annotator_names(conn: sqlite3.Connection) -> dict[int, str]:
    """Every annotator's name by id."""
    rows = conn.execute("SELECT annotators.id, annotators.name FROM annotators").fetchall()
    return {int(i): str(n) for i, n in rows}


def wanted_annotators(conn: sqlite3.Connection, flt: ExportFilter) -> dict[int, str]:
    names = annotator_names(conn)
    if flt.annotators is None:
        return names
    return {i: n for i, n in names.items() if n in flt.annotators}


def select_document_ids(conn: sqlite3.Connection, flt: ExportFilter) -> list[int]:
    """Ids (ascending) of the documents an export with this filter writes.

    With a status filter, a document counts only if one of the wanted
    annotators has one of the wanted statuses on it; with an annotator
    filter, only if one of them has spans or a status on it.
    """
    params: list[Any]
    if flt.statuses is not None and DocStatus.NEW.value not in flt.statuses:
        wanted = list(wanted_annotators(conn, flt))
        statuses = sorted(flt.statuses)
        sql = (
            "SELECT DISTINCT document_status.document_id FROM document_status "
            f"WHERE document_status.annotator_id IN ({_marks(wanted)}) "
            f"AND document_status.status IN ({_marks(statuses)}) "
            "ORDER BY document_status.document_id"
        )
        params = [*wanted, *statuses]
    elif flt.annotators is not None:
        # Only documents the wanted annotators worked on.
        wanted = list(wanted_annotators(conn, flt))
        sql = (
            "SELECT spans.document_id AS document_id FROM spans "
            f"WHERE spans.annotator_id IN ({_marks(wanted)}) "
            "UNION SELECT document_status.document_id AS document_id FROM document_status "
            f"WHERE document_status.annotator_id IN ({_marks(wanted)}) ORDER BY document_id"
        )
        params = [*wanted, *wanted]
    else:
        # Every document; a status filter with "new" is applied to the layers as read.
        sql = "SELECT documents.id FROM documents ORDER BY documents.id"
        params = []
    ids = [int(i) for (i,) in conn.execute(sql, params)]
    if flt.document_ids is not None:
        ids = [i for i in ids if i in flt.document_ids]
    return ids


def filter_refusal(conn: sqlite3.Connection, flt: ExportFilter) -> str | None:
    """:func:`refusal_of_filter` for the database on ``conn``."""
    missing: list[int] = []
    if flt.document_ids is not None:
        wanted = orjson.dumps(sorted(flt.document_ids)).decode()
        missing = [
            int(i)
            for (i,) in conn.execute(
                "SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM documents) "
                "ORDER BY value",
                (wanted,),
            )
        ]
    return refusal_of_filter(flt, annotator_names(conn).values(), missing)


def refusal_of_filter(
    flt: ExportFilter, names: Iterable[str], missing: Sequence[int]
) -> str | None:
    """Why an export with this filter is refused before anything is written
    (None: it is not): an annotator nobody is in the project (``names``), or
    document ids that name no document (``missing``). A typo would otherwise
    give an empty dataset that looks like a good one."""
    known = set(names)
    unknown = sorted((flt.annotators or frozenset()) - known)
    if GOLD_ANNOTATOR in unknown:
        return "no gold layer in this project yet: nothing was adjudicated"
    if unknown:
        return f"no annotator named {', '.join(map(repr, unknown))} in this project"
    if missing:
        return f"--doc {', '.join(map(str, missing))}: no document has this id in the project"
    return None


def iter_documents_json(
    conn: sqlite3.Connection,
    document_ids: Sequence[int],
    flt: ExportFilter,
    *,
    batch: int = READ_BATCH_DOCUMENTS,
) -> Iterator[ExportDocument]:
    """Documents with their layers (spans and relations as JSON text), in the
    order of ``document_ids``, ``batch`` at a time.

    A layer is an annotator with spans, relations or a status on the document,
    restricted by the filter: wanted annotators, wanted statuses, and wanted
    labels (a relation is kept only if both its spans are). Every span's
    surface text is checked against the document as it is read
    (:class:`SurfaceMismatch`: nothing may be written then).
    """
    who = wanted_annotators(conn, flt)
    who_ids = list(who)
    labels = sorted(flt.labels) if flt.labels is not None else None
    drop_empty = flt.statuses is not None or flt.annotators is not None
    has_mentions = any_mentions(conn)
    packed = labels is None and layers_pack(conn)
    for offset in range(0, len(document_ids), batch):
        chunk = list(document_ids[offset : offset + batch])
        docs: dict[int, ExportDocument] = {}
        for row in conn.execute(
            "SELECT documents.id, documents.title, documents.source, documents.url, "
            "documents.date, documents.meta, documents.text FROM documents "
            f"WHERE documents.id IN ({_marks(chunk)})",
            chunk,
        ).fetchall():
            meta = orjson.loads(row[5]) if row[5] is not None else {}
            docs[row[0]] = ExportDocument(row[0], row[1], row[2], row[3], row[4], meta, row[6])
        layers: dict[tuple[int, int], Layer] = {}
        for doc_id, annotator_id, status in conn.execute(
            "SELECT document_status.document_id, document_status.annotator_id, "
            "document_status.status FROM document_status "
            f"WHERE document_status.document_id IN ({_marks(chunk)}) "
            f"AND document_status.annotator_id IN ({_marks(who_ids)})",
            [*chunk, *who_ids],
        ).fetchall():
            layer_of(layers, who, doc_id, annotator_id).status = status
        kept: set[int] | None = set() if labels is not None else None
        if packed:
            _read_spans_packed(conn, chunk, who, docs, layers)
            _read_relations_packed(conn, chunk, who, layers)
        else:
            _read_spans(conn, chunk, who, labels, docs, layers, kept)
            _read_relations(conn, chunk, who, layers, kept)
        read_document_labels(conn, chunk, who, layers)
        mentions = _mentions(conn, chunk, who_ids, labels) if has_mentions else {}
        kept_layers = []
        for key, lay in sorted(layers.items(), key=lambda kv: (kv[0][0], kv[1].annotator)):
            if flt.statuses is not None and lay.status not in flt.statuses:
                continue
            if labels is not None and not lay.spans_json and lay.status == "new":
                continue
            docs[key[0]].layers.append(lay)
            kept_layers.append(key)
        if mentions:
            attach_entities(docs, kept_layers, mentions, lambda ids: entity_rows(conn, ids))
        for doc_id in chunk:
            found = docs.get(doc_id)
            if found is not None and (found.layers or not drop_empty):
                yield found


LAYER_BITS = 20
"""A layer's (document, annotator) packed into one integer, ``document_id <<
LAYER_BITS | annotator_id``, where both fit (:func:`layers_pack`)."""

_LAYER_MASK = (1 << LAYER_BITS) - 1


def layers_pack(conn: sqlite3.Connection) -> bool:
    """Whether every annotator id is below 2**20 and every document id below
    2**43, so that a layer's (document, annotator) packs into one SQLite
    integer (:data:`LAYER_BITS`) without loss (two looks at the rowids)."""
    ann = conn.execute("SELECT max(annotators.id), min(annotators.id) FROM annotators")
    top_ann, low_ann = ann.fetchone()
    doc = conn.execute("SELECT max(documents.id), min(documents.id) FROM documents")
    top_doc, low_doc = doc.fetchone()
    if top_ann is None or top_doc is None:
        return True  # nothing to read
    return bool(
        int(low_ann) >= 0
        and int(top_ann) <= _LAYER_MASK
        and int(low_doc) >= 0
        and int(top_doc) < 1 << 43
    )


def _read_spans_packed(
    conn: sqlite3.Connection,
    chunk: list[int],
    who: dict[int, str],
    docs: dict[int, ExportDocument],
    layers: dict[tuple[int, int], Layer],
) -> None:
    """:func:`_read_spans` without a label filter, reading two values fewer a
    span (each value read costs; Python 3.11's :mod:`sqlite3` even releases the
    GIL for each): the layer's (document, annotator) packed into one integer
    (:func:`layers_pack`), and no id: the rows come in the index's order
    (document, annotator, id), so a stable sort by (layer, start, end) is the
    order by (document, annotator, start, end, id). The id is read from the
    span's JSON only for a span whose text is not its document's there."""
    who_ids = list(who)
    rows = conn.execute(
        f"SELECT spans.document_id << {LAYER_BITS} | spans.annotator_id, spans.start, "
        f'spans."end", spans.text, CAST({SPAN_JSON} AS BLOB) FROM spans '
        f"WHERE spans.document_id IN ({_marks(chunk)}) "
        f"AND spans.annotator_id IN ({_marks(who_ids)}) "
        "ORDER BY spans.document_id, spans.annotator_id, spans.id",
        [*chunk, *who_ids],
    ).fetchall()
    rows.sort(key=itemgetter(0, 1, 2))
    current = -1
    doc_id = ann_id = -1
    text = ""
    out: list[bytes] = []
    append = out.append
    for layer, start, end, surface, as_json in rows:
        if layer != current:
            current = layer
            doc_id, ann_id = layer >> LAYER_BITS, layer & _LAYER_MASK
            out = layer_of(layers, who, doc_id, ann_id).spans_json = []
            append = out.append
            text = docs[doc_id].text
        if start < 0 or end <= start or text[start:end] != surface:
            sid = int(orjson.loads(as_json)["id"])
            if not _split_matches(conn, sid, text, start, end, surface):
                label = conn.execute("SELECT spans.label FROM spans WHERE spans.id = ?", (sid,))
                raise SurfaceMismatch(
                    mismatch(
                        docs[doc_id],
                        who[ann_id],
                        sid,
                        str(label.fetchone()[0]),
                        start,
                        end,
                        surface,
                    )
                )
        append(as_json)


def _read_relations_packed(
    conn: sqlite3.Connection,
    chunk: list[int],
    who: dict[int, str],
    layers: dict[tuple[int, int], Layer],
) -> None:
    """:func:`_read_relations` without a label filter: two values a relation."""
    who_ids = list(who)
    current = -1
    out: list[bytes] = []
    append = out.append
    for layer, as_json in conn.execute(
        f"SELECT relations.document_id << {LAYER_BITS} | relations.annotator_id, "
        f"CAST({RELATION_JSON} AS BLOB) FROM relations "
        f"WHERE relations.document_id IN ({_marks(chunk)}) "
        f"AND relations.annotator_id IN ({_marks(who_ids)}) ORDER BY relations.id",
        [*chunk, *who_ids],
    ).fetchall():
        if layer != current:
            current = layer
            lay = layer_of(layers, who, layer >> LAYER_BITS, layer & _LAYER_MASK)
            if lay.relations_json is None:
                lay.relations_json = []
            out = lay.relations_json
            append = out.append
        append(as_json)
    for lay in layers.values():
        if lay.spans_json is None:
            lay.spans_json = []
        if lay.relations_json is None:
            lay.relations_json = []


def _read_spans(
    conn: sqlite3.Connection,
    chunk: list[int],
    who: dict[int, str],
    labels: list[str] | None,
    docs: dict[int, ExportDocument],
    layers: dict[tuple[int, int], Layer],
    kept: set[int] | None,
) -> None:
    # Rows come in index order (document, annotator); sorting them by offset
    # here is cheaper than SQLite's sorter moving the JSON text around. Only
    # what the order and the surface check need comes besides the JSON text
    # (every value read costs): the label is read again for a mismatch.
    who_ids = list(who)
    sql = (
        'SELECT spans.id, spans.document_id, spans.annotator_id, spans.start, spans."end", '
        f"spans.text, CAST({SPAN_JSON} AS BLOB) FROM spans "
        f"WHERE spans.document_id IN ({_marks(chunk)}) "
        f"AND spans.annotator_id IN ({_marks(who_ids)})"
    )
    params: list[Any] = [*chunk, *who_ids]
    if labels is not None:
        sql += f" AND spans.label IN ({_marks(labels)})"
        params += labels
    sql += " ORDER BY spans.document_id, spans.annotator_id"
    rows = conn.execute(sql, params).fetchall()
    rows.sort(key=itemgetter(1, 2, 3, 4, 0))
    current_doc = current_ann = -1
    text = ""
    out: list[bytes] = []
    append = out.append
    for sid, doc_id, ann_id, start, end, surface, as_json in rows:
        if ann_id != current_ann or doc_id != current_doc:
            current_doc, current_ann = doc_id, ann_id
            lay = layer_of(layers, who, doc_id, ann_id)
            out = lay.spans_json = []
            append = out.append
            text = docs[doc_id].text
        if (start < 0 or end <= start or text[start:end] != surface) and not _split_matches(
            conn, sid, text, start, end, surface
        ):
            label = conn.execute("SELECT spans.label FROM spans WHERE spans.id = ?", (sid,))
            raise SurfaceMismatch(
                mismatch(
                    docs[doc_id], who[ann_id], sid, str(label.fetchone()[0]), start, end, surface
                )
            )
        append(as_json)
        if kept is not None:
            kept.add(sid)


def _read_relations(
    conn: sqlite3.Connection,
    chunk: list[int],
    who: dict[int, str],
    layers: dict[tuple[int, int], Layer],
    kept: set[int] | None,
) -> None:
    who_ids = list(who)
    for doc_id, ann_id, source_id, target_id, as_json in conn.execute(
        "SELECT relations.document_id, relations.annotator_id, relations.source_id, "
        f"relations.target_id, CAST({RELATION_JSON} AS BLOB) FROM relations "
        f"WHERE relations.document_id IN ({_marks(chunk)}) "
        f"AND relations.annotator_id IN ({_marks(who_ids)}) ORDER BY relations.id",
        [*chunk, *who_ids],
    ).fetchall():
        if kept is not None and (source_id not in kept or target_id not in kept):
            continue
        lay = layer_of(layers, who, doc_id, ann_id)
        if lay.relations_json is None:
            lay.relations_json = []
        lay.relations_json.append(as_json)
    for lay in layers.values():
        if lay.spans_json is None:
            lay.spans_json = []
        if lay.relations_json is None:
            lay.relations_json = []


def _split_matches(
    conn: sqlite3.Connection, span_id: int, text: str, start: int, end: int, surface: str
) -> bool:
    """Whether a span whose text is not ``text[start:end]`` is a split span whose
    text is its pieces' (read only then: plain spans pay nothing)."""
    row = conn.execute("SELECT spans.fragments FROM spans WHERE spans.id = ?", (span_id,))
    stored = row.fetchone()[0]
    return stored is not None and split_text_matches(
        text, start, end, orjson.loads(stored), surface
    )


def split_text_matches(
    text: str, start: int, end: int, fragments: list[list[int]], surface: str
) -> bool:
    """Whether a split span's stored text is its pieces of ``text`` joined, the
    pieces within the document and the outer ones at ``start`` and ``end``."""
    pieces = pieces_of(start, end, fragments)
    return (
        start >= 0
        and end <= len(text)
        and pieces[0][0] == start
        and pieces[-1][1] == end
        and joined_text(text, pieces) == surface
    )


def any_mentions(conn: sqlite3.Connection) -> bool:
    """Whether any span is a mention of an entity (one look at the index):
    without one, an export reads no entities at all."""
    found = conn.execute("SELECT 1 FROM spans WHERE spans.entity_id IS NOT NULL LIMIT 1")
    return found.fetchone() is not None


def _mentions(
    conn: sqlite3.Connection, chunk: list[int], who_ids: list[int], labels: list[str] | None
) -> dict[tuple[int, int], set[int]]:
    """(document, annotator) -> the entities its exported mentions name."""
    sql = (
        "SELECT DISTINCT spans.document_id, spans.annotator_id, spans.entity_id FROM spans "
        f"WHERE spans.document_id IN ({_marks(chunk)}) "
        f"AND spans.annotator_id IN ({_marks(who_ids)}) AND spans.entity_id IS NOT NULL"
    )
    params: list[Any] = [*chunk, *who_ids]
    if labels is not None:
        sql += f" AND spans.label IN ({_marks(labels)})"
        params += labels
    found: dict[tuple[int, int], set[int]] = {}
    for doc_id, ann_id, entity_id in conn.execute(sql, params):
        found.setdefault((doc_id, ann_id), set()).add(int(entity_id))
    return found


def entity_rows(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, EntityRow]:
    """The entities with these ids, by id."""
    found: dict[int, EntityRow] = {}
    for entity_id, name, label, external_id, aliases in conn.execute(
        "SELECT entities.id, entities.name, entities.label, entities.external_id, "
        f"entities.aliases FROM entities WHERE entities.id IN ({_marks(ids)})",
        list(ids),
    ):
        found[int(entity_id)] = entity_row(entity_id, name, label, external_id, aliases)
    return found


def entity_row(entity_id: Any, name: Any, label: Any, external_id: Any, aliases: Any) -> EntityRow:
    """An entity as exports write it (``aliases`` as stored: JSON text or a list)."""
    if isinstance(aliases, str | bytes):
        aliases = orjson.loads(aliases)
    return {
        "id": int(entity_id),
        "name": str(name),
        "label": str(label or ""),
        "external_id": str(external_id or ""),
        "aliases": [str(a) for a in aliases or ()],
    }


def attach_entities(
    docs: dict[int, ExportDocument],
    kept_layers: list[tuple[int, int]],
    mentions: dict[tuple[int, int], set[int]],
    fetch: Callable[[Sequence[int]], dict[int, EntityRow]],
) -> None:
    """Give each document the entities its kept layers' mentions name, each
    once, by id (``fetch`` reads them: one query for the batch)."""
    wanted: dict[int, set[int]] = {}
    for key in kept_layers:
        named = mentions.get(key)
        if named:
            wanted.setdefault(key[0], set()).update(named)
    if not wanted:
        return
    rows = fetch(sorted(set().union(*wanted.values())))
    for doc_id, ids in wanted.items():
        docs[doc_id].entities = [rows[i] for i in sorted(ids) if i in rows]


def read_document_labels(
    conn: sqlite3.Connection,
    chunk: list[int],
    who: dict[int, str],
    layers: dict[tuple[int, int], Layer],
) -> None:
    """Each layer's document labels (a layer with nothing but those is a layer too)."""
    who_ids = list(who)
    for doc_id, ann_id, name, value in conn.execute(
        "SELECT document_labels.document_id, document_labels.annotator_id, "
        "document_labels.name, document_labels.value FROM document_labels "
        f"WHERE document_labels.document_id IN ({_marks(chunk)}) "
        f"AND document_labels.annotator_id IN ({_marks(who_ids)}) ORDER BY document_labels.name",
        [*chunk, *who_ids],
    ):
        lay = layer_of(layers, who, doc_id, ann_id)
        lay.document_labels[str(name)] = orjson.loads(value)
        if lay.spans_json is None:
            lay.spans_json = []
        if lay.relations_json is None:
            lay.relations_json = []


def mismatch(
    doc: ExportDocument, annotator: str, span_id: int, label: str, start: int, end: int, text: str
) -> str:
    """What a span whose stored text is not its document's there is told as."""
    return (
        f"document {doc.id} ({doc.title[:60]!r}): span {span_id} ({annotator}, {label} "
        f"{start}-{end}) has stored text {text!r} but the document has "
        f"{doc.text[start:end]!r} there; nothing was written"
    )


def layer_of(
    layers: dict[tuple[int, int], Layer], who: dict[int, str], doc_id: int, annotator_id: int
) -> Layer:
    """The layer of ``annotator_id`` in document ``doc_id``, made when first asked for."""
    key = (doc_id, annotator_id)
    found = layers.get(key)
    if found is None:
        found = layers[key] = Layer(who[annotator_id])
    return found
