"""The paged document list (annotator.app.document_list): pages, counts, filter
(case-insensitive title substring, "Document N" for an untitled one), status
filter, sorts and positions, from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.document_list import DocumentListQuery
from annotator.app.workspace import Outcome, Workspace
from annotator.core import commands
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository, review

TITLES = ["Blinken in Astana", "ÉCOLE à Almaty", "Uzbekistan talks", "", "Тараз новости"]


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            drafts = [
                DocumentDraft(text=f"Article {n}: some words here.", title=t)
                for n, t in enumerate(TITLES)
            ]
            repository.insert_documents(s, drafts)
    finally:
        db.close()
    ws = Workspace.open(project_dir)
    yield ws
    ws.close()


def ids_of(ws: Workspace) -> list[int]:
    return [d.id for d in ws.documents_for("alice").documents]


def test_pages_follow_the_window_order_assignments_first(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    assert workspace.db is not None
    with workspace.db.session() as s:
        review.assign(s, [ids[3]], "alice")
    query = DocumentListQuery(workspace, "alice")
    assert [d.id for d in query.page(0, 10)] == ids_of(workspace)
    assert [d.id for d in query.page(0, 10)] == [ids[3], ids[0], ids[1], ids[2], ids[4]]
    assert [d.id for d in query.page(1, 2)] == [ids[0], ids[1]]
    assert query.page(0, 1)[0].assigned and not query.page(1, 1)[0].assigned
    assert query.ids() == [d.id for d in query.page(0, 10)]
    assert query.count() == query.total() == 5
    assert query.position(ids[3]) == 0 and query.position(ids[1]) == 2
    assert [d.id for d in DocumentListQuery(workspace, "bob").page(0, 10)] == ids


def test_the_filter_matches_titles_case_insensitively(workspace: Workspace) -> None:
    query = DocumentListQuery(workspace, "alice")
    ids = ids_of(workspace)
    assert [d.title for d in query.page(0, 10, "ASTANA")] == ["Blinken in Astana"]
    assert [d.title for d in query.page(0, 10, "école")] == ["ÉCOLE à Almaty"]
    assert [d.title for d in query.page(0, 10, "ТАРАЗ")] == ["Тараз новости"]
    assert [d.title for d in query.page(0, 10, "document")] == [f"Document {ids[3]}"]
    assert query.count("a") == 3 and query.count("  talks ") == 1
    assert query.position(ids[0], "almaty") is None
    assert query.position(ids[1], "almaty") == 0


def test_statuses_counts_and_sorts(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    assert workspace.run(commands.SetStatus(ids[1], "alice", DocStatus.DONE)) is Outcome.SAVED
    span = commands.AddSpan(ids[2], "alice", "Person", 0, 7, editor="alice")
    assert workspace.run(span) is Outcome.SAVED
    assert workspace.run(commands.AddSpan(ids[2], "bob", "Person", 0, 7, editor="bob"))
    query = DocumentListQuery(workspace, "alice")
    rows = query.get(ids)
    assert rows[ids[1]].status == DocStatus.DONE
    assert rows[ids[2]].status == DocStatus.IN_PROGRESS and rows[ids[2]].spans == 1
    assert rows[ids[0]].status == DocStatus.NEW and rows[ids[0]].spans == 0
    assert [d.id for d in query.page(0, 10, status=DocStatus.DONE)] == [ids[1]]
    assert query.count(status="not-done") == 4
    # A count the caller has is taken as it is (a million documents are not counted again).
    assert query.count(status="not-done", known_total=5) == 4
    assert query.count(known_total=1_000) == 1_000
    assert query.count(status=DocStatus.NEW) == 3
    assert query.count("uzbek", DocStatus.IN_PROGRESS) == 1
    assert query.page(0, 1, sort="spans", descending=True)[0].id == ids[2]
    assert query.page(0, 1, sort="status")[0].id == ids[1]  # "done" first
    titles = [d.title for d in query.page(0, 10, sort="title")]
    assert titles == sorted(titles)
    assert query.position(ids[2], sort="spans", descending=True) == 0
    with pytest.raises(ValueError):
        query.page(0, 1, sort="length")


def walk(query: DocumentListQuery, first: int, step: int, **how: object) -> list[int]:
    """Every document met stepping from ``first`` until the end of the list."""
    met, at = [], first
    while (found := query.neighbour(at, step, **how)) is not None:  # type: ignore[arg-type]
        met.append(found)
        at = found
    return met


def test_neighbours_follow_the_list_as_filtered_and_sorted(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    assert workspace.db is not None
    with workspace.db.session() as s:
        review.assign(s, [ids[3], ids[1]], "alice")
    query = DocumentListQuery(workspace, "alice")
    order = [d.id for d in query.page(0, 10)]
    assert order == [ids[1], ids[3], ids[0], ids[2], ids[4]]
    assert walk(query, order[0], 1) == order[1:]  # across the assignments' run
    assert walk(query, order[-1], -1) == order[-2::-1]
    assert [query.position(i) for i in order] == [0, 1, 2, 3, 4]
    # The filter hides ids[1] ("ÉCOLE à Almaty"): stepping from it still finds its neighbours.
    assert query.neighbour(ids[1], 1, "a") == ids[0]
    assert walk(query, ids[1], 1, filter="a") == [ids[0], ids[2]]
    assert query.position(ids[4], "a") is None
    for sort in ("title", "status", "spans"):
        for descending in (False, True):
            how = {"sort": sort, "descending": descending}
            listed = [d.id for d in query.page(0, 10, **how)]  # type: ignore[arg-type]
            assert walk(query, listed[0], 1, **how) == listed[1:], how
            assert walk(query, listed[-1], -1, **how) == listed[-2::-1], how


def test_the_next_to_do_skips_done_documents_and_wraps(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    for done in (ids[0], ids[2], ids[3]):
        assert workspace.run(commands.SetStatus(done, "alice", DocStatus.DONE)) is Outcome.SAVED
    query = DocumentListQuery(workspace, "alice")
    assert query.neighbour(ids[1], 1, to_do=True, wrap=True) == ids[4]
    assert query.neighbour(ids[4], 1, to_do=True, wrap=True) == ids[1]  # round from the top
    assert query.neighbour(ids[4], 1, to_do=True) is None
    assert query.neighbour(ids[0], 1, status="done", to_do=True, wrap=True) is None
    assert query.neighbour(ids[0], 1, "uzbek", to_do=True, wrap=True) is None


def test_a_page_read_from_the_end_is_the_same_page(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    assert workspace.db is not None
    with workspace.db.session() as s:
        review.assign(s, [ids[2], ids[4]], "alice")
    assert workspace.run(commands.SetStatus(ids[0], "alice", DocStatus.DONE)) is Outcome.SAVED
    query = DocumentListQuery(workspace, "alice")
    for how in [{}, {"filter": "a"}, {"sort": "title"}, {"sort": "status", "descending": True}]:
        listed = query.count(how.get("filter", ""))  # type: ignore[arg-type]
        whole = [d.id for d in query.page(0, 10, **how)]  # type: ignore[arg-type]
        assert len(whole) == listed
        for offset in range(listed + 1):
            for limit in (1, 2, 3):
                page = query.page(offset, limit, **how, listed=listed)  # type: ignore[arg-type]
                assert [d.id for d in page] == whole[offset : offset + limit], (how, offset)


def test_positions_match_the_pages_in_every_order(workspace: Workspace) -> None:
    ids = ids_of(workspace)
    assert workspace.db is not None
    with workspace.db.session() as s:
        review.assign(s, [ids[4]], "alice")
    assert workspace.run(commands.SetStatus(ids[1], "alice", DocStatus.DONE)) is Outcome.SAVED
    assert workspace.run(commands.AddSpan(ids[3], "alice", "Person", 0, 7, editor="alice"))
    query = DocumentListQuery(workspace, "alice")
    for sort in (None, "title", "status", "spans"):
        for descending in (False, True):
            for needle in ("", "a"):
                how = {"filter": needle, "sort": sort, "descending": descending}
                listed = [d.id for d in query.page(0, 10, **how)]  # type: ignore[arg-type]
                for row, doc in enumerate(listed):
                    assert query.position(doc, **how) == row, (how, doc)  # type: ignore[arg-type]
                hidden = [i for i in ids if i not in listed]
                assert all(query.position(i, **how) is None for i in hidden)  # type: ignore[arg-type]


def _prepared(workspace: Workspace) -> list[int]:
    """Two assignments, a status and a span for alice; the documents' ids."""
    assert workspace.db is not None
    ids = ids_of(workspace)
    with workspace.db.session() as s:
        review.assign(s, [ids[4], ids[2]], "alice")
    assert workspace.run(commands.SetStatus(ids[1], "alice", DocStatus.DONE)) is Outcome.SAVED
    assert workspace.run(commands.AddSpan(ids[3], "alice", "Person", 0, 7, editor="alice"))
    return ids


