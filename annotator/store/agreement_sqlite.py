"""What the agreement report reads, on SQLite, through :mod:`sqlite3` alone (issue 14).

The compared documents with their texts and the compared annotators' spans
(and, given the schema, their document labels and speaker links: issue 15),
read in SQL on a :mod:`sqlite3` connection. Every SQLite read of them runs
these functions: ``annotator agreement`` on a connection of its own
(:func:`annotator.store.sqlite_direct.connect`, so that the command never
loads SQLAlchemy, which costs more than half a second), and the window's
report through :mod:`annotator.store.agreement_data` on the session's own
connection. One reader, so the two cannot compare different spans;
PostgreSQL keeps the SQLAlchemy statements. Columns are always named: tables
may gain columns.

The caller holds the transaction (``BEGIN`` on a connection of its own, for
one snapshot). This module imports no SQLAlchemy (docs/design.md, "Bulk paths").
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

from annotator.core.agreement import AgreementDocument, SpanTuple, Speaker, attribution_links
from annotator.core.collector import gc_paused
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentLabelValue
from annotator.core.schema import LabelSchema
from annotator.core.span_layer import SpanLayer


class UnknownAnnotator(LookupError):
    """An annotator name that the project does not have."""

    def __init__(self, names: Sequence[str], known: Sequence[str]) -> None:
        self.names = list(names)
        self.known = list(known)
        which = ", ".join(repr(n) for n in names)
        have = ", ".join(known) or "none"
        super().__init__(f"no annotator named {which} in this project (annotators: {have})")


def annotators_with_spans(conn: sqlite3.Connection, *, include_gold: bool = False) -> list[str]:
    """Names of the annotators who have at least one span, sorted."""
    rows = conn.execute(
        "SELECT annotators.name FROM annotators WHERE EXISTS "
        "(SELECT spans.id FROM spans WHERE spans.annotator_id = annotators.id) "
        "ORDER BY annotators.name"
    ).fetchall()
    names = [str(name) for (name,) in rows]
    return names if include_gold else [n for n in names if n != GOLD_ANNOTATOR]


def document_titles(conn: sqlite3.Connection, document_ids: Sequence[int]) -> dict[int, str]:
    """The titles of these documents, by id (the ids as one JSON array: one
    parameter however many)."""
    rows = conn.execute(
        "SELECT documents.id, documents.title FROM documents "
        "WHERE documents.id IN (SELECT value FROM json_each(?))",
        [orjson.dumps(list(document_ids)).decode()],
    )
    return {int(i): str(t) for i, t in rows}


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _annotator_ids(conn: sqlite3.Connection, names: Sequence[str]) -> dict[str, int]:
    found = {
        str(name): int(i)
        for i, name in conn.execute(
            f"SELECT annotators.id, annotators.name FROM annotators "
            f"WHERE annotators.name IN ({_marks(len(names))})",
            list(names),
        )
    }
    missing = [n for n in names if n not in found]
    if missing:
        known = [
            str(n)
            for (n,) in conn.execute(
                "SELECT annotators.name FROM annotators ORDER BY annotators.name"
            )
        ]
        raise UnknownAnnotator(missing, known)
    return found


def read_agreement_documents(
    conn: sqlite3.Connection,
    annotators: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    all_documents: bool = False,
    schema: LabelSchema | None = None,
) -> list[AgreementDocument]:
    """The documents compared, by id, with the spans of ``annotators``.

    Those every one of the annotators marked done; with ``all_documents``,
    those where any of them has a span. ``labels`` keeps only spans with those
    labels (the set of documents does not change). With ``schema``, also
    their values of its document labels and the speakers of their quotes and
    claims (:func:`speaker_query_terms`), each one more query. Raises
    :class:`UnknownAnnotator` for a name the project lacks.
    """
    reading = AgreementReading(
        conn, annotators, labels=labels, all_documents=all_documents, schema=schema
    )
    with gc_paused():  # nothing read here forms cycles
        return list(reading)


class AgreementReading:
    """:func:`read_agreement_documents`, read as it is iterated: the compared
    documents' ids are read at once (``len``; :class:`UnknownAnnotator` is
    raised then), their texts and spans a chunk of about
    :data:`CHUNK_CHARACTERS` at a time, so what takes them (the agreement's
    counting) works on one chunk while the next is read. Iterate it inside
    the caller's transaction, on the connection given."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        annotators: Sequence[str],
        *,
        labels: Sequence[str] | None = None,
        all_documents: bool = False,
        schema: LabelSchema | None = None,
    ) -> None:
        self._conn = conn
        self._labels = labels
        self._schema = schema
        ids = _annotator_ids(conn, annotators) if annotators else {}
        self._name_of = {i: name for name, i in ids.items()}
        who = list(self._name_of)
        self._chunks: list[list[int]] = []
        self._count = 0
        if not who:
            return
        if all_documents:
            compared = (
                "SELECT DISTINCT spans.document_id FROM spans "
                f"WHERE spans.annotator_id IN ({_marks(len(who))})"
            )
            params: list[object] = [*who]
        else:
            compared = (
                "SELECT document_status.document_id FROM document_status "
                f"WHERE document_status.annotator_id IN ({_marks(len(who))}) "
                "AND document_status.status = ? GROUP BY document_status.document_id "
                "HAVING count(DISTINCT document_status.annotator_id) = ?"
            )
            params = [*who, DocStatus.DONE.value, len(who)]
        chunk: list[int] = []
        size = 0
        for doc_id, length in conn.execute(
            f"SELECT documents.id, documents.length FROM documents "
            f"WHERE documents.id IN ({compared}) ORDER BY documents.id",
            params,
        ):
            if chunk and size + length > CHUNK_CHARACTERS:
                self._chunks.append(chunk)
                chunk, size = [], 0
            chunk.append(int(doc_id))
            size += int(length)
            self._count += 1
        if chunk:
            self._chunks.append(chunk)

    def __len__(self) -> int:
        return self._count

    @property
    def ids(self) -> list[int]:
        """The compared documents' ids, in order."""
        return [doc_id for chunk in self._chunks for doc_id in chunk]

    def __iter__(self) -> Iterator[AgreementDocument]:
        for chunk in self._chunks:
            yield from _read_chunk(self._conn, chunk, self._name_of, self._labels, self._schema)

    @property
    def chunks(self) -> int:
        """How many chunks the documents are read in."""
        return len(self._chunks)

    def part(self, chunks: slice, conn: sqlite3.Connection | None = None) -> AgreementReading:
        """The documents of ``chunks`` only, read on ``conn`` (None: this
        reading's connection; another must see the same data, in a
        transaction of its own)."""
        part = copy.copy(self)
        part._chunks = self._chunks[chunks]
        part._count = sum(map(len, part._chunks))
        if conn is not None:
            part._conn = conn
        return part


