"""Assisted annotation over the project database: what the window and the
command line call to list, accept and reject suggestions and to annotate every
match of a search.

Reads take a Session (the caller owns it, one per user action); edits are the
undoable commands of :mod:`annotator.core.assist_commands`, run on an
:class:`AssistEditStore` (a :class:`~annotator.store.edits.DatabaseEditStore`
whose sessions can also reject suggestions)::

    with db.reader() as session:
        found = assist.list_suggestions(session, doc_id, "ana", schema, config)
    command = assist.accept_command(session, doc_id, "ana", found, schema, config)
    command.do(store)    # one transaction; command.undo(store) takes it all back
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from annotator.core import assist_commands
from annotator.core.assist_commands import AcceptSuggestions, AnnotatePlan, RejectSuggestions
from annotator.core.commands import Bulk, Command, SetEntity
from annotator.core.find import FindOptions, compile_query
from annotator.core.schema import LabelSchema
from annotator.core.suggest import (
    SuggestConfig,
    Suggester,
    Suggestion,
    SuggestionKey,
    Term,
    build_dictionary,
    entity_labels,
    load_model,
)
from annotator.core.suggest.engine import speaker_relation
from annotator.store import entities, repository
from annotator.store.edits import DatabaseEditStore, SessionEdits
from annotator.store.models import Annotator, Document, RejectedSuggestion, Span
from annotator.store.search import matching_document_ids, parse_query

# --- the dictionary and the suggestions ---------------------------------------


def dictionary_terms(
    session: Session, annotator: str, schema: LabelSchema, config: SuggestConfig
) -> list[Term]:
    """Names annotated before with an entity label: the annotator's own, or everyone's."""
    if config.dictionary_from == "off":
        return []
    labels = entity_labels(schema, config)
    if not labels:
        return []
    stmt = (
        select(Span.text, Span.label, func.count(Span.id))
        .where(Span.label.in_(labels))
        .group_by(Span.text, Span.label)
    )
    if config.dictionary_from == "mine":
        stmt = stmt.join(Annotator, Annotator.id == Span.annotator_id).where(
            Annotator.name == annotator
        )
    rows = [(text, label, int(count)) for text, label, count in session.execute(stmt)]
    return build_dictionary(rows, labels)


def rejected_keys(session: Session, document_id: int, annotator: str) -> set[SuggestionKey]:
    rows = session.execute(
        select(RejectedSuggestion.label, RejectedSuggestion.start, RejectedSuggestion.end)
        .join(Annotator, Annotator.id == RejectedSuggestion.annotator_id)
        .where(RejectedSuggestion.document_id == document_id, Annotator.name == annotator)
    )
    return {(label, start, end) for label, start, end in rows}


def make_suggester(
    session: Session,
    annotator: str,
    schema: LabelSchema,
    config: SuggestConfig,
    *,
    nlp: Any | None = None,
) -> Suggester:
    """A suggester with the annotator's dictionary; reuse it for many documents."""
    if nlp is None and config.model is not None:
        nlp = load_model(config.model.model)
    terms = dictionary_terms(session, annotator, schema, config)
    return Suggester(
        schema, config, terms, nlp,
        entities=entities.list_entities(session),
        mention_texts=entities.mention_texts(session),
    )  # fmt: skip


def list_suggestions(
    session: Session,
    document_id: int,
    annotator: str,
    schema: LabelSchema,
    config: SuggestConfig,
    *,
    suggester: Suggester | None = None,
) -> list[Suggestion]:
    """Suggestions for ``annotator`` in one document, without their spans and rejections."""
    suggester = suggester or make_suggester(session, annotator, schema, config)
    text = repository.document_text(session, document_id)
    mine = repository.read_spans(session, document_id, [annotator])
    return suggester.suggest(text, mine, rejected_keys(session, document_id, annotator))


# --- accepting and rejecting ----------------------------------------------------


def accept_command(
    session: Session,
    document_id: int,
    annotator: str,
    suggestions: Sequence[Suggestion],
    schema: LabelSchema,
    config: SuggestConfig | None = None,
) -> Command:
    """The command that accepts these suggestions (one, or all) as one undoable step.

    A quote's speaker is linked to the annotator's span at the speaker's place
    when there is one with a label the relation allows. A link suggestion
    links its span to the entity (``SetEntity``).
    """
    links = [s for s in suggestions if s.link is not None]
    if links:
        spans = [s for s in suggestions if s.link is None]
        linking: list[Command] = [
            SetEntity(repository.get_span(session, s.link.span_id), annotator, s.link.entity_id,
                      s.link.name)
            for s in links if s.link is not None
        ]  # fmt: skip
        if spans:
            linking.insert(
                0, accept_command(session, document_id, annotator, spans, schema, config)
            )
        if len(linking) == 1:
            return linking[0]
        return Bulk(f"Accept {len(suggestions)} suggestions", linking)
    speaker_spans: dict[tuple[int, int], int] = {}
    relation = speaker_relation(schema, config or SuggestConfig())
    if any(s.speaker is not None for s in suggestions):
        targets = set(relation[1]) if relation is not None else set()
        for span in repository.read_spans(session, document_id, [annotator]):
            if span.label in targets:
                speaker_spans.setdefault((span.start, span.end), span.id)
    return AcceptSuggestions(document_id, annotator, suggestions, speaker_spans=speaker_spans)


