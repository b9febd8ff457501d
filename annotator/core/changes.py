"""One change record: what every write of the change log says, and how it is read.

Three kinds of write log what they change: an edit (the repository), an import
(the import writer) and adjudication (gold edits, through the repository with
a reviewer as editor). Each builds a :class:`ChangeRecord` and stores it with
:meth:`ChangeRecord.to_json`; the live feed and ``annotator.store.repository``
read rows back with :meth:`ChangeRecord.from_json`.

The stored shape (the ``change_log`` row's columns) is the one edits have
always written: ``action``, ``entity``, ``entity_id``, ``document_id`` and the
``before``/``after`` payloads, each naming the layer it belongs to in
``"annotator"`` (a role change names the person in ``"name"``). An import is
stored with the action ``"import"`` and read as the edit it equals (``add``;
``status`` for a document; ``update`` for a document label). Older rows are read too:

- relations and statuses logged before the payload named the layer (edits
  before live updates, imports before gold needed a reviewer) carry no
  ``"annotator"``: the layer is then the row's own annotator, which was the
  layer's owner when those rows were written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from annotator.core.model import (
    DocStatus,
    DocumentLabelValue,
    EntityData,
    JsonDict,
    RelationData,
    SpanData,
)


class Action(StrEnum):
    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"
    STATUS = "status"
    ROLE = "role"


class Entity(StrEnum):
    SPAN = "span"
    RELATION = "relation"
    DOCUMENT = "document"
    ANNOTATOR = "annotator"
    NAMED_ENTITY = "entity"
    """A row of the project's entities (a person, an organisation, ...)."""
    DOCUMENT_LABEL = "document_label"
    """One layer's value of a document label (``entity_id`` is the document)."""


IMPORT_ACTION = "import"
"""The stored action of a row an import wrote (read as the edit it equals: ``_IMPORTED_AS``)."""

_IMPORTED_AS = {Entity.DOCUMENT: Action.STATUS, Entity.DOCUMENT_LABEL: Action.UPDATE}
"""The edit an imported row equals, where it is not ``add``: a status, a document label set."""


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One logged change: who changed what in which layer, and the row before and after.

    ``layer`` is whose annotations changed (a span's or relation's annotator,
    the layer a status belongs to) or, for a role change, whose role;
    ``editor`` is who made the change (a reviewer for the gold layer). The
    payloads ``before`` and ``after`` are None where nothing was there (an
    addition has no ``before``, a deletion no ``after``).
    """

    action: Action
    entity: Entity
    entity_id: int | None
    document_id: int | None
    layer: str
    before: JsonDict | None = None
    after: JsonDict | None = None
    editor: str = ""
    imported: bool = False
    id: int | None = None
    at: datetime | None = None

    # --- building ---------------------------------------------------------------

    @classmethod
    def span(
        cls,
        action: Action,
        before: SpanData | None,
        after: SpanData | None,
        *,
        editor: str = "",
        imported: bool = False,
    ) -> ChangeRecord:
        some = after if after is not None else before
        if some is None:
            raise ValueError("a span change needs the span before or after it")
        return cls(
            action, Entity.SPAN, some.id, some.document_id, some.annotator,
            span_payload(before) if before is not None else None,
            span_payload(after) if after is not None else None,
            editor=editor, imported=imported,
        )  # fmt: skip

    @classmethod
    def relation(
        cls,
        action: Action,
        relation: RelationData,
        *,
        editor: str = "",
        imported: bool = False,
    ) -> ChangeRecord:
        payload = relation_payload(relation)
        removed = action == Action.DELETE
        return cls(
            action, Entity.RELATION, relation.id, relation.document_id, relation.annotator,
            payload if removed else None, None if removed else payload,
            editor=editor, imported=imported,
        )  # fmt: skip

    @classmethod
    def status(
        cls,
        document_id: int,
        layer: str,
        before: DocStatus | str,
        after: DocStatus | str,
        *,
        editor: str = "",
        imported: bool = False,
    ) -> ChangeRecord:
        return cls(
            Action.STATUS, Entity.DOCUMENT, document_id, document_id, layer,
            {"annotator": layer, "status": str(before)}, {"annotator": layer, "status": str(after)},
            editor=editor, imported=imported,
        )  # fmt: skip

    @classmethod
    def role(
        cls, person_id: int, name: str, before: str, after: str, *, editor: str = ""
    ) -> ChangeRecord:
        return cls(
            Action.ROLE, Entity.ANNOTATOR, person_id, None, name,
            {"name": name, "role": before}, {"name": name, "role": after}, editor=editor,
        )  # fmt: skip

    # --- the stored shape -------------------------------------------------------

    def to_json(self) -> JsonDict:
        """The change-log row's columns (the editor is stored as its id, by the store)."""
        return stored_change(
            self.action, self.entity, self.entity_id, self.document_id, self.before, self.after,
            imported=self.imported,
        )  # fmt: skip

    @classmethod
    def from_json(cls, row: Mapping[Any, Any]) -> ChangeRecord:
        """A record from a change-log row (its columns, and ``annotator``: the
        editor's name), in any shape the writers have stored."""
        editor = str(row.get("annotator") or row.get("editor") or "")
        entity = Entity(str(row["entity"]))
        stored = str(row["action"])
        imported = stored == IMPORT_ACTION
        action = _IMPORTED_AS.get(entity, Action.ADD) if imported else Action(stored)
        before = _payload(row.get("before"))
        after = _payload(row.get("after"))
        key = "name" if entity == Entity.ANNOTATOR else "annotator"
        layer = next((str(p[key]) for p in (after, before) if p is not None and p.get(key)), editor)
        entity_id = row.get("entity_id")
        document_id = row.get("document_id")
        return cls(
            action, entity,
            None if entity_id is None else int(entity_id),
            None if document_id is None else int(document_id),
            layer, before, after, editor=editor, imported=imported,
            id=None if row.get("id") is None else int(row["id"]), at=row.get("at"),
        )  # fmt: skip

    # --- reading ----------------------------------------------------------------

    @property
    def removed(self) -> bool:
        return self.action == Action.DELETE

    def span_data(self) -> SpanData | None:
        """The span as it is after the change (as it was, for a deletion)."""
        data = self.before if self.removed else self.after
        if self.entity != Entity.SPAN or not data or self.entity_id is None:
            return None
        if self.document_id is None:
            return None
        return SpanData(
            id=self.entity_id, document_id=self.document_id, annotator=self.layer,
            label=data["label"], start=data["start"], end=data["end"], text=data["text"],
            attributes=data.get("attributes") or {}, note=data.get("note") or "",
            version=data.get("version", 1),
            fragments=_pieces(data.get("fragments")), entity_id=data.get("entity"),
        )  # fmt: skip

    def relation_data(self) -> RelationData | None:
        """The relation added (or removed, for a deletion)."""
        data = self.before if self.removed else self.after
        if self.entity != Entity.RELATION or not data or self.entity_id is None:
            return None
        if self.document_id is None or "source_id" not in data:
            return None
        return RelationData(
            self.entity_id, self.document_id, self.layer,
            data["type"], data["source_id"], data["target_id"],
        )  # fmt: skip

    def new_status(self) -> DocStatus | None:
        """The layer's status after a status change."""
        if self.entity != Entity.DOCUMENT or self.action != Action.STATUS or not self.after:
            return None
        status = self.after.get("status")
        return DocStatus(status) if status else None

    def entity_data(self) -> EntityData | None:
        """The entity after the change (None: deleted, or not an entity's row)."""
        if self.entity != Entity.NAMED_ENTITY or not self.after or self.entity_id is None:
            return None
        data = self.after
        return EntityData(
            self.entity_id, data["name"], data.get("label") or "", data.get("external_id") or "",
            tuple(data.get("aliases") or ()), data.get("version", 1),
        )  # fmt: skip

    def document_label(self) -> tuple[str, DocumentLabelValue | None] | None:
        """A document label's name and its value after the change."""
        if self.entity != Entity.DOCUMENT_LABEL or not self.after:
            return None
        return str(self.after["name"]), self.after.get("value")