CHUNK_CHARACTERS = 1_000_000
"""Text read at once: the agreement counts a batch of about as much
(``annotator.core.agreement_counts.BATCH_CHARACTERS``, not imported here: a
reader loads no NumPy) while the next is read."""


def speaker_query_terms(
    schema: LabelSchema, labels: Sequence[str] | None
) -> tuple[set[tuple[str, str]], list[str], list[str]]:
    """The attribution links to read (relation type, source label) and, for a
    query's ``IN`` lists, their types and labels; ``--label`` narrows them."""
    links = {
        (kind, label)
        for kind, label in attribution_links(schema)
        if labels is None or label in labels
    }
    return links, sorted({k for k, _ in links}), sorted({label for _, label in links})


def speakers_by_layer(
    rows: Iterable[Sequence[Any]], links: set[tuple[str, str]]
) -> dict[tuple[int, int], dict[SpanTuple, frozenset[Speaker]]]:
    """(document, annotator id) -> {quote or claim span: its speakers}, from
    rows of (document, annotator id, start, end, label, relation type, target
    entity id, target start, target end). A speaker is the target's entity,
    else its extent."""
    found: dict[tuple[int, int], dict[SpanTuple, set[Speaker]]] = {}
    for doc_id, who, start, end, label, kind, entity_id, t_start, t_end in rows:
        if (kind, label) not in links:
            continue
        speaker: Speaker = int(entity_id) if entity_id is not None else (t_start, t_end)
        layer = found.setdefault((int(doc_id), int(who)), {})
        layer.setdefault((start, end, label), set()).add(speaker)
    return {
        key: {span: frozenset(who) for span, who in layer.items()} for key, layer in found.items()
    }


def compared_documents(
    texts: Iterable[Sequence[Any]],
    name_of: Mapping[int, str],
    layers: Mapping[tuple[int, int], Sequence[SpanTuple]],
    document_labels: Mapping[tuple[int, int], dict[str, DocumentLabelValue]],
    speakers: Mapping[tuple[int, int], dict[SpanTuple, frozenset[Speaker]]],
) -> list[AgreementDocument]:
    """The documents as the maths takes them, from what either reader read,
    each mapping keyed by (document, annotator id)."""
    return [
        AgreementDocument(
            int(doc_id),
            str(text),
            {
                name: layers[(doc_id, annotator_id)]
                for annotator_id, name in name_of.items()
                if (doc_id, annotator_id) in layers
            },
            {
                name: document_labels[(doc_id, annotator_id)]
                for annotator_id, name in name_of.items()
                if (doc_id, annotator_id) in document_labels
            },
            {
                name: speakers[(doc_id, annotator_id)]
                for annotator_id, name in name_of.items()
                if (doc_id, annotator_id) in speakers
            },
        )
        for doc_id, text in texts
    ]


