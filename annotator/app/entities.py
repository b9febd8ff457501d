"""The project's entities for the command line and the window: each with how
often and in how many documents it is mentioned (issue 15; docs/design.md,
"Split spans and entities")."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.core.model import EntityData, JsonDict
from annotator.store import entities as store_entities
from annotator.store.db import Database


@dataclass(frozen=True, slots=True)
class EntitySummary:
    """An entity and its mentions across the project."""

    entity: EntityData
    mentions: int
    documents: int

    def to_json(self) -> JsonDict:
        return {
            "id": self.entity.id,
            "name": self.entity.name,
            "label": self.entity.label,
            "external_id": self.entity.external_id,
            "aliases": list(self.entity.aliases),
            "mentions": self.mentions,
            "documents": self.documents,
        }


def entity_summaries(db: Database) -> list[EntitySummary]:
    """Every entity, by name then id, with its numbers of mentions and documents."""
    with db.reader() as session:
        found = store_entities.list_entities(session)
        counts = store_entities.mention_counts(session)
    return [EntitySummary(e, *counts.get(e.id, (0, 0))) for e in found]
