from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.io.errors import InputProblem
from annotator.io.text import decode_bytes, decode_text

HARD_TEXT = (
    "Emoji 🇰🇿👍🏽 and ZWJ 👩‍👩‍👧; combining: e\u0301 a\u0308; Кириллица; العربية;\t"
    "tab; no-break\u00a0space; zero width\u200bspace; ﬁ ligature"
)


def test_hard_text_is_stored_exactly() -> None:
    assert decode_text(HARD_TEXT.encode("utf-8"), "x.txt") == HARD_TEXT


def test_utf8_bom_is_stripped() -> None:
    assert decode_text(codecs.BOM_UTF8 + "Zürich".encode(), "x.txt") == "Zürich"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_with_bom(encoding: str) -> None:
    assert decode_text(HARD_TEXT.encode(encoding), "x.txt") == HARD_TEXT


def test_cp1252_is_detected() -> None:
    text = "Le président a déclaré : « Nous resterons fermes » – c’est l’été à Genève.\n" * 3
    assert decode_text(text.encode("cp1252"), "x.txt") == text


def test_crlf_and_lone_cr_become_lf() -> None:
    assert decode_text(b"one\r\ntwo\rthree\n\r\nfour", "x.txt") == "one\ntwo\nthree\n\nfour"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_bad_files_are_named(data: bytes, message: str) -> None:
    with pytest.raises(InputProblem) as info:
        decode_text(data, "folder/bad.txt")
    assert str(info.value).startswith("folder/bad.txt: ")
    assert message in str(info.value)


@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1)
)
def test_any_utf8_text_round_trips_except_newlines(text: str) -> None:
    try:
        decoded = decode_text(text.encode("utf-8"), "x.txt")
    except InputProblem as problem:
        # Only text that is blank or looks binary (many control characters) is refused.
        assert "empty" in str(problem) or "binary" in str(problem) or "no text" in str(problem)
        return
    assert decoded == text.replace("\r\n", "\n").replace("\r", "\n")


@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        decoded = decode_text(data, "x.bin")
    except InputProblem as problem:
        assert str(problem).startswith("x.bin: ")
    else:
        assert "\r" not in decoded and decoded.strip()


SHORT_WESTERN = ["señor", "à la presse", "Genève", "Grüße", "Le président à Genève a dit: señor"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
@pytest.mark.parametrize("text", SHORT_WESTERN)
def test_short_western_files_are_not_mojibake(text: str, encoding: str) -> None:
    decoded = decode_bytes(text.encode(encoding), "x.txt")
    assert decoded.text == text
    assert decoded.guessed and decoded.encoding == "cp1252"


def test_cp1252_punctuation_is_not_read_as_central_european() -> None:
    text = "“Il a dit” – c’est l’été, señor"
    assert decode_text(text.encode("cp1252"), "x.txt") == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Президент заявил сегодня, что переговоры продолжатся в Женеве. " * 3, "cp1251"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy. Vláda dnes oznámila. " * 2, "cp1250"),
        ("Cumhurbaşkanı bugün yaptığı açıklamada müzakerelerin devam edeceğini söyledi.", "cp1254"),
    ],
)
def test_other_legacy_encodings_are_still_detected(text: str, encoding: str) -> None:
    decoded = decode_bytes(text.encode(encoding), "x.txt")
    assert decoded.text == text and decoded.guessed


def test_utf8_is_not_a_guess() -> None:
    decoded = decode_bytes("Genève".encode(), "x.txt")
    assert (decoded.text, decoded.encoding, decoded.guessed) == ("Genève", "utf-8", False)
