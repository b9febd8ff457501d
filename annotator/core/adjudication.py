"""Adjudication: undoable commands that build the gold layer from a comparison.

Qt-free and database-free, like :mod:`annotator.core.commands`, whose
:class:`~annotator.core.commands.Command` they extend: ``do`` and ``undo`` each
run in one transaction of the store and return the :class:`Changes`.

Gold is the layer of the reserved annotator ``gold``. Every write names the
reviewer as its editor, so the store's permission check (only reviewers change
gold) applies, and the change log says who decided. The store therefore needs
one thing more than an :class:`~annotator.core.commands.EditSession`: an
``editor`` for ``add_span`` and a read of a layer's spans (:class:`ReviewSession`;
``annotator.store.review.ReviewEditStore`` provides it).

Each item of a comparison (:mod:`annotator.core.compare`) ends up as exactly
one of: A's span in gold, B's span in gold, or neither:

- accept A: gold gets A's span (label, extent and attributes) unless it has an
  equal one already, and loses any span equal to B's (start, end and label);
- accept B: the same the other way round;
- reject: gold loses any span equal to A's or B's, and the item is marked
  resolved in :class:`Resolutions` (no gold record is kept for a rejection);
- accept all agreed: gold gets every ``same`` item of the document, and the
  document labels both layers gave the same value, in one command and one
  transaction.

A span goes into gold with what makes it a mention (its entity) and its
pieces. Document labels are decided one at a time too
(:func:`accept_document_label`: one annotator's value, or the reviewer's own).

Redo re-creates a gold span under the id it got the first time, and undo
restores a removed gold span under its old id with its relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from annotator.core.commands import Changes, Command, EditSession, EditStore, SetDocumentLabel
from annotator.core.compare import CompareItem, Kind
from annotator.core.model import GOLD_ANNOTATOR, DocumentLabelValue, RelationData, SpanData

SpanKey = tuple[int, int, str]
"""A span as the gold layer compares it: (start, end, label)."""


def span_key(span: SpanData) -> SpanKey:
    return (span.start, span.end, span.label)


@runtime_checkable
class ReviewSession(EditSession, Protocol):
    """An :class:`EditSession` that also reads layers and keeps rejections."""

    def list_spans(self, document_id: int, annotators: Sequence[str]) -> list[SpanData]: ...

    def rejected(self, document_id: int) -> set[int]:
        """Ids of the document's compared spans that a reviewer rejected."""
        ...

    def set_rejected(self, document_id: int, span_ids: set[int], reviewer: str) -> None:
        """Make exactly these of the document's spans the rejected ones."""
        ...


class Resolutions:
    """Which compared spans were rejected, as the comparison on screen knows it.

    Accepting writes gold, so it needs no record; a rejection leaves nothing in
    gold, so it is stored apart (ReviewSession.set_rejected) and mirrored here.
    """

    def __init__(self) -> None:
        self.rejected: set[int] = set()


class Resolution(StrEnum):
    OPEN = "open"
    ACCEPTED_A = "accepted_a"
    ACCEPTED_B = "accepted_b"
    REJECTED = "rejected"


def resolution_of(
    item: CompareItem, gold: Iterable[SpanData], resolutions: Resolutions | None = None
) -> Resolution:
    """How an item stands: A's or B's span is in gold, it was rejected, or it is open."""
    return _resolution(item, {span_key(s) for s in gold}, resolutions)


def resolutions_of(
    items: Sequence[CompareItem], gold: Iterable[SpanData], resolutions: Resolutions | None = None
) -> list[Resolution]:
    """:func:`resolution_of` for every item (the gold layer is indexed once)."""
    keys = {span_key(s) for s in gold}
    return [_resolution(item, keys, resolutions) for item in items]


