"""Review data: the adjudication store, assignments, comments, progress figures.

Every read and write is a Core statement on the caller's session (docs/design.md,
"Storage"); the caller owns the transaction, as with :mod:`repository`.

One module over 500 lines because it is the SQL of review's tables, kept
together as repository.py keeps the project's: the adjudication store's
writes and the read-outs reviewers use share the same queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from annotator.core.errors import NotFound
from annotator.core.model import GOLD_ANNOTATOR, DocStatus, JsonDict, SpanData
from annotator.store import repository
from annotator.store.edits import DatabaseEditStore, SessionEdits
from annotator.store.models import (
    AdjudicationRejection,
    Annotator,
    Assignment,
    Comment,
    Document,
    DocumentStatus,
    Span,
    utcnow,
)
from annotator.store.repository import annotator_id

# --- the adjudication store ---------------------------------------------------


class ReviewSessionEdits(SessionEdits):
    """The writes of one transaction (with an editor for new spans: a reviewer
    on gold), and the reads adjudication needs: its
    :class:`annotator.core.adjudication.ReviewSession` over the repository."""

    def list_spans(self, document_id: int, annotators: Sequence[str]) -> list[SpanData]:
        return repository.list_spans(self.session, document_id, annotators)

    def rejected(self, document_id: int) -> set[int]:
        return rejected_spans(self.session, document_id)

    def set_rejected(self, document_id: int, span_ids: set[int], reviewer: str) -> None:
        set_rejected_spans(self.session, document_id, span_ids, reviewer)


def rejected_spans(session: Session, document_id: int) -> set[int]:
    """Ids of the document's compared spans a reviewer rejected (compare mode's R)."""
    return set(
        session.scalars(
            select(AdjudicationRejection.span_id).where(
                AdjudicationRejection.document_id == document_id
            )
        )
    )


def set_rejected_spans(
    session: Session, document_id: int, span_ids: set[int], reviewer: str
) -> None:
    """Make exactly ``span_ids`` the document's rejected spans (checked: reviewers only)."""
    repository.check_can_write(session, GOLD_ANNOTATOR, reviewer)
    current = rejected_spans(session, document_id)
    gone = current - span_ids
    if gone:
        session.execute(
            delete(AdjudicationRejection).where(AdjudicationRejection.span_id.in_(gone))
        )
    new = span_ids - current
    if new:
        who = annotator_id(session, reviewer)
        session.execute(
            insert(AdjudicationRejection),
            [
                {
                    "span_id": i,
                    "document_id": document_id,
                    "reviewer_id": who,
                    "rejected_at": utcnow(),
                }
                for i in sorted(new)
            ],
        )


class ReviewEditStore(DatabaseEditStore):
    """The project database as the store of adjudication commands."""

    @contextmanager
    def transaction(self) -> Iterator[ReviewSessionEdits]:
        with self.edits(ReviewSessionEdits) as edits:
            yield edits


# --- assignments ----------------------------------------------------------------


class ReviewProblem(ValueError):
    """A request that cannot be done as asked; the message is meant for the user."""


