"""Undoable commands of assisted annotation: accept suggestions, reject them,
annotate every match. Each is one command and one transaction, however many
spans it adds ("accept all" is one step on the undo stack).

Like the commands of :mod:`annotator.core.commands`, a command remembers the
ids it got, and its redo creates the spans and relations again under them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from annotator.core.commands import Changes, Command, EditSession
from annotator.core.find import FindOptions, compile_query, iter_matches
from annotator.core.suggest.types import Suggestion, SuggestionKey

Match = tuple[int, int, int]
"""(document id, start, end)"""


class AcceptSuggestions(Command):
    """Make suggestions the annotator's spans; a quote's speaker is linked to it.

    The speaker becomes a span too unless the annotator already has one there
    (``speaker_spans`` maps its (start, end) to that span's id) or it is among
    the accepted suggestions.
    """

    def __init__(
        self,
        document_id: int,
        annotator: str,
        suggestions: Sequence[Suggestion],
        *,
        speaker_spans: Mapping[tuple[int, int], int] | None = None,
    ) -> None:
        self.document_id = document_id
        self.annotator = annotator
        self.suggestions = list({s.key: s for s in suggestions}.values())
        self.speaker_spans = dict(speaker_spans or {})
        if len(self.suggestions) == 1:
            self.text = f"Accept {self.suggestions[0].label} suggestion"
        else:
            self.text = f"Accept {len(self.suggestions)} suggestions"
        self.span_ids: dict[SuggestionKey, int] = {}
        """The span made of each suggestion (and of each new speaker)."""
        self.relation_ids: dict[SuggestionKey, int] = {}
        """The speaker relation of each quote, by the quote's key."""
        self._created: list[int] = []

    def _add(self, session: EditSession, key: SuggestionKey) -> int:
        label, start, end = key
        span = session.add_span(
            self.document_id, self.annotator, label, start, end, span_id=self.span_ids.get(key)
        )
        self.span_ids[key] = span.id
        self._created.append(span.id)
        return span.id

    def _do(self, session: EditSession) -> None:
        self._created = []
        at: dict[tuple[int, int], int] = {}
        for s in self.suggestions:
            at[(s.start, s.end)] = self._add(session, s.key)
        for s in self.suggestions:
            sp = s.speaker
            if sp is None:
                continue
            where = (sp.start, sp.end)
            target = self.speaker_spans.get(where) or at.get(where)
            if target is None:
                target = at[where] = self._add(session, (sp.label, sp.start, sp.end))
            relation = session.add_relation(
                self.annotator,
                sp.relation,
                self.span_ids[s.key],
                target,
                relation_id=self.relation_ids.get(s.key),
            )
            self.relation_ids[s.key] = relation.id

    def _undo(self, session: EditSession) -> None:
        # Deleting a quote deletes its speaker relation with it.
        for span_id in reversed(self._created):
            session.delete_span(span_id, self.annotator)


class AnnotateMatches(Command):
    """Give every match (in one document or many) a span of one label.

    The one command of "annotate all matches", whichever surface asks for it
    (find bar, project search, Edit → Tag all matches): build it with
    :meth:`AnnotatePlan.command`. ``editor`` is who makes the edit when it is
    not the annotator (a reviewer on the gold layer); ``text`` replaces the
    undo stack's "Annotate N matches “query” as Label".
    """

    def __init__(
        self,
        annotator: str,
        label: str,
        matches: Sequence[Match],
        query: str = "",
        *,
        editor: str | None = None,
        text: str | None = None,
    ) -> None:
        self.annotator = annotator
        self.editor = editor or annotator
        self.label = label
        self.matches = list(matches)
        what = f" “{query}”" if query else ""
        self.text = text or f"Annotate {len(self.matches)} matches{what} as {label}"
        self.span_ids: list[int] = []

    def _do(self, session: EditSession) -> None:
        ids = self.span_ids
        for n, (document_id, start, end) in enumerate(self.matches):
            span = session.add_span(
                document_id,
                self.annotator,
                self.label,
                start,
                end,
                span_id=ids[n] if n < len(ids) else None,
                editor=self.editor,
            )
            if n >= len(ids):
                ids.append(span.id)

    def _undo(self, session: EditSession) -> None:
        for span_id in reversed(self.span_ids):
            session.delete_span(span_id, self.editor)


@dataclass(frozen=True, slots=True)
class AnnotatePlan:
    """What "annotate all matches" would do: show ``count``, then run :meth:`command`."""

    query: str
    label: str
    annotator: str
    matches: list[Match]
    """(document id, start, end) of each span it adds."""
    skipped: int
    """Matches the annotator already has as a span of this label."""

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def documents(self) -> int:
        return len({doc for doc, _, _ in self.matches})

    def command(self, *, editor: str | None = None, text: str | None = None) -> AnnotateMatches:
        """The one undoable step adding every span of the plan."""
        return AnnotateMatches(
            self.annotator, self.label, self.matches, self.query, editor=editor, text=text
        )


def plan_matches(
    query: str,
    label: str,
    annotator: str,
    documents: Iterable[tuple[int, str, Collection[tuple[int, int]]]],
    options: FindOptions | None = None,
) -> AnnotatePlan:
    """The one planning step of "annotate all matches", for every surface.

    ``documents`` gives (document id, text, the (start, end) of the annotator's
    ``label`` spans in it); the plan has every non-empty match of ``query``
    that is not one of those spans. Raises :class:`~annotator.core.find.FindError` for
    a query that cannot be used or a search that runs too long.
    """
    compiled = compile_query(query, options or FindOptions())
    matches: list[Match] = []
    skipped = 0
    for doc_id, text, taken in documents:
        for m in iter_matches(compiled, text):
            if m.end() <= m.start():
                continue
            if (m.start(), m.end()) in taken:
                skipped += 1
            else:
                matches.append((doc_id, m.start(), m.end()))
    return AnnotatePlan(query, label, annotator, matches, skipped)


class RejectSession(Protocol):
    def reject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None: ...

    def unreject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None: ...


class RejectStore(Protocol):
    def transaction(self) -> AbstractContextManager[RejectSession]: ...


class RejectSuggestions(Command):
    """Turn suggestions down for this document: they do not come back; undo restores them.

    It changes no span, so its :class:`Changes` are empty: a view refreshes its
    suggestions after it. It needs a store whose sessions can reject
    (``annotator.store.assist.AssistEditStore``).
    """

    def __init__(self, document_id: int, annotator: str, keys: Sequence[SuggestionKey]) -> None:
        self.document_id = document_id
        self.annotator = annotator
        self.keys = list(keys)
        self.text = (
            f"Reject {self.keys[0][0]} suggestion"
            if len(self.keys) == 1
            else f"Reject {len(self.keys)} suggestions"
        )

    def do(self, store: RejectStore) -> Changes:  # type: ignore[override]
        with store.transaction() as session:
            for label, start, end in self.keys:
                session.reject_suggestion(self.document_id, self.annotator, label, start, end)
        return Changes()

    def undo(self, store: RejectStore) -> Changes:  # type: ignore[override]
        with store.transaction() as session:
            for label, start, end in self.keys:
                session.unreject_suggestion(self.document_id, self.annotator, label, start, end)
        return Changes()
