"""Others' edits appear without reopening: the Qt side of the workspace's live
feed (:class:`annotator.app.live.LiveFeed`), polled on a timer (SQLite) or
woken by the server's notifications (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal

from annotator.app.live import LiveFeed, OthersEdits
from annotator.app.workspace import Workspace

POLL_MS = 2000
"""How often to look on SQLite (and, as a fallback, on a server)."""

NOTIFIED_GAP_MS = 100
"""Least time between two looks woken by notifications: a notification after a
quiet moment is looked at at once, a burst of them (a colleague's import, a
team editing at once: one each per edit) by one look per gap, the last one
after the burst, so nothing is missed and the server answers each window at
most ten times a second."""


class LiveUpdates(QObject):
    arrived = Signal(object)
    """An :class:`annotator.app.live.OthersEdits` with others' new edits, or new documents."""

    _notified = Signal()

    def __init__(self, workspace: Workspace, user: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.feed = LiveFeed(workspace, user)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self._stop_listening: Callable[[], None] | None = None
        self._stopped = False
        self._since_look = QElapsedTimer()
        self._look_later = QTimer(self)
        self._look_later.setSingleShot(True)
        self._look_later.timeout.connect(self.poll)
        self.looks = 0
        """Looks at the change log so far."""
        interval = POLL_MS
        # The notification arrives in a thread; a queued signal brings it here.
        self._notified.connect(self._on_notified, Qt.ConnectionType.QueuedConnection)
        if self.feed.notifies:
            self._stop_listening = self.feed.listen(self._notified.emit)
            interval = POLL_MS * 5
        self._timer.start(interval)

    def _on_notified(self) -> None:
        """Look now, or once the gap since the last look is over (see
        :data:`NOTIFIED_GAP_MS`); a look already waiting covers this one."""
        if self._stopped or self._look_later.isActive():
            return
        elapsed = self._since_look.elapsed() if self._since_look.isValid() else NOTIFIED_GAP_MS
        if elapsed >= NOTIFIED_GAP_MS:
            self.poll()
        else:
            self._look_later.start(NOTIFIED_GAP_MS - int(elapsed))

    def poll(self) -> OthersEdits | None:
        """Look now; others' new edits are also sent with :attr:`arrived`."""
        if self._stopped:
            # A notification queued before stop() arrives after it: the
            # project's database is closed (a look would open a connection
            # that nothing closes).
            return None
        self._look_later.stop()  # this look covers a notification waiting for its turn
        self._since_look.start()
        self.looks += 1
        edits = self.feed.poll()
        if edits is not None and edits.news:
            self.arrived.emit(edits)
        return edits

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        self._look_later.stop()
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
