"""One analyst's document list, read a page at a time (issue 14).

Qt-free: the window's paged list model asks this for the rows it shows, the
counts ("12 of 100,000") and where a document is, and the database filters,
sorts and counts (``annotator.store.document_list``), so a project of a
million documents opens without reading them all. The order is the one
:meth:`Workspace.documents_for` gives: the analyst's assignments first, then
by id; a sort by title, status or span count replaces it.

``status`` is a :class:`DocStatus`, ``"not-done"``, or None (every status);
``sort`` is None, ``"title"``, ``"status"`` or ``"spans"``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.model import DocStatus

if TYPE_CHECKING:
    from annotator.app.workspace import Workspace
    from annotator.store.document_list import ListedRow, Source
    from annotator.store.server_read import ServerConnection

StatusFilter = DocStatus | str | None


@dataclass(frozen=True, slots=True)
class ListedDocument:
    """A row of the list: the analyst's status and span count of a document."""

    id: int
    title: str
    """As listed: the title, or "Document ID" when it has none."""
    source: str
    length: int
    status: DocStatus
    spans: int
    assigned: bool


def _listed(row: ListedRow) -> ListedDocument:
    return ListedDocument(
        id=row.id,
        title=row.title,
        source=row.source,
        length=row.length,
        status=DocStatus(row.status),
        spans=row.spans,
        assigned=row.assigned,
    )


def _status(status: StatusFilter) -> str | None:
    if isinstance(status, DocStatus):
        return status.value
    return status


class DocumentListQuery:
    """Paged reads of ``user``'s list of the workspace's open project."""

    def __init__(self, workspace: Workspace, user: str) -> None:
        self.workspace = workspace
        self.user = user

    preview = False
    """True for a list read before the project is open (cold start)."""

    def _reader(self) -> AbstractContextManager[Source]:
        if self.workspace.db is None:
            raise ValueError("no project is open")
        return self.workspace.db.reader()

    def database_file(self) -> Path | None:
        """The SQLite file the list is read from (None: a server)."""
        from annotator.store.first_read import sqlite_path

        project = self.workspace.project
        return None if project is None else sqlite_path(project.database_url)

    def database(self) -> str | None:
        """Which database the list is read from: an SQLite file's path or a server's URL."""
        file = self.database_file()
        if file is not None:
            return str(file)
        project = self.workspace.project
        return None if project is None else project.database_url

    def same_list(self, other: DocumentListQuery) -> bool:
        """Whether ``other`` lists the same analyst's documents of the same database."""
        mine = self.database()
        return other.user == self.user and mine is not None and other.database() == mine

    def close(self) -> None:
        """Let go of what the list holds (a preview's connection); a project's list holds none."""

    def page(
        self,
        offset: int,
        limit: int,
        filter: str = "",
        status: StatusFilter = None,
        sort: str | None = None,
        descending: bool = False,
        *,
        listed: int | None = None,
    ) -> list[ListedDocument]:
        """Rows ``offset`` to ``offset + limit``; ``listed``: how many rows the
        list has, if known (a page near the end is then read from the end)."""
        from annotator.store import document_list

        with self._reader() as session:
            rows = document_list.page(
                session,
                self.user,
                offset,
                limit,
                filter,
                _status(status),
                sort,
                descending,
                listed=listed,
            )
        return [_listed(r) for r in rows]

    def count(
        self, filter: str = "", status: StatusFilter = None, *, known_total: int | None = None
    ) -> int:
        """Rows of the list so filtered (``known_total``: the project's document
        count, when the caller has read it: not counted again)."""
        from annotator.store import document_list

        with self._reader() as session:
            return document_list.count(session, self.user, filter, _status(status), known_total)

    def total(self) -> int:
        """Every document of the project (the "of N" of the counts)."""
        from annotator.store import document_list

        with self._reader() as session:
            return document_list.total(session)

    def position(
        self,
        document_id: int,
        filter: str = "",
        status: StatusFilter = None,
        sort: str | None = None,
        descending: bool = False,
    ) -> int | None:
        """The document's row in the list so filtered and sorted (None: not listed)."""
        from annotator.store import document_list

        with self._reader() as session:
            return document_list.position(
                session, self.user, document_id, filter, _status(status), sort, descending
            )

    def neighbour(
        self,
        document_id: int,
        step: int,
        filter: str = "",
        status: StatusFilter = None,
        sort: str | None = None,
        descending: bool = False,
        *,
        to_do: bool = False,
        wrap: bool = False,
    ) -> int | None:
        """The listed document after (``step`` > 0) or before ``document_id`` in
        the list so filtered and sorted, which need not list ``document_id``
        itself (None: none). ``to_do``: the nearest one not done; ``wrap``: round
        from the other end."""
        from annotator.store import document_list

        with self._reader() as session:
            return document_list.neighbour(
                session,
                self.user,
                document_id,
                step,
                filter,
                _status(status),
                sort,
                descending,
                to_do=to_do,
                wrap=wrap,
            )

    def ids(
        self,
        filter: str = "",
        status: StatusFilter = None,
        sort: str | None = None,
        descending: bool = False,
        *,
        limit: int | None = None,
    ) -> list[int]:
        """Every listed id, in the list's order (the first ``limit``)."""
        from annotator.store import document_list

        with self._reader() as session:
            return document_list.ids(
                session, self.user, filter, _status(status), sort, descending, limit
            )

    def get(self, ids: Iterable[int]) -> dict[int, ListedDocument]:
        """These documents' rows (whatever the filter), by id."""
        from annotator.store import document_list

        wanted = list(ids)
        with self._reader() as session:
            rows = document_list.rows(session, self.user, wanted)
        return {r.id: _listed(r) for r in rows}


