"""The import writers with split spans, mentions and document labels (issue 15),
on SQLite and PostgreSQL, through the batches of one import run."""

from __future__ import annotations

from dataclasses import replace

import pytest

from annotator.core.changes import span_payload
from annotator.core.dataset import AnnotatedDraft, EntityDraft, LayerDraft, SpanDraft
from annotator.core.model import DocumentDraft
from annotator.core.pieces import PIECE_JOINER
from annotator.io.formats.api import SessionWriter
from annotator.store import document_labels, entities
from annotator.store import repository as repo
from annotator.store.db import Database, open_database

TEXT = '"We will win," he said, "and soon." Blinken left.'
BLINKEN = EntityDraft("5", "Antony Blinken", "Person", "", ("Blinken",))


@pytest.fixture
def db(database_url: str) -> Database:
    db = open_database(database_url, create=True)
    yield db  # type: ignore[misc]
    db.close()


def mention(text: str, labels: dict[str, str | list[str]] | None = None) -> AnnotatedDraft:
    start = text.index("Blinken")
    layer = LayerDraft("ana", [SpanDraft("Person", start, start + 7, entity="5")])
    layer.document_labels = dict(labels or {})
    return AnnotatedDraft(DocumentDraft(text), [layer], entities=[BLINKEN])


def stored_entities(db: Database) -> list[tuple[int, str]]:
    with db.reader() as s:
        return [(e.id, e.name) for e in entities.list_entities(s)]


def test_one_key_is_one_entity_across_batches_and_a_refused_batch_keeps_none(
    db: Database,
) -> None:
    writer = SessionWriter(db)
    first = writer.store_batch([mention(TEXT)], None)
    assert not isinstance(first, str) and first.entities == 1
    broken = mention("Blinken again, in a second article.")
    broken.layers[0].spans.append(SpanDraft("Quote", 0, 0, fragments=((0, 7), (9, 99))))
    refused = writer.store_batch([broken], None)
    assert isinstance(refused, str) and refused.startswith("not stored: ")
    second = writer.store_batch([mention("Blinken spoke in a third article.")], None)
    assert not isinstance(second, str) and second.entities == 0
    ((entity_id, name),) = stored_entities(db)
    assert name == "Antony Blinken"
    with db.reader() as s:
        docs = [d.id for d in repo.list_documents(s)]
        mentions = [span.entity_id for d in docs for span in repo.list_spans(s, d)]
    assert len(docs) == 2 and mentions == [entity_id, entity_id]
    # Another import run maps the key afresh: no external id, so a new entity.
    again = SessionWriter(db).store_batch([mention("Blinken, a fourth time.")], None)
    assert not isinstance(again, str) and again.entities == 1
    assert len(stored_entities(db)) == 2


def test_pieces_are_normalised_and_tell_duplicates_apart(db: Database) -> None:
    quote = SpanDraft("Quote", 0, 0, fragments=((25, 33), (1, 12)))
    other = SpanDraft("Quote", 0, 0, fragments=((1, 12), (29, 33)))
    whole = SpanDraft("Quote", 1, 33)
    draft = AnnotatedDraft(DocumentDraft(TEXT), [LayerDraft("ana", [quote, other, whole])])
    result = SessionWriter(db).store_batch([draft], None)
    assert not isinstance(result, str) and (result.spans, result.duplicate_spans) == (3, 0)
    again = SessionWriter(db).store_batch([draft], None)
    assert not isinstance(again, str) and (again.spans, again.duplicate_spans) == (0, 3)
    with db.reader() as s:
        (doc,) = repo.list_documents(s)
        spans = repo.list_spans(s, doc.id)
        logged = [r.span_data() for r in repo.change_records(s, doc.id) if r.entity == "span"]
    assert sorted((sp.start, sp.end, sp.fragments or (), sp.text) for sp in spans) == [
        (1, 33, (), TEXT[1:33]),
        (1, 33, ((1, 12), (25, 33)), f"We will win{PIECE_JOINER}and soon"),
        (1, 33, ((1, 12), (29, 33)), f"We will win{PIECE_JOINER}soon"),
    ]
    # The log holds each span as stored (no times in a log payload).
    assert {sp.id: sp for sp in logged if sp is not None} == {
        sp.id: replace(sp, created_at=None, updated_at=None) for sp in spans
    }


def test_a_document_label_replaces_the_stored_one_and_is_logged(db: Database) -> None:
    writer = SessionWriter(db)
    first = writer.store_batch([mention(TEXT, {"topic": ["politics"], "stance": "pro"})], None)
    assert not isinstance(first, str) and first.document_labels == 2
    same = writer.store_batch([mention(TEXT, {"topic": ["politics"]})], None)
    assert not isinstance(same, str) and same.document_labels == 0
    changed = writer.store_batch([mention(TEXT, {"topic": ["politics", "war"]})], None)
    assert not isinstance(changed, str) and changed.document_labels == 1
    with db.reader() as s:
        (doc,) = repo.list_documents(s)
        assert document_labels.document_labels(s, doc.id) == {
            "ana": {"stance": "pro", "topic": ["politics", "war"]}
        }
        logged = [r for r in repo.change_records(s, doc.id) if r.entity == "document_label"]
    assert [(r.action, r.imported, r.before, r.after) for r in logged][-1] == (
        "update",
        True,
        {"annotator": "ana", "name": "topic", "value": ["politics"]},
        {"annotator": "ana", "name": "topic", "value": ["politics", "war"]},
    )
    assert len(logged) == 3


def test_an_import_logs_each_span_as_stored_whatever_its_characters(db: Database) -> None:
    # SQLite makes the log's payloads from the stored rows (issue 14): quotes,
    # backslashes, control characters, astral characters, CRLF, nested and
    # numeric attributes, pieces and a mention must read back as the span.
    text = 'He said "a\\b" \U0001f600 \x01\r\nBlinken, «ça» 3.5\tend.'
    start = text.index("Blinken")
    attributes = {"score": 0.1, "big": 10**15, "nested": {"é": ["\U0001f600", None, True]}}
    layer = LayerDraft(
        "ana",
        [
            SpanDraft("Quote", 8, 14, attributes, note='a "note"\n'),
            SpanDraft("Other", 0, len(text)),
            SpanDraft("Quote", 0, 0, fragments=((start, start + 7), (0, 2))),
            SpanDraft("Person", start, start + 7, entity="5"),
        ],
    )
    draft = AnnotatedDraft(DocumentDraft(text), [layer], entities=[BLINKEN])
    result = SessionWriter(db).store_batch([draft], None)
    assert not isinstance(result, str) and result.spans == 4
    with db.reader() as s:
        (doc,) = repo.list_documents(s)
        spans = repo.list_spans(s, doc.id)
        logged = {
            r.entity_id: r.after for r in repo.change_records(s, doc.id) if r.entity == "span"
        }
    assert len(spans) == 4 and any(sp.fragments for sp in spans)
    assert any(sp.entity_id for sp in spans)
    assert logged == {sp.id: span_payload(sp) for sp in spans}
