"""Entity suggestions: the dictionary of earlier spans, gazetteers, regex rules, a model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.model import SpanData
from annotator.core.schema import parse_schema
from annotator.core.suggest import (
    ModelOptions,
    RegexRule,
    SuggestConfig,
    Term,
    TermMatcher,
    build_dictionary,
    model_suggestions,
    normalise_name,
    suggest,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = (FIXTURES / "blinken-central-asia.txt").read_text(encoding="utf-8")
SCHEMA = parse_schema(
    {
        "labels": [
            {"name": "Quote", "kind": "quote"},
            {"name": "Person", "kind": "entity"},
            {"name": "Organization", "kind": "entity"},
            {"name": "Location", "kind": "entity"},
            {"name": "Other", "kind": "entity"},
        ],
        "relations": [{"name": "speaker", "from": "Quote", "to": ["Person", "Organization"]}],
    }
)


def found(text: str, *terms: Term) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in TermMatcher(terms).find(text)]


def span(label: str, start: int, end: int, text: str = "") -> SpanData:
    return SpanData(1, 1, "ana", label, start, end, text)


def test_possessives_suggest_the_name() -> None:
    text = "Blinken's visit, Blinken’s trip, the Joneses’ house. Blinken"
    assert found(text, Term("Blinken", "Person"), Term("Joneses", "Person")) == [
        ("Blinken", "Person"),
        ("Blinken", "Person"),
        ("Joneses", "Person"),
        ("Blinken", "Person"),
    ]
    # A span annotated with its possessive enters the dictionary without it.
    assert normalise_name(" Blinken’s ") == "Blinken"
    assert normalise_name("Kazakhstan's") == "Kazakhstan"
    assert normalise_name("Joneses’") == "Joneses"


def test_case_is_handled_sensibly() -> None:
    text = "APPLE and Apple and apple; US and us; coronavirus and Coronavirus"
    terms = [Term("Apple", "Organization"), Term("US", "Location"), Term("coronavirus", "Other")]
    assert found(text, *terms) == [
        ("APPLE", "Organization"),  # capitals (headlines)
        ("Apple", "Organization"),
        ("US", "Location"),  # not "us"
        ("coronavirus", "Other"),  # a lowercase name matches in any case
        ("Coronavirus", "Other"),
    ]
    assert found(text, Term("Apple", "Organization", case="exact")) == [("Apple", "Organization")]
    assert len(found(text, Term("Apple", "Organization", case="ignore"))) == 3


def test_whole_words_longest_first_and_across_line_breaks() -> None:
    text = "Antony\nBlinken met Blinkens and Blinken; the U.S. envoy; #G20 summit"
    terms = [
        Term("Blinken", "Person"),
        Term("Antony Blinken", "Person"),
        Term("U.S.", "Location"),
        Term("#G20", "Other"),
    ]
    assert found(text, *terms) == [
        ("Antony\nBlinken", "Person"),
        ("Blinken", "Person"),
        ("U.S.", "Location"),
        ("#G20", "Other"),
    ]


def test_dictionary_from_earlier_spans() -> None:
    terms = build_dictionary(
        [
            ("Blinken", "Person", 3),
            ("Blinken’s", "Person", 1),
            ("Blinken", "Organization", 1),  # a slip: the majority wins
            ("Astana", "Location", 2),
            ("a", "Other", 5),  # too short to be a name
            ("Kazakhstan", "Claim", 1),  # not a dictionary label
        ],
        ["Person", "Organization", "Location", "Other"],
    )
    assert sorted((t.text, t.label) for t in terms) == [
        ("Astana", "Location"),
        ("Blinken", "Person"),
    ]
    result = suggest(SAMPLE, SCHEMA, dictionary=terms)
    names = [(s.text, s.label, s.source) for s in result if s.source == "dictionary"]
    # Every "Blinken" and "Blinken’s", not the one inside "@SecBlinken".
    assert names.count(("Blinken", "Person", "dictionary")) == SAMPLE.count("Blinken") - 1
    assert names.count(("Astana", "Location", "dictionary")) == 2
    for s in result:
        assert SAMPLE[s.start : s.end] == s.text


def test_existing_spans_and_rejections_are_not_suggested() -> None:
    text = "Blinken met Tokayev. Blinken left. Blinken returned."
    terms = [Term("Blinken", "Person"), Term("Tokayev", "Person")]
    assert len(suggest(text, SCHEMA, dictionary=terms)) == 4
    kept = suggest(
        text,
        SCHEMA,
        dictionary=terms,
        existing=[span("Person", 0, 7), span("Location", 21, 28)],  # another label stays
        rejected={("Person", 35, 42)},
    )
    assert [(s.start, s.text) for s in kept] == [(12, "Tokayev"), (21, "Blinken")]
    # A span over part of a suggestion (same label) also keeps it away.
    overlapped = suggest(text, SCHEMA, dictionary=terms, existing=[span("Person", 14, 16)])
    assert 12 not in [s.start for s in overlapped]


def test_regex_rules_and_gazetteer_terms() -> None:
    text = "Covid-19 spread; the COVID-19 rules; Astana and Tashkent; Section 230 of the act."
    config = SuggestConfig(
        rules=(
            RegexRule("Other", re.compile(r"\b(?:covid|COVID|Covid)-19\b")),
            RegexRule("Other", re.compile(r"Section (?P<span>\d+)")),
        ),
        terms=(Term("Astana", "Location", "gazetteer"), Term("Tashkent", "Location", "gazetteer")),
    )
    result = [(s.text, s.label, s.source) for s in suggest(text, SCHEMA, config)]
    assert result == [
        ("Covid-19", "Other", "rule"),
        ("COVID-19", "Other", "rule"),
        ("Astana", "Location", "gazetteer"),
        ("Tashkent", "Location", "gazetteer"),
        ("230", "Other", "rule"),
    ]


def test_dictionary_first_then_gazetteer_for_the_same_name() -> None:
    config = SuggestConfig(terms=(Term("Astana", "Organization", "gazetteer"),))
    result = suggest("In Astana.", SCHEMA, config, dictionary=[Term("Astana", "Location")])
    assert [(s.label, s.source) for s in result] == [("Location", "dictionary")]


def test_a_speakers_label_comes_from_the_dictionary() -> None:
    text = "“We have nothing more to add,” the Kremlin said."
    result = suggest(text, SCHEMA, dictionary=[Term("Kremlin", "Organization")])
    quote = next(s for s in result if s.source == "quote")
    assert quote.speaker is not None
    assert (quote.speaker.text, quote.speaker.label) == ("Kremlin", "Organization")


# --- the optional model ----------------------------------------------------------


@dataclass
class FakeEnt:
    start_char: int
    end_char: int
    label_: str


class FakeDoc:
    def __init__(self, ents: list[FakeEnt]) -> None:
        self.ents = ents


class FakeNlp:
    """spaCy's shape: called on a text, gives a doc with ents."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.calls: list[str] = []

    def __call__(self, text: str) -> FakeDoc:
        self.calls.append(text)
        ents = []
        for name, kind in self.names.items():
            for m in re.finditer(re.escape(name), text):
                ents.append(FakeEnt(m.start(), m.end(), kind))
        return FakeDoc(ents)


