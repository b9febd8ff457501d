"""Edit commands with do and undo, free of Qt and of the database library.

Every change an analyst makes is one :class:`Command`. ``do`` and ``undo``
each run in one transaction of an :class:`EditStore`, so when they return the
edit is on disk. The store is a protocol: ``annotator.store.edits`` implements
it over the project database, the tests implement it in memory.

Each run returns a :class:`Changes` record (spans added, updated and removed,
relations added and removed, statuses set) so a view can update just what
changed instead of reloading the document.

A command that creates something remembers the id it got, and its redo
creates it again under that id; an undone delete restores the span under its
old id together with its relations. Later commands on the stack refer to
spans by id, so ids must survive undo and redo.

Every edit command is here (assist and adjudication commands build on them in
their own modules), so the do/undo rules above are read and kept in one file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from annotator.core.model import (
    DocStatus,
    DocumentLabelValue,
    EntityData,
    JsonDict,
    RelationData,
    SpanData,
)


class EditSession(Protocol):
    """The writes a command may make, inside one transaction."""

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
    ) -> SpanData: ...

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
    ) -> SpanData: ...

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]: ...

    def add_relation(
        self,
        annotator: str,
        type_: str,
        source_id: int,
        target_id: int,
        *,
        relation_id: int | None = None,
        editor: str | None = None,
    ) -> RelationData: ...

    def delete_relation(self, relation_id: int, editor: str) -> RelationData: ...

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus: ...

    def set_document_label(
        self,
        document_id: int,
        annotator: str,
        name: str,
        value: DocumentLabelValue | None,
        *,
        editor: str | None = None,
    ) -> DocumentLabelValue | None:
        """Set (None: clear) ``annotator``'s value; ``editor`` (default: the
        layer's owner) is who writes, a reviewer for gold. Returns the value before."""
        ...

    def create_entity(
        self, editor: str, name: str, *, label: str = "", entity_id: int | None = None
    ) -> EntityData: ...

    def update_entity(
        self,
        entity_id: int,
        editor: str,
        *,
        name: str | None = None,
        external_id: str | None = None,
        aliases: Sequence[str] | None = None,
        expected_version: int | None = None,
    ) -> EntityData: ...

    def delete_entity(
        self, entity_id: int, editor: str, *, expected_version: int | None = None
    ) -> EntityData:
        """Delete an entity no span is a mention of (refused otherwise, and when
        it changed since ``expected_version``)."""
        ...


class EditStore(Protocol):
    def transaction(self) -> AbstractContextManager[EditSession]:
        """One unit of work: committed when the block ends, rolled back on error."""
        ...


def _transaction_for(store: EditStore, one_write: bool) -> AbstractContextManager[EditSession]:
    """The store's transaction for one run of a command. A run that makes one
    call of the session (``one_write``) gets the store's ``one_write()`` if it
    has one: a transaction the store may commit with that write itself (the
    project database on PostgreSQL: one round trip an edit, see
    docs/design.md, "The edit store and version checks")."""
    one = getattr(store, "one_write", None) if one_write else None
    return one() if one is not None else store.transaction()


