"""The fast read of one document for the annotation window (issue 14).

A click in the document list reads the text, every span and link of the
layers shown: 20,000 spans in a big article. Read through the ORM's types,
each row's two timestamps went through the ``UTCDateTime`` decorator one at
a time and its attributes through the JSON type (about 0.2 s for 20,000
spans). Here a Core select names plain columns whose values arrive as the
driver gives them, kept column by column in a :class:`SpanRows`
(``annotator/core/span_rows.py``): a span's ``SpanData``, its timestamps
(parsed, or moved to UTC) and its attributes (``{}`` without a parse) are
made the first time the span is asked for, and its text is the document's
between its offsets (not read). On SQLite each column comes as one JSON
array (``first_read.span_columns``), cheaper than a Python tuple per row.
The values are the same as
:func:`annotator.store.repository.read_spans` gives (``tests/store/
test_document_reader.py`` compares the two on SQLite and PostgreSQL), in the
same order: start, longer first, id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from annotator.core.collector import gc_paused
from annotator.core.errors import NotFound
from annotator.core.model import JsonDict, RelationData, SpanData
from annotator.core.span_rows import DetailsLoader, SpanRows
from annotator.store.db import Database
from annotator.store.export_reader import plain_rows
from annotator.store.first_read import span_columns, span_details
from annotator.store.models import Annotator, Document, Relation, Span, UTCDateTime


@dataclass(frozen=True, slots=True)
class DocumentRead:
    """A document's text with the spans and links of the layers read."""

    text: str
    spans: SpanRows
    relations: list[RelationData]


def read_document(
    session: Session,
    document_id: int,
    annotators: Sequence[str] | None = None,
    load_details: DetailsLoader | None = None,
) -> DocumentRead:
    """The text, and the spans and links of ``annotators`` (None: everyone's).

    With ``load_details`` (a function calling :func:`read_span_details` in a
    read of its own), an SQLite database's spans are read without their
    attributes, note and timestamps, which it reads when a span is first
    made (``core/span_rows.py``); the window's click does not wait for them.
    """
    whole = read_document_start(session, document_id, annotators, len, load_details)
    return DocumentRead(whole.text, whole.spans, whole.relations)


@dataclass(frozen=True, slots=True)
class DocumentStart:
    """A document's text with the spans of its first screen, as a window
    paints it before it reads the rest (:func:`read_document_start`)."""

    text: str
    spans: SpanRows
    """The spans that start before :attr:`screen_end` (the first screen's)."""
    screen_end: int
    complete: bool
    """Every span is here (the text ends on the first screen): nothing more to read."""
    relations: list[RelationData]
    """The links, read only when :attr:`complete` (the view draws none)."""


def read_document_start(
    session: Session,
    document_id: int,
    annotators: Sequence[str] | None,
    screen_end: Callable[[str], int],
    load_details: DetailsLoader | None = None,
) -> DocumentStart:
    """The text, and the spans of ``annotators`` that start before
    ``screen_end(text)``: every span a screen ending there can show. Reading
    20,000 spans takes longer than painting the article; the first screen's
    few hundred take a few milliseconds. When the text ends on that
    screen, everything is read: spans and links, as :func:`read_document`."""
    text = session.scalar(select(Document.text).where(Document.id == document_id))
    if text is None:
        raise NotFound(f"no document with id {document_id}")
    end = screen_end(text)
    complete = end >= len(text)
    names = _layer_names(session, annotators)
    with gc_paused():
        spans = _spans(
            session,
            document_id,
            text,
            names,
            annotators is None,
            load_details,
            starting_before=None if complete else end,
        )
        relations = (
            _relations(session, document_id, names, annotators is None)
            if complete and names
            else []
        )
    return DocumentStart(text, spans, end, complete, relations)


def read_span_details(db: Database, ids: Sequence[int]) -> dict[int, tuple[Any, ...]] | None:
    """The details a lean read leaves out, of the spans ``ids``, as stored now,
    in a read of their own (``first_read.span_details``; SQLite only); None
    when the database cannot be read now."""
    try:
        with db.reader() as session:
            driver = session.connection().connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            return span_details(driver, ids)
    except (SQLAlchemyError, sqlite3.Error):
        return None


