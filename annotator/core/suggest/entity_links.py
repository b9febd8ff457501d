"""Link suggestions: a span whose text is an entity's name or alias, with the
entity's label and linked to nothing yet, is proposed as a mention of that
entity (issue 15; docs/assist.md, "Entity links").

The names are compared as the dictionary compares them (trimmed, one space,
no possessive: ``normalise_name``) and in any case. Besides names and
aliases, the text of an earlier mention counts when every mention with that
text names the same entity: "the Secretary", linked once, proposes the same
entity next time, while "he", a mention of one person in this article and
of another in the next, proposes nobody. A name or alias shared by two
entities proposes both; the analyst picks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from annotator.core.model import EntityData, SpanData
from annotator.core.suggest.entities import normalise_name
from annotator.core.suggest.types import EntityLink, Suggestion, SuggestionKey


def name_key(text: str) -> str:
    return normalise_name(text).casefold()


class EntityNames:
    """The project's entities by each of their names and aliases, and by the
    text of their mentions that no other entity's mentions share."""

    def __init__(
        self, entities: Iterable[EntityData], mention_texts: Iterable[tuple[int, str]] = ()
    ) -> None:
        """``mention_texts``: (entity id, text) of the stored mentions."""
        self._by_name: dict[str, list[EntityData]] = {}
        by_id: dict[int, EntityData] = {}
        for entity in entities:
            by_id[entity.id] = entity
            for name in {name_key(n) for n in (entity.name, *entity.aliases)}:
                if name:
                    self._by_name.setdefault(name, []).append(entity)
        named_by: dict[str, set[int]] = {}
        for entity_id, text in mention_texts:
            named_by.setdefault(name_key(text), set()).add(entity_id)
        for text, ids in named_by.items():
            # A name or alias says more than a mention; a text two entities'
            # mentions share says nothing.
            if text and text not in self._by_name and len(ids) == 1:
                mentioned = by_id.get(next(iter(ids)))
                if mentioned is not None:
                    self._by_name[text] = [mentioned]

    def __bool__(self) -> bool:
        return bool(self._by_name)

    def named(self, text: str, label: str) -> list[EntityData]:
        """The entities called ``text`` that a ``label`` span may mention (an
        entity without a label takes any)."""
        found = self._by_name.get(name_key(text), [])
        return [entity for entity in found if entity.label in ("", label)]


def link_suggestions(
    spans: Sequence[SpanData], names: EntityNames, rejected: Collection[SuggestionKey] = ()
) -> list[Suggestion]:
    """A suggestion for each unlinked span (in one piece) named as an entity."""
    found: list[Suggestion] = []
    if not names:
        return found
    for span in spans:
        if span.entity_id is not None or span.fragments is not None:
            continue
        for entity in names.named(span.text, span.label):
            link = EntityLink(span.id, entity.id, entity.name)
            suggestion = Suggestion(
                span.label, span.start, span.end, span.text, "entity", link=link
            )
            if suggestion.key not in rejected:
                found.append(suggestion)
    return found