def reject(session: Session, document_id: int, annotator: str, key: SuggestionKey) -> None:
    """Turn a suggestion down for this document (again: no error)."""
    label, start, end = key
    if key in rejected_keys(session, document_id, annotator):
        return
    who = repository.annotator_id(session, annotator)
    session.add(
        RejectedSuggestion(
            document_id=document_id, annotator_id=who, label=label, start=start, end=end
        )
    )
    session.flush()


def unreject(session: Session, document_id: int, annotator: str, key: SuggestionKey) -> None:
    label, start, end = key
    who = repository.annotator_id(session, annotator, create=False)
    session.execute(
        delete(RejectedSuggestion).where(
            RejectedSuggestion.document_id == document_id,
            RejectedSuggestion.annotator_id == who,
            RejectedSuggestion.label == label,
            RejectedSuggestion.start == start,
            RejectedSuggestion.end == end,
        )
    )


def reject_command(
    document_id: int, annotator: str, suggestions: Sequence[Suggestion | SuggestionKey]
) -> RejectSuggestions:
    keys = [s.key if isinstance(s, Suggestion) else s for s in suggestions]
    return RejectSuggestions(document_id, annotator, keys)


class AssistEdits(SessionEdits):
    """The writes of one transaction, including rejections of suggestions."""

    def reject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None:
        repository.check_can_write(self.session, annotator, annotator)
        reject(self.session, document_id, annotator, (label, start, end))

    def unreject_suggestion(
        self, document_id: int, annotator: str, label: str, start: int, end: int
    ) -> None:
        unreject(self.session, document_id, annotator, (label, start, end))


class AssistEditStore(DatabaseEditStore):
    """A DatabaseEditStore that also runs :class:`RejectSuggestions` (the
    window's store: every command goes through it, with the version check)."""

    @contextmanager
    def transaction(self) -> Iterator[AssistEdits]:
        with self.edits(AssistEdits) as edits:
            yield edits


# --- annotate all matches -------------------------------------------------------


def plan_annotate_all(
    session: Session,
    query: str,
    label: str,
    annotator: str,
    options: FindOptions | None = None,
    *,
    document_id: int | None = None,
    batch: int = 200,
) -> AnnotatePlan:
    """Every match of ``query`` in one document (or, with None, the whole project)
    that the annotator does not have yet as a ``label`` span.

    Across the project, a query of whole words is narrowed by the full-text
    index first; other queries read every document, in batches. The plan itself
    is :func:`annotator.core.assist_commands.plan_matches`'s, the one planning
    step of every "annotate all matches".
    """
    options = options or FindOptions()
    compile_query(query, options)  # a bad pattern says so before any document is read
    if document_id is not None:
        ids = [document_id]
    elif options.whole_word and not options.regex and _indexable(query):
        ids = matching_document_ids(session, query)
    else:
        ids = list(session.scalars(select(Document.id).order_by(Document.id)))

    def documents() -> Iterator[tuple[int, str, set[tuple[int, int]]]]:
        for i in range(0, len(ids), batch):
            chunk = ids[i : i + batch]
            have = _spans_of(session, chunk, annotator, label)
            texts = session.execute(
                select(Document.id, Document.text).where(Document.id.in_(chunk))
            )
            for doc_id, text in sorted(texts):
                yield doc_id, text, have.get(doc_id, set())

    return assist_commands.plan_matches(query, label, annotator, documents(), options)


def _indexable(query: str) -> bool:
    """Whether the full-text index finds every document where ``query`` occurs as
    whole words: it does when the query has words (the index has them all)."""
    try:
        parse_query(query)
    except ValueError:
        return False
    return True


def _spans_of(
    session: Session, document_ids: list[int], annotator: str, label: str
) -> dict[int, set[tuple[int, int]]]:
    rows = session.execute(
        select(Span.document_id, Span.start, Span.end)
        .join(Annotator, Annotator.id == Span.annotator_id)
        .where(Span.document_id.in_(document_ids), Annotator.name == annotator, Span.label == label)
    )
    out: dict[int, set[tuple[int, int]]] = {}
    for doc_id, start, end in rows:
        out.setdefault(doc_id, set()).add((start, end))
    return out