def _assert_lists_alike(
    preview: DocumentListQuery, opened: DocumentListQuery, ids: list[int]
) -> None:
    """Every page, count, position and neighbour alike, in every order and filter."""
    assert preview.same_list(opened) and opened.same_list(preview)
    assert preview.total() == opened.total() == 5
    assert preview.get(ids) == opened.get(ids)
    for sort in (None, "title", "status", "spans"):
        for descending in (False, True):
            for needle in ("", "a", "ТАРАЗ", "100%"):
                for status in (None, DocStatus.DONE, "not-done"):
                    how = {"filter": needle, "status": status, "sort": sort}
                    how["descending"] = descending
                    page = opened.page(0, 10, **how)  # type: ignore[arg-type]
                    assert preview.page(0, 10, **how) == page, how  # type: ignore[arg-type]
                    assert preview.ids(**how) == opened.ids(**how)  # type: ignore[arg-type]
                    assert preview.count(needle, status) == opened.count(needle, status)
                    for doc in ids:
                        assert preview.position(doc, **how) == opened.position(doc, **how)  # type: ignore[arg-type]
                        for step in (1, -1):
                            found = preview.neighbour(doc, step, **how)  # type: ignore[arg-type]
                            assert found == opened.neighbour(doc, step, **how), (how, doc)  # type: ignore[arg-type]
    assert [d.id for d in preview.page(0, 10)][:2] == [ids[2], ids[4]]  # assignments first


