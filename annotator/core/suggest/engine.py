"""All suggestions for one document: quotes, names, rules and the model, filtered.

Never suggested: what the annotator already has as a span with the same label
over any of the same characters, and what they rejected for this document.
Two sources suggesting the same span give one suggestion (the first source in
the order quotes, dictionary, gazetteers, rules, model).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Sequence
from operator import itemgetter
from typing import Any

from annotator.core.model import EntityData, SpanData
from annotator.core.schema import LabelSchema
from annotator.core.suggest.entities import TermMatcher, rule_suggestions
from annotator.core.suggest.entity_links import EntityNames, link_suggestions
from annotator.core.suggest.model import model_suggestions
from annotator.core.suggest.quotes import find_quotes
from annotator.core.suggest.types import (
    Speaker,
    SuggestConfig,
    Suggestion,
    SuggestionKey,
    Suggestions,
    Term,
)


def quote_label(schema: LabelSchema, config: SuggestConfig) -> str | None:
    if not config.quotes.enabled:
        return None
    if config.quotes.label is not None:
        return config.quotes.label if schema.label(config.quotes.label) else None
    return next((lab.name for lab in schema.labels if lab.kind == "quote"), None)


def entity_labels(schema: LabelSchema, config: SuggestConfig) -> list[str]:
    """The labels whose spans make the dictionary."""
    if config.dictionary_labels is not None:
        return [name for name in config.dictionary_labels if schema.label(name)]
    return [lab.name for lab in schema.labels if lab.kind == "entity"]


def speaker_relation(schema: LabelSchema, config: SuggestConfig) -> tuple[str, list[str]] | None:
    """The relation from a quote to its speaker, and the labels a speaker may have."""
    label = quote_label(schema, config)
    if label is None or not config.quotes.speakers:
        return None
    for rel in schema.relations:
        if label in rel.sources and (config.quotes.relation in (None, rel.name)):
            return rel.name, list(rel.targets)
    return None


class Suggester:
    """Makes the suggestions of a project; build once, use for many documents."""

    def __init__(
        self,
        schema: LabelSchema,
        config: SuggestConfig,
        dictionary: Iterable[Term] = (),
        nlp: Any | None = None,
        entities: Iterable[EntityData] = (),
        mention_texts: Iterable[tuple[int, str]] = (),
    ) -> None:
        self.schema = schema
        self.entity_names = EntityNames(entities, mention_texts)
        self.config = config
        self.quote_label = quote_label(schema, config)
        self.speaker = speaker_relation(schema, config)
        known = set(schema.label_names)
        terms = [t for t in (*dictionary, *config.terms) if t.label in known]
        self.matcher = TermMatcher(terms)
        self.rules = [r for r in config.rules if r.label in known]
        self.nlp = nlp if config.model is not None else None

    def suggest(
        self,
        text: str,
        existing: Sequence[SpanData] = (),
        rejected: Collection[SuggestionKey] = (),
    ) -> Suggestions:
        """The suggestions; ``.problems`` names a rule that was stopped (too slow)."""
        found: list[Suggestion] = []
        problems: list[str] = []
        if self.quote_label is not None:
            found += self._quotes(text)
        found += self.matcher.find(text)
        found += rule_suggestions(text, self.rules, problems)
        if self.nlp is not None and self.config.model is not None:
            found += model_suggestions(self.nlp, text, self.config.model.labels)
        kept = _filter(found, existing, rejected)
        links = link_suggestions(existing, self.entity_names, rejected)
        if links:
            kept = sorted(kept + links, key=_START)
        return Suggestions(kept, problems)

    def _quotes(self, text: str) -> list[Suggestion]:
        assert self.quote_label is not None
        found: list[Suggestion] = []
        quotes = find_quotes(
            text,
            min_words=self.config.quotes.min_words,
            speakers=self.speaker is not None,
        )
        for q in quotes:
            speaker = None
            if q.speaker is not None and self.speaker is not None:
                relation, targets = self.speaker
                s, e = q.speaker
                known = self.matcher.label_of(text[s:e])
                label = known if known in targets else targets[0]
                speaker = Speaker(s, e, text[s:e], label, relation)
            surface = text[q.start : q.end]
            found.append(Suggestion(self.quote_label, q.start, q.end, surface, "quote", speaker))
        return found


_START = itemgetter(1)


class _Existing:
    """Spans of one label, for "does anything overlap start-end?" in log time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self.starts = [s for s, _ in spans]
        self.max_end: list[int] = []
        best = -1
        for _, e in spans:
            best = max(best, e)
            self.max_end.append(best)

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self.starts, end)  # spans starting before `end`
        return k > 0 and self.max_end[k - 1] > start


def _filter(
    found: list[Suggestion], existing: Sequence[SpanData], rejected: Collection[SuggestionKey]
) -> list[Suggestion]:
    seen: set[SuggestionKey] = set(rejected)
    mark = seen.add
    kept: list[Suggestion] = []
    keep = kept.append
    if not existing:
        for s in found:
            key = s[:3]  # (label, start, end), made in C
            if key not in seen:
                mark(key)
                keep(s)
    else:
        by_label: dict[str, list[tuple[int, int]]] = {}
        for span in existing:
            by_label.setdefault(span.label, []).append((span.start, span.end))
        index = {label: _Existing(spans) for label, spans in by_label.items()}
        for s in found:
            key = s[:3]
            if key in seen:
                continue
            spans = index.get(s.label)
            if spans is not None and spans.overlaps(s.start, s.end):
                continue
            mark(key)
            keep(s)
    kept.sort(key=_START)  # stable: at one place, quotes first, then names, rules, model
    return kept


def suggest(
    text: str,
    schema: LabelSchema,
    config: SuggestConfig | None = None,
    *,
    dictionary: Iterable[Term] = (),
    existing: Sequence[SpanData] = (),
    rejected: Collection[SuggestionKey] = (),
    nlp: Any | None = None,
) -> list[Suggestion]:
    """Suggestions for ``text`` (see :class:`Suggester`)."""
    suggester = Suggester(schema, config or SuggestConfig(), dictionary, nlp)
    return suggester.suggest(text, existing, rejected)