@dataclass(slots=True)
class Changes:
    """What one run of a command changed, in the order it happened."""

    added_spans: dict[int, SpanData] = field(default_factory=dict)
    updated_spans: dict[int, SpanData] = field(default_factory=dict)
    removed_spans: dict[int, SpanData] = field(default_factory=dict)
    added_relations: dict[int, RelationData] = field(default_factory=dict)
    removed_relations: dict[int, RelationData] = field(default_factory=dict)
    statuses: dict[tuple[int, str], DocStatus] = field(default_factory=dict)
    document_labels: dict[tuple[int, str, str], DocumentLabelValue | None] = field(
        default_factory=dict
    )
    """(document, layer, label name) -> the value now (None: removed)."""
    entities: dict[int, EntityData | None] = field(default_factory=dict)
    """Entity id -> the entity now (None: deleted). Entities belong to no document."""

    def span_added(self, span: SpanData) -> None:
        self.removed_spans.pop(span.id, None)
        self.added_spans[span.id] = span

    def span_updated(self, span: SpanData) -> None:
        if span.id in self.added_spans:
            self.added_spans[span.id] = span
        else:
            self.updated_spans[span.id] = span

    def span_removed(self, span: SpanData) -> None:
        if self.added_spans.pop(span.id, None) is None:
            self.updated_spans.pop(span.id, None)
            self.removed_spans[span.id] = span

    def relation_added(self, relation: RelationData) -> None:
        self.removed_relations.pop(relation.id, None)
        self.added_relations[relation.id] = relation

    def relation_removed(self, relation: RelationData) -> None:
        if self.added_relations.pop(relation.id, None) is None:
            self.removed_relations[relation.id] = relation

    def for_document(self, document_id: int) -> Changes:
        """Only what happened in one document."""

        def keep(items: dict[int, Any]) -> dict[int, Any]:
            return {k: v for k, v in items.items() if v.document_id == document_id}

        return Changes(
            added_spans=keep(self.added_spans),
            updated_spans=keep(self.updated_spans),
            removed_spans=keep(self.removed_spans),
            added_relations=keep(self.added_relations),
            removed_relations=keep(self.removed_relations),
            statuses={k: v for k, v in self.statuses.items() if k[0] == document_id},
            document_labels={k: v for k, v in self.document_labels.items() if k[0] == document_id},
            entities=dict(self.entities),
        )

    @property
    def document_ids(self) -> set[int]:
        spans = [*self.added_spans.values(), *self.updated_spans.values()]
        spans += self.removed_spans.values()
        relations = [*self.added_relations.values(), *self.removed_relations.values()]
        ids = {s.document_id for s in spans} | {r.document_id for r in relations}
        ids |= {doc_id for doc_id, _, _ in self.document_labels}
        return ids | {doc_id for doc_id, _ in self.statuses}


