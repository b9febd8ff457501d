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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.agreement import AgreementDocument
from annotator.core.schema import LabelSchema
from annotator.store.agreement_sqlite import UnknownAnnotator

if TYPE_CHECKING:
    from annotator.io.project import Project

__all__ = ["Compared", "UnknownAnnotator", "read_compared"]


@dataclass(frozen=True, slots=True)
class Compared:
    """The annotators compared and the documents to compare them on."""

    names: list[str]
    documents: list[AgreementDocument]
    schema: LabelSchema
    """The project's schema, which the documents' labels and speakers were read for."""


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
            return Compared(names, documents, project.schema)
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