def _resolution(
    item: CompareItem, keys: set[SpanKey], resolutions: Resolutions | None
) -> Resolution:
    if item.a is not None and span_key(item.a) in keys:
        return Resolution.ACCEPTED_A
    if item.b is not None and span_key(item.b) in keys:
        return Resolution.ACCEPTED_B
    if resolutions is not None:
        ids = {s.id for s in item.spans if s.annotator != GOLD_ANNOTATOR}
        if ids and ids <= resolutions.rejected:
            return Resolution.REJECTED
    return Resolution.OPEN


class _Recorder:
    """Passes each write to the review session and notes what it changed."""

    def __init__(self, session: ReviewSession, changes: Changes) -> None:
        self.session = session
        self.changes = changes

    def add_span(self, span: SpanData, editor: str, span_id: int | None) -> SpanData:
        added = self.session.add_span(
            span.document_id,
            GOLD_ANNOTATOR,
            span.label,
            span.start,
            span.end,
            attributes=span.attributes,
            note=span.note,
            span_id=span_id,
            editor=editor,
            fragments=span.fragments,
            entity_id=span.entity_id,
        )
        self.changes.span_added(added)
        return added

    def set_document_label(
        self, document_id: int, name: str, value: DocumentLabelValue | None, editor: str
    ) -> DocumentLabelValue | None:
        before = self.session.set_document_label(
            document_id, GOLD_ANNOTATOR, name, value, editor=editor
        )
        self.changes.document_labels[(document_id, GOLD_ANNOTATOR, name)] = value
        return before

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        span, relations = self.session.delete_span(span_id, editor)
        for relation in relations:
            self.changes.relation_removed(relation)
        self.changes.span_removed(span)
        return span, relations

    def add_relation(self, relation: RelationData, editor: str) -> None:
        # Gold relations belong to gold; the reviewer may write them (checked by the store).
        added = self.session.add_relation(
            relation.annotator,
            relation.type,
            relation.source_id,
            relation.target_id,
            relation_id=relation.id,
            editor=editor,
        )
        self.changes.relation_added(added)

    def gold(self, document_id: int) -> list[SpanData]:
        return self.session.list_spans(document_id, [GOLD_ANNOTATOR])


