"""Documents someone else imports appear in the open window's list, whole or
paged, without reopening; the current document stays current (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.core.model import DocumentDraft
from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui import document_list, open_window


def import_elsewhere(project: Path, titles: list[str]) -> None:
    """A colleague's `annotator import`, on a connection of its own."""
    other = load_project(project).open_database()
    try:
        with other.session() as s:
            repository.insert_documents(
                s, [DocumentDraft(text=f"{t}. Text.", title=t) for t in titles]
            )
    finally:
        other.close()


@pytest.mark.parametrize("paged", [False, True], ids=["whole", "paged"])
def test_documents_imported_elsewhere_are_listed(
    qtbot: QtBot, project: Path, paged: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if paged:
        monkeypatch.setattr(document_list, "SMALL_PROJECT", 2)
        monkeypatch.setattr(document_list, "PAGE_SIZE", 2)
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    panel = window.documents
    assert panel.paged is paged
    before = panel.document_ids()
    assert len(before) == 3
    window.step_document(1)
    current = window.document_id
    qtbot.keyClicks(panel.filter_edit, "uzbek")  # "Uzbekistan hosted talks", and two new ones
    import_elsewhere(project, ["Uzbek border talks", "Trade fair opens", "Uzbekistan energy deal"])
    message = window.statusBar().currentMessage
    qtbot.waitUntil(lambda: "3 new documents" in message(), timeout=8000)
    assert len(panel.document_ids()) == 6
    new = [i for i in panel.document_ids() if i not in before]
    assert [panel.title(i) for i in new] == [
        "Uzbek border talks",
        "Trade fair opens",
        "Uzbekistan energy deal",
    ]
    assert window.document_id == current
    if paged:
        assert panel.model is not None and panel.paged_view is not None
        assert panel.counts.text() == "3 of 6"  # the filter is kept
        listed = [panel.model.data(panel.model.index(r, 0)) for r in range(3)]
        assert listed == [panel.title(current), "Uzbek border talks", "Uzbekistan energy deal"]
        assert panel.paged_view.currentIndex().row() == 0
    else:
        shown = [
            panel.tree.topLevelItem(r).text(0)  # type: ignore[union-attr]
            for r in range(panel.tree.topLevelItemCount())
            if not panel.tree.topLevelItem(r).isHidden()  # type: ignore[union-attr]
        ]
        assert shown == [panel.title(current), "Uzbek border talks", "Uzbekistan energy deal"]
        assert panel.tree.currentItem().text(0) == panel.title(current)  # type: ignore[union-attr]
    window.close()


def test_a_stopped_feed_does_not_look(qtbot: QtBot, project: Path) -> None:
    """A notification queued before the project closed arrives after: the
    feed no longer reads the (closed) database, so it opens no connection."""
    window = open_window(project, user="alice")
    qtbot.addWidget(window)
    live = window.live
    assert live is not None
    window.close_project()
    import_elsewhere(project, ["Trade fair opens"])
    assert live.poll() is None
    window.close()