# The stored shape, defined once. ChangeRecord.to_json writes it; the import
# writer, which logs half a million spans in one import, calls these directly
# rather than build two objects per span (about 5 µs each, a third of its time).


def stored_change(
    action: Action,
    entity: Entity,
    entity_id: int | None,
    document_id: int | None,
    before: JsonDict | None,
    after: JsonDict | None,
    *,
    imported: bool = False,
) -> JsonDict:
    """A change's ``change_log`` columns (all but who and when)."""
    return {
        "action": IMPORT_ACTION
        if imported and action == _IMPORTED_AS.get(entity, Action.ADD)
        else action.value,
        "entity": entity.value,
        "entity_id": entity_id,
        "document_id": document_id,
        "before": before,
        "after": after,
    }


def span_payload(span: SpanData) -> JsonDict:
    """A span as the change log stores it (every writer, the same keys; a
    split span's pieces and a mention's entity only where there are some, so
    every other span's row is what it always was)."""
    payload = span_values(
        span.document_id, span.annotator, span.label, span.start, span.end, span.text,
        span.attributes, span.note, span.version,
    )  # fmt: skip
    if span.fragments is not None:
        payload["fragments"] = [list(piece) for piece in span.fragments]
    if span.entity_id is not None:
        payload["entity"] = span.entity_id
    return payload


def span_values(
    document_id: int,
    annotator: str,
    label: str,
    start: int,
    end: int,
    text: str,
    attributes: JsonDict,
    note: str,
    version: int,
) -> JsonDict:
    """:func:`span_payload` from the span's values."""
    return {
        "document_id": document_id,
        "annotator": annotator,
        "label": label,
        "start": start,
        "end": end,
        "text": text,
        "attributes": attributes,
        "note": note,
        "version": version,
    }


def entity_payload(entity: EntityData) -> JsonDict:
    """An entity as the change log stores it, for edits and imports
    (:meth:`ChangeRecord.entity_data` reads it)."""
    return {
        "name": entity.name,
        "label": entity.label,
        "external_id": entity.external_id,
        "aliases": list(entity.aliases),
        "version": entity.version,
    }


def relation_payload(relation: RelationData) -> JsonDict:
    return relation_values(
        relation.annotator, relation.type, relation.source_id, relation.target_id
    )


def relation_values(annotator: str, type_: str, source_id: int, target_id: int) -> JsonDict:
    """:func:`relation_payload` from the relation's values."""
    return {"annotator": annotator, "type": type_, "source_id": source_id, "target_id": target_id}


def _pieces(value: Any) -> tuple[tuple[int, int], ...] | None:
    if not value:
        return None
    return tuple((int(start), int(end)) for start, end in value)


def _payload(value: Any) -> JsonDict | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        import json

        loaded = json.loads(value)
        return dict(loaded) if isinstance(loaded, dict) else None
    return dict(value)