def _layer_names(session: Session, annotators: Sequence[str] | None) -> dict[int, str]:
    """The layers asked for, by id (the annotators table is small)."""
    rows = session.connection().execute(select(Annotator.id, Annotator.name)).all()
    if annotators is None:
        return {i: name for i, name in rows}
    wanted = set(annotators)
    return {i: name for i, name in rows if name in wanted}


# Timestamps and attributes as the driver hands them over: no per-row type
# processing (type_coerce changes no SQL, only how results are read). A span's
# text is not read: it is the document's text between its offsets.
_RAW_SPAN_COLUMNS = (
    Span.id,
    Span.annotator_id,
    Span.label,
    Span.start,
    Span.end,
    type_coerce(Span.attributes, String),
    Span.note,
    type_coerce(Span.created_at, String),
    type_coerce(Span.updated_at, String),
    Span.version,
    type_coerce(Span.fragments, String),
    Span.entity_id,
)


def read_spans(
    session: Session, document_id: int, annotators: Sequence[str] | None = None
) -> list[SpanData]:
    """The spans of a document in the layers ``annotators`` (None: every
    layer), ordered by start, longer first, then id: the same values as
    ``repository.read_spans``."""
    text = session.scalar(select(Document.text).where(Document.id == document_id))
    if text is None:
        return []
    names = _layer_names(session, annotators)
    return list(_spans(session, document_id, text, names, annotators is None))


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
    session: Session,
    document_id: int,
    text: str,
    names: dict[int, str],
    every: bool,
    load_details: DetailsLoader | None = None,
    *,
    starting_before: int | None = None,
) -> SpanRows:
    connection = session.connection()
    dialect = connection.dialect
    # Fewer values to fetch (each costs about as much as its row's share of
    # the sort): no layer column when one layer (or none) is read.
    one_layer = not every and len(names) <= 1
    values: list[Any]
    if dialect.name == "sqlite":
        # A column at a time, as one JSON array each, the usual empty
        # attributes and note as NULL (first_read.span_columns).
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        values = span_columns(
            driver,
            document_id,
            None if every else list(names),
            details=load_details is None,
            starting_before=starting_before,
        )
    else:
        load_details = None  # PostgreSQL reads every column at once
        columns = list(_RAW_SPAN_COLUMNS)
        if one_layer:
            del columns[1]
        rows = []
        if names:
            stmt = select(*columns).where(Span.document_id == document_id)
            stmt = _of_layers(stmt, Span.annotator_id, names, every)
            if starting_before is not None:
                stmt = stmt.where(Span.start < starting_before)
            stmt = stmt.order_by(Span.start, Span.end.desc(), Span.id)
            rows = plain_rows(connection, stmt)
        # Column by column (one C call each); each span's SpanData, timestamps and
        # attributes are made when the span is first asked for (core/span_rows.py).
        values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    if one_layer:
        annotators: Sequence[str] = tuple(names.values()) * len(values[0])
    else:
        annotators = tuple(map(names.__getitem__, values.pop(1)))
    return SpanRows.from_columns(
        document_id,
        text,
        values,
        annotators,
        attributes_of=_attributes_reader(dialect),
        time_of=_timestamp_reader(dialect),
        load_details=load_details,
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


def _timestamp_reader(dialect: Any) -> Callable[[Any], datetime | None]:
    """Raw timestamp -> the aware UTC datetime ``UTCDateTime`` reads."""
    full = UTCDateTime().result_processor(dialect, None)

    def read(raw: Any) -> datetime | None:
        if raw is None:
            return None
        if isinstance(raw, datetime):
            return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
        if isinstance(raw, str) and len(raw) == 26 and raw[10] == " ":
            # SQLite's stored form "YYYY-MM-DD HH:MM:SS.ffffff", naive UTC.
            return datetime.fromisoformat(raw + "+00:00")
        if full is not None:
            return full(raw)
        return raw  # type: ignore[no-any-return]  # pragma: no cover - text has a processor

    return read


def _attributes_reader(dialect: Any) -> Callable[[Any], JsonDict]:
    """Raw attributes -> the dict the JSON type reads: a new one per span
    (they are not shared), ``{}`` without a parse."""
    from sqlalchemy import JSON

    parse: Callable[[Any], Any] | None = JSON().result_processor(dialect, None)
    if parse is None:  # the driver parsed them (PostgreSQL)
        return lambda raw: raw
    decode = parse
    return lambda raw: {} if raw is None or raw == "{}" else decode(raw)
