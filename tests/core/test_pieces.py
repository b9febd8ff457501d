from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.model import OffsetError, SpanData
from annotator.core.pieces import (
    PIECE_JOINER,
    check_pieces,
    covers,
    joined_text,
    normalise,
    piece_at,
    pieces_of,
    stored_fragments,
    with_piece,
    without_piece,
)

TEXT = '"We will win," he said, "and soon."'


def test_a_quote_interrupted_by_its_attribution_is_two_pieces() -> None:
    first = (1, 12)  # We will win
    second = (25, 33)  # and soon
    pieces = normalise([second, first])
    assert pieces == (first, second)
    assert joined_text(TEXT, pieces) == f"We will win{PIECE_JOINER}and soon"
    assert stored_fragments(pieces) == pieces
    check_pieces(len(TEXT), pieces)


def test_touching_or_overlapping_pieces_become_one() -> None:
    assert normalise([(0, 5), (5, 9)]) == ((0, 9),)
    assert normalise([(0, 5), (3, 4), (2, 8)]) == ((0, 8),)
    assert stored_fragments(normalise([(0, 5), (5, 9)])) is None


@pytest.mark.parametrize(
    ("pieces", "message"),
    [
        ([], "at least one piece"),
        ([(3, 3)], "empty"),
        ([(1, 2, 3)], "start, end"),
        ([("a", 2)], "integers"),
    ],
)
def test_bad_pieces_are_refused_with_the_reason(pieces: list, message: str) -> None:
    with pytest.raises(OffsetError, match=message):
        normalise(pieces)


def test_pieces_outside_the_text_or_out_of_order_are_refused() -> None:
    with pytest.raises(OffsetError, match="outside the text"):
        check_pieces(10, ((0, 4), (8, 12)))
    with pytest.raises(OffsetError, match="ordered and apart"):
        check_pieces(10, ((5, 8), (0, 4)))


def test_adding_and_removing_a_piece() -> None:
    pieces = with_piece(((1, 12),), (25, 33))
    assert pieces == ((1, 12), (25, 33))
    assert without_piece(pieces, 0) == ((25, 33),)
    with pytest.raises(OffsetError, match="at least one piece"):
        without_piece(((1, 12),), 0)
    with pytest.raises(OffsetError, match="no piece 3"):
        without_piece(pieces, 2)


def test_a_span_without_fragments_is_its_one_piece() -> None:
    assert pieces_of(4, 9, None) == ((4, 9),)
    assert pieces_of(1, 33, [[1, 12], [25, 33]]) == ((1, 12), (25, 33))


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), min_size=1, max_size=8))
def test_normalised_pieces_are_ordered_apart_and_cover_the_same_offsets(
    raw: list[tuple[int, int]],
) -> None:
    pieces = normalise([(start, start + width) for start, width in raw])
    check_pieces(100, pieces)
    covered = {i for start, width in raw for i in range(start, start + width)}
    assert {i for start, end in pieces for i in range(start, end)} == covered


def test_piece_at_finds_the_piece_holding_an_offset_or_touching_a_range() -> None:
    pieces = ((1, 12), (25, 33))
    assert [piece_at(pieces, offset) for offset in (0, 1, 11, 12, 24, 25, 32, 33)] == [
        None, 0, 0, None, None, 1, 1, None,
    ]  # fmt: skip
    assert piece_at(pieces, 10, 30) == 0
    assert piece_at(pieces, 12, 26) == 1
    assert piece_at(pieces, 12, 25) is None


def test_a_split_span_covers_its_pieces_not_the_gap() -> None:
    split = SpanData(1, 1, "ana", "Quote", 1, 33, joined_text(TEXT, ((1, 12), (25, 33))),
                     fragments=((1, 12), (25, 33)))  # fmt: skip
    whole = SpanData(2, 1, "ana", "Quote", 1, 33, TEXT[1:33])
    assert [covers(split, offset) for offset in (0, 1, 11, 12, 20, 25, 32, 33)] == [
        False, True, True, False, False, True, True, False,
    ]  # fmt: skip
    assert covers(whole, 20) and not covers(whole, 33)
