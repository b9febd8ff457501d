"""What one analyst imports while others work: no race on a shared article, and the
others' open windows (the change feed) see the imported spans, links and statuses."""

from __future__ import annotations

import threading

import pytest

from annotator.core import dataset
from annotator.core.dataset import AnnotatedDraft, LayerDraft, RelationDraft, SpanDraft
from annotator.core.model import DocStatus, DocumentDraft
from annotator.store import import_writer
from annotator.store import repository as repo
from annotator.store.db import open_database
from annotator.store.live import changes_since, feed_start, latest_change_id

TEXT = 'Jane Doe said "we will act" in Astana.'


def labeled(name: str, status: str | None = None) -> AnnotatedDraft:
    quote = TEXT.index('"')
    spans = [
        SpanDraft(label="Person", start=0, end=8),
        SpanDraft(label="Quote", start=quote, end=TEXT.index('"', quote + 1) + 1),
    ]
    layer = LayerDraft(name, spans, [RelationDraft(type="speaker", source=1, target=0)], status)
    return AnnotatedDraft(DocumentDraft(text=TEXT), [layer])


def test_an_import_shows_in_the_feed_as_additions(database_url: str) -> None:
    db = open_database(database_url, create=True)
    with db.reader() as s:
        seen = latest_change_id(s)
    with db.session() as s:
        result = import_writer.insert_annotated(s, [labeled("ben", DocStatus.DONE.value)])
    with db.reader() as s:
        feed = changes_since(s, seen, exclude_editor="ana")
        (doc,) = result.document_ids
        spans = repo.list_spans(s, doc)
        relations = repo.list_relations(s, doc)
    db.close()
    changes = feed.changes
    assert {i: (sp.annotator, sp.label) for i, sp in changes.added_spans.items()} == {
        sp.id: ("ben", sp.label) for sp in spans
    }
    assert changes.removed_spans == {}  # today's bug: an import read as a removal
    assert {r.id: (r.annotator, r.type) for r in changes.added_relations.values()} == {
        r.id: ("ben", "speaker") for r in relations
    }
    assert changes.statuses == {(doc, "ben"): DocStatus.DONE}
    assert feed.editors == {"ben"}


def test_two_imports_of_one_article_at_once_store_it_once(database_url: str) -> None:
    """The second import finds the article the first has not committed yet.

    PostgreSQL: the second insert waits for the first transaction and then
    takes its document; SQLite: the second transaction waits to begin.
    """
    first = open_database(database_url, create=True)
    second = open_database(database_url)
    outcome: dict[str, object] = {}
    with first.session() as s:
        import_writer.insert_annotated(s, [labeled("ana")])

        def other() -> None:
            try:
                with second.session() as s2:
                    outcome["plain"] = repo.insert_documents(s2, [DocumentDraft(text=TEXT)])
                with second.session() as s2:
                    outcome["labeled"] = import_writer.insert_annotated(s2, [labeled("ben")])
            except Exception as exc:  # reported below, with the test's own failure
                outcome["error"] = exc

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1.0)  # let it reach the insert and wait on ours
    thread.join(30)
    assert "error" not in outcome, outcome["error"]
    assert outcome["plain"] == [None]  # already in the project: not added again
    result = outcome["labeled"]
    assert isinstance(result, dataset.InsertResult)
    assert result.documents_added == 0 and result.spans == 2 and result.relations == 1
    with first.reader() as s:
        docs = repo.list_documents(s)
        assert len(docs) == 1
        assert {sp.annotator for sp in repo.list_spans(s, docs[0].id)} == {"ana", "ben"}
    first.close()
    second.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_import_committed_after_a_later_edit_still_reaches_the_feed(database_url: str) -> None:
    # The server hands out ids as rows are written, but they are seen at commit.
    db = open_database(database_url, create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=TEXT)])
        assert doc is not None
    with db.reader() as s:
        start = feed_start(s)
    with db.session() as slow:  # a big import's batch, still being written
        import_writer.insert_annotated(slow, [labeled("ben")])
        with db.session() as quick:  # meanwhile a colleague's edit commits
            theirs = repo.add_span(quick, doc, "cai", "Location", TEXT.index("Astana"), 37)
        with db.reader() as s:
            first = changes_since(s, start.last_id, waiting=start.waiting)
        assert set(first.changes.added_spans) == {theirs.id}
    with db.reader() as s:
        second = changes_since(s, first.last_id, waiting=first.waiting)
        bens = {sp.id for sp in repo.list_spans(s, doc, ["ben"])}
    db.close()
    assert len(bens) == 2 and set(second.changes.added_spans) == bens
    assert len(second.changes.added_relations) == 1
    assert second.waiting == {}  # nothing left to wait for


@pytest.mark.parametrize("also_imported", [True, False], ids=["import", "window-only"])
def test_one_layer_imported_twice_at_once_gets_each_span_once(
    database_url: str, also_imported: bool
) -> None:
    """The same analyst's file imported by two programs at once, while their
    window adds a span there: the second import waits and finds the first's
    spans, and its status replaces the one the window's first span set."""
    first = open_database(database_url, create=True)
    second = open_database(database_url)
    with first.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=TEXT)])
        assert doc is not None
        repo.annotator_id(s, "ben")  # ben has worked here before
    outcome: dict[str, object] = {}
    with first.session() as s:
        repo.add_span(s, doc, "ben", "Location", TEXT.index("Astana"), 37)  # the window
        if also_imported:
            import_writer.insert_annotated(s, [labeled("ben")])

        def other() -> None:
            try:
                with second.session() as s2:
                    outcome["result"] = import_writer.insert_annotated(s2, [labeled("ben", "done")])
            except Exception as exc:  # reported below
                outcome["error"] = exc

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(1.0)
    thread.join(30)
    assert "error" not in outcome, outcome["error"]
    result = outcome["result"]
    assert isinstance(result, dataset.InsertResult)
    assert result.spans == (0 if also_imported else 2)
    with first.reader() as s:
        spans = sorted((sp.label, sp.start, sp.end) for sp in repo.list_spans(s, doc, ["ben"]))
        assert len(repo.list_relations(s, doc)) == 1
        assert repo.get_status(s, doc, "ben") == DocStatus.DONE
    first.close()
    second.close()
    assert spans == sorted(set(spans)) and len(spans) == 3
