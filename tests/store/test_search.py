"""Full-text search over the project, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, text, update

from annotator.core.model import DocumentDraft
from annotator.store import repository
from annotator.store.db import Database, open_database, upgrade
from annotator.store.models import Document
from annotator.store.search import SearchError, matching_document_ids, parse_query, search

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = (FIXTURES / "blinken-central-asia.txt").read_text(encoding="utf-8")
DOCS = [
    DocumentDraft(SAMPLE, title="Blinken in Central Asia"),
    DocumentDraft(
        "😀😀 Japarov met Mirziyoyev in Bishkek.\nBlinken was not there.", title="Bishkek"
    ),
    DocumentDraft(
        "Markets fell in Tashkent on Tuesday. Central banks held rates.", title="Markets"
    ),
]


def add_docs(db: Any) -> list[int]:
    with db.session() as session:
        ids = repository.insert_documents(session, DOCS)
    return [i for i in ids if i is not None]


def test_words_phrases_and_prefixes(project_db: Any) -> None:
    a, b, c = add_docs(project_db)
    with project_db.reader() as session:
        assert {h.document_id for h in search(session, "Blinken").hits} == {a, b}
        assert search(session, "blinken").total == 2  # any case
        assert [h.document_id for h in search(session, "blinken bishkek").hits] == [b]  # all words
        assert {h.document_id for h in search(session, '"central asia"').hits} == {a}
        assert {h.document_id for h in search(session, "central").hits} == {a, c}
        assert {h.document_id for h in search(session, "Tashk*").hits} == {a, c}
        assert search(session, "nowhere").total == 0
        # Characters FTS5 or to_tsquery would take as syntax are only words here.
        assert search(session, "Blinken AND (NOT) -:* 'x'").total == 0
        assert search(session, "Blinken OR").total == 0
        limited = search(session, "blinken", limit=1)
        assert limited.total == 2 and len(limited.hits) == 1
    with pytest.raises(SearchError):
        parse_query(' "" * ')


def test_hits_have_title_snippet_and_code_point_offsets(project_db: Any) -> None:
    _, b, _ = add_docs(project_db)
    with project_db.reader() as session:
        hit = search(session, "Mirziyoyev").hits[0]
        doc_text = repository.document_text(session, b)
    assert hit.document_id == b and hit.title == "Bishkek"
    assert doc_text[hit.snippet_start : hit.snippet_start + len(hit.snippet)] == hit.snippet
    assert hit.matches == [(15, 25)]  # two emoji before it: code points, not UTF-16
    assert doc_text[15:25] == "Mirziyoyev"
    data = hit.to_json()
    assert data["matches"] == [[15, 25]] and data["title"] == "Bishkek"


def test_snippet_is_context_around_the_first_match(project_db: Any) -> None:
    a, _, _ = add_docs(project_db)
    with project_db.reader() as session:
        hit = next(h for h in search(session, "Tokayev").hits if h.document_id == a)
    assert "Tokayev" in hit.snippet
    assert len(hit.snippet) < 260
    for start, end in hit.matches:
        assert SAMPLE[start:end] == "Tokayev"


def test_the_index_follows_inserts_updates_and_deletes(project_db: Any) -> None:
    a, b, c = add_docs(project_db)
    with project_db.session() as session:
        session.execute(update(Document).where(Document.id == c).values(text="Zanzibar news"))
        session.execute(delete(Document).where(Document.id == b))
    with project_db.reader() as session:
        assert [h.document_id for h in search(session, "zanzibar").hits] == [c]
        assert search(session, "Tashkent").total == 1  # only the sample article now
        assert {h.document_id for h in search(session, "Blinken").hits} == {a}
        assert matching_document_ids(session, "blinken") == [a]


def test_accents_are_ignored_on_sqlite(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}", create=True)
    with db.session() as session:
        repository.insert_documents(session, [DocumentDraft("Kassym-Jomart Tokáyev spoke.")])
    with db.reader() as session:
        hit = search(session, "tokayev").hits[0]
    assert hit.matches and hit.snippet[hit.matches[0][0] : hit.matches[0][1]] == "Tokáyev"
    db.close()


def test_an_older_database_gets_its_existing_documents_indexed(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine, "0003")
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO documents (id, title, source, url, date, meta, text, length, content_hash, "
            "created_at) VALUES (1, 'T', '', '', '', '{}', 'Astana talks', 12, 'h', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    db.close()
    db = open_database(database_url, migrate=True)
    with db.reader() as session:
        assert [h.document_id for h in search(session, "astana").hits] == [1]
    db.close()
    # And back down: the index goes away with the migration.
    from alembic import command

    from annotator.store.db import _alembic_config

    db = Database(database_url)
    with db.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    db.close()


def test_phrases_are_exact_in_the_hits_and_paging(project_db: Any) -> None:
    a, _, _ = add_docs(project_db)
    with project_db.session() as session:
        [d] = repository.insert_documents(session, [DocumentDraft("Asia is central to it.")])
    with project_db.reader() as session:
        results = search(session, '"central asia"')
        pages = [search(session, "blinken", limit=1, offset=n).hits for n in range(3)]
    assert [h.document_id for h in results.hits] == [a]  # not "Asia is central"
    if project_db.dialect == "sqlite":
        assert results.total == 1 and results.total_exact
    else:  # the GIN index has no positions: the total counts documents with both words
        assert results.total == 2 and not results.total_exact
    assert d is not None
    assert len(pages[0]) == len(pages[1]) == 1 and pages[2] == []
    assert pages[0][0].document_id != pages[1][0].document_id


def test_underscores_separate_words_as_in_both_engines(project_db: Any) -> None:
    with project_db.session() as session:
        [d] = repository.insert_documents(session, [DocumentDraft("see file_name here")])
    with project_db.reader() as session:
        hit = search(session, "file_name").hits[0]
        assert search(session, "name").total == 1
    assert hit.document_id == d
    assert [hit.snippet[s - hit.snippet_start : e - hit.snippet_start] for s, e in hit.matches] == [
        "file_name"
    ]


def test_phrases_in_capitals_with_accents(project_db: Any) -> None:
    with project_db.session() as session:
        [d] = repository.insert_documents(
            session, [DocumentDraft("La réforme de l’ÉTAT CIVIL. L’état, civil ou non.")]
        )
    with project_db.reader() as session:
        hits = search(session, '"état civil"').hits
    assert [h.document_id for h in hits] == [d]
    # Both places: a comma between the words does not break a phrase.
    assert [hits[0].snippet[s - hits[0].snippet_start : e - hits[0].snippet_start]
            for s, e in hits[0].matches] == ["ÉTAT CIVIL", "état, civil"]  # fmt: skip
