"""Assisted annotation over a workspace: suggestions, accepting and rejecting
them, and annotating every match of a search
(docs/design.md, "Application package"; what the analyst sees: docs/assist.md).

An :class:`Assistant` serves one annotator of a workspace's open project. It
reads suggestions from the project database and builds the core commands of
:mod:`annotator.core.assist_commands`; :meth:`Assistant.accept`,
:meth:`~Assistant.reject` and :meth:`~Assistant.annotate_all` run them through
:meth:`Workspace.run`, so they land in the workspace's one history (one step
of undo each), with its kept edits and refusals, and are published once. The
workspace's edit store must run rejections (the store's ``AssistEditStore``:
:func:`open_assist_workspace` opens one with it). The main window, `annotator
suggest` and the suggestions worker (:func:`compute_in_worker`) use it.

Free of Qt; the database layer is imported only when a method runs, and the
spaCy model only when the project configures one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.app.workspace import Changed, Outcome, Workspace
from annotator.core.assist_commands import AnnotatePlan, RejectSuggestions
from annotator.core.commands import Command, EditStore
from annotator.core.find import FindOptions
from annotator.core.suggest import (
    SuggestConfig,
    Suggestion,
    SuggestionKey,
    entity_labels,
    load_model,
    quote_label,
)

if TYPE_CHECKING:
    from annotator.core.schema import LabelSchema
    from annotator.io.project import Project
    from annotator.store.db import Database

__all__ = [
    "AcceptedEverywhere",
    "Assistant",
    "Suggestion",
    "compute_in_worker",
    "open_assist_workspace",
]


def open_assist_workspace(directory: Path | str) -> Workspace:
    """Open the project in ``directory`` with an edit store that also runs
    rejections of suggestions (the main window's, and `annotator suggest`'s).

    Raises what :meth:`Workspace.open` raises (a ``ProjectProblem``).
    """
    return Workspace.open(directory, kind="assist")


_worker_assistants: dict[tuple[str, str, float], Assistant] = {}
"""In the suggestions worker process: one assistant per project (and version of
its project.yaml) and user, each over a workspace kept open for the next document."""


def compute_in_worker(project_dir: str, user: str, document_id: int) -> list[Suggestion]:
    """The suggestions of one document for ``user``, worked out in the calling
    process. The window hands this to its worker process for a long article:
    on 1 MB with thousands of known names the rules run for seconds of pure
    Python, and in a thread they would hold the GIL against the window."""
    from annotator.io.project import PROJECT_FILE

    key = (project_dir, user, (Path(project_dir) / PROJECT_FILE).stat().st_mtime)
    assistant = _worker_assistants.get(key)
    if assistant is None:
        assistant = Assistant(Workspace.open(project_dir), user)
        for old in [k for k in _worker_assistants if k[:2] == key[:2]]:
            _worker_assistants.pop(old).workspace.close()
        _worker_assistants[key] = assistant
    return assistant.suggestions(document_id)


@dataclass(slots=True)
class AcceptedEverywhere:
    """What accepting the suggestions of many documents stored."""

    documents: int = 0
    spans: int = 0
    relations: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    """(document id, why) for each document whose edit was refused."""
    kept: str | None = None
    """Why the database could not take an edit now; that one and the rest were not
    stored (nothing is left waiting: the kept edits were discarded)."""


class Assistant:
    """Suggestions and their commands for one annotator of a workspace's project::

        assistant = Assistant(workspace, "ana")
        shown = assistant.suggestions(doc_id)        # read, nothing changes
        assistant.accept(doc_id, [shown[0]])          # Outcome.SAVED; workspace.undo() undoes it
        plan = assistant.plan_annotate_all("Blinken", "Person", FindOptions(whole_word=True))
        plan.count                                    # the preview; then annotate_all(plan)

    The dictionary of earlier names is read again on each :meth:`suggestions`,
    so names annotated meanwhile count. ``config`` defaults to the project's
    (``assist:`` in project.yaml; a gazetteer that cannot be read raises its
    ``ProjectProblem``).
    """

    def __init__(
        self,
        workspace: Workspace,
        annotator: str,
        config: SuggestConfig | None = None,
        *,
        nlp: Any | None = None,
    ) -> None:
        if workspace.project is None:
            raise ValueError("no project is open")
        self.workspace = workspace
        self.annotator = annotator
        self.config = config if config is not None else workspace.project.assist.suggest_config()
        self._nlp = nlp
        if nlp is None and self.config.model is not None:
            self._nlp = load_model(self.config.model.model)

    @property
    def project(self) -> Project:
        if self.workspace.project is None:
            raise ValueError("no project is open")
        return self.workspace.project

    @property
    def schema(self) -> LabelSchema:
        return self.project.schema

    @property
    def store(self) -> EditStore | None:
        """The workspace's edit store: every command runs on it (one store, one history)."""
        return self.workspace.store

    @property
    def db(self) -> Database:
        if self.workspace.db is None:
            raise ValueError("no project is open")
        return self.workspace.db

    @property
    def model_available(self) -> bool:
        """Whether spaCy suggestions are on (configured, and spaCy and the model load)."""
        return self._nlp is not None

    @property
    def has_sources(self) -> bool:
        """Whether anything can suggest: quotes, the dictionary, gazetteers, rules, a model."""
        schema, config = self.schema, self.config
        return bool(
            quote_label(schema, config)
            or (config.dictionary_from != "off" and entity_labels(schema, config))
            or config.terms
            or config.rules
            or self.model_available
        )

    # --- reading ---------------------------------------------------------------

    def suggestions(self, document_id: int) -> list[Suggestion]:
        """The document's suggestions, without the annotator's spans and rejections."""
        [(_, found)] = self.suggest_documents([document_id])
        return found

    def suggest_documents(self, document_ids: Iterable[int]) -> list[tuple[int, list[Suggestion]]]:
        """Each document's suggestions, in one read transaction with one dictionary
        (a regex rule stopped as too slow is named in the list's ``problems``)."""
        from annotator.store import assist

        with self.db.reader() as session:
            suggester = assist.make_suggester(
                session, self.annotator, self.schema, self.config, nlp=self._nlp
            )
            return [
                (document_id, assist.list_suggestions(
                    session, document_id, self.annotator, self.schema, self.config,
                    suggester=suggester,
                ))
                for document_id in document_ids
            ]  # fmt: skip

    def check_can_accept(self) -> None:
        """Raise ``PermissionDenied`` when the annotator's layer is not theirs to
        fill (gold is no one's name), before any work."""
        from annotator.store import repository

        with self.db.reader() as session:
            repository.check_can_write(session, self.annotator, self.annotator)

    # --- the commands ----------------------------------------------------------

    def accept_command(self, document_id: int, suggestions: Sequence[Suggestion]) -> Command:
        """The command accepting these (one, or all of a document's), as one step;
        a quote's speaker is linked to the annotator's span there, if any; a link
        suggestion links its span to the entity."""
        from annotator.store import assist

        with self.db.reader() as session:
            return assist.accept_command(
                session, document_id, self.annotator, suggestions, self.schema, self.config
            )

    def reject_command(
        self, document_id: int, suggestions: Sequence[Suggestion | SuggestionKey]
    ) -> RejectSuggestions:
        keys = [s.key if isinstance(s, Suggestion) else s for s in suggestions]
        return RejectSuggestions(document_id, self.annotator, keys)

    def accept(self, document_id: int, suggestions: Sequence[Suggestion]) -> Outcome:
        """Accept suggestions as the annotator's spans, through the workspace."""
        return self.workspace.run(self.accept_command(document_id, suggestions))

    def reject(
        self, document_id: int, suggestions: Sequence[Suggestion | SuggestionKey]
    ) -> Outcome:
        """Turn suggestions down for this document, through the workspace."""
        return self.workspace.run(self.reject_command(document_id, suggestions))

    def accept_everywhere(
        self, found: Iterable[tuple[int, Sequence[Suggestion]]]
    ) -> AcceptedEverywhere:
        """Accept each document's suggestions, one edit per document (batch
        pre-annotation). A refused document is reported and the rest go on; when
        the database cannot take an edit now, the rest are not tried."""
        report = AcceptedEverywhere()
        saved: list[Changed] = []
        unsubscribe = self.workspace.changes.subscribe(saved.append)
        try:
            for document_id, items in found:
                if not items:
                    continue
                outcome = self.accept(document_id, items)
                if outcome is Outcome.REFUSED:
                    report.refused.append((document_id, self.workspace.refusal or "refused"))
                elif outcome is Outcome.KEPT:
                    report.kept = self.workspace.kept_reason
                    self.workspace.discard()
                    break
                else:
                    report.documents += 1
        finally:
            unsubscribe()
        report.spans = sum(len(event.changes.added_spans) for event in saved)
        report.relations = sum(len(event.changes.added_relations) for event in saved)
        return report

    # --- annotate all matches --------------------------------------------------

    def plan_annotate_all(
        self,
        query: str,
        label: str,
        options: FindOptions | None = None,
        *,
        document_id: int | None = None,
        annotator: str | None = None,
    ) -> AnnotatePlan:
        """Every match of ``query`` in one document (None: the whole project) that
        the layer lacks as a ``label`` span; ``annotator``: the layer when not
        :attr:`annotator` (gold, for a reviewer). A bad pattern raises ``FindError``."""
        from annotator.store import assist

        with self.db.reader() as session:
            return assist.plan_annotate_all(
                session, query, label, annotator or self.annotator, options,
                document_id=document_id,
            )  # fmt: skip

    def annotate_all(self, plan: AnnotatePlan, *, text: str | None = None) -> Outcome:
        """Add the plan's spans as one edit by :attr:`annotator`, through the workspace."""
        return self.workspace.run(plan.command(editor=self.annotator, text=text))
