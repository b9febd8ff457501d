"""The documents of a project read for the command line: the project's counts,
the list of documents and full-text search (:mod:`annotator.app.search`)
(docs/design.md, "Application package").

Each function takes an open :class:`~annotator.store.db.Database`, runs the
store's queries in one read transaction and returns plain values. Free of Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.app.search import SearchError, SearchResults
from annotator.app.search import search as search_documents
from annotator.core.model import DocumentSummary
from annotator.store import repository
from annotator.store.db import Database, current_revision
from annotator.store.repository import ProjectCounts

__all__ = [
    "Database",
    "DocumentSummary",
    "ProjectCounts",
    "ProjectInfo",
    "SearchError",
    "SearchResults",
    "list_documents",
    "project_info",
    "search",
]


@dataclass(frozen=True, slots=True)
class ProjectInfo:
    """Where the database is (password hidden), its schema revision and the counts."""

    database: str
    schema_version: str | None
    counts: ProjectCounts


def project_info(db: Database) -> ProjectInfo:
    with db.reader() as session:
        counts = repository.project_counts(session)
    return ProjectInfo(
        db.engine.url.render_as_string(hide_password=True), current_revision(db.engine), counts
    )


def list_documents(db: Database) -> list[DocumentSummary]:
    """Every document: id, title, source, length, spans and status per annotator."""
    with db.reader() as session:
        return repository.list_documents(session)


def search(db: Database, query: str, *, limit: int = 50, offset: int = 0) -> SearchResults:
    """Documents with every word of ``query``; :class:`SearchError` for a bad query
    (:func:`annotator.app.search.search`, kept here for `annotator search`)."""
    return search_documents(db, query, limit=limit, offset=offset)
