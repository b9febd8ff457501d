"""The export readers with split spans, mentions and document labels (issue 15),
on SQLite (both readings) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import orjson
import pytest

from annotator.core.dataset import ExportDocument, ExportFilter
from annotator.core.model import DocStatus, DocumentDraft
from annotator.core.pieces import PIECE_JOINER
from annotator.store import document_labels, entities, export_reader, export_sqlite
from annotator.store import repository as repo
from annotator.store.db import Database, open_database

TEXT = '"We will win," he said, "and soon." Blinken left.'
OTHER = "Blinken spoke. The Secretary of State agreed."


@pytest.fixture
def db(database_url: str) -> Database:
    db = open_database(database_url, create=True)
    yield db  # type: ignore[misc]
    db.close()


@pytest.fixture
def stored(db: Database) -> dict[str, int]:
    """Two documents: a split quote, a plain span, mentions of one entity in
    both, ana's document labels on the first and bob's on the second."""
    with db.session() as session:
        first, second = repo.insert_documents(
            session, [DocumentDraft(TEXT, title="a"), DocumentDraft(OTHER, title="b")]
        )
        assert first is not None and second is not None
        blinken = entities.create_entity(
            session, "ana", "Antony Blinken", label="Person", external_id="Q312170",
            aliases=["Blinken", "the Secretary"],
        )  # fmt: skip
        other = entities.create_entity(session, "ana", "Nobody", label="Person")
        quote = repo.add_span(session, first, "ana", "Quote", 0, 0, fragments=[(1, 12), (25, 33)])
        plain = repo.add_span(session, first, "ana", "Claim", 15, 22)
        mention = repo.add_span(session, first, "ana", "Person", 36, 43, entity_id=blinken.id)
        repo.add_span(session, second, "ana", "Person", 0, 7, entity_id=blinken.id)
        repo.add_span(session, second, "bob", "Person", 15, 38, entity_id=other.id)
        document_labels.set_document_label(session, first, "ana", "topic", ["politics", "war"])
        document_labels.set_document_label(session, first, "ana", "checkworthy", "yes")
        document_labels.set_document_label(session, second, "bob", "checkworthy", "no")
    return {
        "first": first, "second": second, "blinken": blinken.id, "other": other.id,
        "quote": quote.id, "plain": plain.id, "mention": mention.id,
    }  # fmt: skip


def _read(db: Database, flt: ExportFilter, *, as_json: bool) -> list[ExportDocument]:
    with db.reader() as session:
        conn = session.connection()
        ids = export_reader.select_document_ids(conn, flt)
        return list(export_reader.iter_documents(conn, ids, flt, as_json=as_json))


def _spans(doc: ExportDocument, layer: int) -> list[dict[str, Any]]:
    lay = doc.layers[layer]
    if lay.spans_json is not None:
        return [orjson.loads(s) for s in lay.spans_json]
    return [dict(s) for s in lay.spans]


@pytest.mark.parametrize("as_json", [False, True])
def test_split_spans_mentions_entities_and_document_labels_are_read(
    db: Database, stored: dict[str, int], as_json: bool
) -> None:
    first, second = _read(db, ExportFilter(), as_json=as_json)
    quote, plain, mention = _spans(first, 0)
    assert quote["fragments"] == [[1, 12], [25, 33]] and "entity" not in quote
    assert (quote["start"], quote["end"]) == (1, 33)
    assert quote["text"] == f"We will win{PIECE_JOINER}and soon"
    assert "fragments" not in plain and "entity" not in plain
    assert mention["entity"] == stored["blinken"] and "fragments" not in mention
    assert first.layers[0].document_labels == {"checkworthy": "yes", "topic": ["politics", "war"]}
    blinken = {
        "id": stored["blinken"], "name": "Antony Blinken", "label": "Person",
        "external_id": "Q312170", "aliases": ["Blinken", "the Secretary"],
    }  # fmt: skip
    assert first.entities == [blinken]
    assert [lay.annotator for lay in second.layers] == ["ana", "bob"]
    assert second.layers[1].document_labels == {"checkworthy": "no"}
    assert [e["id"] for e in second.entities] == [stored["blinken"], stored["other"]]


@pytest.mark.parametrize("as_json", [False, True])
def test_entities_follow_the_filter(db: Database, stored: dict[str, int], as_json: bool) -> None:
    docs = _read(db, ExportFilter(annotators=frozenset({"bob"})), as_json=as_json)
    assert [d.id for d in docs] == [stored["second"]]
    assert [e["id"] for e in docs[0].entities] == [stored["other"]]
    quotes_only = _read(db, ExportFilter(labels=frozenset({"Quote"})), as_json=as_json)
    assert [d.entities for d in quotes_only] == [[], []]


def test_plain_spans_json_is_what_it_was(db: Database, stored: dict[str, int]) -> None:
    """A span neither split nor a mention has the keys every export always wrote
    (SQLite's JSON text; PostgreSQL reads dicts)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("JSON text is SQLite's reading")
    (first, _) = _read(db, ExportFilter(), as_json=True)
    assert first.layers[0].spans_json is not None
    plain = first.layers[0].spans_json[1]
    assert plain.startswith(b'{"id":') and plain.endswith(b',"version":1}')
    assert list(orjson.loads(plain)) == [
        "id", "start", "end", "label", "text", "attributes", "note", "created_at",
        "updated_at", "version",
    ]  # fmt: skip


def test_the_packed_reading_is_the_general_one(
    db: Database, stored: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a label filter SQLite reads a layer's (document, annotator) as one
    packed integer and no span id, relying on the index's order for equal
    offsets (issue 14); the reading with both values and the id, which a label
    filter uses, gives the same layers: split spans, mentions, a span sharing
    its offsets with another, relations of two layers interleaved by id,
    statuses and document labels."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("JSON text is SQLite's reading")
    with db.session() as session:
        twin = repo.add_span(session, stored["first"], "ana", "Claim", 15, 22)
        other = repo.add_span(session, stored["first"], "bob", "Claim", 15, 22)
        early = repo.add_span(session, stored["first"], "bob", "Claim", 0, 3)
        repo.add_relation(session, "ana", "same", stored["plain"], twin.id)
        repo.add_relation(session, "bob", "before", early.id, other.id)
        repo.add_relation(session, "ana", "about", stored["quote"], stored["mention"])
        repo.set_status(session, stored["second"], "bob", DocStatus.DONE)

    def shape(docs: list[ExportDocument]) -> list[Any]:
        return [
            (
                d.id,
                d.entities,
                [
                    (lay.annotator, lay.status, lay.spans_json, lay.relations_json,
                     lay.document_labels)
                    for lay in d.layers
                ],
            )
            for d in docs
        ]  # fmt: skip

    packed = _read(db, ExportFilter(), as_json=True)
    spans = [orjson.loads(s) for s in packed[0].layers[0].spans_json or ()]
    assert [s["id"] for s in spans if s["start"] == 15] == [stored["plain"], twin.id]
    assert len(packed[0].layers[1].relations_json or ()) == 1
    monkeypatch.setattr(export_sqlite, "layers_pack", lambda conn: False)
    assert shape(_read(db, ExportFilter(), as_json=True)) == shape(packed)


def test_layers_pack_only_where_ids_fit() -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE annotators (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY)")
        assert export_sqlite.layers_pack(conn)  # nothing to read
        conn.execute("INSERT INTO annotators VALUES (1), (?)", ((1 << 20) - 1,))
        conn.execute("INSERT INTO documents VALUES (1), (?)", ((1 << 43) - 1,))
        assert export_sqlite.layers_pack(conn)
        conn.execute("INSERT INTO documents VALUES (?)", (1 << 43,))
        assert not export_sqlite.layers_pack(conn)
        conn.execute("DELETE FROM documents WHERE id = ?", (1 << 43,))
        conn.execute("INSERT INTO annotators VALUES (?)", (1 << 20,))
        assert not export_sqlite.layers_pack(conn)
        conn.execute("DELETE FROM annotators WHERE id = ?", (1 << 20,))
        conn.execute("INSERT INTO annotators VALUES (-1)")
        assert not export_sqlite.layers_pack(conn)
