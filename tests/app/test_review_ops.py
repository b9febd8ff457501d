"""Review operations of the application package, without Qt, on SQLite and
PostgreSQL: adjudication through a review workspace (one history, undo and
redo, each change published once, refusals) and assignments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app import adjudication, review
from annotator.app.workspace import Changed, Operation, Outcome, Workspace
from annotator.core.adjudication import AcceptSpan, RejectItem, Resolutions
from annotator.core.compare import Kind, compare_layers
from annotator.core.errors import NotFound, PermissionDenied
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.io.project import load_project, save_project
from annotator.store import repository

TEXT = "Alice met Bob in Paris on Monday."


def word(w: str) -> tuple[int, int]:
    start = TEXT.index(w)
    return start, start + len(w)


@pytest.fixture
def project(project_dir: Path) -> Path:
    """One document; alice and bob agree on Alice and Paris, differ on Bob; rita reviews."""
    config = load_project(project_dir)
    config.annotators = ["alice", "bob"]
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            [doc] = repository.insert_documents(session, [DocumentDraft(TEXT), DocumentDraft("x")])[
                :1
            ]
            assert doc == 1
            for who, label, w in [
                ("alice", "Person", "Alice"),
                ("alice", "Person", "Bob"),
                ("alice", "Location", "Paris"),
                ("bob", "Person", "Alice"),
                ("bob", "Location", "Bob"),
                ("bob", "Location", "Paris"),
            ]:
                repository.add_span(session, doc, who, label, *word(w))
    finally:
        db.close()
    return project_dir


@pytest.fixture
def workspace(project: Path) -> Iterator[Workspace]:
    ws = adjudication.open_review_workspace(project)
    yield ws
    ws.close()


def gold_on_disk(project: Path) -> list[tuple[int, int, str]]:
    """The gold layer read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            spans = repository.list_spans(session, 1, [GOLD_ANNOTATOR])
    finally:
        db.close()
    return sorted((s.start, s.end, s.label) for s in spans)


def test_a_decision_is_run_undone_and_redone_through_the_workspace(
    workspace: Workspace, project: Path
) -> None:
    published: list[Changed] = []
    workspace.changes.subscribe(published.append)
    seen = adjudication.comparison(workspace, 1, "alice", "bob", "rita")
    assert seen.reviewer and seen.text == TEXT and seen.rejected == set()
    assert {s.annotator for s in seen.spans} == {"alice", "bob"}
    items = compare_layers(seen.layer("alice"), seen.layer("bob"))
    [differs] = [i for i in items if i.kind is Kind.LABEL_DIFFERS]

    outcome = workspace.run(AcceptSpan(1, differs, "b", "rita", resolutions=Resolutions()))
    assert outcome is Outcome.SAVED
    assert gold_on_disk(project) == [(*word("Bob"), "Location")]
    assert [g.label for g in adjudication.gold_spans(workspace, 1)] == ["Location"]
    assert workspace.history.can_undo and workspace.history.undo_text.startswith("Accept")

    assert workspace.undo()
    assert gold_on_disk(project) == []
    assert workspace.redo()
    assert gold_on_disk(project) == [(*word("Bob"), "Location")]
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]
    assert all(e.document_ids == {1} for e in published)


def test_a_rejection_is_stored_for_every_later_look(workspace: Workspace) -> None:
    seen = adjudication.comparison(workspace, 1, "alice", "bob", "rita")
    items = compare_layers(seen.layer("alice"), seen.layer("bob"))
    [differs] = [i for i in items if i.kind is Kind.LABEL_DIFFERS]
    assert workspace.run(RejectItem(1, differs, "rita", resolutions=Resolutions())) is Outcome.SAVED
    again = adjudication.comparison(workspace, 1, "alice", "bob", "sam")
    assert again.rejected and not again.reviewer  # sam is no reviewer
    assert workspace.undo()
    assert adjudication.comparison(workspace, 1, "alice", "bob", "rita").rejected == set()


def test_a_decision_by_someone_who_is_not_a_reviewer_is_refused(workspace: Workspace) -> None:
    seen = adjudication.comparison(workspace, 1, "alice", "bob", "alice")
    assert not seen.reviewer
    items = compare_layers(seen.layer("alice"), seen.layer("bob"))
    outcome = workspace.run(AcceptSpan(1, items[0], "a", "alice"))
    assert outcome is Outcome.REFUSED
    assert workspace.refusal is not None and "gold" in workspace.refusal
    assert not workspace.history.can_undo and not workspace.kept


def test_accept_agreed_is_one_step_of_the_history(workspace: Workspace, project: Path) -> None:
    published: list[Changed] = []
    workspace.changes.subscribe(published.append)
    done = adjudication.accept_agreed(workspace, 1, "alice", "bob", "rita")
    assert done.outcome is Outcome.SAVED
    assert (done.result.agreed, done.result.added, done.open_items) == (2, 2, 1)
    assert gold_on_disk(project) == [(*word("Alice"), "Person"), (*word("Paris"), "Location")]
    assert len(published) == 1
    again = adjudication.accept_agreed(workspace, 1, "alice", "bob", "rita")
    assert (again.result.added, again.result.already_there) == (0, 2)
    assert len(published) == 1  # nothing to add: nothing run, nothing published
    assert workspace.undo()
    assert gold_on_disk(project) == []


def test_accept_agreed_refusals(workspace: Workspace, project: Path) -> None:
    with pytest.raises(PermissionDenied, match="alice may not change the gold layer"):
        adjudication.accept_agreed(workspace, 1, "alice", "bob", "alice")
    with pytest.raises(NotFound, match="no document with id 9"):
        adjudication.accept_agreed(workspace, 9, "alice", "bob", "rita")
    with pytest.raises(NotFound, match="zed"):
        adjudication.accept_agreed(workspace, 1, "alice", "zed", "rita")
    assert gold_on_disk(project) == [] and not workspace.history.can_undo


def test_assignments(project: Path) -> None:
    workspace = Workspace.open(project)
    try:
        done = review.assign_round_robin(workspace, ["alice", "bob"], 1)
        assert done.new == {"alice": [1], "bob": [2]} and done.added == 2
        assert done.assignments == {1: ["alice"], 2: ["bob"]}
        by_hand = review.assign_documents(workspace, [1, 2], "bob")
        assert by_hand.new == {"bob": [1]}  # document 2 was bob's already
        assert by_hand.assignments == {1: ["alice", "bob"], 2: ["bob"]}
        with pytest.raises(NotFound):
            review.assign_documents(workspace, [7], "bob")
        with pytest.raises(review.ReviewProblem):
            review.assign_round_robin(workspace, ["alice"], 2)
        assert workspace.project is not None
        assert review.project_people(workspace.project) == ["alice", "bob", "rita"]
        assert review.unknown_people(workspace.project, ["alice", "rita"]) is None
        problem = review.unknown_people(workspace.project, ["mallory"])
        assert problem is not None and "'mallory' is not one of the project's" in problem
    finally:
        workspace.close()