def _read_chunk(
    conn: sqlite3.Connection,
    document_ids: Sequence[int],
    name_of: Mapping[int, str],
    labels: Sequence[str] | None,
    schema: LabelSchema | None,
) -> list[AgreementDocument]:
    """These compared documents with ``name_of``'s spans (their ids as one
    JSON array: one parameter however many)."""
    who = list(name_of)
    compared = "SELECT value FROM json_each(?)"
    compared_params: list[object] = [orjson.dumps(list(document_ids)).decode()]
    texts = conn.execute(
        f"SELECT documents.id, documents.text FROM documents "
        f"WHERE documents.id IN ({compared}) ORDER BY documents.id",
        compared_params,
    ).fetchall()
    # One row per layer, each column of its spans one JSON array made by
    # SQLite: three values per layer instead of four per span reach Python,
    # kept as columns (SpanLayer), which the counting takes as they are. The
    # spans come in the index's order (by id, as a layer's rows are stored);
    # no figure depends on the order (tests/core/test_agreement_pinned.py),
    # so it is not read to check.
    label_filter = ""
    label_params: list[object] = []
    if labels is not None:
        label_filter = f" AND spans.label IN ({_marks(len(labels))})"
        label_params = list(labels)
    layers: dict[tuple[int, int], Sequence[SpanTuple]] = {}
    cursor = conn.execute(
        "SELECT spans.document_id, spans.annotator_id, "
        'json_group_array(spans.start), json_group_array(spans."end"), '
        "json_group_array(spans.label) "
        f"FROM spans WHERE spans.annotator_id IN ({_marks(len(who))}) "
        f"AND spans.document_id IN ({compared}){label_filter} "
        "GROUP BY spans.document_id, spans.annotator_id",
        [*who, *compared_params, *label_params],
    )
    loads = orjson.loads
    for doc_id, annotator_id, starts_json, ends_json, labels_json in cursor:
        layers[(doc_id, annotator_id)] = SpanLayer(
            loads(starts_json), loads(ends_json), loads(labels_json)
        )
    document_labels: dict[tuple[int, int], dict[str, DocumentLabelValue]] = {}
    speakers: dict[tuple[int, int], dict[SpanTuple, frozenset[Speaker]]] = {}
    if schema is not None and schema.document_labels:
        declared = [d.name for d in schema.document_labels]
        for doc_id, annotator_id, name, value in conn.execute(
            "SELECT document_labels.document_id, document_labels.annotator_id, "
            "document_labels.name, document_labels.value FROM document_labels "
            f"WHERE document_labels.annotator_id IN ({_marks(len(who))}) "
            f"AND document_labels.name IN ({_marks(len(declared))}) "
            f"AND document_labels.document_id IN ({compared})",
            [*who, *declared, *compared_params],
        ):
            document_labels.setdefault((doc_id, annotator_id), {})[name] = loads(value)
    if schema is not None:
        links, kinds, sources = speaker_query_terms(schema, labels)
        if links:
            # From the compared documents' relations (their index), not from
            # every compared span: SQLite otherwise visits each span to find
            # the few that are linked (0.1 s for 300,000). CROSS JOIN keeps
            # that order; a relation's document is its spans' (add_relation).
            rows = conn.execute(
                "SELECT source.document_id, source.annotator_id, source.start, "
                'source."end", source.label, relations.type, target.entity_id, '
                'target.start, target."end" FROM relations '
                "CROSS JOIN spans AS source ON source.id = relations.source_id "
                "JOIN spans AS target ON target.id = relations.target_id "
                f"WHERE relations.document_id IN ({compared}) "
                f"AND relations.type IN ({_marks(len(kinds))}) "
                f"AND source.label IN ({_marks(len(sources))}) "
                f"AND source.annotator_id IN ({_marks(len(who))}) "
                f"AND source.document_id IN ({compared})",
                [*compared_params, *kinds, *sources, *who, *compared_params],
            )
            speakers = speakers_by_layer(rows, links)
    return compared_documents(texts, name_of, layers, document_labels, speakers)
