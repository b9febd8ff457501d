"""Comparing two layers of a document: kinds, pairing, order and navigation."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.compare import (
    DISAGREEMENTS,
    Kind,
    compare_layers,
    count_kinds,
    disagreement_indices,
    index_at,
    nearest_index,
    next_index,
    previous_index,
)
from annotator.core.model import SpanData

TEXT = "Antony Blinken said Kazakhstan is a partner of the United States in Astana."


def span(sid: int, who: str, start: int, end: int, label: str) -> SpanData:
    return SpanData(sid, 1, who, label, start, end, TEXT[start:end])


def a(sid: int, start: int, end: int, label: str) -> SpanData:
    return span(sid, "alice", start, end, label)


def b(sid: int, start: int, end: int, label: str) -> SpanData:
    return span(sid, "bob", start, end, label)


def kinds(items: list) -> list[tuple[str, int | None, int | None]]:
    return [(i.kind.value, *i.key) for i in items]


def test_every_kind_by_hand() -> None:
    layer_a = [
        a(1, 0, 14, "Person"),  # same as b 11
        a(2, 20, 30, "Location"),  # label differs from b 12
        a(3, 36, 43, "Other"),  # overlaps b 13 (43..)
        a(4, 51, 64, "Location"),  # only A
    ]
    layer_b = [
        b(11, 0, 14, "Person"),
        b(12, 20, 30, "Organization"),
        b(13, 36, 50, "Claim"),
        b(14, 68, 74, "Location"),  # only B
    ]
    items = compare_layers(layer_a, layer_b)
    assert kinds(items) == [
        ("same", 1, 11),
        ("label_differs", 2, 12),
        ("overlap", 3, 13),
        ("only_a", 4, None),
        ("only_b", None, 14),
    ]
    assert items[2].start == 36 and items[2].end == 50
    assert count_kinds(items) == {
        Kind.SAME: 1,
        Kind.ONLY_A: 1,
        Kind.ONLY_B: 1,
        Kind.LABEL_DIFFERS: 1,
        Kind.OVERLAP: 1,
    }
    assert disagreement_indices(items) == [1, 2, 3, 4]


def test_overlap_with_the_same_label_and_with_another() -> None:
    items = compare_layers([a(1, 0, 6, "Person")], [b(2, 0, 14, "Person")])
    assert kinds(items) == [("overlap", 1, 2)]
    items = compare_layers([a(1, 0, 6, "Person")], [b(2, 3, 14, "Claim")])
    assert kinds(items) == [("overlap", 1, 2)]


def test_touching_spans_do_not_overlap() -> None:
    items = compare_layers([a(1, 0, 6, "Person")], [b(2, 6, 14, "Person")])
    assert kinds(items) == [("only_a", 1, None), ("only_b", None, 2)]


def test_exact_pairs_come_before_label_and_overlap_pairs() -> None:
    # A has the extent twice (two labels); B has one of them: that one is "same",
    # the other is only in A, not a label difference.
    items = compare_layers([a(1, 0, 14, "Person"), a(2, 0, 14, "Claim")], [b(3, 0, 14, "Claim")])
    assert kinds(items) == [("same", 2, 3), ("only_a", 1, None)]
    # A duplicate pairs only as often as the other side has it.
    items = compare_layers([a(1, 0, 6, "Person"), a(2, 0, 6, "Person")], [b(3, 0, 6, "Person")])
    assert kinds(items) == [("same", 1, 3), ("only_a", 2, None)]


def test_greedy_overlap_pairs_the_largest_overlap_and_leaves_the_rest() -> None:
    # B's long span overlaps both of A's; the larger overlap pairs, the other is only A.
    items = compare_layers([a(1, 0, 6, "Person"), a(2, 7, 19, "Person")], [b(3, 0, 19, "Person")])
    # Both start at 0: the shorter item comes first.
    assert kinds(items) == [("only_a", 1, None), ("overlap", 2, 3)]


def test_empty_layers() -> None:
    assert compare_layers([], []) == []
    assert kinds(compare_layers([a(1, 0, 6, "Person")], [])) == [("only_a", 1, None)]
    assert kinds(compare_layers([], [b(1, 0, 6, "Person")])) == [("only_b", None, 1)]


def test_navigation() -> None:
    items = compare_layers(
        [a(1, 0, 6, "Person"), a(2, 7, 14, "Person"), a(3, 20, 30, "Location")],
        [b(4, 0, 6, "Person"), b(5, 20, 30, "Location"), b(6, 36, 43, "Other")],
    )
    # same, only_a, same, only_b
    assert [i.kind for i in items] == [Kind.SAME, Kind.ONLY_A, Kind.SAME, Kind.ONLY_B]
    assert next_index(items, None) == 1
    assert next_index(items, 1) == 3
    assert next_index(items, 3) is None
    assert next_index(items, 3, wrap=True) == 1
    assert previous_index(items, None) == 3
    assert previous_index(items, 3) == 1
    assert previous_index(items, 1) is None
    assert previous_index(items, 1, wrap=True) == 3
    assert next_index(items, 0, kinds=[Kind.SAME]) == 2
    assert next_index([], None) is None and previous_index([], None) is None
    assert index_at(items, 8) == 1
    assert index_at(items, 15) is None
    assert nearest_index(items, 15) == 2
    assert nearest_index(items, 70) == 3


def test_index_at_prefers_the_innermost_item() -> None:
    items = compare_layers([a(1, 0, 30, "Claim"), a(2, 20, 30, "Location")], [])
    assert index_at(items, 25) == 1
    assert index_at(items, 5) == 0


def test_index_at_finds_a_split_span_by_its_pieces_only() -> None:
    """ "Antony Blinken … Kazakhstan": a click on "said" between them is on no item."""
    split = SpanData(1, 1, "alice", "Quote", 0, 30, "", fragments=((0, 14), (20, 30)))
    items = compare_layers([split], [b(11, 36, 43, "Other")])
    assert index_at(items, 3) == 0 and index_at(items, 25) == 0
    assert index_at(items, 16) is None
    assert index_at(items, 40) == 1


layers = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from(["X", "Y"])), max_size=12
)


@given(layers, layers, st.randoms(use_true_random=False))
def test_every_span_in_exactly_one_item_and_order_does_not_matter(
    raw_a: list[tuple[int, int, str]], raw_b: list[tuple[int, int, str]], rnd: random.Random
) -> None:
    spans_a = [a(i + 1, s, s + n, lab) for i, (s, n, lab) in enumerate(raw_a)]
    spans_b = [b(i + 100, s, s + n, lab) for i, (s, n, lab) in enumerate(raw_b)]
    items = compare_layers(spans_a, spans_b)
    assert sorted(i.a.id for i in items if i.a) == [s.id for s in spans_a]
    assert sorted(i.b.id for i in items if i.b) == [s.id for s in spans_b]
    for item in items:
        if item.kind is Kind.SAME:
            assert item.a and item.b
            assert (item.a.start, item.a.end, item.a.label) == (
                item.b.start,
                item.b.end,
                item.b.label,
            )
        elif item.kind is Kind.LABEL_DIFFERS:
            assert item.a and item.b and item.a.label != item.b.label
            assert (item.a.start, item.a.end) == (item.b.start, item.b.end)
        elif item.kind is Kind.OVERLAP:
            assert item.a and item.b
            assert (item.a.start, item.a.end) != (item.b.start, item.b.end)
            assert min(item.a.end, item.b.end) > max(item.a.start, item.b.start)
    assert [i.sort_key() for i in items] == sorted(i.sort_key() for i in items)
    shuffled_a, shuffled_b = list(spans_a), list(spans_b)
    rnd.shuffle(shuffled_a)
    rnd.shuffle(shuffled_b)
    assert compare_layers(shuffled_a, shuffled_b) == items
    # Swapping the layers keeps the agreed pairs.
    swapped = compare_layers(spans_b, spans_a)
    assert count_kinds(swapped)[Kind.SAME] == count_kinds(items)[Kind.SAME]
    assert set(DISAGREEMENTS) == {i for i in Kind if i is not Kind.SAME}
