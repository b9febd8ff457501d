"""Split spans and mentions in the store (issue 15), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from annotator.core.changes import ChangeRecord
from annotator.core.model import DocumentDraft, OffsetError, SpanData
from annotator.core.pieces import PIECE_JOINER
from annotator.store import repository as repo
from annotator.store.db import Database, open_database
from annotator.store.models import NamedEntity

TEXT = '"We will win," he said, "and soon."'


@pytest.fixture
def db(database_url: str) -> Database:
    db = open_database(database_url, create=True)
    yield db  # type: ignore[misc]
    db.close()


@pytest.fixture
def doc_id(db: Database) -> int:
    with db.session() as session:
        (found,) = repo.insert_documents(session, [DocumentDraft(TEXT, title="t")])
    assert found is not None
    return found


def test_a_split_quote_is_stored_read_and_logged_with_its_pieces(db: Database, doc_id: int) -> None:
    with db.session() as session:
        span = repo.add_span(session, doc_id, "ana", "Quote", 0, 0, fragments=[(25, 33), (1, 12)])
    assert (span.start, span.end) == (1, 33)
    assert span.fragments == ((1, 12), (25, 33))
    assert span.text == f"We will win{PIECE_JOINER}and soon"
    with db.session() as session:
        assert repo.get_span(session, span.id) == span
        record = repo.change_records(session, doc_id)[-1]
    assert record.span_data() == ChangeRecord.span(record.action, None, span).span_data()
    assert record.span_data().fragments == span.fragments  # type: ignore[union-attr]


def test_pieces_change_and_one_piece_makes_the_span_whole(db: Database, doc_id: int) -> None:
    with db.session() as session:
        span = repo.add_span(session, doc_id, "ana", "Quote", 1, 12)
        split = repo.update_span(session, span.id, "ana", fragments=[(1, 12), (25, 33)])
        assert split.fragments == ((1, 12), (25, 33)) and split.version == 2
        whole = repo.update_span(session, span.id, "ana", fragments=[(1, 12)])
    assert whole.fragments is None and (whole.start, whole.end, whole.text) == (
        1,
        12,
        "We will win",
    )
    with db.session() as session:
        assert repo.get_span(session, span.id) == whole


def test_resizing_a_split_span_moves_its_outer_pieces(db: Database, doc_id: int) -> None:
    with db.session() as session:
        span = repo.add_span(session, doc_id, "ana", "Quote", 0, 0, fragments=[(1, 12), (25, 33)])
        resized = repo.update_span(session, span.id, "ana", start=4, end=29)
    assert resized.fragments == ((4, 12), (25, 29))
    assert resized.text == f"will win{PIECE_JOINER}and "
    with db.session() as session:
        assert repo.get_span(session, span.id) == resized


def test_a_piece_outside_the_text_is_refused_and_nothing_stored(db: Database, doc_id: int) -> None:
    with pytest.raises(OffsetError), db.session() as session:
        repo.add_span(session, doc_id, "ana", "Quote", 0, 0, fragments=[(1, 12), (30, 99)])
    with db.session() as session:
        assert repo.list_spans(session, doc_id) == []


def test_a_mention_names_its_entity_and_loses_it_when_the_entity_goes(
    db: Database, doc_id: int
) -> None:
    with db.session() as session:
        entity = NamedEntity(name="Antony Blinken", label="Person", aliases=["Blinken"])
        session.add(entity)
        session.flush()
        entity_id = entity.id
        span = repo.add_span(session, doc_id, "ana", "Person", 14, 16, entity_id=entity_id)
        other = repo.add_span(session, doc_id, "ana", "Person", 1, 3)
        linked = repo.update_span(session, other.id, "ana", set_entity=True, entity_id=entity_id)
    assert span.entity_id == entity_id and linked.entity_id == entity_id
    with db.session() as session:
        assert [s.entity_id for s in repo.list_spans(session, doc_id)] == [entity_id, entity_id]
        record = repo.change_records(session, doc_id)[-1]
        assert record.span_data().entity_id == entity_id  # type: ignore[union-attr]
        unlinked = repo.update_span(session, other.id, "ana", set_entity=True, entity_id=None)
        assert unlinked.entity_id is None
        session.delete(session.get(NamedEntity, entity_id))
    with db.session() as session:
        assert [s.entity_id for s in repo.list_spans(session, doc_id)] == [None, None]


def test_piece_and_entity_edits_undo_and_redo_through_the_edit_store(
    db: Database, doc_id: int
) -> None:
    from annotator.core.commands import AddSpan, DeleteSpan, SetEntity, SetPieces
    from annotator.core.pieces import with_piece, without_piece
    from annotator.store.edits import DatabaseEditStore

    store = DatabaseEditStore(db)
    add = AddSpan(doc_id, "ana", "Quote", 1, 12)
    add.do(store)
    assert add.span_id is not None
    with db.session() as session:
        entity = NamedEntity(name="Ana's speaker", label="Person")
        session.add(entity)
        session.flush()
        entity_id = entity.id

    def stored() -> tuple[object, object]:
        with db.session() as session:
            span = repo.get_span(session, add.span_id)  # type: ignore[arg-type]
        return span.fragments, span.entity_id

    def current() -> SpanData:
        with db.session() as session:
            return repo.get_span(session, add.span_id)  # type: ignore[arg-type]

    split = SetPieces(current(), "ana", with_piece(((1, 12),), (25, 33)), "Add a piece")
    changes = split.do(store)
    assert changes.updated_spans[add.span_id].fragments == ((1, 12), (25, 33))
    link = SetEntity(current(), "ana", entity_id, "Ana's speaker")
    link.do(store)
    assert stored() == (((1, 12), (25, 33)), entity_id)

    delete = DeleteSpan(current(), "ana")
    delete.do(store)
    delete.undo(store)  # back with its pieces and its entity
    assert stored() == (((1, 12), (25, 33)), entity_id)

    link.undo(store)
    assert stored() == (((1, 12), (25, 33)), None)
    pieces = current().fragments
    assert pieces is not None
    unsplit = SetPieces(current(), "ana", without_piece(pieces, 1), "Remove a piece")
    unsplit.do(store)
    assert stored() == (None, None)
    unsplit.undo(store)
    split.undo(store)
    assert stored() == (None, None)
    split.do(store)  # redo
    assert stored() == (((1, 12), (25, 33)), None)


def test_the_window_reader_gives_a_split_span_and_a_mention_as_the_repository_does(
    db: Database, doc_id: int
) -> None:
    from annotator.store import document_reader

    with db.session() as session:
        entity = NamedEntity(name="Speaker", label="Person")
        session.add(entity)
        session.flush()
        repo.add_span(session, doc_id, "ana", "Quote", 0, 0, fragments=[(1, 12), (25, 33)])
        repo.add_span(session, doc_id, "ana", "Person", 14, 16, entity_id=entity.id)
        repo.add_span(session, doc_id, "bob", "Quote", 1, 12)
    with db.session() as session:
        for layers in (["ana"], None):
            assert document_reader.read_spans(session, doc_id, layers) == repo.read_spans(
                session, doc_id, layers
            )


def test_entities_are_created_described_counted_and_logged(db: Database, doc_id: int) -> None:
    from annotator.store import entities
    from annotator.store.repository import StaleEdit

    with db.session() as session:
        blinken = entities.create_entity(
            session, "ana", " Antony Blinken ", label="Person", aliases=["Blinken", "Blinken", ""]
        )
        assert (blinken.name, blinken.aliases) == ("Antony Blinken", ("Blinken",))
        repo.add_span(session, doc_id, "ana", "Person", 14, 16, entity_id=blinken.id)
        repo.add_span(session, doc_id, "bob", "Person", 14, 16, entity_id=blinken.id)
        described = entities.update_entity(
            session, blinken.id, "bob", external_id="Q312170", aliases=["the Secretary"],
            expected_version=1,
        )  # fmt: skip
    assert described.external_id == "Q312170" and described.version == 2
    with db.session() as session:
        assert entities.list_entities(session) == [described]
        assert entities.mention_counts(session) == {blinken.id: (2, 1)}
        with pytest.raises(StaleEdit):
            entities.update_entity(session, blinken.id, "ana", name="B", expected_version=1)
    with db.session() as session:
        logged = [r for r in repo.change_records(session) if r.entity == "entity"]
        assert [(r.action, r.entity_id) for r in logged] == [
            ("add", blinken.id),
            ("update", blinken.id),
        ]
        assert logged[-1].after == entities.entity_payload(described)
        entities.delete_entity(session, blinken.id, "ana")
    with db.session() as session:
        assert [s.entity_id for s in repo.list_spans(session, doc_id)] == [None, None]


def test_a_document_label_is_set_per_layer_logged_and_undone(db: Database, doc_id: int) -> None:
    from annotator.core.commands import SetDocumentLabel
    from annotator.core.errors import PermissionDenied
    from annotator.store import document_labels
    from annotator.store.edits import DatabaseEditStore

    store = DatabaseEditStore(db)
    topic = SetDocumentLabel(doc_id, "ana", "topic", ["politics", "economy"])
    changes = topic.do(store)
    assert changes.document_labels == {(doc_id, "ana", "topic"): ["politics", "economy"]}
    SetDocumentLabel(doc_id, "bob", "topic", ["sport"]).do(store)
    worthy = SetDocumentLabel(doc_id, "ana", "checkworthy", "yes")
    worthy.do(store)
    with db.session() as session:
        assert document_labels.document_labels(session, doc_id) == {
            "ana": {"checkworthy": "yes", "topic": ["politics", "economy"]},
            "bob": {"topic": ["sport"]},
        }
        logged = [r for r in repo.change_records(session, doc_id) if r.entity == "document_label"]
        assert [(r.layer, r.after) for r in logged][-1] == (
            "ana",
            {"annotator": "ana", "name": "checkworthy", "value": "yes"},
        )
        with pytest.raises(PermissionDenied):
            document_labels.set_document_label(session, doc_id, "ana", "topic", None, editor="bob")
    worthy.undo(store)
    topic.undo(store)
    with db.session() as session:
        assert document_labels.document_labels(session, doc_id, ["ana"]) == {}
