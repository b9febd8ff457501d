"""Find in one document: strings and regular expressions, with case options."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.find import (
    FindError,
    FindOptions,
    compile_query,
    find_all,
    iter_matches,
    next_match,
)

TEXT = "Blinken met BLINKEN’s aide 😀 in Astana; blinkens. Blinken!"


def test_plain_string_ignores_case_by_default() -> None:
    matches = find_all(TEXT, "blinken")
    assert [TEXT[s:e] for s, e in matches] == ["Blinken", "BLINKEN", "blinken", "Blinken"]
    sensitive = find_all(TEXT, "Blinken", FindOptions(case_sensitive=True))
    assert [TEXT[s:e] for s, e in sensitive] == ["Blinken", "Blinken"]


def test_whole_words_and_offsets_are_code_points() -> None:
    matches = find_all(TEXT, "blinken", FindOptions(whole_word=True))
    assert len(matches) == 3  # not "blinkens"
    after_emoji = find_all(TEXT, "Astana")[0]
    assert after_emoji == (TEXT.index("Astana"), TEXT.index("Astana") + 6)
    assert TEXT[after_emoji[0] : after_emoji[1]] == "Astana"


def test_regular_expressions() -> None:
    matches = find_all(TEXT, r"B\w+", FindOptions(regex=True, case_sensitive=True))
    assert [TEXT[s:e] for s, e in matches] == ["Blinken", "BLINKEN", "Blinken"]
    assert find_all(TEXT, r"x*", FindOptions(regex=True)) == []  # empty matches are dropped
    with pytest.raises(FindError, match="not a valid regular expression"):
        find_all(TEXT, "(unclosed", FindOptions(regex=True))
    with pytest.raises(FindError):
        find_all(TEXT, "")
    # A string with regex characters is taken literally unless regex=True.
    assert find_all("a.b axb", "a.b") == [(0, 3)]


def test_next_and_previous_wrap_round() -> None:
    matches = [(0, 2), (10, 12), (20, 22)]
    assert next_match(matches, 5) == 1
    assert next_match(matches, 25) == 0
    assert next_match(matches, 10, backward=True) == 0
    assert next_match(matches, 0, backward=True) == 2
    assert next_match([], 3) == -1


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="aAbİß😀 .\n", max_size=40),
    st.text(alphabet="aAbİß", min_size=1, max_size=3),
    st.booleans(),
)
def test_every_match_is_at_its_offsets(text: str, query: str, case: bool) -> None:
    for start, end in find_all(text, query, FindOptions(case_sensitive=case)):
        assert 0 <= start < end <= len(text)
        if case:
            assert text[start:end] == query
        else:
            assert len(text[start:end]) == len(query)


def test_a_pattern_that_backtracks_without_end_is_stopped() -> None:
    import time

    text = "a" * 40 + "b"
    started = time.monotonic()
    with pytest.raises(FindError, match=r"stopped after 0\.2 s"):
        list(iter_matches(compile_query("(a|aa)+$", FindOptions(regex=True)), text, 0.2))
    assert time.monotonic() - started < 5  # unbounded, this runs for hours
    with pytest.raises(FindError, match="stopped after 1 s"):
        find_all(text, "(a|aa)+$", FindOptions(regex=True))
