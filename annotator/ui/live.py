"""Others' edits appear without reopening: poll the change log (SQLite), or
wake on the server's notifications (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal

if TYPE_CHECKING:
    from annotator.store.db import Database
    from annotator.store.live import Feed, ServerNotifications

POLL_MS = 2000
"""How often to look on SQLite (and, as a fallback, on a server)."""


class LiveUpdates(QObject):
    arrived = Signal(object)
    """A :class:`annotator.store.live.Feed` with others' new edits."""

    _notified = Signal()

    def __init__(self, db: Database, user: str, parent: QObject | None = None) -> None:
        from annotator.store.live import ServerNotifications, feed_start

        super().__init__(parent)
        self._db = db
        self._user = user
        with db.reader() as session:
            start = feed_start(session)
        self.last_id = start.last_id
        self._waiting = start.waiting
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self._listener: ServerNotifications | None = None
        interval = POLL_MS
        if db.dialect == "postgresql":
            # The notification arrives in a thread; a queued signal brings it here.
            self._notified.connect(self.poll, Qt.ConnectionType.QueuedConnection)
            self._listener = ServerNotifications(db.url, self._notified.emit)
            self._listener.start()
            interval = POLL_MS * 5
        self._timer.start(interval)

    def poll(self) -> Feed | None:
        from annotator.core.errors import DatabaseProblem
        from annotator.store.live import changes_since

        try:
            with self._db.reader() as session:
                feed = changes_since(
                    session, self.last_id, exclude_editor=self._user, waiting=self._waiting
                )
        except DatabaseProblem:
            return None  # the database is away for now; the next look may work
        except Exception:  # a lost connection surfaces as a driver error here
            return None
        self.last_id = feed.last_id
        self._waiting = feed.waiting  # others' edits still being committed (PostgreSQL)
        if feed.editors:
            self.arrived.emit(feed)
        return feed

    def stop(self) -> None:
        self._timer.stop()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
