"""The fast read of one document for the annotation window (issue 14).

A click in the document list reads the text, every span and link of the
layers shown: 20,000 spans in a big article. Read through the ORM's types,
each row's two timestamps went through the ``UTCDateTime`` decorator one at
a time and its attributes through the JSON type (about 0.2 s for 20,000
spans). Here the same Core select names plain columns whose values arrive
as the driver gives them, and each column is converted once per distinct
value: a timestamp string (SQLite) or a datetime (PostgreSQL) is parsed or
moved to UTC once and shared, an empty ``{}`` of attributes becomes a new
empty dict without a parse. The values are the same as
:func:`annotator.store.repository.read_spans` gives (``tests/store/
test_document_reader.py`` compares the two on SQLite and PostgreSQL), in the
same order: start, longer first, id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from operator import add, itemgetter
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from annotator.core.collector import gc_paused
from annotator.core.errors import NotFound
from annotator.core.model import RelationData, SpanData
from annotator.store.export_reader import plain_rows
from annotator.store.models import Annotator, Document, Relation, Span, UTCDateTime


@dataclass(frozen=True, slots=True)
class DocumentRead:
    """A document's text with the spans and links of the layers read."""

    text: str
    spans: list[SpanData]
    relations: list[RelationData]


def read_document(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> DocumentRead:
    """The text, and the spans and links of ``annotators`` (None: everyone's)."""
    text = session.scalar(select(Document.text).where(Document.id == document_id))
    if text is None:
        raise NotFound(f"no document with id {document_id}")
    names = _layer_names(session, annotators)
    if not names:
        return DocumentRead(text, [], [])
    every = annotators is None
    with gc_paused():
        return DocumentRead(
            text,
            _spans(session, document_id, names, every),
            _relations(session, document_id, names, every),
        )


def _layer_names(session: Session, annotators: Sequence[str] | None) -> dict[int, str]:
    """The layers asked for, by id (the annotators table is small)."""
    rows = session.connection().execute(select(Annotator.id, Annotator.name)).all()
    if annotators is None:
        return {i: name for i, name in rows}
    wanted = set(annotators)
    return {i: name for i, name in rows if name in wanted}


# Timestamps and attributes as the driver hands them over: no per-row type
# processing (type_coerce changes no SQL, only how results are read).
_RAW_SPAN_COLUMNS = (
    Span.id,
    Span.annotator_id,
    Span.label,
    Span.start,
    Span.end,
    Span.text,
    type_coerce(Span.attributes, String),
    Span.note,
    type_coerce(Span.created_at, String),
    type_coerce(Span.updated_at, String),
    Span.version,
)


def read_spans(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[SpanData]:
    """The spans of a document in the layers ``annotators`` (None: every
    layer), ordered by start, longer first, then id: the same values as
    ``repository.read_spans``."""
    names = _layer_names(session, annotators)
    return _spans(session, document_id, names, annotators is None) if names else []


def read_relations(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[RelationData]:
    """The links of a document in the layers ``annotators`` (None: every layer), by id."""
    names = _layer_names(session, annotators)
    return _relations(session, document_id, names, annotators is None) if names else []


def _of_layers(stmt: Any, column: Any, names: dict[int, str], every: bool) -> Any:
    if every:
        return stmt
    if len(names) == 1:
        return stmt.where(column == next(iter(names)))
    return stmt.where(column.in_(list(names)))


def _spans(
    session: Session, document_id: int, names: dict[int, str], every: bool
) -> list[SpanData]:
    stmt = select(*_RAW_SPAN_COLUMNS).where(Span.document_id == document_id)
    stmt = _of_layers(stmt, Span.annotator_id, names, every)
    stmt = stmt.order_by(Span.start, Span.end.desc(), Span.id)
    with gc_paused():
        return _span_data(session.connection(), stmt, document_id, names)


def _span_data(
    connection: Any, stmt: Any, document_id: int, names: dict[int, str]
) -> list[SpanData]:
    rows = plain_rows(connection, stmt)
    if not rows:
        return []
    dialect = connection.dialect
    # Column by column, each distinct value converted once, SpanData made by
    # map: no Python frame per row.
    (ids, who, labels, starts, ends, texts, attrs, notes, created, updated, versions) = zip(
        *rows, strict=True
    )
    timestamps = _timestamps(dialect, {*created, *updated})
    return list(
        map(
            SpanData,
            ids,
            repeat(document_id),
            map(names.__getitem__, who),
            labels,
            starts,
            ends,
            texts,
            _attributes(dialect, attrs),
            notes,
            map(timestamps.__getitem__, created),
            map(timestamps.__getitem__, updated),
            versions,
        )
    )


def _relations(
    session: Session, document_id: int, names: dict[int, str], every: bool
) -> list[RelationData]:
    stmt = select(
        Relation.id, Relation.annotator_id, Relation.type, Relation.source_id, Relation.target_id
    ).where(Relation.document_id == document_id)
    stmt = _of_layers(stmt, Relation.annotator_id, names, every)
    rows = session.connection().execute(stmt.order_by(Relation.id)).all()
    return [
        RelationData(rel_id, document_id, names[who], kind, source, target)
        for rel_id, who, kind, source, target in rows
    ]


def _timestamps(dialect: Any, raw_values: set[Any]) -> dict[Any, datetime | None]:
    """Each raw timestamp -> the aware UTC datetime ``UTCDateTime`` reads
    (datetimes are immutable: the spans share them)."""
    if _all_sqlite_form(raw_values):
        # SQLite's stored form "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC: parsed
        # as UTC in one C call each, no Python frame per value.
        raws = list(raw_values)
        parsed = map(datetime.fromisoformat, map(add, raws, repeat("+00:00")))
        return dict(zip(raws, parsed, strict=True))
    full = UTCDateTime().result_processor(dialect, None)
    converted: dict[Any, datetime | None] = {}
    for raw in raw_values:
        value: datetime | None
        if raw is None:
            value = None
        elif isinstance(raw, datetime):
            value = raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
        elif full is not None:
            value = full(raw)
        else:  # pragma: no cover - every dialect that hands over text has a processor
            value = raw
        converted[raw] = value
    return converted


def _all_sqlite_form(raw_values: set[Any]) -> bool:
    try:
        return set(map(len, raw_values)) == {26} and set(map(itemgetter(10), raw_values)) == {" "}
    except TypeError:  # None, or datetimes (PostgreSQL)
        return False


def _attributes(dialect: Any, raws: Sequence[Any]) -> list[Any]:
    """Each raw attributes value -> the dict the JSON type reads: a new one
    per span (they are not shared), ``{}`` without a parse or a call."""
    from sqlalchemy import JSON

    parse = JSON().result_processor(dialect, None)
    if parse is None:  # the driver parsed them (PostgreSQL)
        return list(raws)
    return [{} if raw == "{}" else parse(raw) for raw in raws]
