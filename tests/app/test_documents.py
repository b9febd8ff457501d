"""The document read-outs of the application package (info, docs, search),
without Qt, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from annotator.app import documents
from annotator.core.model import DocumentDraft
from annotator.store import repository


@pytest.fixture
def db(project_db: Any) -> Any:
    with project_db.session() as session:
        repository.insert_documents(
            session,
            [
                DocumentDraft("Blinken visited Astana.\n", title="Visit", source="a.txt"),
                DocumentDraft("Nothing happened in Bishkek.\n", title="Quiet"),
            ],
        )
        repository.add_span(session, 1, "alice", "Person", 0, 7)
    return project_db


def test_project_info(db: Any) -> None:
    info = documents.project_info(db)
    assert info.schema_version
    assert info.counts.documents == 2
    assert info.counts.spans == 1
    assert info.counts.spans_by_label == {"Person": 1}
    url = db.engine.url
    assert info.database == url.render_as_string(hide_password=True)
    if url.password:
        assert url.password not in info.database


def test_list_documents(db: Any) -> None:
    listed = documents.list_documents(db)
    assert [(d.id, d.title, d.source) for d in listed] == [(1, "Visit", "a.txt"), (2, "Quiet", "")]
    assert listed[0].spans_by_annotator == {"alice": 1}


def test_search(db: Any) -> None:
    results = documents.search(db, "bishkek")
    assert [h.document_id for h in results.hits] == [2]
    assert results.total == 1
    with pytest.raises(documents.SearchError):
        documents.search(db, '"')
