"""The view's pure-Python parts: segments, word snapping, the quick UTF-16 map."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from annotator.core.document import BlockIndex, snap_to_words, step_word_edge, word_at
from annotator.ui.segments import Piece, segments

pieces_strategy = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 30)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=12,
).map(lambda pairs: [Piece(i + 1, start, end) for i, (start, end) in enumerate(pairs)])


@given(pieces_strategy)
def test_segments_cover_exactly_what_the_spans_cover(pieces: list[Piece]) -> None:
    result = segments(pieces)
    for a, b in itertools.pairwise(result):
        assert a.end <= b.start, "segments overlap"
    for position in range(0, 100):
        covering = {p.span_id for p in pieces if p.start <= position < p.end}
        found = [s for s in result if s.start <= position < s.end]
        if not covering:
            assert not found
            continue
        (segment,) = found
        assert set(segment.span_ids) == covering
        lengths = [
            next(p.end - p.start for p in pieces if p.span_id == i) for i in segment.span_ids
        ]
        assert lengths == sorted(lengths), "innermost (shortest) first"


def test_segments_clip_to_a_paragraph() -> None:
    result = segments([Piece(1, 0, 50), Piece(2, 10, 20)], 5, 15)
    assert [(s.start, s.end, s.span_ids) for s in result] == [(5, 10, (1,)), (10, 15, (2, 1))]


text_strategy = st.text(alphabet="ab \n.,'\U0001f600é", max_size=40)


@given(text_strategy, st.integers(0, 40), st.integers(0, 40))
def test_snapping_takes_whole_words_and_trims_space(text: str, a: int, b: int) -> None:
    a, b = min(a, len(text)), min(b, len(text))
    start, end = snap_to_words(text, a, b)
    assert 0 <= start <= end <= len(text)
    if start == end:
        return
    assert not text[start].isspace() and not text[end - 1].isspace()
    # Never cuts a word in two.
    if start > 0:
        assert not (text[start - 1].isalnum() and text[start].isalnum())
    if end < len(text):
        assert not (text[end - 1].isalnum() and text[end].isalnum())
    # Keeps every non-space character that was selected.
    lo, hi = min(a, b), max(a, b)
    kept = [i for i in range(lo, hi) if not text[i].isspace()]
    assert all(start <= i < end for i in kept)


def test_word_edges_step_by_whole_words() -> None:
    text = "the United States, today"
    assert step_word_edge(text, 4, "start", -1) == 0
    assert step_word_edge(text, 4, "start", 1) == 11
    assert step_word_edge(text, 10, "end", 1) == 17
    assert step_word_edge(text, 17, "end", -1) == 10
    assert word_at(text, 6) == (4, 10)
    assert word_at(text, 3) == (3, 3)


def test_block_index_finds_paragraphs() -> None:
    index = BlockIndex("one\ntwo\n\nfour")
    assert len(index) == 4
    assert index.block_of(0) == 0 and index.block_of(4) == 1 and index.block_of(9) == 3
    assert list(index.blocks_of(2, 6)) == [0, 1]
    assert index.bounds(1) == (4, 7) and index.bounds(3) == (9, 13)
