"""What ``annotator agreement`` compares, read from a project folder (issue 14).

On an SQLite project the documents and spans are read with :mod:`sqlite3`
alone (:mod:`annotator.store.agreement_sqlite`, the same reader the window's
report runs on SQLite), so the command never loads SQLAlchemy, half a second
of its time, when opening the project needs nothing but the file: its schema
is current and project.yaml's reviewers (if it names any) are the
database's. As on any open, the file is held against a restore while it is
read and the daily backup is taken. Anything else (a server URL, an older
schema, other reviewers, a file that cannot be opened read-only, an SQLite
error) takes the usual path: :class:`~annotator.app.workspace.Workspace` and
:mod:`annotator.app.review`, which migrate, report and do everything else.
Imports nothing from the database layer until it is needed.

The agreement report window's figures are worked out here too, in the
window's report worker process (:func:`report_in_worker`): the same reads,
with the documents' titles, and the report's per-document figures
(:mod:`annotator.app.agreement_rows`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.app.agreement_rows import DocumentFigures, document_rows
from annotator.core.agreement import (
    AgreementDocument,
    AgreementReport,
    compute_agreement_by_document,
)
from annotator.core.schema import LabelSchema
from annotator.store.agreement_sqlite import UnknownAnnotator

if TYPE_CHECKING:
    from annotator.io.project import Project

__all__ = [
    "Compared",
    "DocumentFigures",
    "ReportFigures",
    "UnknownAnnotator",
    "document_rows",
    "read_compared",
    "report_figures",
    "report_in_worker",
    "warm_worker",
]


@dataclass(frozen=True, slots=True)
class Compared:
    """The annotators compared and the documents to compare them on."""

    names: list[str]
    documents: list[AgreementDocument]
    schema: LabelSchema
    """The project's schema, which the documents' labels and speakers were read for."""
    titles: dict[int, str] = field(default_factory=dict)
    """The documents' titles, by id (only when asked for)."""


def read_compared(
    directory: Path | str,
    annotators: Sequence[str] | None,
    *,
    labels: Sequence[str] | None = None,
    all_documents: bool = False,
) -> Compared:
    """``annotators`` (None: everyone with a span, except gold) and their documents.

    With fewer than two names, no documents are read. Raises
    :class:`UnknownAnnotator` for a name the project lacks, and what opening
    the project raises.
    """
    from annotator.io.project import load_project

    project = load_project(Path(directory))
    found = _read_sqlite_directly(project, annotators, labels, all_documents)
    if found is not None:
        return found
    return _read_through_workspace(
        Path(directory), project.schema, annotators, labels, all_documents
    )


def _read_sqlite_directly(
    project: Project,
    annotators: Sequence[str] | None,
    labels: Sequence[str] | None,
    all_documents: bool,
    titles: bool = False,
) -> Compared | None:
    from annotator.io.direct_open import open_directly
    from annotator.store import agreement_sqlite

    opened = open_directly(project, writable=False)
    if opened is None:
        return None
    conn = opened.conn
    try:
        try:
            conn.execute("BEGIN")  # one snapshot for every read
            names = list(annotators) if annotators else agreement_sqlite.annotators_with_spans(conn)
            if len(names) < 2:
                return Compared(names, [], project.schema)
            documents = agreement_sqlite.read_agreement_documents(
                conn, names, labels=labels, all_documents=all_documents, schema=project.schema
            )
            found = (
                agreement_sqlite.document_titles(conn, [d.id for d in documents]) if titles else {}
            )
            return Compared(names, documents, project.schema, found)
        except sqlite3.Error:  # the usual path reports it, or finds it gone
            return None
    finally:
        opened.close()


def _read_through_workspace(
    directory: Path,
    schema: LabelSchema,
    annotators: Sequence[str] | None,
    labels: Sequence[str] | None,
    all_documents: bool,
) -> Compared:
    from annotator.app.review import agreement_documents, compared_annotators
    from annotator.app.workspace import Workspace

    workspace = Workspace.open(directory)
    db = workspace.db
    assert db is not None  # just opened
    try:
        names = list(annotators) if annotators else compared_annotators(db)
        if len(names) < 2:
            return Compared(names, [], schema)
        documents = agreement_documents(
            db, names, labels=labels, all_documents=all_documents, schema=schema
        )
        return Compared(names, documents, schema)
    finally:
        workspace.close()


# -- the report window's figures ---------------------------------------------


def report_figures(
    directory: Path | str,
    annotators: Sequence[str] | None = None,
    *,
    all_documents: bool = True,
) -> tuple[AgreementReport, list[DocumentFigures]] | None:
    """The agreement report window's figures for the project in ``directory``:
    :func:`annotator.app.review.agreement_report` with the project's schema,
    the project opened here. None with fewer than two people.

    On SQLite the reading is :func:`read_compared`'s (sqlite3 alone, one
    transaction for the names, documents and titles); anything else goes
    through the workspace and ``agreement_report`` (one reader transaction).
    """
    from annotator.io.project import load_project

    project = load_project(Path(directory))
    found = _read_sqlite_directly(project, annotators, None, all_documents, True)
    if found is None:
        from annotator.app.review import agreement_report
        from annotator.app.workspace import Workspace

        workspace = Workspace.open(directory)
        assert workspace.db is not None and workspace.project is not None  # just opened
        try:
            return agreement_report(
                workspace.db,
                annotators,
                all_documents=all_documents,
                schema=workspace.project.schema,
            )
        finally:
            workspace.close()
    if len(found.names) < 2:
        return None
    report, by_document = compute_agreement_by_document(
        found.documents, found.names, schema=found.schema
    )
    return report, document_rows(by_document, found.titles)


@dataclass(frozen=True, slots=True)
class ReportFigures:
    """What the report's worker sends back: the figures, or why there are none."""

    figures: tuple[AgreementReport, list[DocumentFigures]] | None
    """None with fewer than two people (or on a problem)."""
    problem: str | None = None
    """What went wrong (the project or its database could not be read), in words."""


def report_in_worker(
    directory: str, annotators: Sequence[str] | None, all_documents: bool
) -> ReportFigures:
    """:func:`report_figures` as the report window's worker process runs it.
    Any failure comes back as words, never as an exception (one of ours may
    not survive pickling)."""
    try:
        figures = report_figures(directory, annotators, all_documents=all_documents)
    except Exception as exc:  # the project or database unreadable: said in the report
        return ReportFigures(None, str(exc) or type(exc).__name__)
    return ReportFigures(figures)


def warm_worker() -> int:
    """Load, in the report's worker process, what :func:`report_in_worker`
    runs on SQLite, so the first report does not pay for it. Returns the
    worker's process id."""
    import os

    import annotator.io.backup
    import annotator.io.direct_open
    import annotator.io.project
    import annotator.store.agreement_sqlite  # noqa: F401
    from annotator.core.agreement import load_counting

    load_counting()
    return os.getpid()
