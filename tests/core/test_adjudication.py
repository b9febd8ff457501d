"""Adjudication commands against an in-memory store (the database ones: tests/store)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from annotator.core.adjudication import (
    AcceptAgreed,
    AcceptSpan,
    RejectItem,
    Resolution,
    Resolutions,
    ReviewSession,
    accept_document_label,
    agreed_document_labels,
    outcome,
    resolution_of,
    resolutions_of,
)
from annotator.core.commands import AddSpan
from annotator.core.compare import Kind, compare_layers
from annotator.core.model import (
    GOLD_ANNOTATOR,
    DocStatus,
    DocumentLabelValue,
    JsonDict,
    RelationData,
    SpanData,
)

TEXT = "Antony Blinken said Kazakhstan is a partner of the United States in Astana."


class Denied(PermissionError):
    pass


class MemorySession:
    """The writes of one transaction on :class:`MemoryStore`, with its permission rule."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _check(self, layer: str, editor: str) -> None:
        if editor == layer:
            return
        if layer == GOLD_ANNOTATOR and editor in self.store.reviewers:
            return
        raise Denied(f"{editor} may not change {layer}")

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
        fragments: tuple[tuple[int, int], ...] | None = None,
        entity_id: int | None = None,
    ) -> SpanData:
        self._check(annotator, editor or annotator)
        if span_id is None:
            self.store.next_id += 1
            span_id = self.store.next_id
        assert span_id not in self.store.spans
        span = SpanData(
            span_id,
            document_id,
            annotator,
            label,
            start,
            end,
            TEXT[start:end],
            dict(attributes or {}),
            note,
            fragments=fragments,
            entity_id=entity_id,
        )
        self.store.spans[span_id] = span
        self.store.log.append(("add", annotator, editor or annotator))
        return span

    def update_span(self, span_id: int, editor: str, **changes: object) -> SpanData:
        raise NotImplementedError

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        span = self.store.spans[span_id]
        self._check(span.annotator, editor)
        relations = [
            r for r in self.store.relations.values() if span_id in (r.source_id, r.target_id)
        ]
        for r in relations:
            del self.store.relations[r.id]
        del self.store.spans[span_id]
        self.store.log.append(("delete", span.annotator, editor))
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
        if relation_id is None:
            self.store.next_id += 1
            relation_id = self.store.next_id
        rel = RelationData(relation_id, 1, annotator, type_, source_id, target_id)
        self.store.relations[relation_id] = rel
        return rel

    def delete_relation(self, relation_id: int, editor: str) -> RelationData:
        return self.store.relations.pop(relation_id)

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus:
        return DocStatus.NEW

    def set_document_label(
        self,
        document_id: int,
        annotator: str,
        name: str,
        value: DocumentLabelValue | None,
        *,
        editor: str | None = None,
    ) -> DocumentLabelValue | None:
        self._check(annotator, editor or annotator)
        layer = self.store.document_labels.setdefault(annotator, {})
        before = layer.pop(name, None)
        if value is not None:
            layer[name] = value
        return before

    # Compare mode makes and describes no entities (the main window does).

    def create_entity(self, editor: str, name: str, **values: object) -> None:
        raise NotImplementedError

    def update_entity(self, entity_id: int, editor: str, **values: object) -> None:
        raise NotImplementedError

    def delete_entity(self, entity_id: int, editor: str, **values: object) -> None:
        raise NotImplementedError

    def list_spans(self, document_id: int, annotators: Sequence[str]) -> list[SpanData]:
        return sorted(
            (s for s in self.store.spans.values() if s.annotator in annotators),
            key=lambda s: (s.start, -s.end, s.id),
        )

    def rejected(self, document_id: int) -> set[int]:
        return set(self.store.rejected)

    def set_rejected(self, document_id: int, span_ids: set[int], reviewer: str) -> None:
        self.store.rejected = set(span_ids)


