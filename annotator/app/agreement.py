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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from annotator.app.agreement_rows import DocumentFigures, document_rows
from annotator.core.agreement import (
    AgreementDocument,
    AgreementReport,
    AgreementTally,
    DocumentAgreement,
    load_counting,
    report_from_tallies,
    tally_agreement,
)
from annotator.core.errors import DatabaseProblem
from annotator.core.forked import OtherSnapshot, can_fork, in_two
from annotator.core.schema import LabelSchema
from annotator.store import sqlite_direct
from annotator.store.agreement_sqlite import AgreementReading, UnknownAnnotator

if TYPE_CHECKING:
    from annotator.io.project import Project

__all__ = [
    "Compared",
    "DocumentFigures",
    "ReportFigures",
    "UnknownAnnotator",
    "compute_compared",
    "document_rows",
    "read_compared",
    "reading_compared",
    "report_figures",
    "report_in_worker",
    "warm_worker",
]


class ComparedDocuments(Protocol):
    """The compared documents: a list, or read as they are iterated."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[AgreementDocument]: ...


@dataclass(frozen=True, slots=True)
class Compared:
    """The annotators compared and the documents to compare them on."""

    names: list[str]
    documents: ComparedDocuments
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
    with reading_compared(
        directory, annotators, labels=labels, all_documents=all_documents
    ) as compared:
        return replace(compared, documents=list(compared.documents))


@contextmanager
def reading_compared(
    directory: Path | str,
    annotators: Sequence[str] | None,
    *,
    labels: Sequence[str] | None = None,
    all_documents: bool = False,
) -> Iterator[Compared]:
    """:func:`read_compared`, its documents read as they are iterated inside
    the ``with`` where the project is an SQLite file read directly: the
    agreement then counts a chunk of them while the next is read (their
    number is read at once). An SQLite error while they are read raises
    :class:`DatabaseProblem`."""
    from annotator.io.project import load_project

    project = load_project(Path(directory))
    with _sqlite_directly(project, annotators, labels, all_documents, titles=False) as found:
        if found is not None:
            yield found
            return
    yield _read_through_workspace(
        Path(directory), project.schema, annotators, labels, all_documents
    )


@contextmanager
def _sqlite_directly(
    project: Project,
    annotators: Sequence[str] | None,
    labels: Sequence[str] | None,
    all_documents: bool,
    titles: bool,
) -> Iterator[Compared | None]:
    from annotator.io.direct_open import open_directly
    from annotator.store import agreement_sqlite

    opened = open_directly(project, writable=False)
    if opened is None:
        yield None
        return
    conn = opened.conn
    try:
        try:
            conn.execute("BEGIN")  # one snapshot for every read
            names = list(annotators) if annotators else agreement_sqlite.annotators_with_spans(conn)
            if len(names) < 2:
                found = Compared(names, [], project.schema)
            else:
                reading = agreement_sqlite.AgreementReading(
                    conn, names, labels=labels, all_documents=all_documents, schema=project.schema
                )
                named = agreement_sqlite.document_titles(conn, reading.ids) if titles else {}
                read = _Reported(reading, opened.path, sqlite_direct.last_change(conn))
                found = Compared(names, read, project.schema, named)
        except sqlite3.Error:  # the usual path reports it, or finds it gone
            found = None
        yield found
    finally:
        opened.close()


class _Reported:
    """Documents read as they are iterated; an SQLite error then (the file is
    already open and its first reads went well) is the user's to know, as a
    :class:`DatabaseProblem` naming the file."""

    def __init__(self, reading: AgreementReading, path: Path, last_change: int) -> None:
        self._reading = reading
        self._path = path
        self._last_change = last_change
        """The newest change record the reading's transaction sees."""

    def __len__(self) -> int:
        return len(self._reading)

    def __iter__(self) -> Iterator[AgreementDocument]:
        try:
            yield from self._reading
        except sqlite3.Error as exc:
            reason = f"could not be read ({str(exc).splitlines()[0]})"
            raise DatabaseProblem(str(self._path), reason) from exc

    def halves(self) -> tuple[_Reported, _Reported] | None:
        """The first half of the chunks and the rest, on this reading's
        connection; None for a single chunk."""
        chunks = self._reading.chunks
        if chunks < 2:
            return None
        return self._in(slice(0, chunks // 2)), self._in(slice(chunks // 2, None))

    def _in(self, chunks: slice, conn: sqlite3.Connection | None = None) -> _Reported:
        return _Reported(self._reading.part(chunks, conn), self._path, self._last_change)

    @contextmanager
    def elsewhere(self) -> Iterator[_Reported]:
        """These documents read on a connection of this process's own
        (:func:`~annotator.store.sqlite_direct.reading_as_of`: a forked
        child's), in a transaction that sees what this reading's sees.
        Raises :class:`OtherSnapshot` when the file cannot be opened again or
        was written meanwhile."""
        with sqlite_direct.reading_as_of(self._path, self._last_change) as conn:
            if conn is None:
                raise OtherSnapshot(self._path)
            yield self._in(slice(None), conn)


def compute_compared(
    compared: Compared,
    labels: Sequence[str] | None = None,
    *,
    by_document: list[DocumentAgreement] | None = None,
) -> AgreementReport:
    """:func:`~annotator.core.agreement.compute_agreement` of what
    :func:`reading_compared` gave (``by_document``: each document's figures
    too, as :func:`~annotator.core.agreement.compute_agreement_by_document`).

    An SQLite project's documents of two chunks or more are counted by two
    processes where this one may fork (the command line, the report's
    worker): the first half here, the rest in a forked child on a connection
    of its own, which must see the same change log as this process's
    reading, else this process counts the rest itself: the figures are
    those of one reading.
    """
    names, schema = compared.names, compared.schema
    with_documents = by_document is not None

    def count(documents: ComparedDocuments) -> AgreementTally:
        return tally_agreement(
            documents, names, labels, schema=schema, with_documents=with_documents
        )

    halves = compared.documents.halves() if isinstance(compared.documents, _Reported) else None
    if halves is None or not can_fork():
        tallies = [count(compared.documents)]
    else:
        first, rest = halves

        def count_elsewhere() -> AgreementTally:
            with rest.elsewhere() as documents:
                return count(documents)

        load_counting()  # before the fork, so the child has it too
        tallies = list(in_two(lambda: count(first), count_elsewhere, lambda: count(rest)))
    return report_from_tallies(tallies, names, labels, schema=schema, by_document=by_document)


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
    with _sqlite_directly(project, annotators, None, all_documents, titles=True) as found:
        if found is not None:
            if len(found.names) < 2:
                return None
            by_document: list[DocumentAgreement] = []
            report = compute_compared(found, by_document=by_document)
            return report, document_rows(by_document, found.titles)
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
