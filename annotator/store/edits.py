"""The project database as an :class:`annotator.core.commands.EditStore`.

Each ``transaction()`` is one ``Database.session()``: the command's writes are
committed together when it ends, or not at all.

The store remembers the version of every span the window has seen (loaded,
or written by its own edits). A change to a span someone else changed since
is refused (:class:`annotator.store.repository.StaleEdit`) instead of
silently overwriting their edit: optimistic concurrency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from annotator.core.model import (
    DocStatus,
    DocumentLabelValue,
    EntityData,
    JsonDict,
    RelationData,
    SpanData,
    name_problem,
    write_problem,
)
from annotator.store import document_labels, entities, repository
from annotator.store.db import Database, HeldConnection


class SessionEdits:
    """The writes of one transaction, by way of the repository functions."""

    def __init__(self, session: Session, seen: dict[int, int] | None = None) -> None:
        self.session = session
        self._seen = seen if seen is not None else {}
        self.learnt: dict[int, int] = {}
        """Versions written in this transaction; kept only if it commits."""
        self.entity_seen: dict[int, int] = {}
        """entity id -> the version this store last wrote (its store's, committed)."""
        self.entity_learnt: dict[int, int] = {}
        """Entity versions written in this transaction; kept only if it commits."""

    def _saw(self, span: SpanData) -> SpanData:
        self.learnt[span.id] = span.version
        return span

    def add_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        *,
        attributes: JsonDict | None = None,
        note: str = "",
        span_id: int | None = None,
        editor: str | None = None,
        fragments: Sequence[tuple[int, int]] | None = None,
        entity_id: int | None = None,
    ) -> SpanData:
        return self._saw(
            repository.add_span(
                self.session,
                document_id,
                annotator,
                label,
                start,
                end,
                attributes=attributes,
                note=note,
                span_id=span_id,
                editor=editor,
                fragments=fragments,
                entity_id=entity_id,
            )
        )

    def update_span(
        self,
        span_id: int,
        editor: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: JsonDict | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        fragments: Sequence[tuple[int, int]] | None = None,
        set_entity: bool = False,
        entity_id: int | None = None,
    ) -> SpanData:
        if expected_version is None:
            expected_version = self.learnt.get(span_id, self._seen.get(span_id))
        return self._saw(
            repository.update_span(
                self.session,
                span_id,
                editor,
                label=label,
                start=start,
                end=end,
                attributes=attributes,
                note=note,
                expected_version=expected_version,
                fragments=fragments,
                set_entity=set_entity,
                entity_id=entity_id,
            )
        )

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        expected_version = self.learnt.get(span_id, self._seen.get(span_id))
        return repository.delete_span(
            self.session, span_id, editor, expected_version=expected_version
        )

    def add_relation(
        self,
        annotator: str,
        type_: str,
        source_id: int,
        target_id: int,
        *,
        relation_id: int | None = None,
        editor: str | None = None,
    ) -> RelationData:
        return repository.add_relation(
            self.session,
            annotator,
            type_,
            source_id,
            target_id,
            relation_id=relation_id,
            editor=editor,
        )

    def delete_relation(self, relation_id: int, editor: str) -> RelationData:
        return repository.delete_relation(self.session, relation_id, editor)

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus:
        return repository.set_status(self.session, document_id, annotator, status)

    def set_document_label(
        self,
        document_id: int,
        annotator: str,
        name: str,
        value: DocumentLabelValue | None,
        *,
        editor: str | None = None,
    ) -> DocumentLabelValue | None:
        return document_labels.set_document_label(
            self.session, document_id, annotator, name, value, editor=editor
        )

    def create_entity(
        self, editor: str, name: str, *, label: str = "", entity_id: int | None = None
    ) -> EntityData:
        entity = entities.create_entity(
            self.session, editor, name, label=label, entity_id=entity_id
        )
        self.entity_learnt[entity.id] = entity.version
        return entity

    def update_entity(
        self,
        entity_id: int,
        editor: str,
        *,
        name: str | None = None,
        external_id: str | None = None,
        aliases: Sequence[str] | None = None,
        expected_version: int | None = None,
    ) -> EntityData:
        entity = entities.update_entity(
            self.session, entity_id, editor, name=name, external_id=external_id,
            aliases=aliases, expected_version=self._entity_version(entity_id, expected_version),
        )  # fmt: skip
        self.entity_learnt[entity_id] = entity.version
        return entity

    def delete_entity(
        self, entity_id: int, editor: str, *, expected_version: int | None = None
    ) -> EntityData:
        return entities.delete_entity(
            self.session,
            entity_id,
            editor,
            expected_version=self._entity_version(entity_id, expected_version),
            unused_only=True,
        )

    def _entity_version(self, entity_id: int, expected: int | None) -> int | None:
        """The version to check an entity edit against. A command made before
        this store's own later edits of the entity (an undo under another
        undo) is checked against the newest of them: only someone else's edit
        since then refuses it."""
        own = self.entity_learnt.get(entity_id, self.entity_seen.get(entity_id))
        return own if expected is not None and own is not None and expected < own else expected


EditsT = TypeVar("EditsT", bound=SessionEdits)


class DatabaseEditStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen_versions: dict[int, int] = {}
        """span id -> the version the window last showed."""
        self.entity_versions: dict[int, int] = {}
        """entity id -> the version this store last wrote."""

    def saw(self, spans: Iterable[SpanData]) -> None:
        """Spans now on screen (a document loaded, others' edits arrived)."""
        for span in spans:
            self.seen_versions[span.id] = span.version

    def saw_versions(self, versions: Iterable[tuple[int, int]]) -> None:
        """As :meth:`saw`, given (span id, version) pairs."""
        self.seen_versions.update(versions)

    @contextmanager
    def transaction(self) -> Iterator[SessionEdits]:
        with self.edits(SessionEdits) as edits:
            yield edits

    @contextmanager
    def one_write(self) -> Iterator[SessionEdits | OneStatementEdits]:
        """:meth:`transaction` for a command run that makes one call of the
        session (:meth:`annotator.core.commands.Command._one_write`). On
        PostgreSQL an add, a change or a deletion done in one statement runs
        on the database's own connection (:meth:`Database.own_connection`),
        the statement a transaction of its own: committed, and durable, when
        it returns; no Session, no BEGIN and COMMIT (:class:`OneStatementEdits`)."""
        if self.db.dialect == "postgresql":
            yield OneStatementEdits(self)
            return
        with self.transaction() as edits:
            yield edits

    @contextmanager
    def edits(self, kind: type[EditsT]) -> Iterator[EditsT]:
        """A transaction whose writes go through ``kind`` (a SessionEdits)."""
        with self.db.session() as session:
            edits = kind(session, self.seen_versions)
            edits.entity_seen = self.entity_versions
            yield edits
        # Only now committed: versions from a rolled-back transaction never stick.
        self.seen_versions.update(edits.learnt)
        self.entity_versions.update(edits.entity_learnt)


class OneStatementEdits:
    """The one write of a command run (:meth:`DatabaseEditStore.one_write`) on
    PostgreSQL: an add, a change that keeps the offsets or a deletion, in the
    editor's own layer, is one statement on the database's own connection
    (the repository's ``pg_*_row``: the version checked and the change-log
    row written in the same statement), committed when it returns. Anything
    else, and a statement that wrote nothing (stale, not yours, a gold edit, a
    linked span, no such span: it committed nothing), is done as before, in a
    transaction of the store (:meth:`DatabaseEditStore.transaction`), which
    says why or does it the long way."""

    def __init__(self, store: DatabaseEditStore) -> None:
        self._store = store

    @staticmethod
    def _who(held: HeldConnection, name: str) -> int | None:
        return repository.known_annotator_id(held.run, held.info, name)

    def add_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        *,
        attributes: JsonDict | None = None,
        note: str = "",
        span_id: int | None = None,
        editor: str | None = None,
        fragments: Sequence[tuple[int, int]] | None = None,
        entity_id: int | None = None,
    ) -> SpanData:
        if (
            fragments is None
            and entity_id is None
            and editor in (None, annotator)
            and write_problem(annotator, annotator, lambda: False) is None
            and repository.one_statement_add(start, end)
        ):
            with self._store.db.own_connection() as held:
                who = self._who(held, annotator)
                span = None
                if who is not None:
                    sql = repository.pg_add_span_sql(held.run, held.info, span_id is not None)
                    span = repository.pg_add_span_row(
                        held.run, sql, who, who, document_id, annotator, label, start, end,
                        attributes=attributes, note=note, span_id=span_id,
                    )  # fmt: skip
            if span is not None:
                self._store.seen_versions[span.id] = span.version
                return span
        with self._store.transaction() as edits:
            return edits.add_span(
                document_id, annotator, label, start, end, attributes=attributes, note=note,
                span_id=span_id, editor=editor, fragments=fragments, entity_id=entity_id,
            )  # fmt: skip

    def update_span(
        self,
        span_id: int,
        editor: str,
        *,
        label: str | None = None,
        start: int | None = None,
        end: int | None = None,
        attributes: JsonDict | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        fragments: Sequence[tuple[int, int]] | None = None,
        set_entity: bool = False,
        entity_id: int | None = None,
    ) -> SpanData:
        if expected_version is None:
            expected_version = self._store.seen_versions.get(span_id)
        if name_problem(editor) is None and repository.one_statement_update(
            start, end, fragments, set_entity
        ):
            changes: dict[str, object] = {}
            if label is not None:
                changes["label"] = label
            if attributes is not None:
                changes["attributes"] = dict(attributes)
            if note is not None:
                changes["note"] = note
            with self._store.db.own_connection() as held:
                who = self._who(held, editor)
                read = None
                if who is not None:
                    read = repository.pg_update_span_row(
                        held.run, span_id, editor, who, changes, expected_version
                    )
            if read is not None and read[1] is not None:
                self._store.seen_versions[span_id] = read[1].version
                return read[1]
        with self._store.transaction() as edits:
            return edits.update_span(
                span_id, editor, label=label, start=start, end=end, attributes=attributes,
                note=note, expected_version=expected_version, fragments=fragments,
                set_entity=set_entity, entity_id=entity_id,
            )  # fmt: skip

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        expected_version = self._store.seen_versions.get(span_id)
        if name_problem(editor) is None:
            with self._store.db.own_connection() as held:
                who = self._who(held, editor)
                read = None
                if who is not None:
                    read = repository.pg_delete_span_row(
                        held.run, span_id, editor, who, expected_version
                    )
            if read is not None and read[2]:
                return read[0], []
        with self._store.transaction() as edits:
            return edits.delete_span(span_id, editor)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        """Any other write: in a transaction of the store, as before."""
        if name.startswith("_"):
            raise AttributeError(name)

        def write(*args: Any, **kwargs: Any) -> Any:
            with self._store.transaction() as edits:
                return getattr(edits, name)(*args, **kwargs)

        return write