class MemoryStore:
    def __init__(self, reviewers: Sequence[str] = ("rita",)) -> None:
        self.spans: dict[int, SpanData] = {}
        self.relations: dict[int, RelationData] = {}
        self.rejected: set[int] = set()
        self.document_labels: dict[str, dict[str, DocumentLabelValue]] = {}
        self.reviewers = set(reviewers)
        self.next_id = 0
        self.transactions = 0
        self.log: list[tuple[str, str, str]] = []

    @contextmanager
    def transaction(self) -> Iterator[MemorySession]:
        saved = copy.deepcopy(
            (self.spans, self.relations, self.next_id, self.rejected, self.document_labels)
        )
        self.transactions += 1
        try:
            yield MemorySession(self)
        except BaseException:
            self.spans, self.relations, self.next_id, self.rejected, self.document_labels = saved
            raise

    def layer(self, who: str) -> list[SpanData]:
        return MemorySession(self).list_spans(1, [who])

    def gold(self) -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.label) for s in self.layer(GOLD_ANNOTATOR)]

    def add(self, who: str, start: int, end: int, label: str, **attrs: str) -> SpanData:
        with self.transaction() as session:
            return session.add_span(1, who, label, start, end, attributes=attrs)


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    s.add("alice", 0, 14, "Person", role="speaker")  # same as bob's
    s.add("bob", 0, 14, "Person")
    s.add("alice", 20, 30, "Location")  # bob: Organization
    s.add("bob", 20, 30, "Organization")
    s.add("alice", 51, 64, "Location")  # only alice
    s.add("bob", 68, 74, "Location")  # only bob
    s.add("alice", 36, 43, "Other")  # overlaps bob's Claim
    s.add("bob", 36, 50, "Claim")
    s.transactions = 0
    return s


def items_of(store: MemoryStore, b: str = "bob") -> list:
    return compare_layers(store.layer("alice"), store.layer(b))


def item(store: MemoryStore, kind: Kind, b: str = "bob") -> object:
    return next(i for i in items_of(store, b) if i.kind is kind)


def test_the_memory_store_is_a_review_session(store: MemoryStore) -> None:
    with store.transaction() as session:
        assert isinstance(session, ReviewSession)


def test_accept_a_then_b_then_undo(store: MemoryStore) -> None:
    differs = item(store, Kind.LABEL_DIFFERS)
    accept_a = AcceptSpan(1, differs, "a", "rita")
    changes = accept_a.do(store)
    assert store.gold() == [(20, 30, "Location")]
    assert len(changes.added_spans) == 1 and store.transactions == 1
    assert store.log[-1] == ("add", GOLD_ANNOTATOR, "rita")
    assert resolution_of(differs, store.layer(GOLD_ANNOTATOR)) is Resolution.ACCEPTED_A
    # Accepting B replaces A's span in gold: one outcome per item.
    accept_b = AcceptSpan(1, differs, "b", "rita")
    accept_b.do(store)
    assert store.gold() == [(20, 30, "Organization")]
    assert resolution_of(differs, store.layer(GOLD_ANNOTATOR)) is Resolution.ACCEPTED_B
    accept_b.undo(store)
    assert store.gold() == [(20, 30, "Location")]
    gold_id = store.layer(GOLD_ANNOTATOR)[0].id
    accept_a.undo(store)
    assert store.gold() == []
    accept_a.do(store)  # redo: the same id again
    assert [s.id for s in store.layer(GOLD_ANNOTATOR)] == [gold_id]


def test_accept_copies_attributes_and_not_twice(store: MemoryStore) -> None:
    same = item(store, Kind.SAME)
    AcceptSpan(1, same, "a", "rita").do(store)
    again = AcceptSpan(1, same, "b", "rita")  # same extent and label: nothing to change
    changes = again.do(store)
    assert store.gold() == [(0, 14, "Person")]
    assert not changes.added_spans and not changes.removed_spans
    assert store.layer(GOLD_ANNOTATOR)[0].attributes == {"role": "speaker"}


def test_accept_needs_a_span_on_that_side(store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="no span of B"):
        AcceptSpan(1, item(store, Kind.ONLY_A), "b", "rita")
    with pytest.raises(ValueError, match="side"):
        AcceptSpan(1, item(store, Kind.ONLY_A), "c", "rita")


def test_only_reviewers_write_gold_and_a_refusal_changes_nothing(store: MemoryStore) -> None:
    with pytest.raises(Denied):
        AcceptSpan(1, item(store, Kind.ONLY_A), "a", "alice").do(store)
    with pytest.raises(Denied):
        AcceptAgreed(1, items_of(store), "bob").do(store)
    assert store.gold() == []


