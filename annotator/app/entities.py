"""The project's entities and the documents' labels, as the window and the
command line read them (issue 15; docs/design.md, "Split spans and entities").

Each read is one transaction of the workspace's database; edits are core
commands run through :meth:`Workspace.run` (``SetEntity``, ``LinkNewEntity``,
``UpdateEntity``, ``SetDocumentLabel``), so they are undone like any other.
Free of Qt; the database layer is imported only when a function runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.app.workspace import Workspace
from annotator.core.model import DocumentLabelValue, EntityData, JsonDict, Mention

if TYPE_CHECKING:
    from annotator.store.db import Database

__all__ = ["EntityRow", "Mention", "document_labels", "entity_mentions", "entity_rows"]

MENTIONS_SHOWN = 1000
"""The most mentions :func:`entity_mentions` reads at once (a panel lists them)."""


@dataclass(frozen=True, slots=True)
class EntityRow:
    """An entity with how often, and in how many documents, it is mentioned."""

    entity: EntityData
    mentions: int = 0
    documents: int = 0

    def to_json(self) -> JsonDict:
        """The entity as ``annotator entities --json`` prints it."""
        return {
            "id": self.entity.id,
            "name": self.entity.name,
            "label": self.entity.label,
            "external_id": self.entity.external_id,
            "aliases": list(self.entity.aliases),
            "mentions": self.mentions,
            "documents": self.documents,
        }


def entity_rows(workspace: Workspace) -> list[EntityRow]:
    """Every entity of the project, by name then id, with its mention counts."""
    from annotator.store import entities

    with _database(workspace).reader() as session:
        found = entities.list_entities(session)
        counts = entities.mention_counts(session)
    return [EntityRow(entity, *counts.get(entity.id, (0, 0))) for entity in found]


def entity_mentions(
    workspace: Workspace, entity_id: int, limit: int = MENTIONS_SHOWN
) -> list[Mention]:
    """The entity's mentions in every document and layer, by document then offset."""
    from annotator.store import entities

    with _database(workspace).reader() as session:
        return entities.mentions_of(session, entity_id, limit)


def document_labels(
    workspace: Workspace, document_id: int, layer: str
) -> dict[str, DocumentLabelValue]:
    """``layer``'s values of the document's labels, by label name."""
    from annotator.store.document_labels import document_labels as read

    with _database(workspace).reader() as session:
        return read(session, document_id, [layer]).get(layer, {})


def _database(workspace: Workspace) -> Database:
    if workspace.db is None:
        raise ValueError("no project is open")
    return workspace.db
