"""The live feed tells of documents added since the last look (a plain import
leaves no change log entry), on SQLite and PostgreSQL, from a second
connection; the analyst's own edits are still not reported (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.app.live import LiveFeed, OthersEdits
from annotator.app.workspace import Workspace
from annotator.core.model import DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository


@pytest.fixture
def workspace(project_dir: Path) -> Iterator[Workspace]:
    ws = Workspace.open(project_dir)
    yield ws
    ws.close()


def import_elsewhere(project_dir: Path, first: int, count: int) -> None:
    """Articles ``first`` to ``first + count - 1`` (each text new: imports skip repeats)."""
    other = load_project(project_dir).open_database()
    try:
        with other.session() as s:
            numbers = range(first, first + count)
            drafts = [DocumentDraft(text=f"Article {n}.", title=f"A{n}") for n in numbers]
            repository.insert_documents(s, drafts)
    finally:
        other.close()


def test_documents_added_elsewhere_are_reported_once(
    workspace: Workspace, project_dir: Path
) -> None:
    import_elsewhere(project_dir, 0, 2)  # before the feed starts: the list reads these
    feed = LiveFeed(workspace, "alice")
    assert feed.poll() == OthersEdits()
    import_elsewhere(project_dir, 2, 3)
    arrived = feed.poll()
    assert arrived is not None and arrived.documents_added == 3 and arrived.news
    assert not arrived.editors  # no one's edits: documents only
    assert feed.poll() == OthersEdits()  # once
    import_elsewhere(project_dir, 5, 1)
    arrived = feed.poll()
    assert arrived is not None and arrived.documents_added == 1
