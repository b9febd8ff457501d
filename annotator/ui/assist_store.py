"""The window's edit store: a DatabaseEditStore whose transactions can also
reject suggestions.

Why not :class:`annotator.store.assist.AssistEditStore` as it is: its
``transaction`` makes a session without the versions the window has seen
and never learns the versions its edits write, so an edit made through it
would skip the check against others' changes ("span 12 was changed by
someone else"), and the next ordinary edit of a span it made would be
refused as stale. This store keeps :class:`DatabaseEditStore`'s bookkeeping
and gives its sessions the rejection calls of
:class:`annotator.store.assist.AssistEdits`, so every command of the window
(spans, links, statuses, accepting and rejecting suggestions) goes through one
store, one transaction per command, and one undo stack.

Imported only when a project opens (it imports the database layer).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from annotator.store.assist import AssistEdits
from annotator.store.edits import DatabaseEditStore


class WindowEditStore(DatabaseEditStore):
    @contextmanager
    def transaction(self) -> Iterator[AssistEdits]:
        with self.db.session() as session:
            edits = AssistEdits(session, self.seen_versions)
            yield edits
        # Only now committed: versions from a rolled-back transaction never stick.
        self.seen_versions.update(edits.learnt)