class _Recorder:
    """Passes each write to the session and notes what it changed."""

    def __init__(self, session: EditSession, changes: Changes) -> None:
        self._session = session
        self.changes = changes

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
        span = self._session.add_span(
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
        self.changes.span_added(span)
        return span

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
        span = self._session.update_span(
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
        self.changes.span_updated(span)
        return span

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        span, relations = self._session.delete_span(span_id, editor)
        for relation in relations:
            self.changes.relation_removed(relation)
        self.changes.span_removed(span)
        return span, relations

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
        relation = self._session.add_relation(
            annotator, type_, source_id, target_id, relation_id=relation_id, editor=editor
        )
        self.changes.relation_added(relation)
        return relation

    def delete_relation(self, relation_id: int, editor: str) -> RelationData:
        relation = self._session.delete_relation(relation_id, editor)
        self.changes.relation_removed(relation)
        return relation

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus:
        previous = self._session.set_status(document_id, annotator, status)
        self.changes.statuses[(document_id, annotator)] = status
        return previous

    def set_document_label(
        self,
        document_id: int,
        annotator: str,
        name: str,
        value: DocumentLabelValue | None,
        *,
        editor: str | None = None,
    ) -> DocumentLabelValue | None:
        previous = self._session.set_document_label(
            document_id, annotator, name, value, editor=editor
        )
        self.changes.document_labels[(document_id, annotator, name)] = value
        return previous

    def create_entity(
        self, editor: str, name: str, *, label: str = "", entity_id: int | None = None
    ) -> EntityData:
        entity = self._session.create_entity(editor, name, label=label, entity_id=entity_id)
        self.changes.entities[entity.id] = entity
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
        entity = self._session.update_entity(
            entity_id, editor, name=name, external_id=external_id, aliases=aliases,
            expected_version=expected_version,
        )  # fmt: skip
        self.changes.entities[entity.id] = entity
        return entity

    def delete_entity(
        self, entity_id: int, editor: str, *, expected_version: int | None = None
    ) -> EntityData:
        entity = self._session.delete_entity(entity_id, editor, expected_version=expected_version)
        self.changes.entities[entity_id] = None
        return entity


class Command:
    """One undoable edit. Subclasses write ``_do`` and ``_undo`` against a session."""

    text = "Edit"
    """What the Edit menu shows after "Undo" / "Redo"."""

    def do(self, store: EditStore) -> Changes:
        return self._run(store, undo=False)

    def undo(self, store: EditStore) -> Changes:
        return self._run(store, undo=True)

    def _run(self, store: EditStore, *, undo: bool) -> Changes:
        changes = Changes()
        with _transaction_for(store, self._one_write(undo)) as session:
            recorder = _Recorder(session, changes)
            if undo:
                self._undo(recorder)
            else:
                self._do(recorder)
        return changes

    def _do(self, session: EditSession) -> None:
        raise NotImplementedError

    def _undo(self, session: EditSession) -> None:
        raise NotImplementedError

    def _one_write(self, undo: bool) -> bool:
        """True when this run (``_undo`` if ``undo``, else ``_do``) makes exactly
        one call of the session, so the store may commit as that call writes."""
        return False


class AddSpan(Command):
    def __init__(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        *,
        attributes: JsonDict | None = None,
        note: str = "",
        editor: str | None = None,
    ) -> None:
        self.document_id = document_id
        self.annotator = annotator
        self.editor = editor or annotator
        self.label = label
        self.start = start
        self.end = end
        self.attributes = dict(attributes or {})
        self.note = note
        self.span_id: int | None = None
        self.text = f"Add {label}"

    def _do(self, session: EditSession) -> None:
        span = session.add_span(
            self.document_id,
            self.annotator,
            self.label,
            self.start,
            self.end,
            attributes=self.attributes,
            note=self.note,
            span_id=self.span_id,
            editor=self.editor,
        )
        self.span_id = span.id

    def _undo(self, session: EditSession) -> None:
        assert self.span_id is not None, "undo before do"
        session.delete_span(self.span_id, self.editor)

    def _one_write(self, undo: bool) -> bool:
        return True


class DeleteSpan(Command):
    """Delete a span and its relations; undo brings all back under their old ids."""

    def __init__(self, span: SpanData, editor: str) -> None:
        self.span_id = span.id
        self.editor = editor
        self.text = f"Delete {span.label}"
        self._deleted: SpanData | None = None
        self._relations: list[RelationData] = []

    def _do(self, session: EditSession) -> None:
        self._deleted, self._relations = session.delete_span(self.span_id, self.editor)

    def _one_write(self, undo: bool) -> bool:
        return not undo or not self._relations

    def _undo(self, session: EditSession) -> None:
        span = self._deleted
        assert span is not None, "undo before do"
        session.add_span(
            span.document_id,
            span.annotator,
            span.label,
            span.start,
            span.end,
            attributes=span.attributes,
            note=span.note,
            span_id=span.id,
            editor=self.editor,
            fragments=span.fragments,
            entity_id=span.entity_id,
        )
        for rel in self._relations:
            session.add_relation(
                rel.annotator,
                rel.type,
                rel.source_id,
                rel.target_id,
                relation_id=rel.id,
                editor=self.editor,
            )


class _SpanChange(Command):
    """A change to one span. Whether the span changed meanwhile is the store's
    to check: it knows which version the analyst last saw (optimistic
    concurrency, see annotator.store.edits)."""

    def __init__(self, span: SpanData, editor: str) -> None:
        self.span_id = span.id
        self.editor = editor

    def _update(self, session: EditSession, **values: object) -> None:
        session.update_span(self.span_id, self.editor, **values)  # type: ignore[arg-type]


class Relabel(_SpanChange):
    def __init__(self, span: SpanData, editor: str, label: str) -> None:
        super().__init__(span, editor)
        self.old_label = span.label
        self.new_label = label
        self.text = f"Relabel {span.label} as {label}"

    def _do(self, session: EditSession) -> None:
        self._update(session, label=self.new_label)

    def _undo(self, session: EditSession) -> None:
        self._update(session, label=self.old_label)

    def _one_write(self, undo: bool) -> bool:
        return True


class Resize(_SpanChange):
    def __init__(self, span: SpanData, editor: str, start: int, end: int) -> None:
        super().__init__(span, editor)
        self.old = (span.start, span.end)
        self.new = (start, end)
        self.text = f"Resize {span.label}"

    def _do(self, session: EditSession) -> None:
        self._update(session, start=self.new[0], end=self.new[1])

    def _undo(self, session: EditSession) -> None:
        self._update(session, start=self.old[0], end=self.old[1])


class SetPieces(_SpanChange):
    """Give a span other pieces: a piece added, a piece removed, or one piece
    again (``annotator.core.pieces`` computes them)."""

    def __init__(
        self, span: SpanData, editor: str, pieces: Sequence[tuple[int, int]], text: str
    ) -> None:
        super().__init__(span, editor)
        self.old = span.fragments or ((span.start, span.end),)
        self.new = tuple(pieces)
        self.text = text

    def _do(self, session: EditSession) -> None:
        self._update(session, fragments=self.new)

    def _undo(self, session: EditSession) -> None:
        self._update(session, fragments=self.old)


class SetEntity(_SpanChange):
    """Make a span a mention of an entity, or of none (``entity_id`` None)."""

    def __init__(self, span: SpanData, editor: str, entity_id: int | None, name: str = "") -> None:
        super().__init__(span, editor)
        self.old = span.entity_id
        self.new = entity_id
        self.text = f"Link {span.label} to {name}" if entity_id is not None else "Unlink entity"

    def _do(self, session: EditSession) -> None:
        self._update(session, set_entity=True, entity_id=self.new)

    def _undo(self, session: EditSession) -> None:
        self._update(session, set_entity=True, entity_id=self.old)


class LinkNewEntity(_SpanChange):
    """Create an entity named ``name`` and make the span its first mention, as
    one step; undo unlinks the span and deletes the entity again, refused when
    another span became a mention of it or it was changed meanwhile."""

    def __init__(self, span: SpanData, editor: str, name: str, label: str = "") -> None:
        super().__init__(span, editor)
        self.old = span.entity_id
        self.name = name
        self.label = label
        self.entity: EntityData | None = None
        """The entity as created (its id is kept for redo)."""
        self.text = f"Link {span.label} to new entity {name}"

    def _do(self, session: EditSession) -> None:
        known = self.entity.id if self.entity is not None else None
        self.entity = session.create_entity(
            self.editor, self.name, label=self.label, entity_id=known
        )
        self._update(session, set_entity=True, entity_id=self.entity.id)

    def _undo(self, session: EditSession) -> None:
        assert self.entity is not None, "undo before do"
        self._update(session, set_entity=True, entity_id=self.old)
        session.delete_entity(self.entity.id, self.editor, expected_version=self.entity.version)


class UpdateEntity(Command):
    """Rename an entity or change its external id or aliases (None: unchanged);
    refused when someone changed it since ``entity`` was read."""

    def __init__(
        self,
        entity: EntityData,
        editor: str,
        *,
        name: str | None = None,
        external_id: str | None = None,
        aliases: Sequence[str] | None = None,
    ) -> None:
        self.before = entity
        self.editor = editor
        self.values: dict[str, Any] = {
            key: value
            for key, value in (("name", name), ("external_id", external_id), ("aliases", aliases))
            if value is not None
        }
        self.after: EntityData | None = None
        self.text = f"Edit entity {entity.name}"

    def _do(self, session: EditSession) -> None:
        version = self.before.version
        self.after = session.update_entity(
            self.before.id, self.editor, expected_version=version, **self.values
        )

    def _undo(self, session: EditSession) -> None:
        assert self.after is not None, "undo before do"
        restored = session.update_entity(
            self.before.id, self.editor, name=self.before.name,
            external_id=self.before.external_id, aliases=self.before.aliases,
            expected_version=self.after.version,
        )  # fmt: skip
        # The next redo is checked against the version the undo wrote.
        self.before = restored


class SetAttributes(_SpanChange):
    """Replace a span's attributes and/or note (None leaves that part alone)."""

    def __init__(
        self,
        span: SpanData,
        editor: str,
        *,
        attributes: JsonDict | None = None,
        note: str | None = None,
    ) -> None:
        super().__init__(span, editor)
        self.old_attributes = dict(span.attributes) if attributes is not None else None
        self.old_note = span.note if note is not None else None
        self.new_attributes = dict(attributes) if attributes is not None else None
        self.new_note = note
        self.text = f"Edit note of {span.label}" if attributes is None else f"Edit {span.label}"

    def _do(self, session: EditSession) -> None:
        self._update(session, attributes=self.new_attributes, note=self.new_note)

    def _undo(self, session: EditSession) -> None:
        self._update(session, attributes=self.old_attributes, note=self.old_note)

    def _one_write(self, undo: bool) -> bool:
        return True


class SetNote(SetAttributes):
    """A note edit is an attribute edit that leaves the attributes alone."""

    def __init__(self, span: SpanData, editor: str, note: str) -> None:
        super().__init__(span, editor, note=note)


class AddRelation(Command):
    def __init__(
        self,
        annotator: str,
        type_: str,
        source_id: int,
        target_id: int,
        *,
        editor: str | None = None,
    ) -> None:
        self.annotator = annotator
        self.editor = editor or annotator
        self.type = type_
        self.source_id = source_id
        self.target_id = target_id
        self.relation_id: int | None = None
        self.text = f"Link {type_}"

    def _do(self, session: EditSession) -> None:
        relation = session.add_relation(
            self.annotator,
            self.type,
            self.source_id,
            self.target_id,
            relation_id=self.relation_id,
            editor=self.editor,
        )
        self.relation_id = relation.id

    def _undo(self, session: EditSession) -> None:
        assert self.relation_id is not None, "undo before do"
        session.delete_relation(self.relation_id, self.editor)


class DeleteRelation(Command):
    def __init__(self, relation: RelationData, editor: str) -> None:
        self.relation = relation
        self.editor = editor
        self.text = f"Unlink {relation.type}"

    def _do(self, session: EditSession) -> None:
        session.delete_relation(self.relation.id, self.editor)

    def _undo(self, session: EditSession) -> None:
        rel = self.relation
        session.add_relation(
            rel.annotator,
            rel.type,
            rel.source_id,
            rel.target_id,
            relation_id=rel.id,
            editor=self.editor,
        )


class SetStatus(Command):
    def __init__(self, document_id: int, annotator: str, status: DocStatus) -> None:
        self.document_id = document_id
        self.annotator = annotator
        self.status = status
        self.previous: DocStatus | None = None
        self.text = {
            DocStatus.DONE: "Mark done",
            DocStatus.IN_PROGRESS: "Mark in progress",
            DocStatus.NEW: "Mark new",
        }[status]

    def _do(self, session: EditSession) -> None:
        self.previous = session.set_status(self.document_id, self.annotator, self.status)

    def _undo(self, session: EditSession) -> None:
        assert self.previous is not None, "undo before do"
        session.set_status(self.document_id, self.annotator, self.previous)


class SetDocumentLabel(Command):
    """Set (or, with None, clear) one layer's value of a document label;
    ``editor``: who writes it, when not the layer's owner (a reviewer, for gold)."""

    def __init__(
        self,
        document_id: int,
        annotator: str,
        name: str,
        value: DocumentLabelValue | None,
        *,
        editor: str | None = None,
    ) -> None:
        self.document_id = document_id
        self.annotator = annotator
        self.name = name
        self.value = value
        self.editor = editor
        self.previous: DocumentLabelValue | None = None
        self.text = f"Set {name}" if value is not None else f"Clear {name}"

    def _do(self, session: EditSession) -> None:
        self.previous = session.set_document_label(
            self.document_id, self.annotator, self.name, self.value, editor=self.editor
        )

    def _undo(self, session: EditSession) -> None:
        session.set_document_label(
            self.document_id, self.annotator, self.name, self.previous, editor=self.editor
        )


class Bulk(Command):
    """Several commands as one edit and one transaction; undone in reverse order."""

    def __init__(self, text: str, commands: Sequence[Command]) -> None:
        self.text = text
        self.commands = list(commands)

    def _do(self, session: EditSession) -> None:
        for command in self.commands:
            command._do(session)

    def _undo(self, session: EditSession) -> None:
        for command in reversed(self.commands):
            command._undo(session)

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands)
