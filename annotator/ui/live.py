"""Others' edits appear without reopening: the Qt side of the workspace's live
feed (:class:`annotator.app.live.LiveFeed`), polled on a timer (SQLite) or
woken by the server's notifications (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from annotator.app.live import LiveFeed, OthersEdits
from annotator.app.workspace import Workspace

POLL_MS = 2000
"""How often to look on SQLite (and, as a fallback, on a server)."""


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
        interval = POLL_MS
        if self.feed.notifies:
            # The notification arrives in a thread; a queued signal brings it here.
            self._notified.connect(self.poll, Qt.ConnectionType.QueuedConnection)
            self._stop_listening = self.feed.listen(self._notified.emit)
            interval = POLL_MS * 5
        self._timer.start(interval)

    def poll(self) -> OthersEdits | None:
        """Look now; others' new edits are also sent with :attr:`arrived`."""
        if self._stopped:
            # A notification queued before stop() arrives after it: the
            # project's database is closed (a look would open a connection
            # that nothing closes).
            return None
        edits = self.feed.poll()
        if edits is not None and edits.news:
            self.arrived.emit(edits)
        return edits

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