class GoldEdit(Command):
    """Make gold hold the spans in ``add`` and none equal to those in ``remove``.

    The base of every adjudication command. ``add`` spans are copied (label,
    extent, attributes; not the note) into gold unless gold has an equal one;
    ``remove`` spans name, by start, end and label, the gold spans to delete.
    ``reject`` are ids of compared spans to mark rejected in ``resolutions``;
    the spans added are unmarked. ``labels`` are gold's document-label values to set.
    """

    def __init__(
        self,
        document_id: int,
        reviewer: str,
        *,
        add: Sequence[SpanData] = (),
        remove: Sequence[SpanData] = (),
        reject: Iterable[int] = (),
        resolutions: Resolutions | None = None,
        labels: Mapping[str, DocumentLabelValue] | None = None,
        text: str = "Edit gold",
    ) -> None:
        self.document_id = document_id
        self.reviewer = reviewer
        self.add = [
            SpanData(
                id=s.id,
                document_id=document_id,
                annotator=s.annotator,
                label=s.label,
                start=s.start,
                end=s.end,
                text=s.text,
                attributes=dict(s.attributes),
                fragments=s.fragments,
                entity_id=s.entity_id,
            )
            for s in add
        ]
        self.labels = dict(labels or {})
        self._labels_before: dict[str, DocumentLabelValue | None] = {}
        self.remove = list(remove)
        self.reject = set(reject)
        self.resolutions = resolutions
        self.text = text
        self.added_ids: list[int] = []
        """Ids of the gold spans the last run added."""
        self.removed: list[SpanData] = []
        """The gold spans the last run deleted."""
        self._ids: dict[int, int] = {}  # position in ``add`` -> gold span id of the first run
        self._relations: list[RelationData] = []
        self._rejected_before: set[int] = set()
        self._stored_rejected_before: set[int] = set()

    # ``Command.do`` takes an EditStore; an adjudication needs a ReviewSession from it.
    def _run(self, store: EditStore, *, undo: bool) -> Changes:
        changes = Changes()
        with store.transaction() as session:
            if not isinstance(session, ReviewSession):
                raise TypeError(
                    "adjudication needs a store whose sessions take an editor for new spans "
                    "(annotator.store.review.ReviewEditStore)"
                )
            recorder = _Recorder(session, changes)
            if undo:
                self._undo_gold(recorder)
            else:
                self._do_gold(recorder)
        return changes

    def _do_gold(self, rec: _Recorder) -> None:
        gold = rec.gold(self.document_id)
        unwanted = {span_key(s) for s in self.remove}
        self.removed = []
        self._relations = []
        seen_relations: set[int] = set()
        kept: list[SpanData] = []
        for span in gold:
            if span_key(span) in unwanted:
                deleted, relations = rec.delete_span(span.id, self.reviewer)
                self.removed.append(deleted)
                for rel in relations:
                    if rel.id not in seen_relations:
                        seen_relations.add(rel.id)
                        self._relations.append(rel)
            else:
                kept.append(span)
        present = {span_key(s) for s in kept}
        self.added_ids = []
        for n, span in enumerate(self.add):
            key = span_key(span)
            if key in present:
                continue
            added = rec.add_span(span, self.reviewer, self._ids.get(n))
            self._ids[n] = added.id
            self.added_ids.append(added.id)
            present.add(key)
        stored = rec.session.rejected(self.document_id)
        self._stored_rejected_before = set(stored)
        wanted = (stored - {s.id for s in self.add}) | self.reject
        if wanted != stored:
            rec.session.set_rejected(self.document_id, wanted, self.reviewer)
        if self.resolutions is not None:
            self._rejected_before = set(self.resolutions.rejected)
            self.resolutions.rejected -= {s.id for s in self.add}
            self.resolutions.rejected |= self.reject
        self._labels_before = {
            name: rec.set_document_label(self.document_id, name, value, self.reviewer)
            for name, value in self.labels.items()
        }

    def _undo_gold(self, rec: _Recorder) -> None:
        for name, before in self._labels_before.items():
            rec.set_document_label(self.document_id, name, before, self.reviewer)
        for span_id in reversed(self.added_ids):
            rec.delete_span(span_id, self.reviewer)
        for span in self.removed:
            restored = rec.session.add_span(
                span.document_id,
                span.annotator,
                span.label,
                span.start,
                span.end,
                attributes=span.attributes,
                note=span.note,
                span_id=span.id,
                editor=self.reviewer,
                fragments=span.fragments,
                entity_id=span.entity_id,
            )
            rec.changes.span_added(restored)
        for rel in self._relations:
            rec.add_relation(rel, self.reviewer)
        if rec.session.rejected(self.document_id) != self._stored_rejected_before:
            rec.session.set_rejected(self.document_id, self._stored_rejected_before, self.reviewer)
        if self.resolutions is not None:
            self.resolutions.rejected = set(self._rejected_before)

    def _do(self, session: EditSession) -> None:  # pragma: no cover - _run replaces it
        raise TypeError("an adjudication runs through do(store)")

    def _undo(self, session: EditSession) -> None:  # pragma: no cover - _run replaces it
        raise TypeError("an adjudication runs through undo(store)")


def _who(span: SpanData) -> str:
    return span.annotator


class AcceptSpan(GoldEdit):
    """Accept one side of a compared item into gold (see the module)."""

    def __init__(
        self,
        document_id: int,
        item: CompareItem,
        side: str,
        reviewer: str,
        *,
        resolutions: Resolutions | None = None,
    ) -> None:
        if side not in ("a", "b"):
            raise ValueError(f"side must be 'a' or 'b', not {side!r}")
        chosen = item.a if side == "a" else item.b
        other = item.b if side == "a" else item.a
        if chosen is None:
            raise ValueError(f"this item has no span of {side.upper()} to accept")
        remove = [other] if other is not None and span_key(other) != span_key(chosen) else []
        super().__init__(
            document_id,
            reviewer,
            add=[chosen],
            remove=remove,
            resolutions=resolutions,
            text=f"Accept {_who(chosen)}'s {chosen.label}",
        )
        self.item = item
        self.side = side