def _check_documents(session: Session, document_ids: Iterable[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in document_ids))
    found = set(session.scalars(select(Document.id).where(Document.id.in_(wanted))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(f"no document with id {', '.join(str(i) for i in missing)}")
    return wanted


def _check_person(name: str) -> None:
    if name == GOLD_ANNOTATOR:
        raise ReviewProblem(f"{GOLD_ANNOTATOR!r} is the adjudicated layer, not a person")
    if not name.strip():
        raise ReviewProblem("an annotator needs a name")


def assign(session: Session, document_ids: Iterable[int], annotator: str) -> list[int]:
    """Assign documents to an annotator; returns the ids newly assigned (in order)."""
    _check_person(annotator)
    ids = _check_documents(session, document_ids)
    who = annotator_id(session, annotator)
    have = set(
        session.scalars(
            select(Assignment.document_id).where(
                Assignment.annotator_id == who, Assignment.document_id.in_(ids)
            )
        )
    )
    new = [i for i in ids if i not in have]
    if new:
        now = utcnow()
        session.execute(
            insert(Assignment),
            [{"document_id": i, "annotator_id": who, "assigned_at": now} for i in new],
        )
    return new


def unassign(session: Session, document_ids: Iterable[int], annotator: str) -> int:
    """Take documents back from an annotator; returns how many assignments went."""

    who = session.scalar(select(Annotator.id).where(Annotator.name == annotator))
    if who is None:
        return 0
    result = session.execute(
        delete(Assignment).where(
            Assignment.annotator_id == who, Assignment.document_id.in_(list(document_ids))
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def assignments(session: Session) -> dict[int, list[str]]:
    """Every document that has assignments -> its annotators, sorted."""
    result: dict[int, list[str]] = {}
    for doc_id, name in session.execute(
        select(Assignment.document_id, Annotator.name)
        .join(Annotator, Annotator.id == Assignment.annotator_id)
        .order_by(Assignment.document_id, Annotator.name)
    ):
        result.setdefault(int(doc_id), []).append(str(name))
    return result


def plan_round_robin(
    document_ids: Sequence[int],
    annotators: Sequence[str],
    per_document: int,
    existing: Mapping[int, Iterable[str]] | None = None,
) -> dict[int, list[str]]:
    """Who gets which document so each has ``per_document`` annotators, balanced.

    Pure and deterministic: documents in the order given; each one missing
    annotators gets those with the fewest assignments so far (existing ones
    count), ties broken by the order of ``annotators``. Returns the new
    assignments only: document id -> annotators, in that order.
    """
    names = list(dict.fromkeys(annotators))
    if per_document < 1:
        raise ReviewProblem("--round-robin needs at least 1 annotator per document")
    if per_document > len(names):
        raise ReviewProblem(
            f"cannot give each document {per_document} annotators: only {len(names)} "
            f"named ({', '.join(names) or 'none'})"
        )
    have = {doc: set(people) for doc, people in (existing or {}).items()}
    load = dict.fromkeys(names, 0)
    for people in have.values():
        for name in people:
            if name in load:
                load[name] += 1
    rank = {name: n for n, name in enumerate(names)}
    plan: dict[int, list[str]] = {}
    for doc in document_ids:
        present = have.get(doc, set())
        missing = per_document - len(present & set(names))
        if missing <= 0:
            continue
        free = sorted((n for n in names if n not in present), key=lambda n: (load[n], rank[n]))
        chosen = free[:missing]
        for name in chosen:
            load[name] += 1
        plan[doc] = sorted(chosen, key=rank.__getitem__)
    return plan


def assign_round_robin(
    session: Session,
    annotators: Sequence[str],
    per_document: int,
    document_ids: Sequence[int] | None = None,
) -> dict[int, list[str]]:
    """Give every document (or those named) ``per_document`` of ``annotators``.

    Existing assignments stay and count, so running it again adds nothing and a
    new document or annotator is fitted in. Returns the new assignments.
    """
    for name in annotators:
        _check_person(name)
    if document_ids is None:
        ids = [int(i) for i in session.scalars(select(Document.id).order_by(Document.id))]
    else:
        ids = _check_documents(session, document_ids)
    plan = plan_round_robin(ids, annotators, per_document, assignments(session))
    by_person: dict[str, list[int]] = {}
    for doc, people in plan.items():
        for name in people:
            by_person.setdefault(name, []).append(doc)
    for name, docs in by_person.items():
        assign(session, docs, name)
    return plan


@dataclass(frozen=True, slots=True)
class AssignedDocument:
    """A document as one annotator's list shows it."""

    id: int
    title: str
    length: int
    assigned: bool
    status: str
    assigned_at: datetime | None = None


def documents_for(session: Session, annotator: str) -> list[AssignedDocument]:
    """Every document, the annotator's assignments first (each group by id)."""
    who = session.scalar(select(Annotator.id).where(Annotator.name == annotator))
    assigned: dict[int, datetime] = {}
    statuses: dict[int, str] = {}
    if who is not None:
        assigned = {
            int(d): at
            for d, at in session.execute(
                select(Assignment.document_id, Assignment.assigned_at).where(
                    Assignment.annotator_id == who
                )
            )
        }
        statuses = {
            int(d): str(s)
            for d, s in session.execute(
                select(DocumentStatus.document_id, DocumentStatus.status).where(
                    DocumentStatus.annotator_id == who
                )
            )
        }
    rows = session.execute(
        select(Document.id, Document.title, Document.length).order_by(Document.id)
    ).all()
    docs = [
        AssignedDocument(
            id=int(doc_id),
            title=str(title),
            length=int(length),
            assigned=int(doc_id) in assigned,
            status=statuses.get(int(doc_id), DocStatus.NEW.value),
            assigned_at=assigned.get(int(doc_id)),
        )
        for doc_id, title, length in rows
    ]
    return sorted(docs, key=lambda d: (not d.assigned, d.id))


def my_assignments(session: Session, annotator: str) -> list[AssignedDocument]:
    """Only the documents assigned to ``annotator``, by id."""
    return [d for d in documents_for(session, annotator) if d.assigned]


# --- comments -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommentData:
    id: int
    document_id: int
    span_id: int | None
    parent_id: int | None
    author: str
    body: str
    created_at: datetime
    replies: list[CommentData] = field(default_factory=list)

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "document_id": self.document_id,
            "span_id": self.span_id,
            "parent_id": self.parent_id,
            "author": self.author,
            "body": self.body,
            "created_at": self.created_at.isoformat(),
            "replies": [r.to_json() for r in self.replies],
        }


_COMMENT_COLUMNS = (
    Comment.id,
    Comment.document_id,
    Comment.span_id,
    Comment.parent_id,
    Annotator.name,
    Comment.body,
    Comment.created_at,
)


def add_comment(
    session: Session,
    document_id: int,
    author: str,
    body: str,
    *,
    span_id: int | None = None,
    reply_to: int | None = None,
) -> CommentData:
    """A comment on a document, on one of its spans, or a reply in a thread.

    A reply belongs to its thread's document and span (``span_id`` may be left
    out; a different one is refused).
    """
    body = body.strip()
    if not body:
        raise ReviewProblem("a comment needs some text")
    _check_person(author)
    _check_documents(session, [document_id])
    if reply_to is not None:
        parent = session.execute(
            select(Comment.document_id, Comment.span_id).where(Comment.id == reply_to)
        ).one_or_none()
        if parent is None:
            raise NotFound(f"no comment with id {reply_to}")
        if int(parent[0]) != document_id:
            raise ReviewProblem(f"comment {reply_to} is on document {parent[0]}, not {document_id}")
        if span_id is not None and span_id != parent[1]:
            raise ReviewProblem(f"comment {reply_to} is not about span {span_id}")
        span_id = parent[1]
    elif span_id is not None:
        span_doc = session.scalar(select(Span.document_id).where(Span.id == span_id))
        if span_doc is None:
            raise NotFound(f"no span with id {span_id}")
        if int(span_doc) != document_id:
            raise ReviewProblem(f"span {span_id} is in document {span_doc}, not {document_id}")
    who = annotator_id(session, author)
    new_id = session.scalar(
        insert(Comment)
        .values(
            document_id=document_id,
            span_id=span_id,
            parent_id=reply_to,
            author_id=who,
            body=body,
            created_at=utcnow(),
        )
        .returning(Comment.id)
    )
    return get_comment(session, int(new_id or 0))


def get_comment(session: Session, comment_id: int) -> CommentData:
    row = session.execute(
        select(*_COMMENT_COLUMNS)
        .join(Annotator, Annotator.id == Comment.author_id)
        .where(Comment.id == comment_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no comment with id {comment_id}")
    return CommentData(*row)


_ANY: Any = object()


def comment_threads(
    session: Session, document_id: int, span_id: int | None = _ANY
) -> list[CommentData]:
    """The threads of a document, oldest first, each with its replies nested.

    ``span_id`` keeps the threads about one span (None: about the document as
    a whole); left out, every thread of the document.
    """
    stmt = (
        select(*_COMMENT_COLUMNS)
        .join(Annotator, Annotator.id == Comment.author_id)
        .where(Comment.document_id == document_id)
        .order_by(Comment.created_at, Comment.id)
    )
    comments = [CommentData(*row) for row in session.execute(stmt)]
    by_id = {c.id: c for c in comments}
    roots: list[CommentData] = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is not None:
            parent.replies.append(comment)
        else:
            roots.append(comment)
    if span_id is not _ANY:
        roots = [c for c in roots if c.span_id == span_id]
    return roots


def comment_counts(session: Session, document_id: int) -> dict[int | None, int]:
    """How many comments each span of a document has (None: the document itself)."""
    return {
        (int(s) if s is not None else None): int(n)
        for s, n in session.execute(
            select(Comment.span_id, func.count(Comment.id))
            .where(Comment.document_id == document_id)
            .group_by(Comment.span_id)
        )
    }


# --- progress ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnnotatorProgress:
    name: str
    role: str
    assigned: int
    assigned_done: int
    done: int
    in_progress: int
    spans: int

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "role": self.role,
            "assigned": self.assigned,
            "assigned_done": self.assigned_done,
            "done": self.done,
            "in_progress": self.in_progress,
            "spans": self.spans,
        }


@dataclass(frozen=True, slots=True)
class Progress:
    documents: int
    annotators: list[AnnotatorProgress]
    spans_by_label: dict[str, dict[str, int]]
    """annotator -> label -> spans"""
    labels: list[str]

    def to_json(self) -> JsonDict:
        return {
            "documents": self.documents,
            "annotators": [a.to_json() for a in self.annotators],
            "labels": list(self.labels),
            "spans_by_label": self.spans_by_label,
        }


def progress(session: Session, names: Sequence[str] = ()) -> Progress:
    """Documents done per annotator and spans per label per annotator.

    Everyone with a span, a status or an assignment, plus ``names`` (the
    project's annotators, shown with zeros before they start) and the
    database's reviewers: ``names`` first in their order, then the others by
    name, gold last.
    """
    conn = session.connection()
    documents = int(conn.execute(select(func.count(Document.id))).scalar() or 0)
    people = {str(n): str(r) for n, r in conn.execute(select(Annotator.name, Annotator.role))}
    status_counts: dict[str, dict[str, int]] = {}
    for name, status, count in conn.execute(
        select(Annotator.name, DocumentStatus.status, func.count(DocumentStatus.id))
        .join(Annotator, Annotator.id == DocumentStatus.annotator_id)
        .group_by(Annotator.name, DocumentStatus.status)
    ):
        status_counts.setdefault(str(name), {})[str(status)] = int(count)
    assigned: dict[str, int] = {}
    for name, count in conn.execute(
        select(Annotator.name, func.count(Assignment.id))
        .join(Annotator, Annotator.id == Assignment.annotator_id)
        .group_by(Annotator.name)
    ):
        assigned[str(name)] = int(count)
    assigned_done: dict[str, int] = {}
    for name, count in conn.execute(
        select(Annotator.name, func.count(Assignment.id))
        .join(Annotator, Annotator.id == Assignment.annotator_id)
        .join(
            DocumentStatus,
            (DocumentStatus.annotator_id == Assignment.annotator_id)
            & (DocumentStatus.document_id == Assignment.document_id),
        )
        .where(DocumentStatus.status == DocStatus.DONE.value)
        .group_by(Annotator.name)
    ):
        assigned_done[str(name)] = int(count)
    by_label: dict[str, dict[str, int]] = {}
    labels: set[str] = set()
    for name, label, count in conn.execute(
        select(Annotator.name, Span.label, func.count(Span.id))
        .join(Annotator, Annotator.id == Span.annotator_id)
        .group_by(Annotator.name, Span.label)
    ):
        by_label.setdefault(str(name), {})[str(label)] = int(count)
        labels.add(str(label))
    reviewers = {name for name, role in people.items() if role == "reviewer"}
    active = set(status_counts) | set(assigned) | set(by_label) | set(names) | reviewers
    listed = {name: n for n, name in enumerate(dict.fromkeys(names))}
    ordered = sorted(
        active, key=lambda n: (n == GOLD_ANNOTATOR, n not in listed, listed.get(n, 0), n)
    )
    rows = [
        AnnotatorProgress(
            name=name,
            role="gold layer" if name == GOLD_ANNOTATOR else people.get(name, "annotator"),
            assigned=assigned.get(name, 0),
            assigned_done=assigned_done.get(name, 0),
            done=status_counts.get(name, {}).get(DocStatus.DONE.value, 0),
            in_progress=status_counts.get(name, {}).get(DocStatus.IN_PROGRESS.value, 0),
            spans=sum(by_label.get(name, {}).values()),
        )
        for name in ordered
    ]
    return Progress(
        documents=documents,
        annotators=rows,
        spans_by_label={name: dict(sorted(by_label.get(name, {}).items())) for name in ordered},
        labels=sorted(labels),
    )