def test_model_entities_map_to_labels_through_the_table() -> None:
    nlp = FakeNlp({"Blinken’s": "PERSON", "Astana": "GPE", "Tuesday": "DATE"})
    table = {"PERSON": "Person", "GPE": "Location"}  # DATE is not mapped: left out
    result = model_suggestions(nlp, SAMPLE, table)
    assert {(s.text, s.label, s.source) for s in result} == {
        ("Blinken", "Person", "model"),  # the possessive is trimmed
        ("Astana", "Location", "model"),
    }
    for s in result:
        assert SAMPLE[s.start : s.end] == s.text


def test_model_runs_in_chunks_with_offsets_kept() -> None:
    text = ("Astana is far.\n" * 50) + "Tashkent too.\n"
    nlp = FakeNlp({"Astana": "GPE", "Tashkent": "GPE"})
    result = model_suggestions(nlp, text, {"GPE": "Location"}, chunk_chars=100)
    assert len(nlp.calls) > 5
    assert len(result) == 51
    assert all(text[s.start : s.end] == s.text for s in result)


def test_model_suggestions_through_the_engine_only_when_configured() -> None:
    nlp = FakeNlp({"Astana": "GPE"})
    config = SuggestConfig(model=ModelOptions("fake", {"GPE": "Location"}))
    with_model = suggest("In Astana today.", SCHEMA, config, nlp=nlp)
    assert [(s.text, s.source) for s in with_model] == [("Astana", "model")]
    assert suggest("In Astana today.", SCHEMA, SuggestConfig(), nlp=nlp) == []


