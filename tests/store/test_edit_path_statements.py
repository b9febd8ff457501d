"""The edit path: few statements an edit on PostgreSQL, the same guarantees.

On PostgreSQL a span's write and its change-log row go in one statement
(annotator.store.repository, "an edit in as few statements as it takes"); on
SQLite they are separate statements. Either way: the same change-log rows,
the version checked in the write itself, the live feed's NOTIFY, and the
relations of a deleted span logged and removed.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, text

from annotator.core.errors import NotFound, PermissionDenied
from annotator.core.model import DocumentDraft, OffsetError
from annotator.store import repository as repo
from annotator.store.db import Database, open_database

TEXT = "President Tokayev met Blinken in Astana on Tuesday, the ministry said."


def _doc(db: Database, body: str = TEXT) -> int:
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=body)])
    assert doc is not None
    return doc


class Statements:
    """The statements sent to the database while counting."""

    def __init__(self, db: Database) -> None:
        self.seen: list[str] = []
        self.counting = False
        event.listen(db.engine, "before_cursor_execute", self._note)

    def _note(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self.counting:
            self.seen.append(statement)

    def during(self, db: Database, edit: Any) -> list[str]:
        self.seen = []
        self.counting = True
        try:
            with db.session() as s:
                edit(s)
        finally:
            self.counting = False
        return self.seen


def _script(db: Database, doc: int) -> None:
    """Every kind of span write, and a relation removed with its span."""
    with db.session() as s:
        a = repo.add_span(s, doc, "ana", "Person", 10, 17, attributes={"k": "v"}, note="n")
    with db.session() as s:
        b = repo.add_span(s, doc, "ana", "Person", 22, 29)
    with db.session() as s:
        repo.update_span(s, a.id, "ana", label="Location", expected_version=1)
    with db.session() as s:
        repo.update_span(s, a.id, "ana", attributes={"k": ["w", 1]}, note="m")
    with db.session() as s:
        repo.update_span(s, a.id, "ana", start=0, end=9, attributes={}, note="")
    with db.session() as s:
        repo.add_relation(s, "ana", "met", a.id, b.id)
    with db.session() as s:
        repo.delete_span(s, b.id, "ana", expected_version=1)
    with db.session() as s:
        repo.delete_span(s, a.id, "ana")


def _log_of(db: Database, doc: int) -> list[tuple[Any, ...]]:
    """The document's change log, ids numbered in order of appearance."""
    ids: dict[tuple[str, int], int] = {}

    def n(value: Any, entity: str = "span") -> Any:
        return ids.setdefault((entity, value), len(ids)) if isinstance(value, int) else value

    def payload(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        ids_of = ("source_id", "target_id")
        return {
            k: n(v) if k in ids_of else "doc" if k == "document_id" else v for k, v in data.items()
        }

    with db.reader() as s:
        rows = repo.change_log(s, doc)
        raw: list[Any] = []
        if db.dialect == "postgresql":
            raw = list(
                s.execute(
                    text(
                        "SELECT before IS NULL, after IS NULL, json_typeof(before), "
                        "json_typeof(after) FROM change_log WHERE document_id = :d ORDER BY id"
                    ),
                    {"d": doc},
                )
            )
    return [
        (r["annotator"], r["action"], r["entity"], n(r["entity_id"], r["entity"]), payload(r["before"]),
         payload(r["after"]), *(tuple(raw[i]) if raw else ()))
        for i, r in enumerate(rows)
    ]  # fmt: skip


def test_the_change_log_is_the_same_whichever_way_the_statements_go(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _doc(db), _doc(db, TEXT + " Again.")
    _script(db, first)
    monkeypatch.setattr(repo, "_one_statement", lambda _conn: False)
    _script(db, second)
    ours, plain = _log_of(db, first), _log_of(db, second)
    assert len(ours) == 9
    assert [row[1:3] for row in ours] == [
        ("add", "span"), ("add", "span"), ("update", "span"), ("update", "span"),
        ("update", "span"), ("add", "relation"), ("delete", "relation"), ("delete", "span"),
        ("delete", "span"),
    ]  # fmt: skip
    assert ours == plain
    with db.reader() as s:
        assert repo.list_spans(s, first) == repo.list_spans(s, second) == []
        assert repo.list_relations(s, first) == []
        statuses = [repo.get_status(s, d, "ana").value for d in (first, second)]
    assert statuses == ["in_progress", "in_progress"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_edit_is_one_statement_on_postgresql(db: Database) -> None:
    doc = _doc(db)
    for _ in range(2):  # ana is created, then her id is read and kept
        with db.session() as s:
            warm = repo.add_span(s, doc, "ana", "Person", 0, 9)
    count = Statements(db)
    added: list[Any] = []
    add = count.during(db, lambda s: added.append(repo.add_span(s, doc, "ana", "Person", 10, 17)))
    relabel = count.during(db, lambda s: repo.update_span(s, added[0].id, "ana", label="Location"))
    delete = count.during(db, lambda s: repo.delete_span(s, warm.id, "ana"))
    assert (len(add), len(relabel), len(delete)) == (1, 1, 1), (add, relabel, delete)
    with db.reader() as s:
        assert [(sp.label, sp.text, sp.version) for sp in repo.list_spans(s, doc)] == [
            ("Person", "President", 1),
            ("Location", "Tokayev", 2),
        ]
        assert len(repo.change_log(s, doc)) == 5


def test_an_undone_delete_comes_back_under_its_id_with_its_log(db: Database) -> None:
    doc = _doc(db)
    with db.session() as s:
        span = repo.add_span(s, doc, "ana", "Person", 10, 17, attributes={"k": [1]}, note="n")
    with db.session() as s:
        repo.delete_span(s, span.id, "ana")
    with db.session() as s:
        again = repo.add_span(
            s, doc, "ana", "Person", 10, 17, attributes={"k": [1]}, note="n", span_id=span.id
        )
    assert (again.id, again.text, again.attributes) == (span.id, "Tokayev", {"k": [1]})
    with db.reader() as s:
        assert [sp.id for sp in repo.list_spans(s, doc)] == [span.id]
        log = repo.change_log(s, doc)
    assert [(r["action"], r["entity_id"]) for r in log] == [
        ("add", span.id), ("delete", span.id), ("add", span.id)
    ]  # fmt: skip
    assert log[0]["after"] == log[2]["after"] == log[1]["before"]
    assert log[2]["after"] == {
        "document_id": doc, "annotator": "ana", "label": "Person", "start": 10, "end": 17,
        "text": "Tokayev", "attributes": {"k": [1]}, "note": "n", "version": 1,
    }  # fmt: skip


def test_an_add_to_a_missing_document_or_outside_the_text_writes_nothing(db: Database) -> None:
    doc = _doc(db)
    with pytest.raises(NotFound), db.session() as s:
        repo.add_span(s, doc + 1000, "ana", "Person", 0, 5)
    with pytest.raises(OffsetError), db.session() as s:
        repo.add_span(s, doc, "ana", "Person", 60, len(TEXT) + 1)
    with db.reader() as s:
        assert repo.list_spans(s, doc) == [] and repo.change_log(s, doc) == []
        assert repo.get_status(s, doc, "ana").value == "new"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_taken_from_the_pool_is_pinged_only_when_in_doubt(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An idle connection with nothing from the server goes straight to the
    edit; one the server ended is pinged, found dead and replaced."""
    doc = _doc(db)
    dialect_class = type(db.engine.dialect)
    full_ping = dialect_class.do_ping
    pings: list[bool] = []

    def counted(dialect: Any, dbapi_connection: Any) -> bool:
        try:
            alive = bool(full_ping(dialect, dbapi_connection))
        except Exception:
            pings.append(False)
            raise
        pings.append(alive)
        return alive

    monkeypatch.setattr(dialect_class, "do_ping", counted)
    for start in (0, 10, 22):
        with db.session() as s:
            repo.add_span(s, doc, "ana", "Person", start, start + 5)
    assert pings == []
    with db.session() as s:
        (backend,) = s.execute(text("SELECT pg_backend_pid()")).one()
    admin = open_database(db.url)
    try:
        with admin.session() as s:  # waits until the backend is gone
            assert s.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": backend}).scalar()
    finally:
        admin.close()
    with db.session() as s:
        repo.add_span(s, doc, "ana", "Person", 30, 35)
    assert pings and not pings[0]
    with db.reader() as s:
        assert len(repo.list_spans(s, doc)) == 4


def _bump_version_before_the_write(db: Database, url: str, span_id: int, marker: str) -> Any:
    """Someone else changes the span between our read and our write."""
    done: list[bool] = []

    def bump(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if done or marker not in statement:
            return
        done.append(True)
        other = open_database(url)
        try:
            with other.session() as s:
                repo.update_span(s, span_id, "ana", label="Theirs")
        finally:
            other.close()

    event.listen(db.engine, "before_cursor_execute", bump)
    return bump


@pytest.mark.parametrize("kind", ["resize", "delete a linked span"])
def test_a_change_made_between_the_read_and_the_write_is_not_overwritten(
    database_url: str, kind: str
) -> None:
    """The edits that still read before they write (new offsets, a span with
    relations, a reviewer's gold edit) check the version in the write."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers are serialised (BEGIN IMMEDIATE): nobody gets in between")
    db = open_database(database_url, create=True)
    try:
        doc = _doc(db)
        with db.session() as s:
            span = repo.add_span(s, doc, "ana", "Person", 10, 17)
            other = repo.add_span(s, doc, "ana", "Person", 22, 29)
            repo.add_relation(s, "ana", "met", span.id, other.id)
        marker = "WITH u AS (UPDATE spans" if kind == "resize" else "DELETE FROM spans WHERE"
        hook = _bump_version_before_the_write(db, database_url, span.id, marker)
        with pytest.raises(repo.StaleEdit), db.session() as s:
            if kind == "resize":
                repo.update_span(s, span.id, "ana", start=10, end=16)
            else:
                repo.delete_span(s, span.id, "ana")
        event.remove(db.engine, "before_cursor_execute", hook)
        with db.reader() as s:
            assert [(sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [
                ("Theirs", 2),
                ("Person", 1),
            ]
            assert [r["action"] for r in repo.change_log(s, doc)][-1] == "update"
            assert len(repo.list_relations(s, doc)) == 1
    finally:
        db.close()


def _wait_for_a_lock_wait(url: str) -> None:
    """Until some session of the database waits for a lock (10 s at most)."""
    watcher = open_database(url)
    try:
        for _ in range(200):
            with watcher.reader() as s:
                waiting = s.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar()
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("no session waited for the lock")
    finally:
        watcher.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("kind", ["update", "delete"])
def test_a_one_statement_edit_that_waited_for_another_is_refused(
    db: Database, database_url: str, kind: str
) -> None:
    """The read and the write are one statement: someone else's change that
    commits while it waits for the row is seen, and the edit refused."""
    doc = _doc(db)
    with db.session() as s:
        span = repo.add_span(s, doc, "ana", "Person", 10, 17)
    outcome: list[str] = []

    def mine() -> None:
        try:
            with db.session() as s:
                if kind == "update":
                    repo.update_span(s, span.id, "ana", label="Mine")
                else:
                    repo.delete_span(s, span.id, "ana")
            outcome.append("written")
        except repo.StaleEdit:
            outcome.append("stale")

    theirs = open_database(database_url)
    try:
        with theirs.session() as s:
            repo.update_span(s, span.id, "ana", label="Theirs")  # holds the row until commit
            editor = threading.Thread(target=mine)
            editor.start()
            _wait_for_a_lock_wait(database_url)
        editor.join(timeout=30)
    finally:
        theirs.close()
    assert outcome == ["stale"]
    with db.reader() as s:
        assert [(sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [("Theirs", 2)]
        assert [r["action"] for r in repo.change_log(s, doc)] == ["add", "update"]


def test_stale_and_refused_edits_write_nothing(db: Database) -> None:
    doc = _doc(db)
    with db.session() as s:
        span = repo.add_span(s, doc, "ana", "Person", 10, 17)
    with pytest.raises(repo.StaleEdit), db.session() as s:
        repo.update_span(s, span.id, "ana", label="Location", expected_version=7)
    with pytest.raises(repo.StaleEdit), db.session() as s:
        repo.delete_span(s, span.id, "ana", expected_version=7)
    with pytest.raises(PermissionDenied), db.session() as s:
        repo.update_span(s, span.id, "bo", label="Location")
    with pytest.raises(PermissionDenied), db.session() as s:
        repo.add_span(s, doc, "gold", "Person", 0, 9, editor="ana")
    with pytest.raises(PermissionDenied), db.session() as s:
        repo.add_span(s, doc, "gold", "Person", 0, 9, editor="gold")
    with db.reader() as s:
        assert [(sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [("Person", 1)]
        assert len(repo.change_log(s, doc)) == 1


def test_a_reviewer_writes_gold_and_the_log_names_them(db: Database) -> None:
    doc = _doc(db)
    with db.session() as s:
        repo.set_roles(s, ["rev"])
    with db.session() as s:
        gold = repo.add_span(s, doc, "gold", "Person", 10, 17, editor="rev")
    with db.session() as s:
        repo.update_span(s, gold.id, "rev", label="Location")
    with db.session() as s:
        repo.delete_span(s, gold.id, "rev")
    with db.reader() as s:
        log = repo.change_log(s, doc)
    assert [(r["annotator"], r["action"]) for r in log] == [
        ("rev", "add"), ("rev", "update"), ("rev", "delete"),
    ]  # fmt: skip


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_each_edit_notifies_the_live_feed(database_url: str) -> None:
    import psycopg

    from annotator.store.live import CHANNEL

    db = open_database(database_url, create=True)
    listener = psycopg.connect(
        database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    )
    try:
        doc = _doc(db)
        listener.execute(f"LISTEN {CHANNEL}")
        with db.session() as s:
            span = repo.add_span(s, doc, "ana", "Person", 10, 17)
        with db.session() as s:
            repo.update_span(s, span.id, "ana", label="Location")
        with db.session() as s:
            repo.delete_span(s, span.id, "ana")
        heard = list(listener.notifies(timeout=2.0, stop_after=3))
        assert len(heard) == 3
    finally:
        listener.close()
        db.close()
