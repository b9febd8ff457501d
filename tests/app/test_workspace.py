"""The workspace, driven without Qt, on SQLite and PostgreSQL: an edit, its
undo and redo, an edit refused for good, an edit the database cannot take now
(kept, retried, saved once), and each saved operation published exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.history import CommandHistory
from annotator.app.workspace import Changed, Operation, Outcome, Workspace
from annotator.core import commands
from annotator.core.model import SpanData
from annotator.io.importer import import_paths
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.db import Database
from annotator.store.edits import DatabaseEditStore
from tests.conftest import Disk

NEWS = "Blinken met officials in Astana on Tuesday.\n"


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    return Disk(monkeypatch)


@pytest.fixture
def project(project_dir: Path, tmp_path: Path) -> Path:
    article = tmp_path / "news.txt"
    article.write_text(NEWS, encoding="utf-8")
    db = load_project(project_dir).open_database()
    try:
        assert len(import_paths(db, [article]).added) == 1
    finally:
        db.close()
    return project_dir


@pytest.fixture
def workspace(project: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project)
    yield ws
    ws.close()


@pytest.fixture
def published(workspace: Workspace) -> list[Changed]:
    events: list[Changed] = []
    workspace.changes.subscribe(events.append)
    return events


def document_id(ws: Workspace) -> int:
    assert ws.db is not None
    with ws.db.reader() as s:
        [doc] = repository.list_documents(s)
    return doc.id


def stored(project: Path) -> list[tuple[str, str]]:
    """What is on disk, read through a connection of its own."""
    db = load_project(project).open_database()
    try:
        with db.reader() as s:
            docs = repository.list_documents(s)
            spans = [sp for d in docs for sp in repository.list_spans(s, d.id)]
    finally:
        db.close()
    return sorted((sp.label, sp.text) for sp in spans)


def add(ws: Workspace, label: str, word: str) -> commands.AddSpan:
    start = NEWS.index(word)
    return commands.AddSpan(document_id(ws), "alice", label, start, start + len(word))


def test_add_undo_redo(workspace: Workspace, project: Path, published: list[Changed]) -> None:
    command = add(workspace, "Person", "Blinken")
    doc = document_id(workspace)
    assert workspace.run(command) is Outcome.SAVED
    assert stored(project) == [("Person", "Blinken")]
    assert workspace.history.can_undo and workspace.history.undo_text == "Add Person"
    assert [(e.operation, e.document_ids) for e in published] == [(Operation.DO, {doc})]

    assert workspace.undo()
    assert stored(project) == []
    assert workspace.history.can_redo and not workspace.history.can_undo
    assert workspace.history.redo_text == "Add Person"

    assert workspace.redo()
    assert stored(project) == [("Person", "Blinken")]
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]
    assert all(e.document_ids == {doc} and e.text == "Add Person" for e in published)
    redone = published[-1].changes.added_spans
    assert list(redone) == [command.span_id]  # the same span, under the same id


def test_a_stale_edit_is_refused_not_recorded_not_kept(
    workspace: Workspace, project: Path, published: list[Changed]
) -> None:
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.SAVED
    [(event)] = published
    [span] = event.changes.added_spans.values()
    # Alice relabels the span in a second window (a connection of its own).
    other_db = load_project(project).open_database()
    try:
        other = DatabaseEditStore(other_db)
        other.saw([span])
        commands.Relabel(span, "alice", "Organization").do(other)  # a second window
    finally:
        other_db.close()
    stale = commands.Relabel(span, "alice", "Location")
    assert workspace.run(stale) is Outcome.REFUSED
    assert workspace.refusal is not None and "refused" in workspace.refusal
    assert "changed by someone else" in workspace.refusal
    assert workspace.history.index == 1 and workspace.history.undo_text == "Add Person"
    assert workspace.kept == []
    assert stored(project) == [("Organization", "Blinken")]
    assert len(published) == 1  # nothing published for the refused edit


def test_an_edit_the_database_cannot_take_now_is_kept_and_saved_once(
    workspace: Workspace, project: Path, published: list[Changed], disk: Disk
) -> None:
    queue_events: list[int] = []
    workspace.kept_changed.subscribe(lambda queue: queue_events.append(len(queue.pending)))
    disk.full = True
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.KEPT
    disk.full = False  # a later edit queues behind it, even though it could be saved
    assert workspace.run(add(workspace, "Location", "Astana")) is Outcome.KEPT
    assert workspace.refusal is None
    assert [c.text for c in workspace.kept] == ["Add Person", "Add Location"]
    assert workspace.kept_reason == "the disk is full"
    assert stored(project) == [] and not workspace.history.can_undo and published == []

    disk.full = True
    assert not workspace.retry()  # still full: nothing saved, nothing dropped
    assert len(workspace.kept) == 2 and stored(project) == [] and published == []

    disk.full = False
    assert workspace.retry()
    assert workspace.kept == [] and workspace.kept_reason == ""
    assert stored(project) == [("Location", "Astana"), ("Person", "Blinken")]
    assert [(e.operation, e.text) for e in published] == [
        (Operation.RETRY, "Add Person"),
        (Operation.RETRY, "Add Location"),
    ]
    assert workspace.history.index == 2 and workspace.history.undo_text == "Add Location"
    assert queue_events[:2] == [1, 2] and queue_events[-1] == 0

    assert workspace.retry()  # nothing left: nothing saved twice
    assert stored(project) == [("Location", "Astana"), ("Person", "Blinken")]
    assert len(published) == 2


def test_discarded_edits_are_not_saved(
    workspace: Workspace, project: Path, published: list[Changed], disk: Disk
) -> None:
    disk.full = True
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.KEPT
    assert [c.text for c in workspace.discard()] == ["Add Person"]
    disk.full = False
    assert workspace.retry()
    assert stored(project) == [] and published == []
    assert workspace.run(add(workspace, "Location", "Astana")) is Outcome.SAVED
    assert stored(project) == [("Location", "Astana")]


def test_a_failed_undo_stays_in_the_history(
    workspace: Workspace, project: Path, published: list[Changed], disk: Disk
) -> None:
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.SAVED
    disk.full = True
    assert not workspace.undo()
    assert workspace.failure is not None and "Undo Add Person failed" in workspace.failure
    assert workspace.history.index == 1 and stored(project) == [("Person", "Blinken")]
    disk.full = False
    assert workspace.undo() and workspace.failure is None
    assert stored(project) == []
    disk.full = True
    assert not workspace.redo()
    assert workspace.history.index == 0 and workspace.history.can_redo
    disk.full = False
    assert workspace.redo() and stored(project) == [("Person", "Blinken")]
    assert [e.operation for e in published] == [Operation.DO, Operation.UNDO, Operation.REDO]


class MemoryCommand(commands.Command):
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.text = log, name

    def do(self, store: commands.EditStore) -> commands.Changes:
        self.log.append(f"do {self.text}")
        return commands.Changes()

    def undo(self, store: commands.EditStore) -> commands.Changes:
        self.log.append(f"undo {self.text}")
        return commands.Changes()


def test_history_drops_the_redo_steps_and_tracks_the_clean_state() -> None:
    history = CommandHistory()
    store: commands.EditStore = None  # type: ignore[assignment]  # the commands ignore it
    log: list[str] = []
    notified: list[int] = []
    history.subscribe(lambda: notified.append(history.index))
    history.run(MemoryCommand(log, "a"), store)
    history.set_clean()
    history.run(MemoryCommand(log, "b"), store)
    assert not history.is_clean and history.clean_index == 1
    history.undo(store)
    assert history.is_clean and history.redo_text == "b"
    history.undo(store)
    history.run(MemoryCommand(log, "c"), store)  # "a" and "b" can no longer be redone
    assert not history.can_redo and history.commands[0].text == "c"
    assert history.clean_index is None and not history.is_clean
    assert log == ["do a", "do b", "undo b", "undo a", "do c"]
    assert notified == [1, 1, 2, 1, 0, 1]
    with pytest.raises(IndexError):
        history.redo(store)


def test_no_qt_is_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys, annotator.app.workspace, annotator.app.history;"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spans_match_their_text(workspace: Workspace, project: Path) -> None:
    workspace.run(add(workspace, "Person", "Blinken"))
    assert workspace.db is not None
    with workspace.db.reader() as s:
        spans: list[SpanData] = repository.list_spans(s, document_id(workspace))
    assert all(NEWS[sp.start : sp.end] == sp.text for sp in spans)


def test_a_kept_edit_refused_on_retry_is_dropped_and_the_next_saved(
    workspace: Workspace, project: Path, published: list[Changed], disk: Disk
) -> None:
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.SAVED
    [span] = published[0].changes.added_spans.values()
    refusals: list[str] = []
    workspace.refused.subscribe(refusals.append)
    disk.full = True
    assert workspace.run(commands.Relabel(span, "alice", "Location")) is Outcome.KEPT
    assert workspace.run(add(workspace, "Location", "Astana")) is Outcome.KEPT
    disk.full = False
    other_db = load_project(project).open_database()  # meanwhile, in a second window
    try:
        other = DatabaseEditStore(other_db)
        other.saw([span])
        commands.Relabel(span, "alice", "Organization").do(other)
    finally:
        other_db.close()
    assert workspace.retry() and workspace.kept == []
    assert len(refusals) == 1 and "changed by someone else" in refusals[0]
    assert stored(project) == [("Location", "Astana"), ("Organization", "Blinken")]
    assert [(e.operation, e.text) for e in published] == [
        (Operation.DO, "Add Person"),
        (Operation.RETRY, "Add Location"),
    ]
    assert workspace.history.undo_text == "Add Location" and workspace.history.index == 2


def test_a_failing_subscriber_never_saves_a_kept_edit_twice(
    workspace: Workspace, project: Path, disk: Disk
) -> None:
    disk.full = True
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.KEPT
    disk.full = False

    def broken(event: Changed) -> None:
        raise RuntimeError("the view fell over")

    workspace.changes.subscribe(broken)
    with pytest.raises(RuntimeError):
        workspace.retry()
    assert workspace.kept == [] and workspace.retry()
    assert stored(project) == [("Person", "Blinken")] and workspace.history.index == 1


def test_open_makes_the_store_it_is_given_and_close_closes_the_database(
    project: Path,
) -> None:
    from annotator.store.assist import AssistEditStore

    ws = Workspace.open(project, store_factory=AssistEditStore)
    db = ws.db
    assert isinstance(ws.store, AssistEditStore) and db is not None and ws.store.db is db
    assert ws.project is not None and ws.project.directory == project.resolve()
    assert ws.run(add(ws, "Person", "Blinken")) is Outcome.SAVED
    closed: list[Database] = []
    real_close = db.close
    db.close = lambda: (closed.append(db), real_close())[-1]  # type: ignore[method-assign]
    ws.close()
    assert closed == [db]
    assert ws.project is None and ws.db is None and ws.store is None
    assert ws.history.index == 0  # its edits cannot be undone on a closed database
    assert ws.run(commands.AddSpan(1, "alice", "Person", 0, 7)) is Outcome.REFUSED
    assert ws.refusal == "no project is open"
    ws.close()  # a second close does nothing
    assert closed == [db]
    assert stored(project) == [("Person", "Blinken")]


def test_open_uses_a_database_edit_store_by_default(workspace: Workspace) -> None:
    assert type(workspace.store) is DatabaseEditStore


def test_saw_gives_the_store_the_versions_edits_are_made_on(
    workspace: Workspace, project: Path, published: list[Changed]
) -> None:
    """The live feed's spans: once the workspace saw another window's edit, an
    edit made on it is saved, not refused as stale."""
    assert workspace.run(add(workspace, "Person", "Blinken")) is Outcome.SAVED
    [span] = published[0].changes.added_spans.values()
    other_db = load_project(project).open_database()
    try:
        other = DatabaseEditStore(other_db)
        other.saw([span])
        changed = commands.Relabel(span, "alice", "Organization").do(other)
    finally:
        other_db.close()
    [newer] = changed.updated_spans.values()
    assert newer.version != span.version
    workspace.saw([newer])
    assert isinstance(workspace.store, DatabaseEditStore)
    assert workspace.store.seen_versions[span.id] == newer.version
    assert workspace.run(commands.Relabel(newer, "alice", "Location")) is Outcome.SAVED
    assert stored(project) == [("Location", "Blinken")]


def test_saw_without_a_project_does_nothing() -> None:
    Workspace(None).saw([])


def test_a_project_that_cannot_be_read_or_a_database_that_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.app.workspace import DatabaseNotOpened
    from annotator.io.errors import ProjectProblem
    from annotator.io.project import Project, create_project

    with pytest.raises(ProjectProblem) as missing:
        Workspace.open(tmp_path / "nowhere")
    assert not isinstance(missing.value, DatabaseNotOpened)
    create_project(tmp_path / "p")

    def refuse(self: Project, **_: object) -> Database:
        raise ProjectProblem(self.directory / "annotations.db", "the file is damaged")

    monkeypatch.setattr(Project, "open_database", refuse)
    with pytest.raises(DatabaseNotOpened) as damaged:
        Workspace.open(tmp_path / "p")
    assert damaged.value.project.directory == (tmp_path / "p").resolve()
    assert str(damaged.value).endswith("the file is damaged")
