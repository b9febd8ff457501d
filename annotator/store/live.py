"""What others changed since we last looked: the change log read as a feed.

The window asks for new entries every few seconds (SQLite) or when the
server says something changed (PostgreSQL LISTEN/NOTIFY, see
:class:`ServerNotifications`), and applies them without reopening anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.core.changes import ChangeRecord, Entity
from annotator.core.commands import Changes
from annotator.store.models import ChangeLog
from annotator.store.repository import change_log_query

CHANNEL = "annotator_changes"
"""The PostgreSQL notification channel a trigger on change_log signals."""

GAP_WAIT_S = 600.0
"""How long the feed looks again for an entry missing below the newest one it read."""
GAP_MAX = 10_000
"""At most this many missing entries are looked for (a bigger jump is not a gap)."""


def latest_change_id(session: Session) -> int:
    return int(session.scalar(select(func.max(ChangeLog.id))) or 0)


def feed_start(session: Session) -> Feed:
    """Where a window that has just read the project starts following the log:
    after the newest entry, still waiting for the missing ones just below it
    (transactions that had not committed yet)."""
    last = latest_change_id(session)
    if not _commits_out_of_order(session):
        return Feed(last_id=last)
    present = set(session.scalars(select(ChangeLog.id).where(ChangeLog.id > last - GAP_MAX)))
    now = time.monotonic()
    first = max(1, last - GAP_MAX + 1)
    return Feed(last_id=last, waiting={i: now for i in range(first, last) if i not in present})


def _commits_out_of_order(session: Session) -> bool:
    """SQLite's writers take turns (BEGIN IMMEDIATE): ids are seen in commit order."""
    return session.get_bind().dialect.name != "sqlite"


@dataclass(slots=True)
class Feed:
    """Changes made by others after ``last_id``, grouped as the window applies them."""

    last_id: int
    changes: Changes = field(default_factory=Changes)
    editors: set[str] = field(default_factory=set)
    waiting: dict[int, float] = field(default_factory=dict)
    """Ids below ``last_id`` not seen yet, and when they were first missed: pass
    them to the next :func:`changes_since`."""


def changes_since(
    session: Session,
    after_id: int,
    *,
    exclude_editor: str | None = None,
    waiting: Mapping[int, float] | None = None,
) -> Feed:
    """Every edit logged after ``after_id`` (except ``exclude_editor``'s own).

    On PostgreSQL, ids are handed out when a row is written but seen when its
    transaction commits: an import's batch may commit after a quicker edit
    with a higher id was read. The ids skipped so far come back in
    ``Feed.waiting``; given back here, they are read once they are committed
    (or forgotten after ``GAP_WAIT_S``: a transaction that rolled back).
    """
    waiting = dict(waiting or {})
    wanted = ChangeLog.id > after_id
    if waiting:
        wanted = wanted | ChangeLog.id.in_(list(waiting))
    rows = session.execute(change_log_query().where(wanted)).all()
    feed = Feed(last_id=after_id)
    seen: set[int] = set()
    for row in rows:
        record = ChangeRecord.from_json(row._mapping)
        row_id = int(row.id)
        seen.add(row_id)
        feed.last_id = max(feed.last_id, row_id)
        if record.editor == exclude_editor or record.entity_id is None:
            continue
        if record.document_id is None and record.entity != Entity.NAMED_ENTITY:
            continue  # a role change: nothing a window shows
        feed.editors.add(record.editor)
        apply_record(feed.changes, record)
    now = time.monotonic()
    missing = range(after_id + 1, feed.last_id)
    if len(missing) <= GAP_MAX and _commits_out_of_order(session):
        waiting.update((i, now) for i in missing if i not in seen)
    feed.waiting = {
        i: since for i, since in waiting.items() if i not in seen and now - since < GAP_WAIT_S
    }
    return feed


def apply_record(changes: Changes, record: ChangeRecord) -> None:
    """Add one logged change to ``changes``, as the window applies it.

    An import is read as the edit it equals (:meth:`ChangeRecord.from_json`).
    """
    span = record.span_data()
    if span is not None:
        if record.action == "add":
            changes.span_added(span)
        elif record.action == "update":
            changes.span_updated(span)
        else:
            changes.span_removed(span)
        return
    relation = record.relation_data()
    if relation is not None:
        if record.action == "add":
            changes.relation_added(relation)
        else:
            changes.relation_removed(relation)
        return
    status = record.new_status()
    if status is not None and record.document_id is not None:
        changes.statuses[(record.document_id, record.layer)] = status
        return
    if record.entity == Entity.NAMED_ENTITY and record.entity_id is not None:
        changes.entities[record.entity_id] = record.entity_data()
        return
    label = record.document_label()
    if label is not None and record.document_id is not None:
        changes.document_labels[(record.document_id, record.layer, label[0])] = label[1]


class ServerNotifications:
    """Waits for PostgreSQL notifications in a thread and calls ``on_notify``.

    The callback runs in that thread: the window hands it to the GUI thread.
    """

    def __init__(self, url: str, on_notify: Callable[[], None]) -> None:
        from psycopg.conninfo import make_conninfo
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        parts = {
            "host": parsed.host,
            "port": parsed.port,
            "user": parsed.username,
            "password": parsed.password,
            "dbname": parsed.database,
        }
        self._conninfo = make_conninfo("", **{k: v for k, v in parts.items() if v is not None})
        self._on_notify = on_notify
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._on_notify()
            except psycopg.Error:
                # The server went away: the window keeps polling; try again soon.
                self._stop.wait(5.0)