def test_reject_marks_resolved_and_removes_an_accepted_span(store: MemoryStore) -> None:
    resolutions = Resolutions()
    overlap = item(store, Kind.OVERLAP)
    AcceptSpan(1, overlap, "b", "rita", resolutions=resolutions).do(store)
    assert store.gold() == [(36, 50, "Claim")]
    reject = RejectItem(1, overlap, "rita", resolutions=resolutions)
    reject.do(store)
    assert store.gold() == []
    assert resolution_of(overlap, [], resolutions) is Resolution.REJECTED
    reject.undo(store)
    assert store.gold() == [(36, 50, "Claim")]
    assert resolution_of(overlap, store.layer(GOLD_ANNOTATOR), resolutions) is Resolution.ACCEPTED_B
    assert resolutions.rejected == set()
    only_b = item(store, Kind.ONLY_B)
    RejectItem(1, only_b, "rita", resolutions=resolutions).do(store)
    assert resolution_of(only_b, store.layer(GOLD_ANNOTATOR), resolutions) is Resolution.REJECTED
    assert resolution_of(only_b, store.layer(GOLD_ANNOTATOR)) is Resolution.OPEN
    # Accepting after a rejection un-rejects.
    AcceptSpan(1, only_b, "b", "rita", resolutions=resolutions).do(store)
    assert only_b.b.id not in resolutions.rejected


def test_undo_of_a_removal_restores_ids_and_relations(store: MemoryStore) -> None:
    differs = item(store, Kind.LABEL_DIFFERS)
    AcceptSpan(1, differs, "b", "rita").do(store)
    AcceptSpan(1, item(store, Kind.SAME), "a", "rita").do(store)
    org, person = sorted(store.layer(GOLD_ANNOTATOR), key=lambda s: s.start)[::-1]
    with store.transaction() as session:
        rel = session.add_relation(GOLD_ANNOTATOR, "speaker", person.id, org.id)
    accept_a = AcceptSpan(1, differs, "a", "rita")
    changes = accept_a.do(store)
    assert rel.id in changes.removed_relations and rel.id not in store.relations
    accept_a.undo(store)
    assert store.relations[rel.id] == rel
    assert org.id in store.spans and store.spans[org.id].label == "Organization"


def test_accept_all_agreed_is_one_command_and_one_transaction(store: MemoryStore) -> None:
    store.add("alice", 56, 64, "Location")
    store.add("bob", 56, 64, "Location")
    store.transactions = 0
    items = items_of(store)
    command = AcceptAgreed(1, items, "rita")
    assert command.text == "Accept 2 agreed spans"
    command.do(store)
    assert store.transactions == 1
    assert store.gold() == [(0, 14, "Person"), (56, 64, "Location")]
    assert outcome(command).added == 2 and outcome(command).already_there == 0
    command.undo(store)
    assert store.gold() == []
    assert store.transactions == 2
    # One already in gold: added once only.
    AcceptSpan(1, items[0], "a", "rita").do(store)
    again = AcceptAgreed(1, items, "rita")
    again.do(store)
    assert outcome(again).agreed == 2 and outcome(again).already_there == 1
    assert store.gold() == [(0, 14, "Person"), (56, 64, "Location")]


def test_comparing_with_gold(store: MemoryStore) -> None:
    """A against gold: accepting A replaces gold's differing span, accepting gold keeps it."""
    store.add(GOLD_ANNOTATOR, 20, 30, "Organization")
    differs = item(store, Kind.LABEL_DIFFERS, b=GOLD_ANNOTATOR)
    assert resolution_of(differs, store.layer(GOLD_ANNOTATOR)) is Resolution.ACCEPTED_B
    AcceptSpan(1, differs, "b", "rita").do(store)
    assert store.gold() == [(20, 30, "Organization")]
    AcceptSpan(1, differs, "a", "rita").do(store)
    assert store.gold() == [(20, 30, "Location")]
    resolutions = Resolutions()
    now = item(store, Kind.SAME, b=GOLD_ANNOTATOR)
    RejectItem(1, now, "rita", resolutions=resolutions).do(store)
    assert store.gold() == []
    # Only alice's span is marked rejected (gold's was deleted, not rejected).
    assert resolutions.rejected == {now.a.id}
    left = next(i for i in items_of(store, GOLD_ANNOTATOR) if i.a == now.a)
    assert left.kind is Kind.ONLY_A
    assert resolution_of(left, [], resolutions) is Resolution.REJECTED


def test_an_ordinary_edit_store_is_refused() -> None:
    class Plain:
        @contextmanager
        def transaction(self) -> Iterator[object]:
            yield object()

    span = SpanData(1, 1, "alice", "Person", 0, 6, "Antony")
    only = compare_layers([span], [])[0]
    with pytest.raises(TypeError, match="ReviewEditStore"):
        AcceptSpan(1, only, "a", "rita").do(Plain())  # type: ignore[arg-type]


