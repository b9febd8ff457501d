"""Entities and document labels through a workspace (annotator/app/entities.py),
without Qt, on SQLite and PostgreSQL: a mention linked to a new entity and one
in another article to the same entity, in one history with undo and redo; an
entity described with a version check; document labels read per layer; and
others' changes to both arriving through the live feed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.entities import document_labels, entity_mentions, entity_rows
from annotator.app.live import LiveFeed
from annotator.app.workspace import Outcome, Workspace
from annotator.core import commands
from annotator.core.model import SpanData
from annotator.io.importer import import_paths
from annotator.io.project import load_project

FIRST = "Antony Blinken met officials in Astana.\n"
SECOND = "Blinken left for Tashkent.\n"


@pytest.fixture
def project(project_dir: Path, tmp_path: Path) -> Path:
    paths = []
    for name, text in (("first.txt", FIRST), ("second.txt", SECOND)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    db = load_project(project_dir).open_database()
    try:
        assert len(import_paths(db, paths).added) == 2
    finally:
        db.close()
    return project_dir


@pytest.fixture
def workspace(project: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project)
    yield ws
    ws.close()


def documents(ws: Workspace) -> dict[str, int]:
    first, second = sorted(d.id for d in ws.documents_for("ana").documents)
    return {"first": first, "second": second}


def titles(ws: Workspace) -> dict[int, str]:
    return {d.id: d.title for d in ws.documents_for("ana").documents}


def person(ws: Workspace, document_id: int, text: str, word: str) -> SpanData:
    start = text.index(word)
    command = commands.AddSpan(document_id, "ana", "Person", start, start + len(word))
    assert ws.run(command) is Outcome.SAVED
    assert command.span_id is not None
    return span_of(ws, document_id, command.span_id)


def span_of(ws: Workspace, document_id: int, span_id: int) -> SpanData:
    return next(s for s in ws.read_document(document_id).spans if s.id == span_id)


def test_two_articles_mention_one_entity_and_undo_takes_each_link_back(
    workspace: Workspace,
) -> None:
    ids = documents(workspace)
    first = person(workspace, ids["first"], FIRST, "Antony Blinken")
    second = person(workspace, ids["second"], SECOND, "Blinken")

    create = commands.LinkNewEntity(first, "ana", "Antony Blinken", "Person")
    assert workspace.run(create) is Outcome.SAVED
    assert create.entity is not None
    entity_id = create.entity.id
    assert span_of(workspace, ids["first"], first.id).entity_id == entity_id
    link = commands.SetEntity(span_of(workspace, ids["second"], second.id), "ana", entity_id)
    assert workspace.run(link) is Outcome.SAVED

    [row] = entity_rows(workspace)
    assert (row.entity.name, row.entity.label, row.mentions, row.documents) == (
        "Antony Blinken",
        "Person",
        2,
        2,
    )
    mentions = entity_mentions(workspace, entity_id)
    title = titles(workspace)
    assert [(m.document_title, m.text, m.annotator, m.span_id) for m in mentions] == [
        (title[ids["first"]], "Antony Blinken", "ana", first.id),
        (title[ids["second"]], "Blinken", "ana", second.id),
    ]
    assert title[ids["first"]] != title[ids["second"]]

    assert workspace.undo()
    assert span_of(workspace, ids["second"], second.id).entity_id is None
    assert workspace.undo()  # the creation and its link: one step
    assert span_of(workspace, ids["first"], first.id).entity_id is None
    assert entity_rows(workspace) == []
    assert workspace.redo()  # the entity again, under its id
    assert [r.entity.id for r in entity_rows(workspace)] == [entity_id]
    assert span_of(workspace, ids["first"], first.id).entity_id == entity_id


def test_undoing_a_creation_someone_linked_meanwhile_is_refused(
    workspace: Workspace, project: Path
) -> None:
    ids = documents(workspace)
    first = person(workspace, ids["first"], FIRST, "Antony Blinken")
    create = commands.LinkNewEntity(first, "ana", "Antony Blinken", "Person")
    assert workspace.run(create) is Outcome.SAVED
    assert create.entity is not None
    other = Workspace.open(project)
    try:
        start = SECOND.index("Blinken")
        added = commands.AddSpan(ids["second"], "bob", "Person", start, start + 7)
        assert other.run(added) is Outcome.SAVED
        assert added.span_id is not None
        bobs = span_of(other, ids["second"], added.span_id)
        assert other.run(commands.SetEntity(bobs, "bob", create.entity.id)) is Outcome.SAVED
    finally:
        other.close()
    assert not workspace.undo()
    assert workspace.failure is not None and "1 mention" in workspace.failure
    [row] = entity_rows(workspace)
    assert row.mentions == 2  # ana's link stayed too: the undo was one transaction


def test_an_entity_is_described_undone_and_a_stale_edit_refused(
    workspace: Workspace, project: Path
) -> None:
    ids = documents(workspace)
    first = person(workspace, ids["first"], FIRST, "Antony Blinken")
    create = commands.LinkNewEntity(first, "ana", "Antony Blinken", "Person")
    assert workspace.run(create) is Outcome.SAVED
    assert create.entity is not None
    describe = commands.UpdateEntity(
        create.entity, "ana", external_id="Q4498", aliases=["Blinken", "the Secretary"]
    )
    assert workspace.run(describe) is Outcome.SAVED
    [row] = entity_rows(workspace)
    assert (row.entity.external_id, row.entity.aliases) == ("Q4498", ("Blinken", "the Secretary"))
    assert workspace.undo()
    [row] = entity_rows(workspace)
    assert (row.entity.external_id, row.entity.aliases) == ("", ())
    assert workspace.redo()
    [row] = entity_rows(workspace)
    assert row.entity.external_id == "Q4498"

    # Two edits in a row, then both undone: each undo is checked against the
    # version the one after it left, not refused as someone else's change.
    [row] = entity_rows(workspace)
    rename = commands.UpdateEntity(row.entity, "ana", name="Tony Blinken")
    assert workspace.run(rename) is Outcome.SAVED
    [row] = entity_rows(workspace)
    realias = commands.UpdateEntity(row.entity, "ana", aliases=["Tony"])
    assert workspace.run(realias) is Outcome.SAVED
    assert workspace.undo() and workspace.undo()
    [row] = entity_rows(workspace)
    assert (row.entity.name, row.entity.aliases) == ("Antony Blinken", ("Blinken", "the Secretary"))

    # A colleague renames it meanwhile: an edit from the read before is refused.
    colleague = Workspace.open(project)
    try:
        [theirs] = entity_rows(colleague)
        rename = commands.UpdateEntity(theirs.entity, "bob", name="A. Blinken")
        assert colleague.run(rename) is Outcome.SAVED
    finally:
        colleague.close()
    stale = commands.UpdateEntity(row.entity, "ana", name="Tony Blinken")  # the read before
    assert workspace.run(stale) is Outcome.REFUSED
    assert workspace.refusal is not None and "changed by someone else" in workspace.refusal
    assert entity_rows(workspace)[0].entity.name == "A. Blinken"


def test_document_labels_are_read_per_layer(workspace: Workspace) -> None:
    doc = documents(workspace)["first"]
    assert workspace.run(commands.SetDocumentLabel(doc, "ana", "topic", "politics")) is (
        Outcome.SAVED
    )
    assert workspace.run(commands.SetDocumentLabel(doc, "bob", "topic", "economy")) is (
        Outcome.SAVED
    )
    assert document_labels(workspace, doc, "ana") == {"topic": "politics"}
    assert document_labels(workspace, doc, "bob") == {"topic": "economy"}
    assert document_labels(workspace, doc, "cy") == {}
    assert workspace.undo()
    assert document_labels(workspace, doc, "bob") == {}


def test_others_entity_and_document_label_changes_arrive_live(
    workspace: Workspace, project: Path
) -> None:
    ids = documents(workspace)
    feed = LiveFeed(workspace, "ana")
    other = Workspace.open(project)
    try:
        start = SECOND.index("Blinken")
        added = commands.AddSpan(ids["second"], "bob", "Person", start, start + 7)
        assert other.run(added) is Outcome.SAVED
        assert added.span_id is not None
        bobs = span_of(other, ids["second"], added.span_id)
        create = commands.LinkNewEntity(bobs, "bob", "Blinken", "Person")
        assert other.run(create) is Outcome.SAVED
        label = commands.SetDocumentLabel(ids["second"], "bob", "tags", ["travel", "asia"])
        assert other.run(label) is Outcome.SAVED
    finally:
        other.close()
    edits = feed.poll()
    assert edits is not None and edits.editors == {"bob"}
    assert create.entity is not None
    assert edits.changes.entities == {create.entity.id: create.entity}
    assert edits.changes.document_labels == {(ids["second"], "bob", "tags"): ["travel", "asia"]}
    assert edits.changes.document_ids == {ids["second"]}
    linked = edits.changes.added_spans[added.span_id]
    assert linked.entity_id == create.entity.id


def test_a_span_named_as_an_entity_is_suggested_and_the_link_accepted(
    project: Path,
) -> None:
    from annotator.app.assist import Assistant, open_assist_workspace

    workspace = open_assist_workspace(project)
    try:
        ids = documents(workspace)
        first = person(workspace, ids["first"], FIRST, "Antony Blinken")
        create = commands.LinkNewEntity(first, "ana", "Antony Blinken", "Person")
        assert workspace.run(create) is Outcome.SAVED and create.entity is not None
        aliased = commands.UpdateEntity(create.entity, "ana", aliases=["Blinken"])
        assert workspace.run(aliased) is Outcome.SAVED
        second = person(workspace, ids["second"], SECOND, "Blinken")
        assistant = Assistant(workspace, "ana")
        [link] = [s for s in assistant.suggestions(ids["second"]) if s.link is not None]
        assert (link.link.span_id, link.link.entity_id) == (second.id, create.entity.id)  # type: ignore[union-attr]
        assert assistant.accept(ids["second"], [link]) is Outcome.SAVED
        assert span_of(workspace, ids["second"], second.id).entity_id == create.entity.id
        assert not [s for s in assistant.suggestions(ids["second"]) if s.link is not None]
        assert workspace.undo()
        assert span_of(workspace, ids["second"], second.id).entity_id is None
        assert assistant.reject(ids["second"], [link]) is Outcome.SAVED
        assert not [s for s in assistant.suggestions(ids["second"]) if s.link is not None]
    finally:
        workspace.close()
