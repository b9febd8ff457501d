"""Assisted annotation through the application package, without Qt, on SQLite
and PostgreSQL: accepting and rejecting suggestions and annotating all matches
are edits of the workspace (its one history: undo, redo; published once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app import assist
from annotator.app.assist import Assistant, compute_in_worker, open_assist_workspace
from annotator.app.workspace import Changed, Operation, Outcome, Workspace
from annotator.core.errors import PermissionDenied
from annotator.core.find import FindOptions
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository

TEXT = "“We will stay in Central Asia for a long time,” Blinken said in Astana.\n"
OTHER = "Officials in Astana met Blinken.\n"


@pytest.fixture
def project(project_dir: Path) -> Path:
    db = load_project(project_dir).open_database()
    try:
        with db.session() as session:
            repository.insert_documents(
                session, [DocumentDraft(TEXT, title="Visit"), DocumentDraft(OTHER, title="Met")]
            )
    finally:
        db.close()
    return project_dir


@pytest.fixture
def workspace(project: Path) -> Iterator[Workspace]:
    ws = open_assist_workspace(project)
    yield ws
    ws.close()


@pytest.fixture
def published(workspace: Workspace) -> list[Changed]:
    events: list[Changed] = []
    workspace.changes.subscribe(events.append)
    return events


def stored(project: Path, annotator: str = "alice") -> list[tuple[str, str]]:
    """The annotator's spans, read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            spans = [s for doc in (1, 2) for s in repository.list_spans(session, doc, [annotator])]
    finally:
        db.close()
    return sorted((s.label, s.text) for s in spans)


def test_accepting_a_suggestion_is_a_step_of_the_workspace_history(
    workspace: Workspace, project: Path, published: list[Changed]
) -> None:
    assistant = Assistant(workspace, "alice")
    assert assistant.store is workspace.store and assistant.has_sources
    [quote] = assistant.suggestions(1)
    assert (quote.label, quote.text) == ("Quote", "We will stay in Central Asia for a long time")
    assert quote.speaker is not None and quote.speaker.text == "Blinken"

    assert assistant.accept(1, [quote]) is Outcome.SAVED
    # The quote, its speaker as a span, and the link between them.
    assert stored(project) == [("Person", "Blinken"), ("Quote", quote.text)]
    assert workspace.history.can_undo and assistant.suggestions(1) == []

    assert workspace.undo()
    assert stored(project) == []
    assert assistant.suggestions(1) == [quote]  # back once the span is gone
    assert workspace.redo()
    assert stored(project) == [("Person", "Blinken"), ("Quote", quote.text)]
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]
    assert len(published[0].changes.added_spans) == 2
    assert len(published[0].changes.added_relations) == 1


def test_a_rejected_suggestion_stays_away_until_undone(workspace: Workspace) -> None:
    assistant = Assistant(workspace, "alice")
    [quote] = assistant.suggestions(1)
    assert assistant.reject(1, [quote]) is Outcome.SAVED
    assert assistant.suggestions(1) == []
    assert Assistant(workspace, "bob").suggestions(1) == [quote]  # alice's rejection only
    assert workspace.undo()
    assert assistant.suggestions(1) == [quote]


def test_annotate_all_matches_is_one_step(workspace: Workspace, project: Path) -> None:
    assistant = Assistant(workspace, "alice")
    plan = assistant.plan_annotate_all("Astana", "Location", FindOptions(whole_word=True))
    assert plan.count == 2 and {m[0] for m in plan.matches} == {1, 2}
    assert assistant.annotate_all(plan) is Outcome.SAVED
    assert stored(project) == [("Location", "Astana")] * 2
    assert workspace.history.undo_text == "Annotate 2 matches “Astana” as Location"
    again = assistant.plan_annotate_all("Astana", "Location", FindOptions(whole_word=True))
    assert (again.count, again.skipped) == (0, 2)  # the layer has them now
    only_here = assistant.plan_annotate_all("Blinken", "Person", document_id=2)
    assert [m[0] for m in only_here.matches] == [2]
    assert workspace.undo()
    assert stored(project) == []


def test_accept_everywhere_reports_what_it_stored(workspace: Workspace, project: Path) -> None:
    assistant = Assistant(workspace, "ana")
    assistant.check_can_accept()  # ana's own layer: allowed
    found = assistant.suggest_documents([1, 2])
    assert [doc for doc, _ in found] == [1, 2]
    done = assistant.accept_everywhere(found)
    assert (done.documents, done.spans, done.relations) == (1, 2, 1)
    assert done.refused == [] and done.kept is None
    assert stored(project, "ana") == [
        ("Person", "Blinken"),
        ("Quote", "We will stay in Central Asia for a long time"),
    ]
    with pytest.raises(PermissionDenied, match="not an analyst's name"):
        Assistant(workspace, GOLD_ANNOTATOR).check_can_accept()


def test_a_refused_document_is_reported_and_the_rest_go_on(workspace: Workspace) -> None:
    gold = Assistant(workspace, GOLD_ANNOTATOR)
    [quote] = Assistant(workspace, "alice").suggestions(1)
    done = gold.accept_everywhere([(1, [quote]), (2, [])])
    assert done.documents == 0 and done.spans == 0
    [(document, why)] = done.refused
    assert document == 1 and "refused, not saved" in why
    assert not workspace.history.can_undo


def test_the_worker_computes_what_the_assistant_suggests(
    workspace: Workspace, project: Path
) -> None:
    expected = Assistant(workspace, "alice").suggestions(1)
    try:
        assert compute_in_worker(str(project), "alice", 1) == expected
    finally:  # it keeps its database open for the next document: close it here
        while assist._worker_assistants:
            assist._worker_assistants.popitem()[1].workspace.close()
