"""Full-text search of a project's documents: the window's project search and
`annotator search` (docs/design.md, "Application package").

:func:`search` takes a :class:`~annotator.app.workspace.Workspace` (or its
database) and runs the store's query (SQLite FTS5, PostgreSQL full text) in
one read transaction; the results and the problems of a query are the
store's plain values, re-exported here so that the surfaces import neither
the store nor SQLAlchemy. Free of Qt; it loads the database layer when
imported, so the window imports it only when a search is run.
"""

from __future__ import annotations

from annotator.app.workspace import Workspace
from annotator.store import search as store_search
from annotator.store.db import Database
from annotator.store.search import QueryTooLarge, SearchError, SearchHit, SearchResults

__all__ = [
    "QueryTooLarge",
    "SearchError",
    "SearchHit",
    "SearchResults",
    "search",
]


def search(
    source: Workspace | Database, query: str, *, limit: int = 50, offset: int = 0
) -> SearchResults:
    """Documents with every word of ``query`` (``"phrases"`` and ``prefix*`` too),
    best first, ``limit`` of them from ``offset``.

    :class:`SearchError` for a query with nothing to search for,
    :class:`QueryTooLarge` (one of them) past its bounds.
    """
    db = source.db if isinstance(source, Workspace) else source
    if db is None:
        raise SearchError("no project is open")
    with db.reader() as session:
        return store_search.search(session, query, limit=limit, offset=offset)
