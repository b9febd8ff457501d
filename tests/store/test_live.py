from __future__ import annotations

import pytest

from annotator.core.model import GOLD_ANNOTATOR, DocStatus, DocumentDraft
from annotator.store import repository as repo
from annotator.store.db import open_database
from annotator.store.live import changes_since, latest_change_id


def test_the_feed_has_what_others_changed_since_we_looked(database_url: str) -> None:
    db = open_database(database_url, create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text="Blinken met Tokayev in Astana.")])
        assert doc is not None
        repo.set_roles(s, ["rita"])
        mine = repo.add_span(s, doc, "ana", "Person", 0, 7)
    with db.reader() as s:
        seen = latest_change_id(s)
    with db.session() as s:
        theirs = repo.add_span(s, doc, "ben", "Person", 12, 19)
        gone = repo.add_span(s, doc, "ben", "Location", 23, 29)
        repo.update_span(s, theirs.id, "ben", label="Organization")
        repo.delete_span(s, gone.id, "ben")
        gold = repo.add_span(s, doc, GOLD_ANNOTATOR, "Person", 0, 7, editor="rita")
        repo.set_status(s, doc, "ben", DocStatus.DONE)
        repo.update_span(s, mine.id, "ana", note="mine")  # my own edit: not in my feed
    with db.reader() as s:
        feed = changes_since(s, seen, exclude_editor="ana")
        again = changes_since(s, feed.last_id, exclude_editor="ana")
    db.close()
    changes = feed.changes
    assert {i: (sp.annotator, sp.label, sp.text) for i, sp in changes.added_spans.items()} == {
        theirs.id: ("ben", "Organization", "Tokayev"),
        gold.id: (GOLD_ANNOTATOR, "Person", "Blinken"),
    }
    assert changes.removed_spans == {} and changes.updated_spans == {}  # added then deleted: gone
    assert changes.statuses == {(doc, "ben"): DocStatus.DONE}
    assert feed.editors == {"ben", "rita"}
    assert again.changes.added_spans == {} and again.last_id == feed.last_id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_server_notifies_listeners_of_new_edits(database_url: str) -> None:
    # Notifications are PostgreSQL's; on SQLite the window polls.
    import threading

    from annotator.store.live import ServerNotifications

    db = open_database(database_url, create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text="Blinken met Tokayev.")])
    heard = threading.Event()
    listener = ServerNotifications(database_url, heard.set)
    listener.start()
    try:
        for _ in range(50):  # wait until the listener is connected and listening
            with db.session() as s:
                repo.add_span(s, doc or 0, "ben", "Person", 0, 7)
            if heard.wait(0.2):
                break
        assert heard.is_set()
    finally:
        listener.stop()
        db.close()
