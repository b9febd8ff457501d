"""Project search through the application package, without Qt, on SQLite and
PostgreSQL: a workspace (or its database) finds words, phrases and prefixes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app import documents
from annotator.app.search import QueryTooLarge, SearchError, search
from annotator.app.workspace import Workspace
from annotator.core.model import DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository

TEXTS = [
    ("Visit", "Blinken visited Astana on Tuesday.\n"),
    ("Quiet", "Nothing happened in Bishkek; Astana was quiet.\n"),
    ("Talks", "The talks in Tashkent went on.\n"),
]


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            repository.insert_documents(
                session, [DocumentDraft(text, title=title) for title, text in TEXTS]
            )
    finally:
        db.close()
    ws = Workspace.open(project_dir)
    yield ws
    ws.close()


def test_a_phrase_is_found_where_its_words_stand_together(workspace: Workspace) -> None:
    found = search(workspace, '"visited Astana"')
    assert (found.total, [h.title for h in found.hits]) == (1, ["Visit"])
    [hit] = found.hits
    [(start, end)] = hit.matches
    assert TEXTS[0][1][start:end] == "visited Astana"


def test_words_and_prefixes(workspace: Workspace) -> None:
    assert sorted(h.title for h in search(workspace, "astana").hits) == ["Quiet", "Visit"]
    assert [h.title for h in search(workspace, "tash*").hits] == ["Talks"]
    assert search(workspace, "astana bishkek").total == 1
    assert search(workspace, "nowhere").total == 0
    # The same search over the database, as `annotator search` runs it.
    assert workspace.db is not None
    assert documents.search(workspace.db, "astana").total == 2


def test_limit_and_offset(workspace: Workspace) -> None:
    first = search(workspace, "astana", limit=1)
    rest = search(workspace, "astana", limit=1, offset=1)
    assert first.total == rest.total == 2
    assert len(first.hits) == len(rest.hits) == 1
    assert first.hits[0].document_id != rest.hits[0].document_id


def test_bad_queries_and_no_project(workspace: Workspace) -> None:
    with pytest.raises(SearchError):
        search(workspace, "  *  ")
    with pytest.raises(QueryTooLarge):
        search(workspace, " ".join(f"w{n}" for n in range(100)))
    workspace.close()
    with pytest.raises(SearchError, match="no project is open"):
        search(workspace, "astana")