def real_pipeline() -> Any:
    """A small real spaCy pipeline: a blank English tokenizer and an entity ruler."""
    import spacy  # a dev dependency: this test runs wherever the tests run

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": [{"LOWER": "antony"}, {"LOWER": "blinken"}]},
        {"label": "PERSON", "pattern": "Blinken"},
        {"label": "GPE", "pattern": "Astana"},
        {"label": "GPE", "pattern": "Tashkent"},
        {"label": "DATE", "pattern": "Tuesday"},
    ])  # fmt: skip
    return nlp


def test_a_real_spacy_pipeline_gives_suggestions_of_mapped_labels() -> None:
    result = model_suggestions(real_pipeline(), SAMPLE, {"PERSON": "Person", "GPE": "Location"})
    found = {(s.text, s.label, s.source) for s in result}
    assert found == {
        ("Antony Blinken", "Person", "model"),
        ("Blinken", "Person", "model"),  # "Blinken’s": spaCy splits the possessive off
        ("Astana", "Location", "model"),
        ("Tashkent", "Location", "model"),
    }  # DATE is not in the table: no Tuesday
    for s in result:
        assert SAMPLE[s.start : s.end] == s.text
    assert sum(s.text == "Astana" for s in result) == SAMPLE.count("Astana")


def test_a_saved_pipeline_loads_from_its_folder_and_a_missing_one_is_none(
    tmp_path: Path,
) -> None:
    from annotator.core.suggest import load_model, model_available

    real_pipeline().to_disk(tmp_path / "model")
    nlp = load_model(str(tmp_path / "model"))
    assert nlp is not None and nlp.pipe_names == ["entity_ruler"]
    result = model_suggestions(nlp, "Blinken flew to Tashkent.", {"GPE": "Location"})
    assert [(s.start, s.end, s.label) for s in result] == [(16, 24, "Location")]
    assert load_model("xx_no_such_model") is None
    assert not model_available(str(tmp_path / "nothing"))


# --- properties --------------------------------------------------------------------

WORDS = ["Blinken", "blinken", "BLINKEN", "Astana", "’s", "'s", " ", "\n", "“", "”", ",", "é", "😀"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=60).map("".join))
def test_every_suggestion_is_the_text_at_its_offsets(text: str) -> None:
    config = SuggestConfig(rules=(RegexRule("Other", re.compile(r"[A-Z]\w+")),))
    terms = [Term("Blinken", "Person"), Term("Astana", "Location"), Term("Blinken Astana", "Other")]
    result = suggest(text, SCHEMA, config, dictionary=terms)
    keys = [s.key for s in result]
    assert len(keys) == len(set(keys))
    for s in result:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text


def test_a_very_large_dictionary_is_cut_to_the_words_of_the_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from annotator.core.suggest import entities

    terms = [Term(f"Name{i}", "Person") for i in range(50)] + [Term("Blinken", "Person")]
    text = "Name7 met Blinken and Name42; Name7s did not."
    expected = [("Name7", "Person"), ("Blinken", "Person"), ("Name42", "Person")]
    assert found(text, *terms) == expected
    monkeypatch.setattr(entities, "TRIE_WORDS", 10)
    assert found(text, *terms) == expected
    assert found("nothing here", *terms) == []
