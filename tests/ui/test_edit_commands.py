"""The core edit commands against the real project database (no Qt needed).

They live with the window's tests because the window is their only user;
each do and undo must be one transaction, and ids must survive undo/redo.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from annotator.core import commands
from annotator.core.commands import Changes, EditSession
from annotator.core.model import DocStatus, DocumentDraft, SpanData
from annotator.store import repository
from annotator.store.db import Database
from annotator.store.edits import DatabaseEditStore, OneStatementEdits, SessionEdits

TEXT = "🇰🇿 Astana: “We are here to listen,” Blinken said.\nSecond line."


class CountingStore(DatabaseEditStore):
    """Counts transactions, to prove each run of a command is exactly one (a
    one-write run counts once, whether it is one statement of its own on
    PostgreSQL or goes the transaction way)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.transactions = 0
        self._one_write = False

    @contextmanager
    def transaction(self) -> Iterator[SessionEdits]:
        self.transactions += 0 if self._one_write else 1
        with super().transaction() as session:
            yield session

    @contextmanager
    def one_write(self) -> Iterator[SessionEdits | OneStatementEdits]:
        self.transactions += 1
        self._one_write = True
        try:
            with super().one_write() as session:
                yield session
        finally:
            self._one_write = False


@pytest.fixture
def store(project_db: Database) -> CountingStore:
    return CountingStore(project_db)


@pytest.fixture
def doc(project_db: Database) -> int:
    with project_db.session() as session:
        (doc_id,) = repository.insert_documents(session, [DocumentDraft(text=TEXT)])
    assert doc_id is not None
    return doc_id


def spans(db: Database, doc: int) -> list[tuple[int, str, str]]:
    with db.reader() as session:
        return [(s.id, s.label, s.text) for s in repository.list_spans(session, doc)]


def relations(db: Database, doc: int) -> list[tuple[int, str, int, int]]:
    with db.reader() as session:
        return [
            (r.id, r.type, r.source_id, r.target_id)
            for r in repository.list_relations(session, doc)
        ]


def offsets(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def test_add_undo_redo_keeps_the_id(store: CountingStore, project_db: Database, doc: int) -> None:
    add = commands.AddSpan(doc, "alice", "Location", *offsets("Astana"))
    changes = add.do(store)
    assert add.text == "Add Location"
    (span,) = changes.added_spans.values()
    assert span.text == "Astana"
    add.undo(store)
    assert spans(project_db, doc) == []
    add.do(store)
    assert spans(project_db, doc) == [(span.id, "Location", "Astana")]
    assert store.transactions == 3


def test_delete_undo_restores_the_span_and_its_relations(
    store: CountingStore, project_db: Database, doc: int
) -> None:
    quote = commands.AddSpan(doc, "alice", "Quote", *offsets("“We are here to listen,”"))
    person = commands.AddSpan(doc, "alice", "Person", *offsets("Blinken"))
    link = commands.AddRelation
    quote.do(store)
    person.do(store)
    assert quote.span_id is not None and person.span_id is not None
    linked = link("alice", "speaker", quote.span_id, person.span_id)
    linked.do(store)
    before_spans, before_relations = spans(project_db, doc), relations(project_db, doc)
    with project_db.reader() as session:
        person_span = repository.get_span(session, person.span_id)
    delete = commands.DeleteSpan(person_span, "alice")
    changes = delete.do(store)
    assert list(changes.removed_spans) == [person.span_id]
    assert len(changes.removed_relations) == 1
    assert relations(project_db, doc) == []
    restored = delete.undo(store)
    assert spans(project_db, doc) == before_spans
    assert relations(project_db, doc) == before_relations
    assert list(restored.added_relations) == [linked.relation_id]
    # The restored relation is the same one, so undoing the link still works.
    delete.do(store)
    delete.undo(store)
    linked.undo(store)
    assert relations(project_db, doc) == []


def test_relabel_resize_attributes_note_and_status(
    store: CountingStore, project_db: Database, doc: int
) -> None:
    add = commands.AddSpan(doc, "alice", "Person", *offsets("Blinken"))
    add.do(store)
    assert add.span_id is not None

    def current() -> SpanData:
        with project_db.reader() as session:
            return repository.get_span(session, add.span_id or 0)

    # Each edit is made on the span as it is then (as the window does).
    makers = [
        lambda span: commands.Relabel(span, "alice", "Organization"),
        lambda span: commands.Resize(span, "alice", *offsets("Blinken said")),
        lambda span: commands.SetAttributes(span, "alice", attributes={"k": "v"}),
        lambda span: commands.SetNote(span, "alice", "check"),
    ]
    steps: list[commands.Command] = []
    for make in makers:
        step = make(current())
        step.do(store)
        steps.append(step)
    after = current()
    assert (after.label, after.text, after.attributes, after.note) == (
        "Organization",
        "Blinken said",
        {"k": "v"},
        "check",
    )
    for step in reversed(steps):
        step.undo(store)
    back = current()
    assert (back.label, back.text, back.attributes, back.note) == (
        "Person",
        "Blinken",
        {},
        "",
    )
    status = commands.SetStatus(doc, "alice", DocStatus.DONE)
    status.do(store)
    with project_db.reader() as session:
        assert repository.get_status(session, doc, "alice") == DocStatus.DONE
    status.undo(store)
    with project_db.reader() as session:
        assert repository.get_status(session, doc, "alice") == DocStatus.IN_PROGRESS


def test_bulk_is_one_transaction_and_all_or_nothing(
    store: CountingStore, project_db: Database, doc: int
) -> None:
    words = ("Astana", "Blinken", "Second")
    bulk = commands.Bulk(
        "Tag all matches", [commands.AddSpan(doc, "alice", "Other", *offsets(w)) for w in words]
    )
    changes = bulk.do(store)
    assert store.transactions == 1
    assert len(changes.added_spans) == 3
    bulk.undo(store)
    assert spans(project_db, doc) == []
    assert store.transactions == 2

    broken = commands.Bulk(
        "Broken",
        [
            commands.AddSpan(doc, "alice", "Other", *offsets("Astana")),
            commands.AddSpan(doc, "alice", "Other", 5, 500),  # past the end of the text
        ],
    )
    with pytest.raises(ValueError):
        broken.do(store)
    assert spans(project_db, doc) == []  # the first add was rolled back too


def test_changes_cancel_out_within_one_run() -> None:
    changes = Changes()
    span = SpanData(1, 7, "alice", "Person", 0, 3, "abc")
    changes.span_added(span)
    changes.span_updated(span)
    changes.span_removed(span)
    assert not changes.added_spans and not changes.removed_spans and not changes.updated_spans
    changes.span_removed(span)
    changes.span_added(span)
    assert changes.added_spans == {1: span} and not changes.removed_spans
    assert changes.document_ids == {7}


def test_store_protocol_is_satisfied(project_db: Database) -> None:
    store: commands.EditStore = DatabaseEditStore(project_db)
    manager: AbstractContextManager[EditSession] = store.transaction()
    with manager as session:
        assert isinstance(session, SessionEdits)
