"""An edit command that makes one write: on PostgreSQL its one statement is
its own transaction (no BEGIN, no COMMIT: one round trip), with the same
results, change log, version checks and undo as a command in a transaction;
a command of several writes stays one transaction.

See docs/design.md, "The edit store and version checks".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import text

from annotator.core.commands import AddRelation, AddSpan, Command, DeleteSpan, Relabel, SetNote
from annotator.core.errors import NotFound, PermissionDenied, SaveFailed
from annotator.core.model import DocumentDraft, SpanData
from annotator.store import repository as repo
from annotator.store.db import Database
from annotator.store.edits import DatabaseEditStore
from tests.store.test_edit_path_statements import _log_of

TEXT = "President Tokayev met Blinken in Astana on Tuesday, the ministry said."


def _doc(db: Database, tail: str = "") -> int:
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text=TEXT + tail)])
    assert doc is not None
    return doc


class Sent:
    """Each statement sent, with whether it ran in a transaction of its own
    (the driver in autocommit, no transaction open): seen at the driver, so
    the statements of the store's own connection (no SQLAlchemy) count too."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import psycopg

        self.seen: list[tuple[str, bool]] = []
        execute = psycopg.Cursor.execute
        sent = self

        def note(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            sent.seen.append((str(query).split()[0], bool(cursor.connection.autocommit)))
            return execute(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", note)

    def take(self) -> list[tuple[str, bool]]:
        seen, self.seen = self.seen, []
        return seen


def _span(changes: Any, span_id: int) -> SpanData:
    span = changes.added_spans.get(span_id) or changes.updated_spans[span_id]
    assert isinstance(span, SpanData)
    return span


def _script(store: DatabaseEditStore, doc: int) -> None:
    """Adds, changes, deletions, undo and redo; a linked span deleted and restored."""
    add = AddSpan(doc, "ana", "Person", 10, 17, attributes={"k": "v"}, note="n")
    added = add.do(store)
    assert add.span_id is not None
    span = _span(added, add.span_id)
    other = AddSpan(doc, "ana", "Person", 22, 29)
    other.do(store)
    assert other.span_id is not None
    relabel = Relabel(span, "ana", "Location")
    span = _span(relabel.do(store), span.id)
    note = SetNote(span, "ana", "m")
    span = _span(note.do(store), span.id)
    note.undo(store)
    note.do(store)
    link = AddRelation("ana", "met", span.id, other.span_id)
    link.do(store)
    with store.db.reader() as s:
        linked = repo.get_span(s, other.span_id)
    gone = DeleteSpan(linked, "ana")
    gone.do(store)
    gone.undo(store)  # the span and its relation together
    gone.do(store)
    add.undo(store)
    add.do(store)  # back under its id


def test_the_same_log_and_spans_with_or_without_a_transaction_of_its_own(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = _doc(db), _doc(db, " Again.")
    _script(DatabaseEditStore(db), first)
    monkeypatch.setattr(DatabaseEditStore, "one_write", None)  # every run a transaction
    _script(DatabaseEditStore(db), second)
    ours, plain = _log_of(db, first), _log_of(db, second)
    assert len(ours) == 15
    assert ours == plain

    def spans(doc: int) -> list[tuple[Any, ...]]:
        with db.reader() as s:
            return [
                (sp.label, sp.start, sp.end, sp.text, sp.attributes, sp.note, sp.version)
                for sp in repo.list_spans(s, doc)
            ]

    assert (
        spans(first)
        == spans(second)
        == [
            ("Person", 10, 17, "Tokayev", {"k": "v"}, "n", 1),
        ]
    )
    with db.reader() as s:
        statuses = [repo.get_status(s, d, "ana").value for d in (first, second)]
    assert statuses == ["in_progress", "in_progress"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_one_write_command_is_one_statement_of_its_own_on_postgresql(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _doc(db)
    store = DatabaseEditStore(db)
    for n in range(2):  # ana is created, her id and the sequence's name read and kept
        AddSpan(doc, "ana", "Person", n, n + 5).do(store)
    sent = Sent(monkeypatch)

    def run(command: Command, *, undo: bool = False) -> Any:
        changes = command.undo(store) if undo else command.do(store)
        return changes, sent.take()

    add = AddSpan(doc, "ana", "Person", 10, 17)
    added, statements = run(add)
    assert statements == [("WITH", True)]
    assert add.span_id is not None
    relabel = Relabel(_span(added, add.span_id), "ana", "Location")
    assert run(relabel)[1] == [("WITH", True)]
    assert run(relabel, undo=True)[1] == [("WITH", True)]
    assert run(add, undo=True)[1] == [("WITH", True)]  # a delete
    assert run(add)[1] == [("WITH", True)]  # redo: back under its id
    # The connection goes back to the pool in transactions again.
    with db.session() as s:
        driver = s.connection().connection.driver_connection
        assert driver.autocommit is False  # type: ignore[union-attr]
        repo.add_span(s, doc, "ana", "Person", 30, 35)
        assert driver.info.transaction_status != 0  # type: ignore[union-attr]  # in a transaction
    with db.reader() as s:
        assert [(sp.label, sp.start, sp.version) for sp in repo.list_spans(s, doc)] == [
            ("Person", 0, 1), ("Person", 1, 1), ("Person", 10, 1), ("Person", 30, 1),
        ]  # fmt: skip


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_command_of_several_writes_stays_one_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = _doc(db)
    store = DatabaseEditStore(db)
    a, b = AddSpan(doc, "ana", "Person", 10, 17), AddSpan(doc, "ana", "Person", 22, 29)
    a.do(store)
    b.do(store)
    assert a.span_id is not None and b.span_id is not None
    AddRelation("ana", "met", a.span_id, b.span_id).do(store)
    with db.reader() as s:
        linked = repo.get_span(s, b.span_id)
    gone = DeleteSpan(linked, "ana")
    sent = Sent(monkeypatch)
    gone.do(store)
    # One call: its one statement, tried alone, writes nothing for a linked
    # span; the relation and the span are then deleted in a transaction.
    statements = sent.take()
    assert statements[0] == ("WITH", True)
    assert len(statements) > 2 and not any(alone for _, alone in statements[1:])

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the relation cannot be restored")

    monkeypatch.setattr(repo, "add_relation", broken)
    with pytest.raises(RuntimeError):
        gone.undo(store)  # the span restored, then its relation fails: nothing kept
    statements = sent.take()
    assert statements and not any(alone for _, alone in statements)
    with db.reader() as s:
        assert [sp.id for sp in repo.list_spans(s, doc)] == [a.span_id]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_refused_one_write_edit_writes_nothing(db: Database) -> None:
    doc = _doc(db)
    mine, theirs = DatabaseEditStore(db), DatabaseEditStore(db)
    add = AddSpan(doc, "ana", "Person", 10, 17)
    changes = add.do(mine)
    assert add.span_id is not None
    span = _span(changes, add.span_id)
    theirs.saw([span])
    Relabel(span, "ana", "Location").do(theirs)  # version 2
    with pytest.raises(repo.StaleEdit):
        Relabel(span, "ana", "Organization").do(mine)  # made on version 1
    with pytest.raises(repo.StaleEdit):
        DeleteSpan(span, "ana").do(mine)
    with db.reader() as s:
        assert [(sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [("Location", 2)]
        assert len(repo.change_log(s, doc)) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_stores_own_connection_is_replaced_when_lost(db: Database) -> None:
    """Lost between edits (the server ended it): replaced before the next
    edit, which is saved. Lost during an edit: SaveFailed (the window keeps
    the edit and tries again), and the next edit gets a new connection."""
    doc = _doc(db)
    store = DatabaseEditStore(db)
    AddSpan(doc, "ana", "Person", 0, 5).do(store)
    with db.own_connection() as held:
        first = held.driver.info.backend_pid
    with db.session() as s:
        assert s.execute(text(f"SELECT pg_terminate_backend({first}, 5000)")).scalar()
    AddSpan(doc, "ana", "Person", 10, 17).do(store)
    with pytest.raises(SaveFailed), db.own_connection() as held:
        assert held.driver.info.backend_pid != first
        held.run("SELECT pg_terminate_backend(pg_backend_pid())", ())
    AddSpan(doc, "ana", "Person", 22, 29).do(store)
    with db.reader() as s:
        assert [sp.start for sp in repo.list_spans(s, doc)] == [0, 10, 22]
    with db.own_connection() as held:
        driver = held.driver
        assert driver.autocommit is True
    db.close()
    assert driver.closed  # closed with the database, not left open


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_edit_is_seen_by_others_when_the_command_returns(db: Database) -> None:
    """Committed when acknowledged: another connection sees the edit at once."""
    doc = _doc(db)
    store = DatabaseEditStore(db)
    add = AddSpan(doc, "ana", "Person", 10, 17)
    span = _span(add.do(store), add.span_id or 0)
    with db.reader() as s:
        assert [sp.id for sp in repo.list_spans(s, doc)] == [span.id]
    Relabel(span, "ana", "Location").do(store)
    with db.reader() as s:
        assert [(sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [("Location", 2)]
    add.undo(store)
    with db.reader() as s:
        assert repo.list_spans(s, doc) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_refusals_and_new_analysts_go_the_transaction_way_as_before(db: Database) -> None:
    """Not yours, stale, a new analyst: the statement on the store's own
    connection writes nothing, and the store's transaction says why (or, for
    someone the database does not know yet, adds them and saves the edit)."""
    doc = _doc(db)
    store = DatabaseEditStore(db)
    add = AddSpan(doc, "newcomer", "Person", 10, 17)  # not in the database yet
    span = _span(add.do(store), add.span_id or 0)
    with pytest.raises(PermissionDenied):
        Relabel(span, "bob", "Location").do(store)
    with pytest.raises(PermissionDenied):
        DeleteSpan(span, "bob").do(store)
    with pytest.raises(PermissionDenied):
        AddSpan(doc, "newcomer", "Person", 0, 5, editor="bob").do(store)
    with pytest.raises(NotFound):
        Relabel(replace(span, id=span.id + 1000), "newcomer", "Location").do(store)
    with db.reader() as s:
        assert [(sp.annotator, sp.label, sp.version) for sp in repo.list_spans(s, doc)] == [
            ("newcomer", "Person", 1)
        ]
        assert len(repo.change_log(s, doc)) == 1