class FileListQuery(DocumentListQuery):
    """The same list read from an SQLite project's file with the standard
    library alone, read-only: what a cold start shows before the project is
    opened (``Workspace.open`` loads SQLAlchemy; docs/design.md, "Start-up").
    Raises :class:`sqlite3.Error` where the file cannot be read."""

    preview = True

    def __init__(self, path: Path, user: str) -> None:
        self.path = path
        self.user = user

    @contextmanager
    def _file(self) -> Iterator[sqlite3.Connection]:
        from annotator.store.first_read import open_read_only

        connection = open_read_only(self.path, timeout=1)
        try:
            yield connection
        finally:
            connection.close()

    def _reader(self) -> AbstractContextManager[Source]:
        return self._file()

    def database_file(self) -> Path | None:
        return self.path

    def database(self) -> str | None:
        return str(self.path)


class ServerListQuery(DocumentListQuery):
    """The same list read from a PostgreSQL project's server with psycopg
    alone, on a read-only connection of its own (kept until :meth:`close`):
    what a cold start on a team database shows before SQLAlchemy is loaded
    (``store/server_read.py``). Raises :class:`psycopg.Error` where the
    server cannot be read."""

    preview = True

    def __init__(self, url: str, connection: ServerConnection, user: str) -> None:
        self.url = url
        self.connection: ServerConnection | None = connection
        self.user = user

    @classmethod
    def connect(cls, database_url: str, user: str) -> ServerListQuery | None:
        """The list of the project whose database is ``database_url``; None
        when that is no PostgreSQL server psycopg can reach."""
        from annotator.store.server_read import connect_read_only

        try:
            connection = connect_read_only(database_url)
        except Exception:  # a preview only: the project's open reports the problem
            return None
        return None if connection is None else cls(database_url, connection, user)

    @contextmanager
    def _server(self) -> Iterator[ServerConnection]:
        if self.connection is None:
            raise ValueError("the preview's connection is closed")
        yield self.connection

    def _reader(self) -> AbstractContextManager[Source]:
        return self._server()

    def database_file(self) -> Path | None:
        return None

    def database(self) -> str | None:
        return self.url

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def preview_server_list(directory: Path | str, user: str) -> ServerListQuery | None:
    """The list a cold start shows of a PostgreSQL project before it is opened
    (:class:`ServerListQuery`); None for an SQLite project (its file is read
    instead) or where that cannot be done here (the open reports why)."""
    from annotator.io.project import load_project
    from annotator.store.first_read import sqlite_path

    try:
        project = load_project(Path(directory))
    except Exception:  # a preview only: the project's open reports every problem
        return None
    if sqlite_path(project.database_url) is not None:
        return None
    return ServerListQuery.connect(project.database_url, user)
