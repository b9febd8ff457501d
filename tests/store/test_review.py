"""Assignments, comments, progress and adjudication on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from annotator.core.adjudication import AcceptAgreed, AcceptSpan, RejectItem, Resolutions
from annotator.core.compare import Kind, compare_layers
from annotator.core.errors import NotFound, PermissionDenied
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.store import repository, review
from annotator.store.db import Database

TEXTS = [
    "Antony Blinken said Kazakhstan is a partner of the United States.",
    "Uzbekistan hosted talks in Tashkent on Tuesday.",
    "The minister said the visit was a success.",
    "Officials met in Astana.",
    "A fifth article about nothing much.",
]


@pytest.fixture
def docs(project_db: Database) -> list[int]:
    with project_db.session() as session:
        ids = repository.insert_documents(session, [DocumentDraft(t) for t in TEXTS])
        repository.set_roles(session, ["rita"])
    assert all(i is not None for i in ids)
    return [int(i) for i in ids if i is not None]


def test_assign_by_hand(project_db: Database, docs: list[int]) -> None:
    with project_db.session() as session:
        assert review.assign(session, [docs[2], docs[0]], "alice") == [docs[2], docs[0]]
        assert review.assign(session, [docs[0], docs[1]], "alice") == [docs[1]]
    with project_db.reader() as session:
        assert review.assignments(session) == {d: ["alice"] for d in docs[:3]}
        mine = review.my_assignments(session, "alice")
        assert [d.id for d in mine] == docs[:3]
        assert all(d.assigned_at is not None and d.assigned_at.tzinfo for d in mine)
    with project_db.session() as session, pytest.raises(NotFound, match="with id 999"):
        review.assign(session, [999], "alice")
    with project_db.session() as session, pytest.raises(review.ReviewProblem, match="gold"):
        review.assign(session, docs, GOLD_ANNOTATOR)
    with project_db.session() as session:
        assert review.unassign(session, [docs[0]], "alice") == 1
        assert review.unassign(session, [docs[0]], "nobody") == 0
    with project_db.reader() as session:
        assert [d.id for d in review.my_assignments(session, "alice")] == docs[1:3]


def test_documents_come_assignments_first(project_db: Database, docs: list[int]) -> None:
    with project_db.session() as session:
        review.assign(session, [docs[3], docs[1]], "bob")
        repository.set_status(session, docs[3], "bob", DocStatus.DONE)
    with project_db.reader() as session:
        listed = review.documents_for(session, "bob")
        assert [d.id for d in listed] == [docs[1], docs[3], docs[0], docs[2], docs[4]]
        assert [d.assigned for d in listed] == [True, True, False, False, False]
        assert listed[1].status == "done" and listed[0].status == "new"
        # Someone without assignments sees the documents in order.
        assert [d.id for d in review.documents_for(session, "zoe")] == docs


def test_round_robin_is_balanced_and_deterministic(project_db: Database, docs: list[int]) -> None:
    with project_db.session() as session:
        plan = review.assign_round_robin(session, ["alice", "bob", "carol"], 2)
    assert plan == {
        docs[0]: ["alice", "bob"],
        docs[1]: ["alice", "carol"],
        docs[2]: ["bob", "carol"],
        docs[3]: ["alice", "bob"],
        docs[4]: ["alice", "carol"],
    }
    with project_db.reader() as session:
        loads = {
            name: len(review.my_assignments(session, name)) for name in ("alice", "bob", "carol")
        }
    assert sorted(loads.values()) == [3, 3, 4]
    with project_db.session() as session:
        # Again: everything already has two annotators.
        assert review.assign_round_robin(session, ["alice", "bob", "carol"], 2) == {}
        # A new annotator and a third per document: the least loaded fill in.
        plan = review.assign_round_robin(session, ["alice", "bob", "carol", "dan"], 3)
    assert all(len(people) == 1 for people in plan.values())
    with project_db.reader() as session:
        assert all(len(people) == 3 for people in review.assignments(session).values())
        loads = {
            name: len(review.my_assignments(session, name))
            for name in ("alice", "bob", "carol", "dan")
        }
    assert loads == {"alice": 4, "bob": 4, "carol": 4, "dan": 3}


def test_round_robin_plan_with_existing_assignments() -> None:
    plan = review.plan_round_robin([1, 2, 3, 4], ["a", "b"], 1, {1: ["b"], 2: ["x"]})
    # b has one already, so a gets the next two (ties go to the first named);
    # "x" is not one of those named.
    assert plan == {2: ["a"], 3: ["a"], 4: ["b"]}
    with pytest.raises(review.ReviewProblem, match="only 2 named"):
        review.plan_round_robin([1], ["a", "b"], 3)
    with pytest.raises(review.ReviewProblem, match="at least 1"):
        review.plan_round_robin([1], ["a"], 0)


def test_comment_threads(project_db: Database, docs: list[int]) -> None:
    doc = docs[0]
    with project_db.session() as session:
        span = repository.add_span(session, doc, "alice", "Person", 0, 14)
        first = review.add_comment(session, doc, "alice", "  Is this the minister?  ")
        on_span = review.add_comment(session, doc, "bob", "Full name here", span_id=span.id)
        reply = review.add_comment(session, doc, "rita", "Agreed.", reply_to=on_span.id)
        review.add_comment(session, doc, "alice", "Yes", reply_to=first.id)
        review.add_comment(session, docs[1], "alice", "Other document")
    assert first.body == "Is this the minister?" and first.author == "alice"
    assert reply.span_id == span.id and reply.parent_id == on_span.id
    assert first.created_at.tzinfo is not None
    with project_db.reader() as session:
        threads = review.comment_threads(session, doc)
        assert [(t.author, t.body, t.span_id) for t in threads] == [
            ("alice", "Is this the minister?", None),
            ("bob", "Full name here", span.id),
        ]
        assert [r.body for r in threads[0].replies] == ["Yes"]
        assert [r.author for r in threads[1].replies] == ["rita"]
        assert [t.body for t in review.comment_threads(session, doc, span.id)] == ["Full name here"]
        assert [t.body for t in review.comment_threads(session, doc, None)] == [
            "Is this the minister?"
        ]
        assert review.comment_counts(session, doc) == {None: 2, span.id: 2}
        assert threads[1].to_json()["replies"][0]["body"] == "Agreed."
    problems: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"body": "  "}, review.ReviewProblem, "needs some text"),
        ({"span_id": 9999}, NotFound, "no span"),
        ({"reply_to": 9999}, NotFound, "no comment"),
        ({"document_id": docs[1], "span_id": span.id}, review.ReviewProblem, "is in document"),
        ({"document_id": docs[1], "reply_to": first.id}, review.ReviewProblem, "is on document"),
        ({"document_id": 9999}, NotFound, "no document"),
    ]
    for change, error, message in problems:
        args: dict[str, Any] = {"document_id": doc, "author": "bob", "body": "x", **change}
        with project_db.session() as session, pytest.raises(error, match=message):
            review.add_comment(session, **args)


def test_progress(project_db: Database, docs: list[int]) -> None:
    with project_db.session() as session:
        review.assign(session, docs[:2], "alice")
        repository.add_span(session, docs[0], "alice", "Person", 0, 14)
        repository.add_span(session, docs[0], "alice", "Location", 20, 30)
        repository.add_span(session, docs[1], "alice", "Location", 0, 10)
        repository.add_span(session, docs[0], "bob", "Person", 0, 14)
        repository.set_status(session, docs[0], "alice", DocStatus.DONE)
        repository.set_status(session, docs[2], "alice", DocStatus.DONE)
        repository.add_span(session, docs[0], GOLD_ANNOTATOR, "Person", 0, 14, editor="rita")
    with project_db.reader() as session:
        figures = review.progress(session, ["alice", "bob", "carol", "rita"])
    assert figures.documents == 5
    rows = {a.name: a for a in figures.annotators}
    assert [a.name for a in figures.annotators] == ["alice", "bob", "carol", "rita", GOLD_ANNOTATOR]
    assert (rows["alice"].assigned, rows["alice"].assigned_done) == (2, 1)
    assert (rows["alice"].done, rows["alice"].in_progress, rows["alice"].spans) == (2, 1, 3)
    assert (rows["bob"].done, rows["bob"].in_progress, rows["bob"].spans) == (0, 1, 1)
    assert rows["carol"].spans == 0 and rows["carol"].assigned == 0
    assert rows["rita"].role == "reviewer" and rows["alice"].role == "annotator"
    assert rows[GOLD_ANNOTATOR].role == "gold layer"
    assert figures.spans_by_label["alice"] == {"Location": 2, "Person": 1}
    assert figures.spans_by_label[GOLD_ANNOTATOR] == {"Person": 1}
    assert figures.labels == ["Location", "Person"]
    data = figures.to_json()
    assert data["annotators"][0]["name"] == "alice" and data["documents"] == 5


def test_adjudication_on_the_database(project_db: Database, docs: list[int]) -> None:
    doc = docs[0]
    with project_db.session() as session:
        repository.add_span(session, doc, "alice", "Person", 0, 14)
        repository.add_span(session, doc, "bob", "Person", 0, 14)
        repository.add_span(session, doc, "alice", "Location", 20, 30)
        repository.add_span(session, doc, "bob", "Organization", 20, 30)
        repository.add_span(session, doc, "alice", "Location", 51, 64)
    store = review.ReviewEditStore(project_db)

    def layer(who: str) -> list[Any]:
        with project_db.reader() as session:
            return repository.list_spans(session, doc, [who])

    def gold() -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.label) for s in layer(GOLD_ANNOTATOR)]

    items = compare_layers(layer("alice"), layer("bob"))
    assert [i.kind for i in items] == [Kind.SAME, Kind.LABEL_DIFFERS, Kind.ONLY_A]
    agreed = AcceptAgreed(doc, items, "rita")
    agreed.do(store)
    assert gold() == [(0, 14, "Person")]
    accept = AcceptSpan(doc, items[1], "b", "rita")
    accept.do(store)
    assert gold() == [(0, 14, "Person"), (20, 30, "Organization")]
    resolutions = Resolutions()
    RejectItem(doc, items[1], "rita", resolutions=resolutions).do(store)
    assert gold() == [(0, 14, "Person")]
    with project_db.reader() as session:
        log = repository.change_log(session, doc)
    removals = [
        e for e in log if e["action"] == "delete" and e["before"]["annotator"] == GOLD_ANNOTATOR
    ]
    # The change log names the reviewer who removed a gold span. (repository.add_span
    # logs a new span under its layer, so a gold addition shows as by "gold".)
    assert removals and {e["annotator"] for e in removals} == {"rita"}
    # Someone who is not a reviewer is refused, and nothing changes.
    with pytest.raises(PermissionDenied, match="only reviewers"):
        AcceptSpan(doc, items[2], "a", "alice").do(store)
    assert gold() == [(0, 14, "Person")]
    # Undo down to nothing; redo brings the same ids back.
    first_id = layer(GOLD_ANNOTATOR)[0].id
    agreed.undo(store)
    assert gold() == []
    agreed.do(store)
    assert [s.id for s in layer(GOLD_ANNOTATOR)] == [first_id]


def test_gold_takes_a_mention_s_entity_and_a_reviewer_s_document_label(
    project_db: Database, docs: list[int]
) -> None:
    from annotator.core.adjudication import accept_document_label
    from annotator.store.document_labels import document_labels
    from annotator.store.entities import create_entity

    doc = docs[0]
    with project_db.session() as session:
        blinken = create_entity(session, "alice", "Antony Blinken").id
        repository.add_span(session, doc, "alice", "Person", 0, 14, entity_id=blinken)
        repository.add_span(session, doc, "bob", "Person", 0, 14, entity_id=blinken)
    store = review.ReviewEditStore(project_db)
    with project_db.reader() as session:
        items = compare_layers(
            repository.list_spans(session, doc, ["alice"]),
            repository.list_spans(session, doc, ["bob"]),
        )
    agreed = AcceptAgreed(doc, items, "rita", labels={"topic": "politics"})
    agreed.do(store)
    with project_db.reader() as session:
        (gold,) = repository.list_spans(session, doc, [GOLD_ANNOTATOR])
        assert document_labels(session, doc, [GOLD_ANNOTATOR]) == {
            GOLD_ANNOTATOR: {"topic": "politics"}
        }
    assert gold.entity_id == blinken
    topic = accept_document_label(doc, "topic", "economy", "rita")
    topic.do(store)
    with pytest.raises(PermissionDenied, match="only reviewers"):
        accept_document_label(doc, "topic", "sport", "alice").do(store)
    topic.undo(store)
    agreed.undo(store)
    with project_db.reader() as session:
        assert document_labels(session, doc, [GOLD_ANNOTATOR]) == {}
        assert repository.list_spans(session, doc, [GOLD_ANNOTATOR]) == []
        log = repository.change_log(session, doc)
    label_changes = [e for e in log if e["entity"] == "document_label"]
    # Every write of gold's label is logged under the reviewer.
    assert len(label_changes) == 4 and {e["annotator"] for e in label_changes} == {"rita"}


def test_comments_of_a_deleted_span_stay_on_the_document(
    project_db: Database, docs: list[int]
) -> None:
    with project_db.session() as session:
        span = repository.add_span(session, docs[0], "alice", "Person", 0, 14)
        review.add_comment(session, docs[0], "bob", "Check", span_id=span.id)
        repository.delete_span(session, span.id, "alice")
    with project_db.reader() as session:
        threads = review.comment_threads(session, docs[0])
    assert [(t.body, t.span_id) for t in threads] == [("Check", None)]
