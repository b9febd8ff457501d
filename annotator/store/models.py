"""Typed SQLAlchemy 2 models. Portable: nothing here is SQLite-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UTCDateTime(),
    }


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str] = mapped_column(String(64), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Annotator(Base):
    __tablename__ = "annotators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # "annotator" or "reviewer"; kept in step with project.yaml on open.
    role: Mapped[str] = mapped_column(String(32), default="annotator", server_default="annotator")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Span(Base):
    __tablename__ = "spans"
    __table_args__ = (
        Index("ix_spans_document_annotator", "document_id", "annotator_id"),
        # Only mentions: most spans name no entity, and indexing their NULLs
        # cost a bulk import about a third of its span inserts (migration 0008).
        Index(
            "ix_spans_entity_id",
            "entity_id",
            sqlite_where=sql_text("entity_id IS NOT NULL"),
            postgresql_where=sql_text("entity_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    label: Mapped[str] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic concurrency: an update names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # A span in several pieces: [[start, end], ...], ordered, apart, within
    # start..end; NULL for one piece (docs/design.md, "Split spans and entities").
    fragments: Mapped[list[list[int]] | None] = mapped_column(JSON(none_as_null=True), default=None)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), default=None
    )


class NamedEntity(Base):
    """A person, organisation or other thing the project's mentions refer to,
    shared by every annotator and every article."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(200), default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DocumentLabel(Base):
    """One annotator's judgement of a whole document for one declared document
    label: a value, or a list of values for a multiple choice."""

    __tablename__ = "document_labels"
    __table_args__ = (UniqueConstraint("document_id", "annotator_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Relation(Base):
    __tablename__ = "relations"
    __table_args__ = (Index("ix_relations_document_annotator", "document_id", "annotator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    type: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[int] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentStatus(Base):
    """Per-annotator progress on a document (new, in_progress, done)."""

    __tablename__ = "document_status"
    __table_args__ = (UniqueConstraint("document_id", "annotator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    status: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeLog(Base):
    """Every edit: who, when, what, and the row before and after."""

    __tablename__ = "change_log"
    __table_args__ = (Index("ix_change_log_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Assignment(Base):
    """A document given to an annotator to work on."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("document_id", "annotator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(Base):
    """A note on a document or on one span, shown to everyone; replies form threads."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    span_id: Mapped[int | None] = mapped_column(
        ForeignKey("spans.id", ondelete="SET NULL"), default=None
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), default=None
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RejectedSuggestion(Base):
    """A suggestion an annotator turned down: it does not come back for that document."""

    __tablename__ = "rejected_suggestions"
    __table_args__ = (UniqueConstraint("document_id", "annotator_id", "label", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    label: Mapped[str] = mapped_column(String(200))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    rejected_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdjudicationRejection(Base):
    """A compared span a reviewer rejected: neither it nor its counterpart goes
    into gold. Accepting leaves its trace in gold itself; a rejection would
    leave none, so it is kept here, for every reviewer and every later look."""

    __tablename__ = "adjudication_rejections"

    span_id: Mapped[int] = mapped_column(
        ForeignKey("spans.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("annotators.id"))
    rejected_at: Mapped[datetime] = mapped_column(default=utcnow)
