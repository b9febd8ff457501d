"""What the agreement report reads: compared documents, their texts and spans.

Core statements and plain row tuples (docs/design.md, "Bulk paths"): the agreement of
3 annotators over 2,000 documents reads 300,000 spans, and ORM objects would
cost several times the whole computation. On SQLite the spans are read by
:mod:`annotator.store.agreement_sqlite` on the session's own connection, the
reader ``annotator agreement`` runs without SQLAlchemy; PostgreSQL reads
here, each layer's span columns as arrays.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from annotator.core.agreement import AgreementDocument, SpanTuple, Speaker
from annotator.core.collector import gc_paused
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentLabelValue
from annotator.core.schema import LabelSchema
from annotator.core.span_layer import SpanLayer
from annotator.store import agreement_sqlite
from annotator.store.agreement_sqlite import (
    UnknownAnnotator,
    compared_documents,
    speaker_query_terms,
    speakers_by_layer,
)
from annotator.store.models import (
    Annotator,
    Document,
    DocumentLabel,
    DocumentStatus,
    Relation,
    Span,
)

__all__ = [
    "UnknownAnnotator",
    "annotators_with_spans",
    "compared_documents_query",
    "document_titles",
    "read_agreement_documents",
]


def _sqlite_driver(session: Session) -> sqlite3.Connection | None:
    """The session's own sqlite3 connection (in its transaction), or None off SQLite."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return None
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def annotators_with_spans(session: Session, *, include_gold: bool = False) -> list[str]:
    """Names of the annotators who have at least one span, sorted."""
    driver = _sqlite_driver(session)
    if driver is not None:
        try:
            return agreement_sqlite.annotators_with_spans(driver, include_gold=include_gold)
        except sqlite3.Error as exc:  # as the session's own statements would fail
            raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
    stmt = (
        select(Annotator.name)
        .where(select(Span.id).where(Span.annotator_id == Annotator.id).exists())
        .order_by(Annotator.name)
    )
    names = [str(name) for name in session.scalars(stmt)]
    return names if include_gold else [n for n in names if n != GOLD_ANNOTATOR]


def document_titles(session: Session, document_ids: Sequence[int]) -> dict[int, str]:
    """The titles of these documents, by id."""
    stmt = select(Document.id, Document.title).where(Document.id.in_(list(document_ids)))
    return {int(i): str(t) for i, t in session.execute(stmt)}


def _annotator_ids(session: Session, names: Sequence[str]) -> dict[str, int]:
    found = {
        str(name): int(i)
        for i, name in session.execute(
            select(Annotator.id, Annotator.name).where(Annotator.name.in_(list(names)))
        )
    }
    missing = [n for n in names if n not in found]
    if missing:
        known = [str(n) for n in session.scalars(select(Annotator.name).order_by(Annotator.name))]
        raise UnknownAnnotator(missing, known)
    return found


def compared_documents_query(annotator_ids: Sequence[int], *, all_documents: bool = False) -> Any:
    """A select of the ids of the documents compared.

    Those every one of the annotators marked done; with ``all_documents``, those
    where any of them has a span.
    """
    ids = list(annotator_ids)
    if all_documents:
        return select(Span.document_id).where(Span.annotator_id.in_(ids)).distinct()
    return (
        select(DocumentStatus.document_id)
        .where(
            DocumentStatus.annotator_id.in_(ids),
            DocumentStatus.status == DocStatus.DONE.value,
        )
        .group_by(DocumentStatus.document_id)
        .having(func.count(distinct(DocumentStatus.annotator_id)) == len(set(ids)))
    )


