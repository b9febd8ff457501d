"""The open project and every edit made in it (docs/design.md, "Application package").

A :class:`Workspace` owns the project, its database, the edit store, the one
:class:`~annotator.app.history.CommandHistory`, the edits the database could
not take now (kept, in order, and retried) and the one place that publishes
what changed. The windows, the command line and the tests drive it; it
imports no Qt.

What happens to an edit (:meth:`Workspace.run`):

- saved: recorded in the history, and published;
- the database cannot take the write now (``SaveFailed``: a full disk, a
  read-only folder, a lock, a lost server): kept, retried by :meth:`retry` in
  order, and edits made meanwhile queue behind it; published when saved;
- refused for good (a span someone else changed since, a layer the user may
  not change, a constraint): not done, not kept, not recorded; the reason is
  in :attr:`Workspace.refusal`.

It also reads what a window shows of the project, each in one transaction:
the list of documents (:meth:`Workspace.documents_for`), a document with its
spans, whose versions edits are then made on (:meth:`Workspace.read_document`),
the layers' names, where the database is.

The database layer is imported only when a workspace opens one, so the window
can show itself before SQLAlchemy is loaded, and on an SQLite project show the
document it opens on too (:func:`preview_document`; docs/design.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from annotator.app.history import CommandHistory
from annotator.core.commands import Changes, Command, EditStore
from annotator.core.errors import ProjectProblem
from annotator.core.model import DocumentSummary, RelationData, SpanData
from annotator.core.span_rows import SpanRows

if TYPE_CHECKING:
    from annotator.io.project import Project
    from annotator.store.db import Database

T = TypeVar("T")


class Publisher(Generic[T]):
    """Calls each subscriber with every event published, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[T], None]] = []

    def subscribe(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Returns how to unsubscribe."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def publish(self, event: T) -> None:
        for callback in list(self._subscribers):
            callback(event)


class Operation(Enum):
    DO = "do"
    UNDO = "undo"
    REDO = "redo"
    RETRY = "retry"
    """A kept edit the database took at last."""


@dataclass(frozen=True, slots=True)
class Changed:
    """What one saved operation changed (published once per operation)."""

    operation: Operation
    command: Command
    changes: Changes

    @property
    def text(self) -> str:
        """The command's text ("Add Person")."""
        return self.command.text

    @property
    def document_ids(self) -> set[int]:
        return self.changes.document_ids


class KeptEdits:
    """Edits the database could not take now, kept in the order they were made.

    ``try_save`` saves one and returns None, or why the database still cannot
    take it. The windows' bar of unsaved edits is a view of one of these.
    """

    def __init__(self, try_save: Callable[[Command], str | None]) -> None:
        self._try_save = try_save
        self.pending: list[Command] = []
        self.reason = ""
        """Why the first one was not saved, the last time it was tried."""
        self.changed: Publisher[KeptEdits] = Publisher()
        """Published when an edit was kept, saved or discarded, or a retry failed."""
        self.saved: Publisher[Command] = Publisher()
        """A kept edit left the queue: saved, or refused for good on retry."""

    def keep(self, command: Command, reason: str) -> None:
        self.pending.append(command)
        self.reason = reason
        self.changed.publish(self)

    def retry(self) -> bool:
        """Save the kept edits in order; stop at the first one still not taken.

        True when none is left.
        """
        while self.pending:
            reason = self._try_save(self.pending[0])
            if reason is not None:
                self.reason = reason
                self.changed.publish(self)
                return False
            self.saved.publish(self.pending.pop(0))
        self.reason = ""
        self.changed.publish(self)
        return True

    def discard(self) -> list[Command]:
        """Throw the kept edits away (the analyst said so); returns them."""
        dropped, self.pending = self.pending, []
        self.reason = ""
        self.changed.publish(self)
        return dropped


class DatabaseNotOpened(ProjectProblem):
    """The project was read but its database could not be opened (a window may
    offer a backup: :attr:`project` says where it is)."""

    def __init__(self, project: Project, problem: ProjectProblem) -> None:
        super().__init__(problem.path, problem.message, problem.line)
        self.project = project

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.project, ProjectProblem(self.path, self.message, self.line)))


StoreKind = Literal["edits", "assist", "review"]
"""Which edit store a workspace opens with (:meth:`Workspace.open`)."""


