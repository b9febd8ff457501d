"""The commands of assisted annotation on an in-memory store: each one step, undoable,
and redone under the same ids."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from annotator.core.assist_commands import (
    AcceptSuggestions,
    AnnotateMatches,
    RejectSuggestions,
    plan_matches,
)
from annotator.core.find import FindError, FindOptions
from annotator.core.model import DocStatus, RelationData, SpanData
from annotator.core.suggest import Speaker, Suggestion

TEXT = "“We share the same goals,” Tokayev said. Tokayev met Blinken."


class MemorySession:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def add_span(
        self, document_id: int, annotator: str, label: str, start: int, end: int, **kw: Any
    ) -> SpanData:
        span_id = kw.get("span_id") or self.store.next_id()
        assert span_id not in self.store.spans
        span = SpanData(span_id, document_id, annotator, label, start, end, TEXT[start:end])
        self.store.spans[span_id] = span
        return span

    def delete_span(self, span_id: int, editor: str) -> tuple[SpanData, list[RelationData]]:
        span = self.store.spans.pop(span_id)
        gone = [r for r in self.store.relations.values() if span_id in (r.source_id, r.target_id)]
        for rel in gone:
            del self.store.relations[rel.id]
        return span, gone

    def add_relation(
        self, annotator: str, type_: str, source_id: int, target_id: int, **kw: Any
    ) -> RelationData:
        assert source_id in self.store.spans and target_id in self.store.spans
        rel_id = kw.get("relation_id") or self.store.next_id()
        rel = RelationData(rel_id, 1, annotator, type_, source_id, target_id)
        self.store.relations[rel_id] = rel
        return rel

    def delete_relation(self, relation_id: int, editor: str) -> RelationData:
        return self.store.relations.pop(relation_id)

    def update_span(self, span_id: int, editor: str, **kw: Any) -> SpanData:
        raise NotImplementedError

    def set_status(self, document_id: int, annotator: str, status: DocStatus) -> DocStatus:
        return status

    def reject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None:
        self.store.rejected.add((document_id, annotator, label, start, end))

    def unreject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None:
        self.store.rejected.discard((document_id, annotator, label, start, end))


class MemoryStore:
    def __init__(self) -> None:
        self.spans: dict[int, SpanData] = {}
        self.relations: dict[int, RelationData] = {}
        self.rejected: set[tuple[int, str, str, int, int]] = set()
        self.ids = 100
        self.transactions = 0

    def next_id(self) -> int:
        self.ids += 1
        return self.ids

    @contextmanager
    def transaction(self) -> Iterator[MemorySession]:
        saved = copy.deepcopy((self.spans, self.relations, self.rejected))
        self.transactions += 1
        try:
            yield MemorySession(self)
        except Exception:
            self.spans, self.relations, self.rejected = saved
            raise


def quote_with_speaker() -> Suggestion:
    s, e = TEXT.index("Tokayev"), TEXT.index("Tokayev") + 7
    speaker = Speaker(s, e, "Tokayev", "Person", "speaker")
    return Suggestion("Quote", 1, 24, TEXT[1:24], "quote", speaker)


def entity(word: str, label: str = "Person", nth: int = 0) -> Suggestion:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return Suggestion(label, start, start + len(word), word, "dictionary")


def test_accept_all_is_one_transaction_and_undo_redo_keep_ids() -> None:
    store = MemoryStore()
    items = [quote_with_speaker(), entity("Tokayev", nth=1), entity("Blinken")]
    command = AcceptSuggestions(1, "ana", [*items, items[2]])  # a repeat is accepted once
    changes = command.do(store)
    assert store.transactions == 1
    assert command.text == "Accept 3 suggestions"
    assert sorted(s.text for s in store.spans.values()) == [
        "Blinken",
        "Tokayev",
        "Tokayev",
        "We share the same goals",
    ]
    [rel] = store.relations.values()
    assert store.spans[rel.source_id].label == "Quote"
    assert store.spans[rel.target_id].start == TEXT.index("Tokayev")
    assert len(changes.added_spans) == 4 and len(changes.added_relations) == 1
    ids = sorted(store.spans)
    undone = command.undo(store)
    assert store.spans == {} and store.relations == {}
    assert len(undone.removed_spans) == 4 and len(undone.removed_relations) == 1
    command.do(store)
    assert sorted(store.spans) == ids and list(store.relations) == [rel.id]


def test_a_speaker_among_the_accepted_suggestions_is_not_made_twice() -> None:
    store = MemoryStore()
    command = AcceptSuggestions(1, "ana", [quote_with_speaker(), entity("Tokayev")])
    command.do(store)
    assert sorted(s.text for s in store.spans.values()) == ["Tokayev", "We share the same goals"]
    assert len(store.relations) == 1


def test_a_speaker_span_that_exists_is_linked() -> None:
    store = MemoryStore()
    with store.transaction() as session:
        mine = session.add_span(1, "ana", "Person", TEXT.index("Tokayev"), 34)
    command = AcceptSuggestions(1, "ana", [quote_with_speaker()], speaker_spans={(27, 34): mine.id})
    assert TEXT[27:34] == "Tokayev"
    assert command.text == "Accept Quote suggestion"
    command.do(store)
    assert len(store.spans) == 2
    assert [r.target_id for r in store.relations.values()] == [mine.id]
    command.undo(store)
    assert list(store.spans) == [mine.id] and store.relations == {}


def test_a_failure_rolls_the_whole_command_back() -> None:
    store = MemoryStore()
    bad = Suggestion("Person", 0, 3, "xyz", "rule")
    command = AcceptSuggestions(1, "ana", [entity("Blinken"), bad])
    with store.transaction() as session:
        session.add_span(1, "ana", "Person", 0, 3, span_id=101)
    store.ids = 100  # the next id clashes with the span above
    with pytest.raises(AssertionError):
        command.do(store)
    assert list(store.spans) == [101]


def test_annotate_matches_and_reject() -> None:
    store = MemoryStore()
    first = TEXT.index("Tokayev")
    second = TEXT.index("Tokayev", first + 1)
    matches = [(1, first, first + 7), (1, second, second + 7)]
    command = AnnotateMatches("ana", "Person", matches, "Tokayev")
    assert command.text == "Annotate 2 matches “Tokayev” as Person"
    command.do(store)
    ids = sorted(store.spans)
    assert [s.text for s in store.spans.values()] == ["Tokayev", "Tokayev"]
    command.undo(store)
    assert store.spans == {}
    command.do(store)
    assert sorted(store.spans) == ids
    reject = RejectSuggestions(1, "ana", [("Person", 48, 55), ("Quote", 1, 24)])
    assert reject.text == "Reject 2 suggestions"
    assert reject.do(store).document_ids == set()
    assert store.rejected == {(1, "ana", "Person", 48, 55), (1, "ana", "Quote", 1, 24)}
    reject.undo(store)
    assert store.rejected == set()


def test_plan_matches_is_the_one_plan_of_annotate_all() -> None:
    """Matches -> the spans to add, leaving out those the annotator has with this
    label; its command adds them all as one step (every surface builds it so)."""
    first = TEXT.index("Tokayev")
    second = TEXT.index("Tokayev", first + 1)
    other = "Tokayev, not Tokayevich; tokayev"
    plan = plan_matches(
        "Tokayev",
        "Person",
        "ana",
        [(1, TEXT, {(first, first + 7)}), (2, other, set())],
        FindOptions(whole_word=True, case_sensitive=True),
    )
    assert plan.matches == [(1, second, second + 7), (2, 0, 7)]
    assert (plan.count, plan.documents, plan.skipped) == (2, 2, 1)
    assert (
        plan_matches("x*", "Person", "ana", [(1, TEXT, set())], FindOptions(regex=True)).count == 0
    )
    with pytest.raises(FindError):
        plan_matches("(", "Person", "ana", [(1, TEXT, set())], FindOptions(regex=True))

    command = plan.command()
    assert isinstance(command, AnnotateMatches)
    assert command.text == "Annotate 2 matches “Tokayev” as Person"
    assert command.editor == "ana"
    tagged = plan.command(editor="rev", text="Tag 2 matches as Person")
    assert (tagged.text, tagged.annotator, tagged.editor) == (
        "Tag 2 matches as Person",
        "ana",
        "rev",
    )
    store = MemoryStore()
    tagged.do(store)
    assert store.transactions == 1
    assert sorted((s.document_id, s.start) for s in store.spans.values()) == [(1, second), (2, 0)]
    tagged.undo(store)
    assert store.spans == {}
