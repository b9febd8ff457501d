"""The paged document list (a project larger than SMALL_PROJECT): counts,
filter and status filter from the database, the selection follows the current
document, a status change updates its row (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.app.document_list import DocumentListQuery
from annotator.app.workspace import Outcome, Workspace
from annotator.core import commands
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository, review
from annotator.ui import document_list, open_window
from annotator.ui.document_list import DocumentPanel


@pytest.fixture
def workspace(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.setattr(document_list, "SMALL_PROJECT", 5)
    monkeypatch.setattr(document_list, "PAGE_SIZE", 4)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            titles = [f"Article {n}" for n in range(30)] + ["Uzbekistan talks"]
            drafts = [DocumentDraft(text=f"Text {t}.", title=t) for t in titles]
            ids = repository.insert_documents(s, drafts)
            review.assign(s, [i for i in ids[20:22] if i is not None], "ana")
    finally:
        db.close()
    ws = Workspace.open(project_dir)
    yield ws
    ws.close()


def test_a_large_list_is_paged(qtbot: QtBot, workspace: Workspace) -> None:
    panel = DocumentPanel()
    qtbot.addWidget(panel)
    panel.set_source(DocumentListQuery(workspace, "ana"))
    assert panel.paged and panel.model is not None and panel.paged_view is not None
    assert panel.model.rowCount() == 31
    assert panel.counts.text() == "31 of 31"
    ids = panel.document_ids()
    assert [panel.title(i) for i in ids[:2]] == ["Article 20", "Article 21"]  # assigned first
    assert panel.first_document(None) == ids[0]
    panel.select(ids[10])
    assert panel.paged_view.currentIndex().row() == 10
    panel.filter_edit.setText("UZBEK")
    panel._refilter()  # the pause in typing
    assert panel.counts.text() == "1 of 31"
    assert panel.model.row(0) is not None and panel.model.row(0).title == "Uzbekistan talks"
    assert not panel.paged_view.currentIndex().isValid()  # the current one is filtered out
    panel.filter_edit.setText("")
    panel._refilter()
    assert panel.paged_view.currentIndex().row() == 10
    assert workspace.run(commands.SetStatus(ids[10], "ana", DocStatus.DONE)) is Outcome.SAVED
    panel.set_counts(ids[10], DocStatus.DONE, 0)
    assert panel.status(ids[10]) == DocStatus.DONE
    assert panel.model.data(panel.model.index(10, 1)) == "done"
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("Done"))
    assert panel.counts.text() == "1 of 31"
    assert panel.paged_view.currentIndex().row() == 0
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("All"))
    assert panel.paged_view.currentIndex().row() == 10
    with qtbot.waitSignal(panel.documentActivated) as activated:
        panel.paged_view.setCurrentIndex(panel.model.index(0, 0))
    assert activated.args == [ids[0]]


@pytest.mark.parametrize("paged", [True, False], ids=["paged", "whole"])
def test_next_previous_and_done_and_next_follow_the_filtered_list(
    qtbot: QtBot,
    workspace: Workspace,
    project_dir: Path,
    paged: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not paged:
        monkeypatch.setattr(document_list, "SMALL_PROJECT", 5_000)
    workspace.close()
    window = open_window(project_dir, user="ana")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # its keys reach it
    panel = window.documents
    assert panel.paged is paged
    listed = [panel.title(i) for i in panel.document_ids()]
    assert listed[:3] == ["Article 20", "Article 21", "Article 0"]  # assignments first
    assert window.document_id is not None and panel.title(window.document_id) == "Article 20"

    def press(key: Qt.Key) -> str | None:
        qtbot.keyClick(window.view, key, Qt.KeyboardModifier.ControlModifier)
        assert window.document_id is not None
        return panel.title(window.document_id)

    assert press(Qt.Key.Key_PageDown) == "Article 21"
    assert press(Qt.Key.Key_PageDown) == "Article 0"  # out of the assignments
    assert press(Qt.Key.Key_PageUp) == "Article 21"
    qtbot.keyClicks(panel.filter_edit, "article 1")  # Article 1, 10-19
    qtbot.waitUntil(lambda: panel.model is None or panel.model.needle == "article 1")
    assert press(Qt.Key.Key_PageDown) == "Article 1"  # Article 21 is filtered out
    assert press(Qt.Key.Key_PageDown) == "Article 10"
    assert press(Qt.Key.Key_Return) == "Article 11"  # done, and the next one
    assert panel.status(window.document_id - 1) == DocStatus.DONE
    for _ in range(8):
        press(Qt.Key.Key_PageDown)
    assert panel.title(window.document_id) == "Article 19"
    assert press(Qt.Key.Key_PageDown) == "Article 19"  # the end of the list
    assert press(Qt.Key.Key_Return) == "Article 1"  # round from the top; Article 10 is done
    window.close()


@pytest.mark.parametrize("few", [2, 5_000], ids=["counted", "from-ids"])
def test_a_text_filter_lists_its_matches_in_order(
    qtbot: QtBot, workspace: Workspace, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(document_list, "FEW_MATCHES", few)
    panel = DocumentPanel()
    qtbot.addWidget(panel)
    panel.set_source(DocumentListQuery(workspace, "ana"))
    assert panel.model is not None and panel.paged_view is not None
    ids = panel.document_ids()
    panel.select(ids[13])  # "Article 11" (after the two assigned)
    qtbot.keyClicks(panel.filter_edit, "article 1")  # Article 1, 10-19
    qtbot.waitUntil(lambda: panel.counts.text() == "11 of 31")
    model = panel.model

    def titles() -> list[str]:
        return [model.data(model.index(r, 0)) for r in range(model.rowCount())]

    assert titles() == ["Article 1", *(f"Article {n}" for n in range(10, 20))]
    assert panel.paged_view.currentIndex().row() == 2
    header = panel.paged_view.horizontalHeader()
    orders = set()
    for _ in range(2):  # by title, each way
        qtbot.mouseClick(
            header.viewport(),
            Qt.MouseButton.LeftButton,
            pos=QPoint(header.sectionPosition(0) + 5, 5),
        )
        assert model.sort_key == "title"
        listed = sorted(titles(), reverse=model.descending)
        assert titles() == listed and len(listed) == 11
        assert panel.paged_view.currentIndex().row() == listed.index("Article 11")
        orders.add(model.descending)
    assert orders == {False, True}


def test_the_cold_start_list_is_kept_when_the_project_opens(
    qtbot: QtBot, workspace: Workspace
) -> None:
    """The list a cold start reads before the project opens (FileListQuery
    from an SQLite file, ServerListQuery from a PostgreSQL server) stays on
    screen when the open project's query takes over: the same view, its
    filter and scroll; it reads through the project from then on, and the
    preview's connection is closed."""
    from annotator.app.document_list import FileListQuery, ServerListQuery
    from annotator.store.first_read import sqlite_path

    assert workspace.project is not None
    path = sqlite_path(workspace.project.database_url)
    url = workspace.project.database_url

    def preview() -> DocumentListQuery:
        if path is not None:
            return FileListQuery(path, "ana")
        found = ServerListQuery.connect(url, "ana")
        assert found is not None
        return found

    panel = DocumentPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 120)
    panel.show()
    first = preview()
    panel.set_source(first)
    view, model = panel.paged_view, panel.model
    assert view is not None and model is not None and model.rowCount() == 31
    view.scrollToBottom()
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0
    panel.set_source(DocumentListQuery(workspace, "ana"))
    assert panel.paged_view is view and panel.model is model
    assert type(model.query) is DocumentListQuery
    assert view.verticalScrollBar().value() == scrolled
    if isinstance(first, ServerListQuery):
        assert first.connection is None
    # Documents added meanwhile are counted.
    assert workspace.db is not None
    with workspace.db.session() as s:
        repository.insert_documents(s, [DocumentDraft(text="New one.", title="Late")])
    panel.set_source(preview())
    panel.set_source(DocumentListQuery(workspace, "ana"))
    assert panel.counts.text() == "32 of 32"