def read_agreement_documents(
    session: Session,
    annotators: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    all_documents: bool = False,
    schema: LabelSchema | None = None,
) -> list[AgreementDocument]:
    """The documents compared, by id, with the spans of ``annotators``.

    ``labels`` keeps only spans with those labels (the set of documents does not
    change). With ``schema``, also the document labels and speaker links
    (as :func:`annotator.store.agreement_sqlite.read_agreement_documents`).
    Raises :class:`UnknownAnnotator` for a name the project lacks.
    """
    driver = _sqlite_driver(session)
    if driver is not None:
        try:
            return agreement_sqlite.read_agreement_documents(
                driver, annotators, labels=labels, all_documents=all_documents, schema=schema
            )
        except sqlite3.Error as exc:  # as the session's own statements would fail
            raise DBAPIError.instance(None, None, exc, sqlite3.Error) from exc
    with gc_paused():
        return _read(session, annotators, labels, all_documents, schema)


def _read(
    session: Session,
    annotators: Sequence[str],
    labels: Sequence[str] | None,
    all_documents: bool,
    schema: LabelSchema | None,
) -> list[AgreementDocument]:
    ids = _annotator_ids(session, annotators)
    if not ids:
        return []
    name_of = {i: name for name, i in ids.items()}
    compared = compared_documents_query(list(ids.values()), all_documents=all_documents)
    subquery = compared.scalar_subquery()
    # Core statements on the session's connection. Rows come grouped by layer
    # (the index's order); a layer's spans are taken a group at a time, the
    # tuples made in C.
    conn = session.connection()
    text_stmt = (
        select(Document.id, Document.text).where(Document.id.in_(subquery)).order_by(Document.id)
    )
    texts = list(conn.execute(text_stmt))
    where = [Span.annotator_id.in_(list(name_of)), Span.document_id.in_(subquery)]
    if labels is not None:
        where.append(Span.label.in_(list(labels)))
    # A layer a row, its three columns as arrays (in id order, as SQLite's
    # reader gives them): 6,000 rows instead of 300,000 in the benchmark's
    # project, and the driver makes each array's list in C.
    stmt = (
        select(
            Span.document_id,
            Span.annotator_id,
            func.array_agg(aggregate_order_by(Span.start, Span.id)),
            func.array_agg(aggregate_order_by(Span.end, Span.id)),
            func.array_agg(aggregate_order_by(Span.label, Span.id)),
        )
        .where(*where)
        .group_by(Span.document_id, Span.annotator_id)
    )
    layers: dict[tuple[int, int], Sequence[SpanTuple]] = {
        (doc_id, annotator_id): SpanLayer(list(starts), list(ends), list(names))
        for doc_id, annotator_id, starts, ends, names in conn.execute(stmt)
    }
    document_labels: dict[tuple[int, int], dict[str, DocumentLabelValue]] = {}
    speakers: dict[tuple[int, int], dict[SpanTuple, frozenset[Speaker]]] = {}
    who = list(name_of)
    if schema is not None and schema.document_labels:
        label_stmt = select(
            DocumentLabel.document_id,
            DocumentLabel.annotator_id,
            DocumentLabel.name,
            DocumentLabel.value,
        ).where(
            DocumentLabel.annotator_id.in_(who),
            DocumentLabel.name.in_([d.name for d in schema.document_labels]),
            DocumentLabel.document_id.in_(subquery),
        )
        for doc_id, annotator_id, name, value in conn.execute(label_stmt):
            document_labels.setdefault((doc_id, annotator_id), {})[name] = value
    if schema is not None:
        links, kinds, sources = speaker_query_terms(schema, labels)
        if links:
            source, target = aliased(Span), aliased(Span)
            speaker_stmt = (
                select(
                    source.document_id,
                    source.annotator_id,
                    source.start,
                    source.end,
                    source.label,
                    Relation.type,
                    target.entity_id,
                    target.start,
                    target.end,
                )
                .join(source, source.id == Relation.source_id)
                .join(target, target.id == Relation.target_id)
                .where(
                    Relation.type.in_(kinds),
                    source.label.in_(sources),
                    source.annotator_id.in_(who),
                    source.document_id.in_(subquery),
                )
            )
            speakers = speakers_by_layer(conn.execute(speaker_stmt), links)
    return compared_documents(texts, name_of, layers, document_labels, speakers)
