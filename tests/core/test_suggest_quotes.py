"""Quote suggestions: quotation marks of the common styles, and who said it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.schema import parse_schema
from annotator.core.suggest import QuoteOptions, SuggestConfig, find_quotes, suggest

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = (FIXTURES / "blinken-central-asia.txt").read_text(encoding="utf-8")


def quotes(text: str, **kw: int) -> list[tuple[str, str | None]]:
    """(quotation, speaker) pairs, as text."""
    out = []
    for q in find_quotes(text, **kw):  # type: ignore[arg-type]
        speaker = text[q.speaker[0] : q.speaker[1]] if q.speaker else None
        out.append((text[q.start : q.end], speaker))
    return out


def test_the_sample_article_has_one_quotation_said_by_blinken() -> None:
    found = find_quotes(SAMPLE)
    assert len(found) == 1
    q = found[0]
    assert SAMPLE[q.start : q.end].startswith("Sometimes we just say those words")
    assert SAMPLE[q.start : q.end].endswith("more resonance than usual")  # no comma, no mark
    assert q.speaker is not None
    assert SAMPLE[q.speaker[0] : q.speaker[1]] == "Blinken"
    # The apostrophes of “Russia’s”, “Blinken’s” and “I’m” open nothing.
    assert "’" not in SAMPLE[q.start : q.end]


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("He said “we will not back down now” and left.", "we will not back down now"),
        ('He said "we will not back down now" and left.', "we will not back down now"),
        ("Il a dit « nous ne reculerons pas » hier.", "nous ne reculerons pas"),
        ("Er sagte „wir weichen nicht zurück“ gestern.", "wir weichen nicht zurück"),
        ("Er sagte »wir weichen nicht zurück« gestern.", "wir weichen nicht zurück"),
        ("Powiedział „nie wycofamy się teraz” wczoraj.", "nie wycofamy się teraz"),
        ("He said ‘we will not back down now’ and left.", "we will not back down now"),
        ("Han sa ”vi ger inte upp nu” igår.", "vi ger inte upp nu"),
    ],
)
def test_quotation_mark_styles(text: str, inner: str) -> None:
    assert quotes(text) == [(inner, None)]


def test_nested_quotes_stay_inside_the_outer_one() -> None:
    text = "“He told me ‘never again’ and I believed him,” she said. “Das ist „gut“ so, ja.”"
    assert [q for q, _ in quotes(text)] == [
        "He told me ‘never again’ and I believed him",
        "Das ist „gut“ so, ja.",
    ]


def test_scare_quotes_of_one_or_two_words_are_ignored_by_default() -> None:
    text = "The so-called “peace plan” was a “disaster”, critics said of the “very long process.”"
    assert [q for q, _ in quotes(text)] == ["very long process."]
    assert [q for q, _ in quotes(text, min_words=1)] == [
        "peace plan",
        "disaster",
        "very long process.",
    ]


def test_titles_in_quotation_marks_are_not_quotations() -> None:
    text = (
        "In an article in “The Washington Post”, on “Los Desayunos de TVE” and "
        "“EL GRAN HERMANO”, he wrote: “We Will Win This.” and “Our Work Goes On”, said Gates."
    )
    assert quotes(text) == [("We Will Win This.", None), ("Our Work Goes On", "Gates")]


def test_a_quotation_runs_over_line_breaks_and_paragraphs() -> None:
    wrapped = "“We are ready to talk\nat any time,” the envoy said."
    assert quotes(wrapped) == [("We are ready to talk\nat any time", None)]
    # News style: a quotation of two paragraphs has no closing mark on the first.
    multi = "“The first paragraph of it.\n\n“And the second one,” Blinken said."
    assert quotes(multi) == [("The first paragraph of it.\n\n“And the second one", "Blinken")]


def test_a_quotation_split_by_its_attribution() -> None:
    text = "“No,” Blinken said, “we will not give up.” Later: “Fine,” he said. “Yes.”"
    assert quotes(text) == [("No", "Blinken"), ("we will not give up.", "Blinken")]
    text = "“We are ready,” said Tokayev on Monday, “always.”"
    assert quotes(text) == [("We are ready", "Tokayev"), ("always.", "Tokayev")]


def test_an_unclosed_quote_ends_at_its_paragraph() -> None:
    text = "He said “this never closes.\n\nA new paragraph with “a real quotation here” in it."
    assert [q for q, _ in quotes(text)] == ["a real quotation here"]


def test_apostrophes_are_not_closing_quotes() -> None:
    text = "‘We aren’t going anywhere,’ said the head of Russia’s agency."
    assert [q for q, _ in quotes(text)] == ["We aren’t going anywhere"]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“We will stand with Ukraine,” Blinken said.", "Blinken"),
        ("“We will stand with Ukraine,” said Blinken.", "Blinken"),
        ("“We will stand with Ukraine,” Blinken told reporters in Astana.", "Blinken"),
        ("“We will stand with Ukraine,” according to Antony Blinken.", "Antony Blinken"),
        (
            "“We will stand with Ukraine,” said US Secretary of State Antony Blinken.",
            "Antony Blinken",
        ),
        (
            "“This is our land,” Kazakhstan’s President Kassym-Jomart Tokayev said on Monday.",
            "Kassym-Jomart Tokayev",
        ),
        ("“We will win this fight,” U.S. President Joe Biden said.", "Joe Biden"),
        ("“We are ready,” Mr. Smith told reporters.", "Smith"),
        ("Blinken said: “We will stand with Ukraine for as long as it takes.”", "Blinken"),
        ("Tokayev told reporters: “The border will stay open.”", "Tokayev"),
        ("According to Tileuberdi, “the talks went very well.”", "Tileuberdi"),
        ("Blinken: “We stand with you, today and tomorrow”", "Blinken"),
        ("The statement read: “We stand with you, today and tomorrow”", None),
        ("“We stand with you,” Blinken, who is visiting Astana, said.", "Blinken"),
        ("“Nous sommes prêts à discuter,” a dit Macron.", "Macron"),
        ("„Das ist ein guter Tag“, sagte Scholz.", "Scholz"),
        ('"No puede cerrar los ojos", manifestó Toledo en alusión a su rival.', "Toledo"),
        ("“Dit is een goede dag voor ons”, zei Rutte.", "Rutte"),
        ("“We are ready to talk,” he said.", None),
        ("“We are ready to talk,” the minister said.", None),
        ("“We are ready to talk,” he said. Blinken agreed.", None),
        ("“Sanctions are working,” the report concluded.", None),
    ],
)
def test_attribution(text: str, speaker: str | None) -> None:
    found = quotes(text)
    assert len(found) == 1
    assert found[0][1] == speaker


def test_real_news_sentences() -> None:
    # Reuters / AP style, with the attribution before, after and in the middle.
    text = (
        "“There is no military solution to this conflict,” U.N. Secretary-General Antonio "
        "Guterres told the Security Council on Thursday.\n\n"
        'Zelenskiy said in a video address: "We will not give up our land, not one '
        'metre of it."\n\n'
        "“Inflation is still too high,” Federal Reserve Chair Jerome Powell said, adding "
        "that rates would stay “higher for longer.”\n\n"
        "The ministry called the report “fake news.”"
    )
    assert quotes(text) == [
        ("There is no military solution to this conflict", "Antonio Guterres"),
        ("We will not give up our land, not one metre of it.", "Zelenskiy"),
        ("Inflation is still too high", "Jerome Powell"),
        ("higher for longer.", None),
    ]


def test_speaker_suggestion_through_the_schema() -> None:
    schema = parse_schema(
        {
            "labels": [
                {"name": "Quote", "kind": "quote"},
                {"name": "Person", "kind": "entity"},
                {"name": "Organization", "kind": "entity"},
            ],
            "relations": [{"name": "speaker", "from": "Quote", "to": ["Person", "Organization"]}],
        }
    )
    found = suggest(SAMPLE, schema)
    quote = next(s for s in found if s.source == "quote")
    assert quote.label == "Quote" and quote.text == SAMPLE[quote.start : quote.end]
    assert quote.speaker is not None
    assert (quote.speaker.text, quote.speaker.label, quote.speaker.relation) == (
        "Blinken",
        "Person",
        "speaker",
    )
    off = suggest(SAMPLE, schema, SuggestConfig(quotes=QuoteOptions(enabled=False)))
    assert not [s for s in off if s.source == "quote"]
    no_speakers = suggest(SAMPLE, schema, SuggestConfig(quotes=QuoteOptions(speakers=False)))
    assert [s.speaker for s in no_speakers if s.source == "quote"] == [None]


MARKS = "“”„«»‹›‘’‚\"'"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*MARKS, "a", "B", " ", "\n", ",", ".", "é", "😀", " said "])).map(
        "".join
    )
)
def test_random_text_never_breaks_the_quote_finder(text: str) -> None:
    found = find_quotes(text, min_words=1)
    last_end = -1
    for q in found:
        assert 0 <= q.start < q.end <= len(text)
        assert q.start >= last_end  # outermost quotations do not overlap
        last_end = q.end
        inner = text[q.start : q.end]
        assert inner == inner.strip() and not inner.endswith(",")
        if q.speaker is not None:
            s, e = q.speaker
            assert 0 <= s < e <= len(text)
            assert text[s:e] == text[s:e].strip()
