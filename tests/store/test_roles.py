"""Roles that hold: "gold" is no one's name, roles change only by a reviewer's hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from annotator.core.dataset import AnnotatedDraft, LayerDraft, SpanDraft
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import Database
from annotator.store.import_writer import insert_annotated

TEXT = "Blinken said in Astana that talks went well."


@pytest.fixture
def doc_id(db: Database) -> int:
    with db.session() as s:
        repo.set_roles(s, ["rita"])
        (new_id,) = repo.insert_documents(s, [DocumentDraft(text=TEXT)])
    assert new_id is not None
    return new_id


def gold_spans(db: Database, doc_id: int) -> list[Any]:
    with db.reader() as s:
        return repo.list_spans(s, doc_id, [GOLD_ANNOTATOR])


def test_calling_oneself_gold_does_not_open_the_gold_layer(db: Database, doc_id: int) -> None:
    attempts: list[Callable[[Session], Any]] = [
        lambda s: repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Person", 0, 7),
        lambda s: repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Person", 0, 7, editor="gold"),
        lambda s: repo.set_status(s, doc_id, GOLD_ANNOTATOR, DocStatus.DONE),
        lambda s: repo.check_can_write(s, GOLD_ANNOTATOR, GOLD_ANNOTATOR),
    ]
    for attempt in attempts:
        with pytest.raises(repo.PermissionDenied, match="not an analyst's name"), db.session() as s:
            attempt(s)
    assert gold_spans(db, doc_id) == []
    with db.session() as s:  # a reviewer, under their own name, does
        span = repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Person", 0, 7, editor="rita")
    with pytest.raises(repo.PermissionDenied), db.session() as s:
        repo.delete_span(s, span.id, GOLD_ANNOTATOR)
    assert [x.id for x in gold_spans(db, doc_id)] == [span.id]


def test_gold_is_never_made_a_reviewer(db: Database) -> None:
    with pytest.raises(repo.PermissionDenied), db.session() as s:
        repo.set_roles(s, [GOLD_ANNOTATOR])
    with pytest.raises(repo.PermissionDenied), db.session() as s:
        repo.change_role(s, GOLD_ANNOTATOR, "reviewer", by=GOLD_ANNOTATOR)
    with db.reader() as s:
        assert repo.reviewer_names(s) == []


def layer_draft(annotator: str) -> AnnotatedDraft:
    return AnnotatedDraft(
        DocumentDraft(text=TEXT), [LayerDraft(annotator, [SpanDraft("Person", 0, 7)])]
    )


def test_bulk_import_into_gold_needs_a_reviewer(db: Database, doc_id: int) -> None:
    for editor in (None, "gold", "ana"):
        with pytest.raises(repo.PermissionDenied), db.session() as s:
            insert_annotated(s, [layer_draft(GOLD_ANNOTATOR)], editor=editor)
    assert gold_spans(db, doc_id) == []
    with db.session() as s:
        result = insert_annotated(s, [layer_draft(GOLD_ANNOTATOR)], editor="rita")
    assert result.spans == 1
    assert [(x.label, x.start, x.end) for x in gold_spans(db, doc_id)] == [("Person", 0, 7)]
    with db.reader() as s:
        log = repo.change_log(s, doc_id)
    assert [e["annotator"] for e in log if e["entity"] == "span"] == ["rita"]


def test_bulk_import_refuses_a_reserved_name_for_any_layer_but_gold(
    db: Database, doc_id: int
) -> None:
    with pytest.raises(repo.PermissionDenied), db.session() as s:
        insert_annotated(s, [layer_draft("ana")], editor="gold")
    with db.session() as s:  # an analyst's own layer needs no one else
        assert insert_annotated(s, [layer_draft("ana")]).spans == 1


def test_roles_are_seeded_only_while_the_database_has_no_reviewer(db: Database) -> None:
    with db.session() as s:
        assert repo.seed_roles(s, ["rita"]) is True
    with db.session() as s:
        assert repo.seed_roles(s, ["mallory"]) is False
        assert repo.reviewer_names(s) == ["rita"]
        assert repo.role_of(s, "mallory") == "annotator"


def test_only_a_reviewer_changes_roles_and_the_last_one_stays(db: Database) -> None:
    with db.session() as s:
        repo.change_role(s, "rita", "reviewer", by="rita")  # the first one: someone starts
    with pytest.raises(repo.PermissionDenied, match="only a reviewer"), db.session() as s:
        repo.change_role(s, "mallory", "reviewer", by="mallory")
    with pytest.raises(repo.PermissionDenied, match="only reviewer"), db.session() as s:
        repo.change_role(s, "rita", "annotator", by="rita")
    with db.session() as s:
        assert repo.change_role(s, "sam", "reviewer", by="rita") == "annotator"
        repo.change_role(s, "rita", "annotator", by="sam")
    with db.reader() as s:
        assert repo.reviewer_names(s) == ["sam"]
        log = [e for e in repo.change_log(s) if e["action"] == "role"]
    assert [(e["annotator"], e["after"]) for e in log] == [
        ("rita", {"name": "rita", "role": "reviewer"}),
        ("rita", {"name": "sam", "role": "reviewer"}),
        ("sam", {"name": "rita", "role": "annotator"}),
    ]


def test_a_reviewer_undoes_unlinking_in_gold(db: Database, doc_id: int) -> None:
    from annotator.core import commands
    from annotator.store.edits import DatabaseEditStore

    with db.session() as s:
        quote = repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Quote", 8, 22, editor="rita")
        person = repo.add_span(s, doc_id, GOLD_ANNOTATOR, "Person", 0, 7, editor="rita")
        link = repo.add_relation(s, GOLD_ANNOTATOR, "speaker", quote.id, person.id, editor="rita")
    store = DatabaseEditStore(db)
    unlink = commands.DeleteRelation(link, "rita")
    unlink.do(store)
    unlink.undo(store)  # restored under the reviewer's name, not as "gold"
    with db.reader() as s:
        assert [r.id for r in repo.list_relations(s, doc_id)] == [link.id]
        restored = [e for e in repo.change_log(s, doc_id) if e["entity"] == "relation"][-1]
    assert (restored["action"], restored["annotator"]) == ("add", "rita")
