"""Data types of the suggestion engine: suggestions, dictionary terms, options.

Pure data, no I/O: the io layer reads project.yaml and gazetteer files into a
:class:`SuggestConfig`; the store layer adds the dictionary of earlier spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

SuggestionKey = tuple[str, int, int]
"""(label, start, end): what identifies a suggestion (and a rejection)."""

CaseMode = Literal["smart", "exact", "ignore"]
CASE_MODES: tuple[str, ...] = ("smart", "exact", "ignore")
DictionaryScope = Literal["mine", "everyone", "off"]
DICTIONARY_SCOPES: tuple[str, ...] = ("mine", "everyone", "off")


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who a quote suggestion is attributed to: a span-to-be and its label."""

    start: int
    end: int
    text: str
    label: str
    relation: str
    """The relation type that links the quote to the speaker (e.g. ``speaker``)."""


@dataclass(frozen=True, slots=True)
class EntityLink:
    """What a link suggestion proposes: an existing span becomes a mention of an entity."""

    span_id: int
    entity_id: int
    name: str
    """The entity's name, for the analyst."""


class Suggestion(NamedTuple):
    """A span the tool proposes. Offsets are code points; ``text == doc[start:end]``.

    A named tuple, not a dataclass: a large article has tens of thousands of
    suggestions, and a tuple is made about ten times faster than a frozen
    dataclass.
    """

    label: str
    start: int
    end: int
    text: str
    source: str
    """quote, dictionary, gazetteer, rule or model."""
    speaker: Speaker | None = None
    link: EntityLink | None = None
    """Set on a link suggestion: no span is added, the span there is linked."""

    @property
    def key(self) -> SuggestionKey:
        if self.link is not None:  # rejecting a link never hides a span suggestion there
            return (f"{self.label} → entity {self.link.entity_id}", self.start, self.end)
        return (self.label, self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "source": self.source,
        }
        if self.link is not None:
            data["entity"] = {"id": self.link.entity_id, "name": self.link.name}
        if self.speaker is not None:
            sp = self.speaker
            data["speaker"] = {
                "start": sp.start,
                "end": sp.end,
                "text": sp.text,
                "label": sp.label,
                "relation": sp.relation,
            }
        return data


@dataclass(frozen=True, slots=True)
class Term:
    """A name to look for (from the dictionary of earlier spans or a gazetteer)."""

    text: str
    label: str
    source: str = "dictionary"
    case: CaseMode = "smart"
    """smart: as written, in capitals, or any case for an all-lowercase term;
    exact: only as written; ignore: any case."""


RULE_SECONDS = 1.0
"""How long one regex rule may run on one document; past it the rule is stopped there."""


@dataclass(frozen=True, slots=True)
class RegexRule:
    label: str
    pattern: Any
    """Compiled by the ``regex`` package (``re`` syntax, and matching with a time bound).
    The whole match is the span, or the group named ``span`` when there is one."""
    where: str = ""
    """Where the rule is written, for messages (project.yaml, line, rule)."""

    @property
    def name(self) -> str:
        return self.where or f"rule {self.label} {self.pattern.pattern!r}"


class Suggestions(list[Suggestion]):
    """A document's suggestions, and what went wrong making them (a rule stopped)."""

    def __init__(self, items: Iterable[Suggestion] = (), problems: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.problems: list[str] = list(problems)


@dataclass(frozen=True, slots=True)
class QuoteOptions:
    enabled: bool = True
    label: str | None = None
    """None: the schema's first label of kind quote."""
    min_words: int = 3
    """Quotations of fewer words are scare quotes and are not suggested."""
    speakers: bool = True
    relation: str | None = None
    """None: the first relation type that starts at the quote label."""


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """A spaCy model and how its entity types map to project labels."""

    model: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SuggestConfig:
    quotes: QuoteOptions = QuoteOptions()
    dictionary_from: DictionaryScope = "mine"
    dictionary_labels: tuple[str, ...] | None = None
    """Labels whose spans make the dictionary; None: every label of kind entity."""
    terms: tuple[Term, ...] = ()
    """Gazetteer entries."""
    rules: tuple[RegexRule, ...] = ()
    model: ModelOptions | None = None
