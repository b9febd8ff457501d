"""Another analyst's new spans appear in the open window within seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.io.project import load_project
from annotator.store import repository
from annotator.ui.main_window import MainWindow
from tests.ui.conftest import find


def test_others_spans_appear_without_reopening(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    window.set_view_mode("all")
    doc = window.document_id
    assert doc is not None
    start, end = find(window.view, "Kazakhstan")
    other = load_project(project).open_database()  # a colleague's program
    with other.session() as s:
        theirs = repository.add_span(s, doc, "bob", "Location", start, end)
    qtbot.waitUntil(lambda: theirs.id in window.view.spans, timeout=6000)
    assert window.span_model.rowCount() == 1
    assert "New edits by bob" in window.statusBar().currentMessage()
    with other.session() as s:
        repository.delete_span(s, theirs.id, "bob")
    qtbot.waitUntil(lambda: theirs.id not in window.view.spans, timeout=6000)
    assert window.span_model.rowCount() == 0
    other.close()


def test_my_view_ignores_others_unless_shown(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    doc = window.document_id
    assert doc is not None and window.live is not None
    other = load_project(project).open_database()
    with other.session() as s:
        repository.add_span(s, doc, "bob", "Location", *find(window.view, "Astana"))
    other.close()
    feed = window.live.poll()
    assert feed is not None and feed.editors == {"bob"}
    assert window.view.spans == {}  # "my spans" mode: bob's span is not drawn


def test_a_burst_of_notifications_costs_a_look_or_two(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    """A colleague's burst of edits, one notification each, is read by a look
    at once and one after the gap, not one look per notification, and the
    edit notified last still arrives."""
    from annotator.ui.live import NOTIFIED_GAP_MS

    live = window.live
    assert live is not None
    live._timer.stop()  # no look by timer: only the notifications
    window.set_view_mode("all")
    doc = window.document_id
    assert doc is not None
    other = load_project(project).open_database()
    ids = []
    looks = live.looks
    for word in ("Kazakhstan", "Astana"):
        with other.session() as s:
            ids.append(repository.add_span(s, doc, "bob", "Location", *find(window.view, word)).id)
        for _ in range(50):
            live._notified.emit()
    other.close()
    qtbot.waitUntil(lambda: all(i in window.view.spans for i in ids), timeout=5000)
    qtbot.wait(3 * NOTIFIED_GAP_MS)  # any look still waiting has run
    assert 1 <= live.looks - looks <= 2
    assert window.span_model.rowCount() == 2


def test_a_stale_edit_is_refused_and_the_view_reloads(
    qtbot: QtBot, window: MainWindow, project: Path
) -> None:
    from tests.ui.conftest import click, drag, key, stored_spans

    view = window.view
    drag(qtbot, view, *find(view, "Kazakhstan"))
    key(qtbot, view, "g")
    (span,) = stored_spans(project)
    assert window.live is not None
    window.live.stop()  # the other edit lands before this window hears of it
    other = load_project(project).open_database()  # alice's second program instance
    with other.session() as s:
        repository.update_span(s, span.id, "alice", label="Organization")
    other.close()
    click(qtbot, view, span.start + 2)
    key(qtbot, view, "p")  # relabel as Person, on the version this window saw
    assert "changed by someone else" in window.statusBar().currentMessage()
    (now,) = stored_spans(project)
    assert now.label == "Organization"  # the other edit was not overwritten
    assert view.spans[span.id].label == "Organization"  # and the view shows it
    click(qtbot, view, span.start + 2)
    key(qtbot, view, "p")  # on the current version, the same edit goes through
    assert [s.label for s in stored_spans(project)] == ["Person"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_a_server_others_spans_arrive_by_notification(
    qtbot: QtBot, project_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window hears PostgreSQL's NOTIFY: with polling pushed out to hours,
    bob's spans still appear within seconds."""
    from annotator.io.importer import import_paths
    from annotator.ui import live, open_window
    from tests.ui.conftest import NEWS

    monkeypatch.setattr(live, "POLL_MS", 3_600_000)  # no look at the change log by timer
    article = tmp_path / "news.txt"
    article.write_text(NEWS, encoding="utf-8")
    other = load_project(project_dir).open_database()  # bob's program
    assert import_paths(other, [article]).added
    window = open_window(project_dir, user="alice")
    qtbot.addWidget(window)
    window.set_view_mode("all")
    doc = window.document_id
    assert doc is not None and window.live is not None

    def bobs_span(word: str) -> int:
        with other.session() as s:
            return repository.add_span(s, doc, "bob", "Location", *find(window.view, word)).id

    # The listener connects in the background: until it listens, NOTIFYs are lost.
    first = None
    for _ in range(30):
        span_id = bobs_span("Kazakhstan")
        try:
            qtbot.waitUntil(lambda span_id=span_id: span_id in window.view.spans, timeout=500)
        except AssertionError:
            with other.session() as s:
                repository.delete_span(s, span_id, "bob")
            continue
        first = span_id
        break
    assert first is not None, "no notification reached the window"
    second = bobs_span("Astana")
    qtbot.waitUntil(lambda: second in window.view.spans, timeout=5000)
    assert {s.text for s in window.span_model.spans()} == {"Kazakhstan", "Astana"}
    assert "New edits by bob" in window.statusBar().currentMessage()
    assert window.live._timer.interval() >= 3_600_000  # it was not the timer
    window.close()
    other.close()