def test_the_file_reads_the_same_list_as_the_open_project(workspace: Workspace) -> None:
    """A cold start lists the documents from the SQLite file with the standard
    library (FileListQuery) before the project opens: the open project's list."""
    from annotator.app.document_list import FileListQuery
    from annotator.store.first_read import sqlite_path

    assert workspace.project is not None
    path = sqlite_path(workspace.project.database_url)
    if path is None:
        pytest.skip("the file is read on SQLite projects only")
    ids = _prepared(workspace)
    _assert_lists_alike(FileListQuery(path, "alice"), DocumentListQuery(workspace, "alice"), ids)


def test_the_server_reads_the_same_list_as_the_open_project(workspace: Workspace) -> None:
    """A cold start on a PostgreSQL project lists the documents with psycopg
    alone (ServerListQuery) before SQLAlchemy is loaded: the open project's
    list; its connection only reads, and is closed with it."""
    from annotator.app.document_list import ServerListQuery, preview_server_list

    assert workspace.project is not None
    if workspace.project.database_url.startswith("sqlite"):
        assert preview_server_list(workspace.project.directory, "alice") is None
        pytest.skip("the server is read on PostgreSQL projects only")
    ids = _prepared(workspace)
    from_server = preview_server_list(workspace.project.directory, "alice")
    assert isinstance(from_server, ServerListQuery) and from_server.preview
    try:
        _assert_lists_alike(from_server, DocumentListQuery(workspace, "alice"), ids)
        with pytest.raises(Exception, match="read-only"):
            assert from_server.connection is not None
            from_server.connection.execute("DELETE FROM documents")
    finally:
        from_server.close()
    assert from_server.connection is None
    with pytest.raises(ValueError, match="closed"):
        from_server.total()


def test_the_list_sql_is_given_to_psycopg_with_its_placeholders() -> None:
    from annotator.store.document_list import _pyformat

    sql = (
        "SELECT d.id FROM d WHERE a = :who AND d.id IN (:i0, :i1) AND t LIKE '5%' AND x::text = ''"
    )
    assert _pyformat(sql) == (
        "SELECT d.id FROM d WHERE a = %(who)s AND d.id IN (%(i0)s, %(i1)s) "
        "AND t LIKE '5%%' AND x::text = ''"
    )


def test_no_server_no_list() -> None:
    from annotator.app.document_list import ServerListQuery
    from annotator.store.server_read import libpq_url

    assert libpq_url("sqlite:///x.sqlite") is None
    assert libpq_url("postgresql+psycopg://ana@db.example:5433/news?sslmode=require") == (
        "postgresql://ana@db.example:5433/news?sslmode=require"
    )
    assert ServerListQuery.connect("sqlite:///x.sqlite", "ana") is None
    # Nothing answers on this port: no preview, no exception.
    assert ServerListQuery.connect("postgresql+psycopg://ana@127.0.0.1:9/none", "ana") is None