def _store_factory(kind: StoreKind) -> Callable[[Database], EditStore]:
    if kind == "assist":
        from annotator.store.assist import AssistEditStore

        return AssistEditStore
    if kind == "review":
        from annotator.store.review import ReviewEditStore

        return ReviewEditStore
    from annotator.store.edits import DatabaseEditStore

    return DatabaseEditStore


@dataclass(frozen=True, slots=True)
class DocumentList:
    """The project's documents as one analyst's list shows them."""

    documents: list[DocumentSummary]
    """Every document, the analyst's assignments first."""
    assigned: list[int]
    """The ids of the documents assigned to the analyst."""


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """One document as a window shows it: its text, spans and links."""

    document_id: int
    text: str
    spans: SpanRows
    """In the order read (start, longer first, id); each span made when asked for."""
    relations: list[RelationData]
    complete: bool = True
    """False: only the spans that start on the first screen, and no links
    (:meth:`Workspace.read_document_start`); :meth:`Workspace.read_document`
    reads them all."""


@dataclass(frozen=True, slots=True)
class DocumentPreview:
    """The document a window opens on, read before the database layer is
    loaded (:func:`preview_document`); shown, never edited."""

    project: Project
    content: DocumentContent
    database_file: Path
    """The project's SQLite file, which the list can be read from the same way
    (:class:`annotator.app.document_list.FileListQuery`)."""


def preview_document(
    directory: Path | str,
    user: str,
    last_document: Callable[[Path], int | None],
    accept_length: Callable[[int], bool],
) -> DocumentPreview | None:
    """The document :meth:`Workspace.open` and the window would show first
    (``last_document`` of the project, else the first not done), read from
    an SQLite project's file with the standard library (``store/
    first_read.py``): a cold start paints it before SQLAlchemy is loaded.
    None when that cannot be done here; :meth:`Workspace.open` then does all."""
    from annotator.io.project import load_project
    from annotator.store.first_read import peek_document, sqlite_path

    try:
        project = load_project(Path(directory))
        path = sqlite_path(project.database_url)
        if path is None:
            return None
        read = peek_document(
            path,
            user,
            last_document(project.directory),
            every_layer=bool(project.setting("show_all_annotators")),
            accept=accept_length,
        )
    except Exception:  # a preview only: the usual open reports every problem
        return None
    if read is None:
        return None
    content = DocumentContent(read.document_id, read.text, read.spans, [])
    return DocumentPreview(project, content, path)


class Outcome(Enum):
    SAVED = "saved"
    KEPT = "kept"
    """Not saved yet: in :attr:`Workspace.kept`, to be retried."""
    REFUSED = "refused"
    """Not done, never will be; :attr:`Workspace.refusal` says why."""


