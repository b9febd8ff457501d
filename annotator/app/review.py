"""Review for the window and the command line: progress, the agreement report,
comment threads, the layers to compare, and assignments
(docs/design.md, "Application package").

Each read takes an open :class:`~annotator.store.db.Database`, runs its
queries (kept in annotator.store) in one transaction and returns plain values,
so the surfaces never open a session themselves; the assignments take a
:class:`~annotator.app.workspace.Workspace`. Adjudication is
:mod:`annotator.app.adjudication`. Free of Qt; it loads the database layer
when imported, so the window imports it only once a project is open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.app.agreement_rows import DocumentFigures, document_rows
from annotator.core.agreement import (
    AgreementDocument,
    AgreementReport,
    compute_agreement_by_document,
)
from annotator.core.errors import NotFound
from annotator.core.schema import LabelSchema
from annotator.store import agreement_data, repository
from annotator.store import review as store_review
from annotator.store.agreement_data import UnknownAnnotator
from annotator.store.db import Database
from annotator.store.review import AnnotatorProgress, CommentData, Progress, ReviewProblem

if TYPE_CHECKING:
    from annotator.app.workspace import Workspace
    from annotator.io.project import Project

__all__ = [
    "AnnotatorProgress",
    "Assigned",
    "CommentData",
    "Database",
    "DocumentFigures",
    "DocumentThreads",
    "NotFound",
    "Progress",
    "ReviewProblem",
    "UnknownAnnotator",
    "add_comment",
    "agreement_documents",
    "agreement_report",
    "assign_documents",
    "assign_round_robin",
    "comment_threads",
    "compared_annotators",
    "document_figures",
    "document_threads",
    "progress",
    "project_people",
    "unknown_people",
]


def progress(db: Database, names: Sequence[str] = ()) -> Progress:
    """Documents done and spans per label, per annotator (``names`` listed even at zero)."""
    with db.reader() as session:
        return store_review.progress(session, names)


# -- agreement ---------------------------------------------------------------


def compared_annotators(db: Database) -> list[str]:
    """Who is compared when nobody is named: everyone with a span, except gold."""
    with db.reader() as session:
        return agreement_data.annotators_with_spans(session)


def agreement_documents(
    db: Database,
    names: Sequence[str],
    *,
    labels: Sequence[str] | None = None,
    all_documents: bool = False,
    schema: LabelSchema | None = None,
) -> list[AgreementDocument]:
    """The documents to compare ``names`` on (with ``schema``, their document
    labels and speakers too); :class:`UnknownAnnotator` for a stranger."""
    with db.reader() as session:
        return agreement_data.read_agreement_documents(
            session, names, labels=labels, all_documents=all_documents, schema=schema
        )


def document_figures(
    documents: Sequence[AgreementDocument],
    annotators: Sequence[str],
    titles: Mapping[int, str] | None = None,
) -> list[DocumentFigures]:
    """Per document: the pair with the lowest exact F1 and its figures; lowest first."""
    _, by_document = compute_agreement_by_document(documents, annotators)
    return document_rows(by_document, titles)


def agreement_report(
    db: Database,
    annotators: Sequence[str] | None = None,
    *,
    all_documents: bool = True,
    schema: LabelSchema | None = None,
) -> tuple[AgreementReport, list[DocumentFigures]] | None:
    """The report and per-document figures for a project; None with fewer than two people.

    ``annotators`` left out: everyone with a span, except gold. Names, documents
    and titles are read in one transaction (one snapshot). The report and
    every document's figures come from one pass over the documents; with the
    project's ``schema``, the report has the document-label and attribution
    figures too.
    """
    with db.reader() as session:
        names = list(annotators) if annotators else agreement_data.annotators_with_spans(session)
        if len(names) < 2:
            return None
        documents = agreement_data.read_agreement_documents(
            session, names, all_documents=all_documents, schema=schema
        )
        titles = agreement_data.document_titles(session, [d.id for d in documents])
    report, by_document = compute_agreement_by_document(documents, names, schema=schema)
    return report, document_rows(by_document, titles)


# -- comments ----------------------------------------------------------------


def comment_threads(
    db: Database, document_id: int, span_id: int | None = None
) -> list[CommentData]:
    """The threads about one span, or (``span_id`` None) every thread of the document."""
    with db.reader() as session:
        if span_id is None:
            return store_review.comment_threads(session, document_id)
        return store_review.comment_threads(session, document_id, span_id)


@dataclass(frozen=True, slots=True)
class DocumentThreads:
    """Every thread of a document, and the text of each span they are about."""

    threads: list[CommentData]
    span_texts: dict[int, str]


def document_threads(db: Database, document_id: int) -> DocumentThreads:
    """Every thread of a document with its spans' texts; :class:`NotFound` without it."""
    with db.reader() as session:
        repository.get_document(session, document_id)
        threads = store_review.comment_threads(session, document_id)
        about = {t.span_id for t in threads}
        span_texts = {
            s.id: s.text for s in repository.list_spans(session, document_id) if s.id in about
        }
    return DocumentThreads(threads, span_texts)


