"""Others' edits as they are saved: the change log read as a feed
(docs/design.md, "The change log and live updates").

A :class:`LiveFeed` follows one workspace's database for one analyst: each
:meth:`LiveFeed.poll` returns what others saved since the last look, once. A
window polls it on a timer; on PostgreSQL it also polls when the server's
notification (:meth:`LiveFeed.listen`) says something changed. Free of Qt; the
database layer is imported only when a feed starts, so the window can show
itself before SQLAlchemy is loaded (docs/design.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from annotator.app.workspace import Workspace
from annotator.core.commands import Changes
from annotator.core.errors import DatabaseProblem

__all__ = ["LiveFeed", "OthersEdits"]


@dataclass(frozen=True, slots=True)
class OthersEdits:
    """What others saved since the last look, as the window applies it."""

    changes: Changes = field(default_factory=Changes)
    editors: frozenset[str] = frozenset()
    """Who made them (empty: no edits)."""
    documents_added: int = 0
    """Documents added to the project since the last look (an import, here or
    by someone else: plain articles leave no change log entry)."""

    @property
    def news(self) -> bool:
        """Something to show: others' edits, or new documents."""
        return bool(self.editors) or self.documents_added > 0


class LiveFeed:
    """The edits others save in ``workspace``'s database, from now on.

    ``user``'s own edits are left out (the window shows them as it makes them).
    """

    def __init__(self, workspace: Workspace, user: str) -> None:
        from annotator.store.document_list import latest_document
        from annotator.store.live import feed_start

        if workspace.db is None:
            raise ValueError("no project is open")
        self._db = workspace.db
        self._user = user
        with self._db.reader() as session:
            start = feed_start(session)
            self.last_document = latest_document(session)
            """The highest document id seen (new documents get higher ones)."""
        self.last_id = start.last_id
        """The newest change log entry read."""
        self._waiting = start.waiting

    @property
    def notifies(self) -> bool:
        """True when the database can say that something changed (PostgreSQL's
        notifications): polling is then only a fallback."""
        return self._db.dialect == "postgresql"

    def listen(self, on_notify: Callable[[], None]) -> Callable[[], None]:
        """Call ``on_notify`` (in a thread of its own) whenever the server says
        that something changed; returns how to stop. Only when :attr:`notifies`."""
        from annotator.store.live import ServerNotifications

        if not self.notifies:
            raise ValueError("only a PostgreSQL database sends notifications")
        listener = ServerNotifications(self._db.url, on_notify)
        listener.start()
        return listener.stop

    def poll(self) -> OthersEdits | None:
        """What others saved since the last look (each edit delivered once);
        None when the database cannot be read now (the next look may work)."""
        from annotator.store.document_list import added_since
        from annotator.store.live import changes_since

        try:
            with self._db.reader() as session:
                feed = changes_since(
                    session, self.last_id, exclude_editor=self._user, waiting=self._waiting
                )
                added, self.last_document = added_since(session, self.last_document)
        except DatabaseProblem:
            return None
        except Exception:  # a lost connection surfaces as a driver error here
            return None
        self.last_id = feed.last_id
        self._waiting = feed.waiting  # others' edits still being committed (PostgreSQL)
        return OthersEdits(feed.changes, frozenset(feed.editors), added)
