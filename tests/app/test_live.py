"""The live feed (annotator/app/live.py), driven without Qt on SQLite and
PostgreSQL: an edit another workspace saves reaches this one's feed once, the
analyst's own edits never do, and on a server the notification wakes it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.live import LiveFeed, OthersEdits
from annotator.app.workspace import Outcome, Workspace
from annotator.core import commands
from annotator.io.importer import import_paths
from annotator.io.project import load_project

NEWS = "Blinken met officials in Astana on Tuesday.\n"


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
def alice(project: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project)
    yield ws
    ws.close()


@pytest.fixture
def bob(project: Path) -> Iterator[Workspace]:
    """A colleague's program on the same project: a workspace of its own."""
    ws = Workspace.open(project)
    yield ws
    ws.close()


def add(ws: Workspace, who: str, label: str, word: str) -> commands.AddSpan:
    [doc] = ws.documents_for(who).documents
    start = NEWS.index(word)
    command = commands.AddSpan(doc.id, who, label, start, start + len(word), editor=who)
    assert ws.run(command) is Outcome.SAVED
    return command


def test_anothers_saved_edit_arrives_once(alice: Workspace, bob: Workspace) -> None:
    feed = LiveFeed(alice, "alice")
    assert feed.poll() == OthersEdits()  # nothing yet
    added = add(bob, "bob", "Location", "Astana")
    arrived = feed.poll()
    assert arrived is not None and arrived.editors == {"bob"}
    [span] = arrived.changes.added_spans.values()
    assert (span.id, span.annotator, span.label, span.text) == (
        added.span_id,
        "bob",
        "Location",
        "Astana",
    )
    assert feed.poll() == OthersEdits()  # delivered once


def test_an_undo_arrives_as_a_removal(alice: Workspace, bob: Workspace) -> None:
    feed = LiveFeed(alice, "alice")
    added = add(bob, "bob", "Location", "Astana")
    assert feed.poll() != OthersEdits()
    assert bob.undo()
    arrived = feed.poll()
    assert arrived is not None and arrived.editors == {"bob"}
    assert added.span_id in arrived.changes.removed_spans


def test_ones_own_edits_and_edits_before_the_start_are_not_delivered(
    alice: Workspace, bob: Workspace
) -> None:
    add(bob, "bob", "Person", "Blinken")  # before alice's feed starts
    feed = LiveFeed(alice, "alice")
    add(alice, "alice", "Location", "Astana")
    assert feed.poll() == OthersEdits()


def test_a_feed_needs_an_open_project() -> None:
    with pytest.raises(ValueError, match="no project is open"):
        LiveFeed(Workspace(None), "alice")


def test_only_a_server_notifies(alice: Workspace) -> None:
    feed = LiveFeed(alice, "alice")
    assert alice.db is not None
    assert feed.notifies is (alice.db.dialect == "postgresql")
    if not feed.notifies:
        with pytest.raises(ValueError):
            feed.listen(lambda: None)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_a_server_the_notification_wakes_the_feed(alice: Workspace, bob: Workspace) -> None:
    feed = LiveFeed(alice, "alice")
    woken = threading.Event()
    stop = feed.listen(woken.set)
    try:
        # The listener connects in the background: until it listens, NOTIFYs are lost.
        for word in ("Blinken", "Astana", "Tuesday", "officials"):
            add(bob, "bob", "Location", word)
            if woken.wait(timeout=2):
                break
        assert woken.is_set(), "no notification arrived"
    finally:
        stop()
    arrived = feed.poll()
    assert arrived is not None and arrived.editors == {"bob"}
