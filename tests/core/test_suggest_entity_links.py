"""Link suggestions (annotator/core/suggest/entity_links.py): an unlinked span
named as an entity, with its label, is proposed as that entity's mention."""

from __future__ import annotations

from annotator.core.model import EntityData, SpanData
from annotator.core.schema import Label, LabelSchema
from annotator.core.suggest import EntityLink, SuggestConfig, Suggester
from annotator.core.suggest.entity_links import EntityNames, link_suggestions

TEXT = "Blinken’s visit: the Secretary met Tokayev. BLINKEN left. Blinken Street is long."
BLINKEN = EntityData(1, "Antony Blinken", "Person", "Q4498", ("Blinken", "the Secretary"))
STREET = EntityData(2, "Blinken Street", "Location")
ANYTHING = EntityData(3, "Tokayev")  # no label: any span may mention it


def span(span_id: int, label: str, text: str, occurrence: int = 0, **values: object) -> SpanData:
    start = -1
    for _ in range(occurrence + 1):
        start = TEXT.index(text, start + 1)
    return SpanData(span_id, 1, "ana", label, start, start + len(text), text, **values)  # type: ignore[arg-type]


def links(
    spans: list[SpanData], rejected: set[tuple[str, int, int]] | None = None
) -> list[tuple[int, int]]:
    names = EntityNames([BLINKEN, STREET, ANYTHING])
    found = link_suggestions(spans, names, rejected or set())
    assert all(s.source == "entity" and s.link is not None for s in found)
    return [(s.link.span_id, s.link.entity_id) for s in found if s.link is not None]


def test_a_name_or_alias_in_any_case_and_possessive_proposes_the_entity() -> None:
    spans = [
        span(10, "Person", "Blinken’s"),
        span(11, "Person", "the Secretary"),
        span(12, "Person", "BLINKEN"),
        span(13, "Person", "Tokayev"),
        span(14, "Location", "Blinken Street"),
    ]
    assert links(spans) == [(10, 1), (11, 1), (12, 1), (13, 3), (14, 2)]


def test_linked_split_other_label_and_unknown_spans_are_not_proposed() -> None:
    spans = [
        span(20, "Person", "Blinken", 0, entity_id=1),  # linked already
        span(21, "Organization", "BLINKEN"),  # the entity is a Person
        span(22, "Person", "visit"),  # no entity of that name
        span(23, "Person", "Blinken", 0, fragments=((0, 7), (17, 30))),  # split: not a name
    ]
    assert links(spans) == []


def test_a_rejected_link_stays_rejected_and_hides_no_span_suggestion() -> None:
    mention = span(30, "Person", "BLINKEN")
    [suggestion] = link_suggestions([mention], EntityNames([BLINKEN]))
    assert suggestion.link == EntityLink(30, 1, "Antony Blinken")
    assert suggestion.key != (mention.label, mention.start, mention.end)
    assert links([mention], {suggestion.key}) == []


def test_the_suggester_adds_link_suggestions_beside_the_others() -> None:
    schema = LabelSchema((Label("Person", "entity", "#fff", "p"),))
    suggester = Suggester(schema, SuggestConfig(), entities=[BLINKEN])
    mention = span(40, "Person", "BLINKEN")
    found = suggester.suggest(TEXT, [mention])
    assert [(s.source, s.start) for s in found if s.link is not None] == [("entity", mention.start)]
    assert Suggester(schema, SuggestConfig()).suggest(TEXT, [mention]) == [
        s for s in found if s.link is None
    ]


def test_an_earlier_mentions_text_proposes_its_entity_unless_two_share_it() -> None:
    """ "Secretary" named Blinken before; "Tokayev" is also a mention of an
    entity with another name; "BLINKEN" mentions two entities: it proposes by
    name only."""
    names = EntityNames(
        [
            EntityData(1, "Antony Blinken", "Person"),
            EntityData(4, "Kassym-Jomart Tokayev", "Person"),
        ],
        [(1, "Secretary"), (4, "Tokayev"), (1, "BLINKEN"), (4, "Blinken")],
    )
    spans = [
        span(40, "Person", "Secretary"),
        span(41, "Person", "Tokayev"),
        span(42, "Person", "BLINKEN"),
    ]
    found = link_suggestions(spans, names)
    assert [(s.link.span_id, s.link.entity_id) for s in found if s.link] == [(40, 1), (41, 4)]
    # A name or alias says more than a mention: the entity named so is proposed.
    named = EntityNames([BLINKEN, EntityData(4, "Tokayev", "Person")], [(4, "the Secretary")])
    assert [
        s.link.entity_id
        for s in link_suggestions([span(43, "Person", "the Secretary")], named)
        if s.link
    ] == [1]