class Workspace:
    """One open project: its store, history, kept edits and change publisher.

    A window makes its workspace before a project is open (``store`` None):
    edits are then refused ("no project is open"), and kept edits wait.
    """

    def __init__(
        self,
        store: EditStore | None,
        *,
        db: Database | None = None,
        project: Project | None = None,
    ) -> None:
        self.store = store
        self.db = db
        self.project = project
        self.history = CommandHistory()
        self.changes: Publisher[Changed] = Publisher()
        """Every saved do, undo, redo and retry, published exactly once."""
        self.queue = KeptEdits(self._save_kept)
        """The edits the database could not take now."""
        self._retried: Changed | None = None
        self.queue.saved.subscribe(self._kept_saved)
        self.refusal: str | None = None
        """Why the last edit run was refused (None: saved, or kept)."""
        self.refused: Publisher[str] = Publisher()
        """Why an edit was refused for good, run or retried (not published when
        no project is open)."""
        self.failure: str | None = None
        """Why the last undo or redo failed (None: it was saved)."""
        self.saving_kept = False
        """True while a kept edit is being saved (the analyst may have moved on)."""

    @classmethod
    def open(
        cls,
        directory: Path | str,
        *,
        kind: StoreKind = "edits",
        store_factory: Callable[[Database], EditStore] | None = None,
    ) -> Workspace:
        """Open the project in ``directory``, its database and its edit store.

        ``kind`` says which edit store: ``"edits"`` (every edit command),
        ``"assist"`` (the main window's: suggestions' commands too) or
        ``"review"`` (compare mode's: adjudication too); ``store_factory``, if
        given, makes it from the database instead. A project that cannot be
        read raises :class:`ProjectProblem`; a database that cannot be opened,
        :class:`DatabaseNotOpened`.
        """
        from annotator.io.project import load_project

        project = load_project(Path(directory))
        try:
            db = project.open_database()
        except ProjectProblem as problem:
            raise DatabaseNotOpened(project, problem) from problem
        if store_factory is None:
            store_factory = _store_factory(kind)
        try:
            store = store_factory(db)
        except BaseException:
            db.close()
            raise
        return cls(store, db=db, project=project)

    def close(self) -> None:
        """Close the database; the project, the store and the history are let go
        (edits are then refused: "no project is open"). Closing twice does nothing."""
        db, self.db = self.db, None
        self.project = None
        self.store = None
        self.history.clear()
        if db is not None:
            db.close()

    def saw(self, spans: Iterable[SpanData]) -> None:
        """Spans now on screen (a document shown, others' edits arrived): the
        versions edits will be made on, checked by the store."""
        saw = getattr(self.store, "saw", None)
        if saw is not None:
            saw(spans)

    # What the project holds, read in one transaction each

    @property
    def backup_problem(self) -> str | None:
        """Why the backup made when the database was opened failed (None: it
        did not, or none was needed); the project opened all the same."""
        return self.db.backup_problem if self.db is not None else None

    def database_location(self) -> str:
        """Where the database is: an SQLite file's path as it is, a server's
        URL without its password; "no project open" when none is."""
        if self.db is None:
            return "no project open"
        url = self.db.engine.url
        if url.get_backend_name() == "sqlite" and url.database:
            return url.database  # the file's path as it is, not URL-quoted
        return url.render_as_string(hide_password=True)

    def documents_for(self, user: str) -> DocumentList:
        """Every document with ``user``'s span count and status (the others'
        are not read), ``user``'s assignments first, in one query. A window
        on a large project reads its list a page at a time instead
        (:class:`annotator.app.document_list.DocumentListQuery`)."""
        from annotator.store import document_list

        with self._open_db().reader() as session:
            rows = document_list.every_row(session, user)
        documents = [
            DocumentSummary(
                id=r.id,
                title="" if r.untitled else r.title,
                source=r.source,
                length=r.length,
                spans_by_annotator={user: r.spans} if r.spans else {},
                status_by_annotator={user: r.status} if r.status != "new" else {},
            )
            for r in rows
        ]
        return DocumentList(documents, [r.id for r in rows if r.assigned])

    def annotator_names(self) -> list[str]:
        """Everyone with a layer in the database (the gold layer included), by name."""
        from annotator.store import repository

        with self._open_db().reader() as session:
            return repository.annotator_names(session)

    def read_document(
        self, document_id: int, annotators: Collection[str] | None = None
    ) -> DocumentContent:
        """A document's text, and the spans and links of ``annotators`` (None:
        everyone's); the spans' versions are the ones edits will be made on."""
        return self.read_document_start(document_id, annotators, len)  # the text ends there

    def read_document_start(
        self,
        document_id: int,
        annotators: Collection[str] | None,
        screen_end: Callable[[str], int],
    ) -> DocumentContent:
        """What a window paints first: the text, and the spans of ``annotators``
        that start before ``screen_end(text)`` (where the first screen ends).
        Complete when the text ends there; otherwise :meth:`read_document`
        follows, once the screen is painted (docs/design.md, "The click")."""
        from annotator.store.document_reader import read_document_start

        names = sorted(annotators) if annotators is not None else None
        with self._open_db().reader() as session:
            read = read_document_start(
                session, document_id, names, screen_end, self._read_span_details
            )
        self._saw(read.spans)
        return DocumentContent(
            document_id, read.text, read.spans, read.relations, complete=read.complete
        )

    def _saw(self, spans: SpanRows) -> None:
        saw_versions = getattr(self.store, "saw_versions", None)
        if saw_versions is not None:  # no span is made for this
            saw_versions(spans.seen_versions())
        else:
            self.saw(spans)

    def _read_span_details(self, ids: Sequence[int]) -> dict[int, tuple[Any, ...]] | None:
        """Spans' details, read when a span of the shown document is first made
        (``core/span_rows.py``); None when the database cannot be read now."""
        from annotator.store.document_reader import read_span_details

        return read_span_details(self.db, ids) if self.db is not None else None

    def _open_db(self) -> Database:
        if self.db is None:
            raise ValueError("no project is open")
        return self.db

    # The kept edits and the history

    @property
    def kept(self) -> list[Command]:
        """Edits the database could not take now, in the order they were made."""
        return self.queue.pending

    @property
    def kept_reason(self) -> str:
        return self.queue.reason

    @property
    def kept_changed(self) -> Publisher[KeptEdits]:
        return self.queue.changed

    # Edits

    def run(self, command: Command) -> Outcome:
        """Do ``command`` now, or keep it behind the edits already kept."""
        self.refusal = None
        if self.queue.pending:  # saved in order: behind the edits already kept
            self.queue.keep(command, self.queue.reason)
            return Outcome.KEPT
        outcome, result = self._save(command)
        if outcome is Outcome.KEPT:
            assert isinstance(result, str)
            self.queue.keep(command, result)
        elif outcome is Outcome.SAVED:
            assert isinstance(result, Changes)
            self.changes.publish(Changed(Operation.DO, command, result))
        return outcome

    def undo(self) -> bool:
        """Undo the last step; False (and :attr:`failure`) if the store refused it."""
        return self._step(Operation.UNDO)

    def redo(self) -> bool:
        """Redo the next step; False (and :attr:`failure`) if the store refused it."""
        return self._step(Operation.REDO)

    def _step(self, operation: Operation) -> bool:
        self.failure = None
        undo = operation is Operation.UNDO
        history = self.history
        if not (history.can_undo if undo else history.can_redo):
            return False
        command = history.commands[history.index - 1 if undo else history.index]
        what = f"{'Undo' if undo else 'Redo'} {command.text}"
        if self.store is None:
            self.failure = f"{what} failed: no project is open"
            return False
        try:
            changes = history.undo(self.store) if undo else history.redo(self.store)
        except Exception as exc:  # the step stays in the history, to be tried again
            self.failure = f"{what} failed: {exc}"
            return False
        self.changes.publish(Changed(operation, command, changes))
        return True

    # The kept edits

    def retry(self) -> bool:
        """Save the kept edits in order; stop at the first one still not taken.

        True when none is left. A kept edit refused for good on retry (someone
        else changed the span meanwhile) is dropped and :attr:`refusal` says why.
        """
        return self.queue.retry()

    def discard(self) -> list[Command]:
        """Throw the kept edits away (the analyst said so); returns them."""
        return self.queue.discard()

    def _save_kept(self, command: Command) -> str | None:
        self.saving_kept = True
        try:
            outcome, result = self._save(command)
        finally:
            self.saving_kept = False
        if outcome is Outcome.KEPT:
            assert isinstance(result, str)
            return result
        if outcome is Outcome.SAVED:
            assert isinstance(result, Changes)
            self._retried = Changed(Operation.RETRY, command, result)
        return None

    def _kept_saved(self, command: Command) -> None:
        """Out of the queue now: published (a subscriber that fails cannot make
        the queue save it twice)."""
        event, self._retried = self._retried, None
        if event is None or event.command is not command:
            return  # refused for good on retry: nothing to publish
        self.saving_kept = True
        try:
            self.changes.publish(event)
        finally:
            self.saving_kept = False

    def _save(self, command: Command) -> tuple[Outcome, Changes | str | None]:
        """Run and record one edit: saved (its changes), kept (why the database
        cannot take it now) or refused (:attr:`refusal` says why)."""
        if self.store is None:
            if self.saving_kept:
                return Outcome.KEPT, "no project is open"
            self.refusal = "no project is open"
            return Outcome.REFUSED, None
        from annotator.core.errors import DatabaseProblem, SaveFailed

        try:
            changes = self.history.run(command, self.store)
        except SaveFailed as exc:
            if not refused_for_good(exc):
                return Outcome.KEPT, exc.reason.removeprefix("not saved: ")
            self._refuse(command.text, exc.reason)
            return Outcome.REFUSED, None
        except Exception as exc:  # the store refused it: the edit did not happen
            reason = exc.reason if isinstance(exc, DatabaseProblem) else str(exc)
            self._refuse(command.text, reason)
            return Outcome.REFUSED, None
        return Outcome.SAVED, changes

    def _refuse(self, what: str, reason: str) -> None:
        self.refusal = f"{what} refused, not saved: {reason.removeprefix('not saved: ')}"
        self.refused.publish(self.refusal)


def refused_for_good(exc: Exception) -> bool:
    """A constraint or rule of the database refused the write: trying again
    would get the same answer (unlike a full disk or a lost server)."""
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc.__cause__, IntegrityError)