def test_gold_commands_sit_on_one_stack_with_ordinary_ones(store: MemoryStore) -> None:
    """An adjudication is a Command like AddSpan: same do/undo, same Changes."""
    add = AddSpan(1, "alice", "Event", 0, 6)
    add.do(store)  # type: ignore[arg-type]
    only = next(i for i in items_of(store) if i.a and i.a.id == add.span_id)
    accept = AcceptSpan(1, only, "a", "rita")
    accept.do(store)
    assert (0, 6, "Event") in store.gold()
    accept.undo(store)
    add.undo(store)  # type: ignore[arg-type]
    assert (0, 6, "Event") not in store.gold()


def test_resolutions_of_all_items_at_once(store: MemoryStore) -> None:
    resolutions = Resolutions()
    items = items_of(store)
    AcceptAgreed(1, items, "rita").do(store)
    RejectItem(1, item(store, Kind.ONLY_B), "rita", resolutions=resolutions).do(store)
    gold = store.layer(GOLD_ANNOTATOR)
    assert resolutions_of(items, gold, resolutions) == [
        resolution_of(i, gold, resolutions) for i in items
    ]
    assert [r.value for r in resolutions_of(items, gold, resolutions)] == [
        "accepted_a",
        "open",
        "open",
        "open",
        "rejected",
    ]


def test_gold_gets_the_entity_and_pieces_of_an_accepted_span_and_an_undo_keeps_them(
    store: MemoryStore,
) -> None:
    with store.transaction() as session:
        quote = session.add_span(
            1, "alice", "Quote", 2, 40, fragments=((2, 10), (30, 40)), entity_id=None
        )
        mention = session.add_span(1, "alice", "Person", 80, 86, entity_id=12)
    for span in (quote, mention):
        only_a = next(i for i in items_of(store) if i.a == span)
        AcceptSpan(1, only_a, "a", "rita").do(store)
    gold = {s.label: s for s in store.layer(GOLD_ANNOTATOR)}
    assert gold["Quote"].fragments == ((2, 10), (30, 40))
    assert (gold["Person"].entity_id, gold["Person"].fragments) == (12, None)
    # Rejecting removes the gold mention; undoing restores it as it was.
    rejected_item = next(i for i in items_of(store, GOLD_ANNOTATOR) if i.b == gold["Person"])
    reject = RejectItem(1, rejected_item, "rita")
    reject.do(store)
    assert "Person" not in {s.label for s in store.layer(GOLD_ANNOTATOR) if s.start == 80}
    reject.undo(store)
    restored = next(s for s in store.layer(GOLD_ANNOTATOR) if s.start == 80)
    assert (restored.id, restored.entity_id) == (gold["Person"].id, 12)


def test_a_document_label_is_accepted_into_gold_by_a_reviewer_and_undone(
    store: MemoryStore,
) -> None:
    store.document_labels = {"alice": {"topic": "economy"}, "bob": {"topic": "sport"}}
    accept = accept_document_label(1, "topic", "sport", "rita", source="bob")
    assert accept.text == "Accept bob's topic"
    changes = accept.do(store)
    assert store.document_labels[GOLD_ANNOTATOR] == {"topic": "sport"}
    assert changes.document_labels == {(1, GOLD_ANNOTATOR, "topic"): "sport"}
    own = accept_document_label(1, "topic", "politics", "rita")  # the reviewer's own value
    own.do(store)
    assert store.document_labels[GOLD_ANNOTATOR] == {"topic": "politics"}
    own.undo(store)
    accept.undo(store)
    assert store.document_labels[GOLD_ANNOTATOR] == {}
    with pytest.raises(Denied):
        accept_document_label(1, "topic", "sport", "alice").do(store)


def test_accept_all_agreed_carries_the_agreed_document_labels(store: MemoryStore) -> None:
    a = {"topic": "sport", "frames": ["conflict", "economy"], "tone": "calm"}
    b = {"topic": "sport", "frames": ["economy", "conflict"], "tone": "angry"}
    labels = agreed_document_labels(a, b, {}, ["topic", "frames", "tone", "absent"])
    assert labels == {"topic": "sport", "frames": ["conflict", "economy"]}
    # What gold has already is not agreed again.
    assert agreed_document_labels(a, b, {"topic": "sport"}, ["topic"]) == {}
    command = AcceptAgreed(1, items_of(store), "rita", labels=labels)
    command.do(store)
    assert store.document_labels[GOLD_ANNOTATOR] == labels
    assert outcome(command).labels == ("topic", "frames")
    assert store.gold() == [(0, 14, "Person")] and store.transactions == 1
    command.undo(store)
    assert store.document_labels[GOLD_ANNOTATOR] == {} and store.gold() == []
