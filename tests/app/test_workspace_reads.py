"""What a window reads through its workspace, without Qt: the edit store it
opens with, the documents (assignments first), a document's content with the
versions edits are made on, the names of the layers and where the database is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.workspace import Outcome, Workspace
from annotator.core import commands
from annotator.io.importer import import_paths
from annotator.io.project import load_project
from annotator.store import repository, review
from annotator.store.assist import AssistEditStore
from annotator.store.edits import DatabaseEditStore
from annotator.store.review import ReviewEditStore

TEXTS = {
    "a.txt": "Blinken met officials in Astana on Tuesday.\n",
    "b.txt": "Uzbekistan hosted talks in Tashkent.\n",
    "c.txt": "A third article.\n",
}


@pytest.fixture
def project(project_dir: Path, tmp_path: Path) -> Path:
    paths = []
    for name, text in TEXTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    db = load_project(project_dir).open_database()
    try:
        assert len(import_paths(db, paths).added) == 3
    finally:
        db.close()
    return project_dir


@pytest.fixture
def workspace(project: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project)
    yield ws
    ws.close()


@pytest.mark.parametrize(
    ("kind", "store_type"),
    [("edits", DatabaseEditStore), ("assist", AssistEditStore), ("review", ReviewEditStore)],
)
def test_open_with_the_store_a_window_needs(project: Path, kind: str, store_type: type) -> None:
    ws = Workspace.open(project, kind=kind)  # type: ignore[arg-type]
    try:
        assert type(ws.store) is store_type and ws.db is not None
        assert ws.store.db is ws.db  # type: ignore[attr-defined]
    finally:
        ws.close()


def test_the_assist_store_runs_the_suggestions_commands(project: Path) -> None:
    from annotator.core.assist_commands import RejectSuggestions

    plain = Workspace.open(project)
    try:
        doc = plain.documents_for("alice").documents[0].id
        assert plain.run(RejectSuggestions(doc, "alice", [("Person", 0, 7)])) is Outcome.REFUSED
    finally:
        plain.close()
    ws = Workspace.open(project, kind="assist")
    try:
        assert ws.run(RejectSuggestions(doc, "alice", [("Person", 0, 7)])) is Outcome.SAVED
    finally:
        ws.close()


def test_my_assignments_come_first(workspace: Workspace) -> None:
    assert workspace.db is not None
    ids = [d.id for d in workspace.documents_for("alice").documents]
    assert len(ids) == 3 and ids == sorted(ids)
    with workspace.db.session() as s:
        review.assign(s, [ids[2]], "alice")
    listed = workspace.documents_for("alice")
    assert [d.id for d in listed.documents] == [ids[2], ids[0], ids[1]]
    assert listed.assigned == [ids[2]]
    assert workspace.documents_for("bob").assigned == []
    assert [d.id for d in workspace.documents_for("bob").documents] == ids


def test_a_document_is_read_with_the_layers_asked_for(workspace: Workspace) -> None:
    doc = workspace.documents_for("alice").documents[0].id
    text = TEXTS["a.txt"]
    for who, word in (("alice", "Blinken"), ("bob", "Astana")):
        start = text.index(word)
        span = commands.AddSpan(doc, who, "Person", start, start + len(word), editor=who)
        assert workspace.run(span) is Outcome.SAVED
    mine = workspace.read_document(doc, {"alice"})
    assert mine.document_id == doc and mine.text == text
    assert [(s.annotator, s.text) for s in mine.spans] == [("alice", "Blinken")]
    everyone = workspace.read_document(doc)
    assert sorted(s.text for s in everyone.spans) == ["Astana", "Blinken"]
    assert workspace.annotator_names() == ["alice", "bob"]


def test_reading_a_document_gives_the_versions_edits_are_made_on(
    workspace: Workspace, project: Path
) -> None:
    doc = workspace.documents_for("alice").documents[0].id
    other_db = load_project(project).open_database()  # a second program
    try:
        with other_db.session() as s:
            theirs = repository.add_span(s, doc, "alice", "Person", 0, 7)
        with other_db.session() as s:
            repository.update_span(s, theirs.id, "alice", label="Organization")
    finally:
        other_db.close()
    [span] = workspace.read_document(doc).spans
    assert span.label == "Organization"
    # The version read is the one the store checks: the relabel is not stale.
    assert workspace.run(commands.Relabel(span, "alice", "Location")) is Outcome.SAVED


def test_where_the_database_is(workspace: Workspace, project: Path) -> None:
    assert workspace.db is not None
    location = workspace.database_location()
    if workspace.db.dialect == "sqlite":
        assert Path(location).parent == project.resolve()
    else:
        from sqlalchemy.engine import make_url

        password = make_url(workspace.db.url).password
        assert location.startswith("postgresql")
        assert not password or str(password) not in location
    assert workspace.backup_problem is None
    assert Workspace(None).database_location() == "no project open"


def test_reads_need_an_open_project() -> None:
    empty = Workspace(None)
    for read in (
        lambda: empty.documents_for("alice"),
        empty.annotator_names,
        lambda: empty.read_document(1),
    ):
        with pytest.raises(ValueError, match="no project is open"):
            read()


def test_a_first_screens_read_gives_the_versions_edits_are_made_on(
    workspace: Workspace, project: Path
) -> None:
    """The window edits the spans of a first screen's read until the full
    read follows: their versions are the ones the store checks."""
    doc = workspace.documents_for("alice").documents[0].id
    other_db = load_project(project).open_database()  # a second program
    try:
        with other_db.session() as s:
            first = repository.add_span(s, doc, "alice", "Person", 0, 7)
            later = repository.add_span(s, doc, "alice", "Location", 24, 30)
    finally:
        other_db.close()
    start = workspace.read_document_start(doc, {"alice"}, lambda text: 10)
    assert not start.complete and [s.id for s in start.spans] == [first.id]
    assert later.start >= 10
    other_db = load_project(project).open_database()
    try:
        with other_db.session() as s:
            repository.update_span(s, first.id, "alice", label="Organization")
    finally:
        other_db.close()
    [seen] = start.spans
    assert workspace.run(commands.DeleteSpan(seen, "alice")) is Outcome.REFUSED  # stale
    whole = workspace.read_document_start(doc, {"alice"}, len)
    assert whole.complete and [s.label for s in whole.spans] == ["Organization", "Location"]
