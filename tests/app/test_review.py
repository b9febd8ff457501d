"""The review read-outs of the application package, without Qt, on SQLite and
PostgreSQL: progress, the agreement report with its per-document figures, and
comment threads written and read back."""

from __future__ import annotations

from typing import Any

import pytest

from annotator.app import review
from annotator.core.model import DocStatus, DocumentDraft
from annotator.store import repository

TEXT = "Antony Blinken met officials in Astana on Tuesday.\n"
OTHER = "Nothing happened in Bishkek.\n"


def at(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


@pytest.fixture
def db(project_db: Any) -> Any:
    with project_db.session() as session:
        first, second = repository.insert_documents(
            session, [DocumentDraft(TEXT, title="Visit"), DocumentDraft(OTHER, title="Quiet")]
        )
        assert (first, second) == (1, 2)
        for who, label, word in [
            ("alice", "Person", "Antony Blinken"),
            ("bob", "Person", "Antony Blinken"),
            ("alice", "Location", "Astana"),
            ("bob", "Event", "Tuesday"),
        ]:
            repository.add_span(session, 1, who, label, *at(TEXT, word))
        repository.add_span(session, 2, "alice", "Location", *at(OTHER, "Bishkek"))
        repository.add_span(session, 2, "bob", "Location", *at(OTHER, "Bishkek"))
        repository.set_status(session, 1, "alice", DocStatus.DONE)
    return project_db


def test_progress_lists_everyone_named(db: Any) -> None:
    figures = review.progress(db, ["alice", "bob", "carol"])
    assert isinstance(figures, review.Progress)
    assert figures.documents == 2
    people = {a.name: a for a in figures.annotators}
    assert list(people) == ["alice", "bob", "carol"]
    assert (people["alice"].done, people["alice"].spans) == (1, 3)
    assert (people["bob"].done, people["bob"].spans) == (0, 3)
    assert people["carol"].spans == 0
    assert figures.spans_by_label["alice"]["Location"] == 2


def test_agreement_report_and_documents_lowest_first(db: Any) -> None:
    loaded = review.agreement_report(db)
    assert loaded is not None
    report, documents = loaded
    assert report.annotators == ["alice", "bob"]
    assert report.documents == 2
    assert [(d.id, d.title, d.a, d.b) for d in documents] == [
        (1, "Visit", "alice", "bob"),
        (2, "Quiet", "alice", "bob"),
    ]
    assert documents[0].exact_f1 == pytest.approx(0.5)  # 1 of 2 + 2
    assert documents[1].exact_f1 == pytest.approx(1.0)


def test_agreement_report_needs_two_people(db: Any) -> None:
    assert review.agreement_report(db, ["alice"]) is None


def test_agreement_input_for_the_command_line(db: Any) -> None:
    assert review.compared_annotators(db) == ["alice", "bob"]
    done = review.agreement_documents(db, ["alice", "bob"])
    assert done == []  # bob marked nothing done
    every = review.agreement_documents(db, ["alice", "bob"], all_documents=True)
    assert [d.id for d in every] == [1, 2]
    with pytest.raises(review.UnknownAnnotator):
        review.agreement_documents(db, ["alice", "zed"], all_documents=True)


def test_comments_written_and_read_back(db: Any) -> None:
    with db.reader() as session:
        span = next(s for s in repository.list_spans(session, 1) if s.text == "Astana")
    on_doc = review.add_comment(db, 1, "alice", "Whole article")
    on_span = review.add_comment(db, 1, "bob", "A place?", span_id=span.id)
    reply = review.add_comment(db, 1, "alice", "Yes", reply_to=on_span.id)
    assert reply.parent_id == on_span.id and reply.span_id == span.id
    every = review.comment_threads(db, 1)
    assert [t.id for t in every] == [on_doc.id, on_span.id]
    about_span = review.comment_threads(db, 1, span.id)
    assert [(t.body, [r.body for r in t.replies]) for t in about_span] == [("A place?", ["Yes"])]
    read = review.document_threads(db, 1)
    assert [t.id for t in read.threads] == [on_doc.id, on_span.id]
    assert read.span_texts == {span.id: "Astana"}
    with pytest.raises(review.ReviewProblem):
        review.add_comment(db, 1, "alice", "   ")
    with pytest.raises(review.NotFound):
        review.document_threads(db, 99)
