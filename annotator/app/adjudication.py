"""Adjudication through a workspace: compare mode and `annotator adjudicate`
(docs/design.md, "Application package").

A review workspace is a :class:`~annotator.app.workspace.Workspace` whose edit
store runs the adjudication commands of :mod:`annotator.core.adjudication`
(the store's ``ReviewEditStore``). Every decision is run by
:meth:`Workspace.run`, so it has the one history (undo, redo), kept edits and
refusals of every other edit, and is published once. The reads return plain
values. Free of Qt; the database layer is imported only when a function runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.app.workspace import Outcome, Workspace
from annotator.core.adjudication import (
    AcceptAgreed,
    AgreedOutcome,
    agreed_document_labels,
    outcome,
    span_key,
)
from annotator.core.compare import CompareItem, Kind, compare_layers
from annotator.core.model import GOLD_ANNOTATOR, DocumentLabelValue, SpanData
from annotator.core.schema import DocumentLabelDef

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from annotator.store.db import Database

__all__ = [
    "AgreedAccepted",
    "Comparison",
    "accept_agreed",
    "comparison",
    "declared_document_labels",
    "document_label_values",
    "gold_spans",
    "open_review_workspace",
    "review_workspace",
]


def open_review_workspace(directory: Path | str) -> Workspace:
    """Open the project in ``directory`` with the store of adjudication commands.

    Raises what :meth:`Workspace.open` raises (a ``ProjectProblem``).
    """
    return Workspace.open(directory, kind="review")


def review_workspace(db: Database) -> Workspace:
    """A review workspace over a database already open (its caller's: closing
    the workspace closes it)."""
    from annotator.store.review import ReviewEditStore

    return Workspace(ReviewEditStore(db), db=db)


def _database(workspace: Workspace) -> Database:
    if workspace.db is None:
        raise ValueError("no project is open")
    return workspace.db


@dataclass(frozen=True, slots=True)
class Comparison:
    """What compare mode shows of one document: its text, the two compared
    layers and gold, the stored rejections and whether the user decides."""

    document_id: int
    title: str
    text: str
    spans: list[SpanData]
    """The spans of ``a``, ``b`` and gold."""
    rejected: set[int]
    """Ids of compared spans a reviewer rejected (they hold for every reviewer)."""
    reviewer: bool
    """Whether the user is a reviewer (only reviewers write gold)."""
    document_labels: dict[str, dict[str, DocumentLabelValue]]
    """Layer (``a``, ``b``, gold) -> {document label: value}, for the labels declared."""
    declared: tuple[DocumentLabelDef, ...]
    """The document labels project.yaml declares (none without a project)."""

    def layer(self, name: str) -> list[SpanData]:
        return [s for s in self.spans if s.annotator == name]


def comparison(workspace: Workspace, document_id: int, a: str, b: str, user: str) -> Comparison:
    """Read a document for comparing ``a`` with ``b`` in one transaction;
    :class:`~annotator.core.errors.NotFound` for an unknown document."""
    from annotator.store import repository
    from annotator.store import review as store_review

    with _database(workspace).reader() as session:
        document = repository.get_document(session, document_id)
        spans = repository.read_spans(session, document_id, list({a, b, GOLD_ANNOTATOR}))
        role = repository.role_of(session, user)
        rejected = store_review.rejected_spans(session, document_id)
        declared = declared_document_labels(workspace)
        labels = _label_values(session, document_id, [a, b, GOLD_ANNOTATOR], declared)
    return Comparison(
        document.id,
        document.title or f"Document {document.id}",
        document.text,
        spans,
        rejected,
        role == "reviewer",
        labels,
        declared,
    )


def declared_document_labels(workspace: Workspace) -> tuple[DocumentLabelDef, ...]:
    """The document labels the workspace's project declares."""
    return () if workspace.project is None else workspace.project.schema.document_labels


def _label_values(
    session: Session,
    document_id: int,
    layers: Sequence[str],
    declared: Sequence[DocumentLabelDef],
) -> dict[str, dict[str, DocumentLabelValue]]:
    from annotator.store.document_labels import document_labels

    names = {d.name for d in declared}
    if not names:
        return {}
    return {
        layer: {name: value for name, value in values.items() if name in names}
        for layer, values in document_labels(session, document_id, list(layers)).items()
    }


def document_label_values(
    workspace: Workspace, document_id: int, layers: Sequence[str]
) -> dict[str, dict[str, DocumentLabelValue]]:
    """Layer -> {declared document label: value} of ``layers``, as stored now."""
    with _database(workspace).reader() as session:
        return _label_values(session, document_id, layers, declared_document_labels(workspace))


def gold_spans(workspace: Workspace, document_id: int) -> list[SpanData]:
    """The document's gold layer as stored now."""
    from annotator.store import repository

    with _database(workspace).reader() as session:
        return repository.read_spans(session, document_id, [GOLD_ANNOTATOR])


@dataclass(frozen=True, slots=True)
class AgreedAccepted:
    """What accepting the agreed spans of a document did.

    ``outcome`` is :attr:`Outcome.SAVED` also when there was nothing to add (no
    edit was run, none recorded); when the edit was refused, :attr:`Workspace.refusal` says
    why, and when kept, :attr:`Workspace.kept_reason`.
    """

    outcome: Outcome
    result: AgreedOutcome
    open_items: int
    """The items of the comparison that are not agreed: left to decide."""
    items: Sequence[CompareItem]


def accept_agreed(
    workspace: Workspace, document_id: int, a: str, b: str, reviewer: str
) -> AgreedAccepted:
    """Put every span ``a`` and ``b`` agree on (same start, end and label) into
    gold, unless gold has it already, and every declared document label they
    gave the same value that gold lacks: one edit, run by the workspace.

    Refused before anything is read further, even when gold has every agreed
    span: an unknown document or annotator (:class:`NotFound`), a ``reviewer``
    who may not write gold (:class:`PermissionDenied`).
    """
    from annotator.store import repository

    with _database(workspace).reader() as session:
        repository.get_document(session, document_id)
        repository.check_can_write(session, GOLD_ANNOTATOR, reviewer)
        for name in (a, b):
            if name != GOLD_ANNOTATOR:
                repository.annotator_id(session, name, create=False)
        items = compare_layers(
            repository.list_spans(session, document_id, [a]),
            repository.list_spans(session, document_id, [b]),
        )
        gold = {span_key(s) for s in repository.list_spans(session, document_id, [GOLD_ANNOTATOR])}
        declared = declared_document_labels(workspace)
        values = _label_values(session, document_id, [a, b, GOLD_ANNOTATOR], declared)
    labels = agreed_document_labels(
        values.get(a, {}), values.get(b, {}), values.get(GOLD_ANNOTATOR, {}),
        [d.name for d in declared],
    )  # fmt: skip
    command = AcceptAgreed(document_id, items, reviewer, labels=labels)
    # Gold has them all already: no edit, so no empty step in the history.
    needed = bool(labels) or any(span_key(s) not in gold for s in command.add)
    done = workspace.run(command) if needed else Outcome.SAVED
    open_items = sum(1 for item in items if item.kind is not Kind.SAME)
    return AgreedAccepted(done, outcome(command), open_items, items)
