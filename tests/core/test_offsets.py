from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.offsets import Utf16Map, normalize_newlines

# Text drawn from every plane, including emoji (astral) and lone combining marks.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@given(texts)
def test_every_codepoint_offset_round_trips_through_utf16(text: str) -> None:
    mapping = Utf16Map(text)
    assert mapping.utf16_length == utf16_len(text)
    for offset in range(len(text) + 1):
        position = mapping.to_utf16(offset)
        assert position == utf16_len(text[:offset])
        assert mapping.to_codepoint(position) == offset


@given(texts)
def test_a_position_inside_a_surrogate_pair_rounds_down_to_its_character(text: str) -> None:
    mapping = Utf16Map(text)
    for offset, char in enumerate(text):
        if ord(char) > 0xFFFF:
            assert mapping.to_codepoint(mapping.to_utf16(offset) + 1) == offset


def test_astana_after_an_emoji_flag() -> None:
    text = "🇰🇿 Astana, Kazakhstan"
    mapping = Utf16Map(text)
    qt_start = text.encode("utf-16-le").index("Astana".encode("utf-16-le")) // 2
    start = mapping.to_codepoint(qt_start)
    end = mapping.to_codepoint(qt_start + len("Astana"))
    assert text[start:end] == "Astana"


def test_out_of_range_positions_are_refused() -> None:
    mapping = Utf16Map("ab😀")
    with pytest.raises(ValueError):
        mapping.to_utf16(4)
    with pytest.raises(ValueError):
        mapping.to_codepoint(5)
    with pytest.raises(ValueError):
        mapping.to_codepoint(-1)


@given(st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "😀", "\t", "\u00a0"]), max_size=40))
def test_newlines_become_lf_and_nothing_else_changes(parts: list[str]) -> None:
    text = "".join(parts)
    normalized = normalize_newlines(text)
    assert "\r" not in normalized
    assert normalized.replace("\n", "") == text.replace("\r", "").replace("\n", "")
    # Every CRLF and lone CR is one LF: count of line breaks is preserved.
    assert normalized.count("\n") == text.count("\r\n") + (
        text.replace("\r\n", "").count("\r") + text.replace("\r\n", "").count("\n")
    )