class RejectItem(GoldEdit):
    """Neither side of the item goes into gold; the item is marked resolved."""

    def __init__(
        self,
        document_id: int,
        item: CompareItem,
        reviewer: str,
        *,
        resolutions: Resolutions | None = None,
    ) -> None:
        label = item.spans[0].label if item.spans else ""
        super().__init__(
            document_id,
            reviewer,
            remove=list(item.spans),
            reject=[s.id for s in item.spans if s.annotator != GOLD_ANNOTATOR],
            resolutions=resolutions,
            text=f"Reject {label}",
        )
        self.item = item


class AcceptAgreed(GoldEdit):
    """Every span both layers have (the ``same`` items) into gold, and the
    agreed document labels (:func:`agreed_document_labels`), as one edit."""

    def __init__(
        self,
        document_id: int,
        items: Iterable[CompareItem],
        reviewer: str,
        *,
        resolutions: Resolutions | None = None,
        labels: Mapping[str, DocumentLabelValue] | None = None,
    ) -> None:
        agreed = [item.a for item in items if item.kind is Kind.SAME and item.a is not None]
        super().__init__(
            document_id,
            reviewer,
            add=agreed,
            resolutions=resolutions,
            labels=labels,
            text=f"Accept {len(agreed)} agreed span{'s' if len(agreed) != 1 else ''}",
        )


def same_document_label(a: DocumentLabelValue | None, b: DocumentLabelValue | None) -> bool:
    """Whether two values of a document label are the same choice (a multiple
    choice's values in any order)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return sorted(a) == sorted(b)
    return a == b


def agreed_document_labels(
    a: Mapping[str, DocumentLabelValue],
    b: Mapping[str, DocumentLabelValue],
    gold: Mapping[str, DocumentLabelValue],
    names: Iterable[str],
) -> dict[str, DocumentLabelValue]:
    """The labels among ``names`` that ``a`` and ``b`` both set to the same
    value and gold does not have so already: label -> that value."""
    return {
        name: a[name]
        for name in names
        if name in a
        and same_document_label(a[name], b.get(name))
        and not same_document_label(a[name], gold.get(name))
    }


def accept_document_label(
    document_id: int,
    name: str,
    value: DocumentLabelValue | None,
    reviewer: str,
    *,
    source: str | None = None,
) -> SetDocumentLabel:
    """Gold's value of one document label, written by ``reviewer``: the value
    of the layer ``source``, or (None) the reviewer's own; None clears it."""
    command = SetDocumentLabel(document_id, GOLD_ANNOTATOR, name, value, editor=reviewer)
    if source is not None:
        command.text = f"Accept {source}'s {name}"
    return command


@dataclass(frozen=True, slots=True)
class AgreedOutcome:
    agreed: int
    added: int
    labels: tuple[str, ...] = ()
    """The agreed document labels set in gold."""

    @property
    def already_there(self) -> int:
        return self.agreed - self.added


def outcome(command: AcceptAgreed) -> AgreedOutcome:
    """After ``do``: how many spans were agreed and how many of them gold lacked."""
    return AgreedOutcome(
        agreed=len(command.add), added=len(command.added_ids), labels=tuple(command.labels)
    )


__all__ = [
    "AcceptAgreed",
    "AcceptSpan",
    "AgreedOutcome",
    "GoldEdit",
    "RejectItem",
    "Resolution",
    "Resolutions",
    "ReviewSession",
    "accept_document_label",
    "agreed_document_labels",
    "outcome",
    "resolution_of",
    "resolutions_of",
    "same_document_label",
    "span_key",
]