def add_comment(
    db: Database,
    document_id: int,
    author: str,
    body: str,
    *,
    span_id: int | None = None,
    reply_to: int | None = None,
) -> CommentData:
    """A comment (or a reply, ``reply_to``) in its own transaction.

    :class:`ReviewProblem` or :class:`NotFound` when refused.
    """
    with db.session() as session:
        return store_review.add_comment(
            session, document_id, author, body, span_id=span_id, reply_to=reply_to
        )


# -- people ----------------------------------------------------------------


def project_people(project: Project) -> list[str]:
    """The annotators and reviewers project.yaml lists, each once, in that order."""
    return list(dict.fromkeys([*project.annotators, *(project.reviewers or [])]))


def unknown_people(
    project: Project, names: Sequence[str], reviewers: Sequence[str] = ()
) -> str | None:
    """A message if project.yaml lists its people and a name is not among them
    nor among the database's ``reviewers`` (its roles hold, whatever
    project.yaml says now)."""
    if not project.annotators:
        return None
    known = list(dict.fromkeys([*project_people(project), *reviewers]))
    strangers = [n for n in names if n not in known]
    if not strangers:
        return None
    which = ", ".join(repr(n) for n in strangers)
    return (
        f"{which} is not one of the project's annotators or reviewers "
        f"({', '.join(known)}); add them to project.yaml first"
    )


# -- assignments -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assigned:
    """What an assignment added, and every assignment after it."""

    new: dict[str, list[int]]
    """Per annotator, the documents newly given to them."""
    assignments: dict[int, list[str]]
    """Every document with assignments -> its annotators, sorted."""

    @property
    def added(self) -> int:
        return sum(len(documents) for documents in self.new.values())


def _database(workspace: Workspace) -> Database:
    if workspace.db is None:
        raise ValueError("no project is open")
    return workspace.db


def assign_documents(workspace: Workspace, document_ids: Sequence[int], annotator: str) -> Assigned:
    """Give these documents to ``annotator``, in one transaction.

    :class:`NotFound` for an unknown document, :class:`ReviewProblem` for a
    name that is no one's (gold).
    """
    with _database(workspace).session() as session:
        new = {annotator: store_review.assign(session, document_ids, annotator)}
        return Assigned(new, store_review.assignments(session))


def assign_round_robin(
    workspace: Workspace, annotators: Sequence[str], per_document: int
) -> Assigned:
    """Give every document ``per_document`` of ``annotators``, balanced and
    deterministic; existing assignments stay and count. One transaction.

    :class:`ReviewProblem` when it cannot be done as asked.
    """
    with _database(workspace).session() as session:
        plan = store_review.assign_round_robin(session, annotators, per_document)
        new: dict[str, list[int]] = {name: [] for name in annotators}
        for document, people in plan.items():
            for name in people:
                new[name].append(document)
        return Assigned(new, store_review.assignments(session))
