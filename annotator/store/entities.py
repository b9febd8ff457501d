"""The project's entities: the people, organisations and other things its
mentions refer to, shared by every annotator and article (issue 15;
docs/design.md, "Split spans and entities").

Any analyst may create, rename or describe an entity; every change is logged
(kind ``entity``, no document) and refused with :class:`StaleEdit` when the
entity changed since the editor read it. Deleting one leaves its mentions as
plain spans (the foreign key sets their ``entity_id`` to NULL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from annotator.core.changes import Action, ChangeRecord, Entity, entity_payload
from annotator.core.errors import NotFound
from annotator.core.model import EntityData, Mention, clean_aliases
from annotator.store.models import Annotator, ChangeLog, Document, NamedEntity, Span, utcnow
from annotator.store.repository import StaleEdit, annotator_id, check_person, log_row

_COLUMNS = (
    NamedEntity.id,
    NamedEntity.name,
    NamedEntity.label,
    NamedEntity.external_id,
    NamedEntity.aliases,
    NamedEntity.version,
)


def _entity(row: Any) -> EntityData:
    entity_id, name, label, external_id, aliases, version = row
    return EntityData(entity_id, name, label, external_id, tuple(aliases or ()), version)


def _log(session: Session, editor: str, action: Action, before: Any, after: Any) -> None:
    some = after if after is not None else before
    record = ChangeRecord(
        action, Entity.NAMED_ENTITY, some.id, None, editor,
        None if before is None else entity_payload(before),
        None if after is None else entity_payload(after),
        editor=editor,
    )  # fmt: skip
    row = log_row(record, annotator_id(session, editor), utcnow())
    session.connection().execute(insert(ChangeLog), row)


def get_entity(session: Session, entity_id: int) -> EntityData:
    row = session.execute(select(*_COLUMNS).where(NamedEntity.id == entity_id)).one_or_none()
    if row is None:
        raise NotFound(f"no entity with id {entity_id}")
    return _entity(row)


def list_entities(session: Session) -> list[EntityData]:
    """Every entity, by name then id."""
    stmt = select(*_COLUMNS).order_by(NamedEntity.name, NamedEntity.id)
    return [_entity(row) for row in session.execute(stmt)]


def mention_counts(session: Session) -> dict[int, tuple[int, int]]:
    """Entity id -> (mentions, documents they are in)."""
    stmt = (
        select(Span.entity_id, func.count(Span.id), func.count(func.distinct(Span.document_id)))
        .where(Span.entity_id.is_not(None))
        .group_by(Span.entity_id)
    )
    return {int(e or 0): (int(m), int(d)) for e, m, d in session.execute(stmt)}


def mention_texts(session: Session) -> list[tuple[int, str]]:
    """(entity id, text) of every mention in one piece, each pair once."""
    stmt = (
        select(Span.entity_id, Span.text)
        .where(Span.entity_id.is_not(None), Span.fragments.is_(None))
        .distinct()
    )
    return [(int(entity_id or 0), str(text)) for entity_id, text in session.execute(stmt)]


def create_entity(
    session: Session,
    editor: str,
    name: str,
    *,
    label: str = "",
    external_id: str = "",
    aliases: Sequence[str] = (),
    entity_id: int | None = None,
) -> EntityData:
    """A new entity (``entity_id`` restores one under its old id: redo)."""
    check_person(editor)
    name = name.strip()
    if not name:
        raise ValueError("an entity needs a name")
    now = utcnow()
    values: dict[str, Any] = {
        "name": name,
        "label": label,
        "external_id": external_id.strip(),
        "aliases": list(clean_aliases(aliases, name)),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    if entity_id is not None:
        values["id"] = entity_id
    new_id = session.connection().execute(insert(NamedEntity).returning(NamedEntity.id), values)
    entity = EntityData(
        int(new_id.scalar_one()), name, label, values["external_id"], tuple(values["aliases"]), 1
    )
    _log(session, editor, Action.ADD, None, entity)
    return entity


def update_entity(
    session: Session,
    entity_id: int,
    editor: str,
    *,
    name: str | None = None,
    label: str | None = None,
    external_id: str | None = None,
    aliases: Sequence[str] | None = None,
    expected_version: int | None = None,
) -> EntityData:
    """Rename or describe an entity; refused if it changed since ``expected_version``."""
    check_person(editor)
    before = get_entity(session, entity_id)
    if expected_version is not None and before.version != expected_version:
        raise StaleEdit(f"entity {entity_id} was changed by someone else meanwhile")
    new_name = before.name if name is None else name.strip()
    if not new_name:
        raise ValueError("an entity needs a name")
    after = replace(
        before,
        name=new_name,
        label=before.label if label is None else label,
        external_id=before.external_id if external_id is None else external_id.strip(),
        aliases=clean_aliases(before.aliases if aliases is None else aliases, new_name),
        version=before.version + 1,
    )
    done = session.execute(
        update(NamedEntity)
        .where(NamedEntity.id == entity_id, NamedEntity.version == before.version)
        .values(
            name=after.name, label=after.label, external_id=after.external_id,
            aliases=list(after.aliases), version=after.version, updated_at=utcnow(),
        )
    )  # fmt: skip
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleEdit(f"entity {entity_id} was changed by someone else meanwhile")
    _log(session, editor, Action.UPDATE, before, after)
    return after


def delete_entity(
    session: Session,
    entity_id: int,
    editor: str,
    *,
    expected_version: int | None = None,
    unused_only: bool = False,
) -> EntityData:
    """Delete an entity; its mentions stay, as mentions of nothing.

    Refused (:class:`StaleEdit`) when it changed since ``expected_version``, or,
    with ``unused_only`` (an undone creation), when a span is a mention of it:
    someone linked it meanwhile, and their link would silently go.
    """
    check_person(editor)
    before = get_entity(session, entity_id)
    if expected_version is not None and before.version != expected_version:
        raise StaleEdit(f"entity {entity_id} was changed by someone else meanwhile")
    if unused_only:
        used = session.scalar(select(func.count(Span.id)).where(Span.entity_id == entity_id))
        if used:
            raise StaleEdit(
                f"entity {before.name!r} has {used} mention{'s' * (used > 1)} now: not deleted"
            )
    session.execute(delete(NamedEntity).where(NamedEntity.id == entity_id))
    _log(session, editor, Action.DELETE, before, None)
    return before


def mentions_of(session: Session, entity_id: int, limit: int | None = None) -> list[Mention]:
    """The entity's mentions in every document and layer, by document then offset."""
    stmt = (
        select(
            Span.id, Span.document_id, Document.title, Annotator.name, Span.label, Span.start,
            Span.text,
        )
        .join(Document, Document.id == Span.document_id)
        .join(Annotator, Annotator.id == Span.annotator_id)
        .where(Span.entity_id == entity_id)
        .order_by(Span.document_id, Span.start, Span.id)
        .limit(limit)
    )  # fmt: skip
    return [Mention(*row) for row in session.execute(stmt)]
