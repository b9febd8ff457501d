"""The document model under the article view, without Qt: index, edits,
selection and snapping, permissions per layer, link mode."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.commands import Changes
from annotator.core.document import BlockIndex, DocumentModel, Link, SpanIndex
from annotator.core.model import RelationData, SpanData
from annotator.core.schema import Label, LabelSchema, RelationType

TEXT = 'The minister said: "We are here to listen." Officials met in Astana.\nTuesday 🙂 talks.'

SCHEMA = LabelSchema(
    labels=(
        Label("Person", "entity", "#f28e9b", "p"),
        Label("Quote", "quote", "#8ecae6", "q"),
        Label("Location", "entity", "#90be6d", "g"),
    ),
    relations=(RelationType("speaker", sources=("Quote",), targets=("Person",)),),
)


def span(span_id: int, start: int, end: int, label: str = "Person", who: str = "alice") -> SpanData:
    return SpanData(span_id, 1, who, label, start, end, TEXT[start:end])


def word(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def model_with(*spans: SpanData, relations: tuple[RelationData, ...] = ()) -> DocumentModel:
    model = DocumentModel()
    model.schema = SCHEMA
    model.layer = "alice"
    model.set_content(TEXT, spans, relations)
    return model


# --- the index against a brute-force scan -------------------------------------

# Paragraphs of words, emoji (two UTF-16 units, one code point here) and CRLF line
# ends, where "\r" is an ordinary character and "\n" ends a block.
PIECES = ("word", "🙂", "👩‍🔬", " ", "\r\n", "\n", "é", ".")


def random_document(rng: random.Random, spans: int) -> tuple[str, list[SpanData]]:
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 120)))
    made = []
    for span_id in range(1, spans + 1):
        start = rng.randrange(len(text))
        end = rng.randint(start + 1, min(len(text), start + rng.choice((2, 8, 40, 400))))
        made.append(SpanData(span_id, 1, "alice", "Person", start, end, text[start:end]))
    return text, made


def brute_overlapping(spans: dict[int, SpanData], start: int, end: int) -> list[int]:
    return sorted(s.id for s in spans.values() if s.start < end and s.end > start)


def brute_at(spans: dict[int, SpanData], offset: int) -> list[int]:
    return sorted(s.id for s in spans.values() if s.start <= offset < s.end)


def check_index(index: SpanIndex, text: str, rng: random.Random) -> None:
    spans = index.spans
    for number in range(len(index.blocks)):
        lo, hi = index.blocks.bounds(number)
        listed = set(index.in_block(number))
        # Every span with a character in the block's text is listed for it.
        assert brute_overlapping(spans, lo, hi) == sorted(
            i for i in listed if spans[i].start < hi and spans[i].end > lo
        )
    for _ in range(30):
        start = rng.randrange(len(text) + 1)
        end = rng.randint(start, len(text))
        found = index.overlapping(start, end)
        assert sorted(s.id for s in found) == brute_overlapping(spans, start, end)


@pytest.mark.parametrize("seed", range(40))
def test_the_index_finds_what_a_scan_of_every_span_finds(seed: int) -> None:
    rng = random.Random(seed)
    text, spans = random_document(rng, rng.choice((1, 5, 60)))
    index = SpanIndex(BlockIndex(text), spans)
    check_index(index, text, rng)  # before the block sets are built
    index.build()
    check_index(index, text, rng)
    model = DocumentModel()
    model.set_content(text, spans)
    for offset in range(len(text)):
        found = model.spans_at(offset)
        assert sorted(s.id for s in found) == brute_at(model.spans, offset)
        lengths = [s.end - s.start for s in found]
        assert lengths == sorted(lengths), "innermost (shortest) first"


@pytest.mark.parametrize("seed", range(20))
def test_the_index_stays_right_through_adds_removes_and_moves(seed: int) -> None:
    rng = random.Random(1000 + seed)
    text, spans = random_document(rng, 30)
    model = DocumentModel()
    model.set_content(text, spans)
    next_id = 100
    for _ in range(40):
        changes = Changes()
        current = list(model.spans.values())
        roll = rng.random()
        if current and roll < 0.3:
            changes.span_removed(rng.choice(current))
        elif current and roll < 0.6:
            old = rng.choice(current)
            start = rng.randrange(len(text))
            end = rng.randint(start + 1, len(text))
            changes.span_updated(SpanData(old.id, 1, "alice", "Quote", start, end, ""))
        else:
            start = rng.randrange(len(text))
            changes.span_added(SpanData(next_id, 1, "alice", "Person", start, start + 1, ""))
            next_id += 1
        model.apply(changes)
    check_index(model.index, text, rng)
    for offset in range(len(text)):
        assert sorted(s.id for s in model.spans_at(offset)) == brute_at(model.spans, offset)


@settings(max_examples=60)
@given(
    st.text(st.sampled_from("ab 🙂\r\n"), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 39), st.integers(1, 12)), max_size=15),
)
def test_spans_at_every_offset_match_a_scan(text: str, pairs: list[tuple[int, int]]) -> None:
    spans = [
        SpanData(i + 1, 1, "alice", "Person", start, min(len(text), start + length), "")
        for i, (start, length) in enumerate(pairs)
        if start < len(text)
    ]
    model = DocumentModel()
    model.set_content(text, spans)
    for offset in range(len(text)):
        assert sorted(s.id for s in model.spans_at(offset)) == brute_at(model.spans, offset)


# --- edits --------------------------------------------------------------------


def test_apply_adds_relabels_and_removes_spans_and_says_what_to_restyle() -> None:
    model = model_with()
    minister = span(1, *word(TEXT, "minister"))
    assert model.apply(Changes(added_spans={1: minister})) == [(minister.start, minister.end)]
    assert model.spans_at(minister.start + 1) == [minister]

    relabelled = span(1, minister.start, minister.end, "Location")
    assert model.apply(Changes(updated_spans={1: relabelled})) == [
        (minister.start, minister.end),
        (minister.start, minister.end),
    ]
    assert model.spans_at(minister.start) == [relabelled]

    astana = span(1, *word(TEXT, "Astana"), "Location")
    touched = model.apply(Changes(updated_spans={1: astana}))
    assert touched == [(minister.start, minister.end), (astana.start, astana.end)]
    assert model.spans_at(minister.start) == []

    assert model.apply(Changes(removed_spans={1: astana})) == [(astana.start, astana.end)]
    assert model.spans == {}
    assert model.apply(Changes(removed_spans={1: astana})) == [], "already gone: nothing to do"


def test_apply_keeps_only_the_visible_annotators_spans() -> None:
    model = model_with()
    mine = span(1, *word(TEXT, "minister"))
    theirs = span(2, *word(TEXT, "Astana"), "Location", who="bob")
    touched = model.apply(Changes(added_spans={1: mine, 2: theirs}), visible={"alice"})
    assert touched == [(mine.start, mine.end)]
    assert list(model.spans) == [1]
    # Someone else's edit of a shown span moves it out of view.
    moved = span(1, mine.start, mine.end, who="bob")
    assert model.apply(Changes(updated_spans={1: moved}), visible={"alice"}) == [
        (mine.start, mine.end)
    ]
    assert model.spans == {}


def test_removing_the_selected_span_selects_none_and_relations_follow() -> None:
    quote = span(1, *word(TEXT, '"We are here to listen."'), "Quote")
    person = span(2, *word(TEXT, "minister"))
    model = model_with(quote, person)
    assert model.select_span(1) is True
    assert model.select_span(1) is False
    relation = RelationData(7, 1, "alice", "speaker", 1, 2)
    model.apply(Changes(added_relations={7: relation}))
    assert model.linked_span_ids(1) == [2] and model.linked_span_ids(2) == [1]
    model.apply(Changes(removed_spans={2: person}))
    assert model.linked_span_ids(1) == [], "a relation to a span not shown is not drawn"
    model.apply(Changes(removed_spans={1: quote}, removed_relations={7: relation}))
    assert model.selected_span_id is None and model.relations == {}


def test_selecting_a_span_not_shown_selects_none() -> None:
    model = model_with(span(1, *word(TEXT, "minister")))
    model.select_span(1)
    assert model.select_span(99) is True
    assert model.selected_span is None


def test_clicking_again_on_stacked_spans_walks_outwards() -> None:
    inner = span(1, *word(TEXT, "minister"))
    outer = span(2, 0, word(TEXT, "said")[1], "Quote")
    model = model_with(inner, outer)
    offset = inner.start + 1
    under = model.spans_at(offset)
    assert [s.id for s in under] == [1, 2]
    first = model.span_to_select(offset, under)
    model.select_span(first)
    second = model.span_to_select(offset, under)
    model.select_span(second)
    assert (first, second, model.span_to_select(offset, under)) == (1, 2, 1)
    assert model.span_to_select(None, []) is None


def split_quote() -> SpanData:
    """ "We are here" ... "listen" as one Quote in two pieces."""
    pieces = (word(TEXT, "We are here"), word(TEXT, "listen"))
    return SpanData(5, 1, "alice", "Quote", pieces[0][0], pieces[1][1], "", fragments=pieces)


def test_a_split_span_is_under_its_pieces_only() -> None:
    quote = split_quote()
    model = model_with(quote)
    assert [s.id for s in model.spans_at(word(TEXT, "listen")[0])] == [5]
    assert model.spans_at(word(TEXT, "to")[0]) == []


def test_the_piece_to_remove_is_the_one_clicked_or_selected() -> None:
    quote = split_quote()
    model = model_with(quote)
    assert model.piece_target is None
    offset = word(TEXT, "listen")[0] + 1
    model.select_span(model.span_to_select(offset, model.spans_at(offset)))
    assert model.piece_target is quote and model.piece_under(quote) == 1
    model.set_selection(*word(TEXT, "are"))
    assert model.piece_under(quote) == 0
    model.set_selection(*word(TEXT, "to"))
    assert model.piece_under(quote) is None
    # Selected from the span list, not by a click: no piece is meant.
    model.clear_selection()
    model.select_span(None)
    model.select_span(5)
    assert model.piece_under(quote) is None


def test_text_selected_after_a_span_adds_to_that_span() -> None:
    quote = split_quote()
    model = model_with(quote)
    model.select_span(5)
    # The view unselects the span for a mouse selection and remembers it.
    model.select_span(None)
    model.piece_target_id = 5
    assert model.piece_target is quote
    model.select_span(None)  # any other choice of span forgets it
    assert model.piece_target is None


# --- selection and snapping -----------------------------------------------------


def test_a_selection_is_kept_in_code_points_past_an_emoji() -> None:
    model = model_with()
    start, end = word(TEXT, "talks")
    # "🙂" is two UTF-16 units but one code point: the offsets are str indices.
    model.set_selection(end, start)
    assert model.selection is not None
    assert TEXT[model.selection.start : model.selection.end] == "talks"
    model.set_selection(start, start)
    assert model.selection is None, "an empty range selects nothing"


def test_snapping_grows_to_whole_words_once_unless_exact() -> None:
    model = model_with()
    start, end = word(TEXT, "minister")
    assert model.snap(start + 2, end - 2) == (start, end)
    assert model.snap(end - 2, start + 2) == (start, end), "either direction"
    assert model.snap(start + 2, end - 2, exact=True) == (start + 2, end - 2)
    model.snap_to_words = False
    assert model.snap(start + 2, end - 2) == (start + 2, end - 2)


def test_tagging_snaps_a_raw_selection_but_not_one_already_snapped() -> None:
    model = model_with()
    start, end = word(TEXT, "Officials")
    model.set_selection(start + 1, end - 1)
    assert model.tag_range() == (start, end)
    # A drag snaps as it goes; tagging then takes its range as it is.
    model.set_selection(start + 1, end - 1, snapped=True)
    assert model.tag_range() == (start + 1, end - 1)
    model.set_selection(start + 1, end - 1, exact=True)
    assert model.tag_range() == (start + 1, end - 1)
    space = TEXT.index(" ")
    model.set_selection(space, space + 1)
    assert model.tag_range() is None, "only white space: nothing to tag"


def test_dragging_an_edge_resizes_the_selected_span_by_whole_words() -> None:
    said = word(TEXT, "said")
    minister = span(1, *word(TEXT, "minister"))
    model = model_with(minister)
    model.select_span(1)
    assert model.drag_range(0, said[0] + 1, exact=False, edge="end") == (minister.start, said[1])
    assert model.drag_range(0, 1, exact=False, edge="start") == (0, minister.end)
    # The start never passes the end: at least one character stays.
    assert model.drag_range(0, len(TEXT), exact=True, edge="start") == (
        minister.end - 1,
        minister.end,
    )
    assert model.drag_range(said[0] + 1, said[0] + 2, exact=False) == said, "no edge: a selection"


def test_nudging_moves_an_edge_by_a_word_and_refuses_to_empty_a_span() -> None:
    minister = span(1, *word(TEXT, "minister"))
    model = model_with(minister)
    said = word(TEXT, "said")
    assert model.nudged(minister, "end", 1) == (minister.start, said[1])
    assert model.nudged(minister, "start", -1) == (0, minister.end)
    assert model.nudged(minister, "end", -1) is None


def test_a_word_is_found_in_code_points() -> None:
    model = model_with()
    start, end = word(TEXT, "talks")
    assert model.word_at(start + 2) == (start, end)
    emoji = TEXT.index("🙂")
    assert model.word_at(emoji) == (emoji, emoji)


# --- permissions and link mode ----------------------------------------------------


def test_only_the_layer_being_edited_may_be_edited() -> None:
    mine = span(1, *word(TEXT, "minister"))
    theirs = span(2, *word(TEXT, "Astana"), "Location", who="bob")
    model = model_with(mine, theirs)
    assert model.can_edit() and model.can_edit(mine)
    assert model.edit_refusal(theirs) == "This span belongs to bob; it is read-only"
    model.layer = "bob"
    assert model.can_edit(theirs) and not model.can_edit(mine)
    model.editable = False
    assert model.edit_refusal() == "Read-only: these are another annotator's spans"
    assert not model.can_edit(theirs)


def test_link_mode_starts_from_a_linkable_span_and_ends_on_a_click() -> None:
    quote = span(1, *word(TEXT, '"We are here to listen."'), "Quote")
    person = span(2, *word(TEXT, "minister"))
    model = model_with(quote, person)
    assert model.start_link() == "Select a quote or claim first, then press L"
    model.select_span(2)
    assert model.start_link() == "A Person cannot be linked to anything"
    assert model.link_source is None
    model.select_span(1)
    assert model.start_link() is None and model.link_source == 1
    # Clicking the source itself (or nothing) cancels.
    assert model.finish_link(model.spans_at(quote.start + 1)) is None
    assert model.link_source is None
    model.start_link()
    assert model.finish_link([quote, person]) == Link(1, 2)
    assert model.link_source is None


def test_link_mode_is_refused_on_someone_elses_span() -> None:
    theirs = span(1, *word(TEXT, '"We are here to listen."'), "Quote", who="bob")
    model = model_with(theirs)
    model.select_span(1)
    assert model.start_link() == "This span belongs to bob; it is read-only"
    model.cancel_link()
    assert model.link_source is None


def test_new_content_forgets_the_selection_and_link_mode() -> None:
    quote = span(1, *word(TEXT, '"We are here to listen."'), "Quote")
    model = model_with(quote)
    model.select_span(1)
    model.start_link()
    model.set_selection(0, 3)
    model.set_content("Other text.", [])
    assert (model.selected_span_id, model.link_source, model.selection) == (None, None, None)
    assert model.spans_at(0) == [] and model.spans_at(None) == []


def test_a_relabel_retypes_the_links_it_would_break_or_is_refused() -> None:
    quote = span(1, *word(TEXT, '"We are here to listen."'), label="Quote")
    minister = span(2, *word(TEXT, "minister"))
    astana = span(3, *word(TEXT, "Astana"), label="Location")
    model = model_with(
        quote,
        minister,
        astana,
        relations=(
            RelationData(7, 1, "alice", "speaker", 1, 2),
            RelationData(8, 1, "alice", "located_in", 2, 3),  # a type the schema lacks
        ),
    )
    model.schema = LabelSchema(
        labels=(*SCHEMA.labels, Label("Claim", "claim", "#f4a261", "c")),
        relations=(
            *SCHEMA.relations,
            RelationType("claimant", sources=("Claim",), targets=("Person",)),
            RelationType("source", sources=("Claim",), targets=("Location",)),
            RelationType("origin", sources=("Claim",), targets=("Location",)),
        ),
    )
    assert model.relabel_retypes(minister, "Person") == {}
    assert model.relabel_retypes(quote, "Claim") == {7: "claimant"}
    assert model.relabel_retypes(minister, "Claim") == (
        "Cannot relabel as Claim: its speaker link would join a Quote to a Claim, by no "
        "link. Remove the link first"
    )
    # Only the unknown link's end changes: not this edit's to judge.
    assert model.relabel_retypes(astana, "Person") == {}
    model.relations[9] = RelationData(9, 1, "alice", "claimant", 1, 3)
    quote_as_claim = span(1, quote.start, quote.end, label="Claim")
    model.spans[1] = quote_as_claim
    assert "by more than one kind of link" in str(model.relabel_retypes(astana, "Location"))
