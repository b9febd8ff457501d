"""What the window's entity edits need of the store (issue 15), on SQLite and
PostgreSQL: an undone creation deletes the entity only while nothing mentions
it and it is as created; an entity's mentions across articles and layers; the
logged entity read back as the live feed reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.core.model import DocumentDraft
from annotator.store import entities
from annotator.store import repository as repo
from annotator.store.db import Database, open_database
from annotator.store.repository import StaleEdit

TEXTS = ("Blinken met Tokayev in Astana.", "Later Blinken left Tashkent.")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    db = open_database(database_url, create=True)
    yield db
    db.close()


@pytest.fixture
def doc_ids(db: Database) -> list[int]:
    with db.session() as session:
        found = repo.insert_documents(
            session, [DocumentDraft(text, title=f"t{n}") for n, text in enumerate(TEXTS)]
        )
    assert None not in found
    return [int(i) for i in found if i is not None]


def test_an_unused_entity_is_deleted_only_as_it_was_read(db: Database) -> None:
    with db.session() as session:
        blinken = entities.create_entity(session, "ana", "Blinken", label="Person")
        entities.update_entity(session, blinken.id, "bob", external_id="Q4498")
    with db.session() as session, pytest.raises(StaleEdit, match="changed by someone else"):
        entities.delete_entity(session, blinken.id, "ana", expected_version=blinken.version)
    with db.session() as session:
        entities.delete_entity(session, blinken.id, "ana", expected_version=2, unused_only=True)
        assert entities.list_entities(session) == []


def test_a_mentioned_entity_is_not_deleted_as_unused(db: Database, doc_ids: list[int]) -> None:
    with db.session() as session:
        blinken = entities.create_entity(session, "ana", "Blinken", label="Person")
        repo.add_span(session, doc_ids[1], "bob", "Person", 6, 13, entity_id=blinken.id)
    with db.session() as session, pytest.raises(StaleEdit, match="has 1 mention now"):
        entities.delete_entity(session, blinken.id, "ana", unused_only=True)
    with db.session() as session:
        assert entities.list_entities(session) == [blinken]


def test_mentions_are_listed_across_articles_and_layers(db: Database, doc_ids: list[int]) -> None:
    with db.session() as session:
        blinken = entities.create_entity(session, "ana", "Antony Blinken", label="Person")
        later = repo.add_span(session, doc_ids[1], "bob", "Person", 6, 13, entity_id=blinken.id)
        first = repo.add_span(session, doc_ids[0], "ana", "Person", 0, 7, entity_id=blinken.id)
        repo.add_span(session, doc_ids[0], "ana", "Person", 12, 19)  # Tokayev: no entity
    with db.session() as session:
        found = entities.mentions_of(session, blinken.id)
        assert [(m.span_id, m.document_title, m.annotator, m.text) for m in found] == [
            (first.id, "t0", "ana", "Blinken"),
            (later.id, "t1", "bob", "Blinken"),
        ]
        assert [m.span_id for m in entities.mentions_of(session, blinken.id, 1)] == [first.id]


def test_the_logged_entity_reads_back_as_it_was_written(db: Database) -> None:
    with db.session() as session:
        blinken = entities.create_entity(
            session, "ana", "Antony Blinken", label="Person", aliases=["Blinken"]
        )
        described = entities.update_entity(session, blinken.id, "ana", external_id="Q4498")
        entities.delete_entity(session, blinken.id, "ana")
    with db.session() as session:
        logged = [r for r in repo.change_records(session) if r.entity == "entity"]
    assert [r.entity_data() for r in logged] == [blinken, described, None]


def test_mention_texts_feed_the_suggester(db: Database, doc_ids: list[int]) -> None:
    """Each (entity, text) of a mention in one piece once; a split span's joined
    text names nothing. The suggester then proposes the entity for that text."""
    from annotator.core.suggest.entity_links import EntityNames

    with db.session() as session:
        blinken = entities.create_entity(session, "ana", "Antony Blinken", label="Person")
        repo.add_span(session, doc_ids[0], "ana", "Person", 0, 7, entity_id=blinken.id)
        repo.add_span(session, doc_ids[1], "bob", "Person", 6, 13, entity_id=blinken.id)
        repo.add_span(
            session, doc_ids[0], "ana", "Person", 0, 19, fragments=((0, 7), (12, 19)),
            entity_id=blinken.id,
        )  # fmt: skip
    with db.reader() as session:
        texts = entities.mention_texts(session)
        names = EntityNames(entities.list_entities(session), texts)
    assert texts == [(blinken.id, "Blinken")]
    assert names.named("blinken", "Person") == [blinken]
