"""Every writer of the change log (edits, imports, adjudication) writes one
record shape, and the live feed reads each of them, old shapes included."""

from __future__ import annotations

from sqlalchemy import insert

from annotator.core.adjudication import AcceptSpan, RejectItem, Resolutions
from annotator.core.changes import Action, Entity
from annotator.core.compare import compare_layers
from annotator.core.dataset import AnnotatedDraft, LayerDraft, RelationDraft, SpanDraft
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft, RelationData
from annotator.store import repository as repo
from annotator.store.db import Database, open_database
from annotator.store.import_writer import insert_annotated
from annotator.store.live import changes_since, latest_change_id
from annotator.store.models import ChangeLog, utcnow
from annotator.store.review import ReviewEditStore

TEXT = "Blinken met Tokayev in Astana."


def fresh(database_url: str) -> tuple[Database, int]:
    db = open_database(database_url, create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=TEXT)])
        repo.set_roles(s, ["rita"])
    assert doc is not None
    return db, doc


def test_an_import_is_read_by_the_feed_as_the_edits_it_equals(database_url: str) -> None:
    db, doc = fresh(database_url)
    with db.reader() as s:
        seen = latest_change_id(s)
    layer = LayerDraft(
        "ben",
        [SpanDraft("Person", 0, 7, {"confidence": "high"}, "n"), SpanDraft("Person", 12, 19)],
        [RelationDraft("knows", 0, 1)],
        status=DocStatus.DONE.value,
    )
    gold = LayerDraft(GOLD_ANNOTATOR, [SpanDraft("Location", 23, 29)])
    with db.session() as s:
        insert_annotated(
            s, [AnnotatedDraft(DocumentDraft(text=TEXT), [layer, gold])], editor="rita"
        )
    with db.reader() as s:
        feed = changes_since(s, seen, exclude_editor="ana")
        records = [r for r in repo.change_records(s, doc) if r.imported]
        spans = {sp.id: sp for sp in repo.list_spans(s, doc)}
        (link,) = repo.list_relations(s, doc)
    db.close()
    assert all(r.imported for r in records) and len(records) == 6  # 3 spans, 1 link, 2 statuses
    assert {(r.entity, r.action, r.layer, r.editor) for r in records} == {
        (Entity.SPAN, Action.ADD, "ben", "ben"),
        (Entity.SPAN, Action.ADD, GOLD_ANNOTATOR, "rita"),  # gold is written by its reviewer
        (Entity.RELATION, Action.ADD, "ben", "ben"),
        (Entity.DOCUMENT, Action.STATUS, "ben", "ben"),
        (Entity.DOCUMENT, Action.STATUS, GOLD_ANNOTATOR, "rita"),
    }
    changes = feed.changes
    # What the feed builds is what the database holds (dates aside).
    assert {i: (sp.annotator, sp.label, sp.start, sp.end, sp.text, sp.attributes, sp.note)
            for i, sp in changes.added_spans.items()} == {
        i: (sp.annotator, sp.label, sp.start, sp.end, sp.text, sp.attributes, sp.note)
        for i, sp in spans.items()
    }  # fmt: skip
    assert changes.added_relations == {link.id: link}
    assert changes.statuses == {
        (doc, "ben"): DocStatus.DONE,
        (doc, GOLD_ANNOTATOR): DocStatus.IN_PROGRESS,
    }
    assert feed.editors == {"ben", "rita"}


def test_edits_and_adjudication_are_read_by_the_feed(database_url: str) -> None:
    db, doc = fresh(database_url)
    with db.session() as s:
        a = repo.add_span(s, doc, "ana", "Person", 0, 7)
        b = repo.add_span(s, doc, "ben", "Organization", 0, 7)
        other = repo.add_span(s, doc, "ben", "Location", 23, 29)
    with db.reader() as s:
        seen = latest_change_id(s)
    with db.session() as s:
        repo.add_relation(s, "ben", "in", b.id, other.id)
        repo.set_status(s, doc, "ben", DocStatus.DONE)
    store = ReviewEditStore(db)
    (item,) = [i for i in compare_layers([a], [b]) if i.a is not None]
    AcceptSpan(doc, item, "b", "rita").do(store)  # gold gets ben's span
    with db.reader() as s:
        feed = changes_since(s, seen, exclude_editor="ana")
        (gold,) = repo.list_spans(s, doc, [GOLD_ANNOTATOR])
        (rel,) = repo.list_relations(s, doc)
    RejectItem(doc, item, "rita", resolutions=Resolutions()).do(store)  # and loses it again
    with db.reader() as s:
        later = changes_since(s, feed.last_id, exclude_editor="ana")
        records = repo.change_records(s, doc)
    db.close()
    assert feed.changes.added_relations == {
        rel.id: RelationData(rel.id, doc, "ben", "in", b.id, other.id)
    }
    assert feed.changes.statuses[(doc, "ben")] == DocStatus.DONE
    assert feed.changes.added_spans[gold.id].annotator == GOLD_ANNOTATOR
    assert later.changes.removed_spans[gold.id].label == "Organization"
    assert later.editors == {"rita"}
    adjudicated = [r for r in records if r.layer == GOLD_ANNOTATOR and r.entity == Entity.SPAN]
    assert [(r.action, r.editor) for r in adjudicated] == [
        (Action.ADD, "rita"),
        (Action.DELETE, "rita"),
    ]


def test_rows_in_the_old_shapes_are_read_by_the_feed(database_url: str) -> None:
    """Relations and statuses logged before the payload named their layer (edits
    before live updates, imports before reviewers) were dropped by the feed."""
    db, doc = fresh(database_url)
    with db.session() as s:
        person = repo.add_span(s, doc, "ben", "Person", 0, 7)
        place = repo.add_span(s, doc, "ben", "Location", 23, 29)
        link = repo.add_relation(s, "ben", "in", person.id, place.id)
        ben = repo.annotator_id(s, "ben")
    with db.reader() as s:
        seen = latest_change_id(s)
    old = {"type": "in", "source_id": person.id, "target_id": place.id}

    def log(action: str, entity: str, entity_id: int, before: object, after: object) -> None:
        with db.session() as s:
            s.execute(
                insert(ChangeLog).values(
                    at=utcnow(), annotator_id=ben, document_id=doc, action=action,
                    entity=entity, entity_id=entity_id, before=before, after=after,
                )
            )  # fmt: skip

    log("import", "relation", link.id, None, old)
    with db.reader() as s:
        first = changes_since(s, seen, exclude_editor="ana")
    log("status", "document", doc, {"status": "new"}, {"status": "done"})
    log("delete", "relation", link.id, old, None)
    with db.reader() as s:
        then = changes_since(s, first.last_id, exclude_editor="ana")
        records = repo.change_records(s, doc)[-3:]
    db.close()
    assert [(r.action, r.layer, r.editor) for r in records] == [
        (Action.ADD, "ben", "ben"),
        (Action.STATUS, "ben", "ben"),
        (Action.DELETE, "ben", "ben"),
    ]
    assert first.changes.added_relations == {link.id: link}
    assert then.changes.removed_relations == {link.id: link}
    assert then.changes.statuses == {(doc, "ben"): DocStatus.DONE}
