"""Decoding article bytes into the stored text (docs/design.md, "Offsets").

UTF-8 (a BOM is stripped), UTF-16/32 with a BOM, else a legacy encoding:
cp1252 (Western European) unless charset-normalizer is sure of another one;
then CRLF and lone CR become LF. Nothing else is rewritten.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import NamedTuple

from annotator.core.offsets import normalize_newlines
from annotator.io.errors import InputProblem

# Bytes that never occur in text files; their presence marks a binary file.
_BINARY_MARKERS = (b"\x00",)
# UTF-32 first: its little-endian BOM begins with UTF-16's.
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}
# bytes.translate with this deletes every byte but the controls: a C-speed count.
_ALL_BUT_CONTROLS = bytes(b for b in range(256) if b not in _CONTROL_BYTES)


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if any(marker in head for marker in _BINARY_MARKERS):
        return True
    controls = len(head.translate(None, _ALL_BUT_CONTROLS))
    return controls > max(8, len(head) // 100)


class Decoded(NamedTuple):
    text: str
    encoding: str
    guessed: bool
    """True for a legacy encoding chosen by detection (worth telling the user)."""


WESTERN = "cp1252"
"""The legacy encoding assumed when detection is unsure (short files above all)."""
_SURE_MESS = 0.1
_MESS_SAMPLE = 100_000


def decode_text(data: bytes, path: Path | str) -> str:
    """Decode a text file's bytes; raise :class:`InputProblem` for empty or binary data."""
    return decode_bytes(data, path).text


def decode_bytes(data: bytes, path: Path | str) -> Decoded:
    """The text and the encoding it was read in (see :func:`decode_text`)."""
    if not data.strip():
        raise InputProblem(path, "the file is empty")
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_finish(data.decode(encoding), path), encoding, False)
            except UnicodeDecodeError as exc:
                raise InputProblem(path, f"invalid {encoding} text at byte {exc.start}") from exc
    if looks_binary(data):
        raise InputProblem(path, "this is a binary file, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return Decoded(_finish(data.decode("utf-8"), path), "utf-8", False)
    except UnicodeDecodeError:
        pass
    text, encoding = _legacy(data, path)
    return Decoded(_finish(text, path), encoding, True)


def _legacy(data: bytes, path: Path | str) -> tuple[str, str]:
    """A legacy encoding's text: cp1252 unless detection clearly prefers another.

    charset-normalizer ranks by how garbled each decoding looks and, when it
    recognises a language, how well the letters fit it. On a few words every
    single-byte code page looks clean and no language is recognised, and it
    may pick any of them ("señor" came out as "seﮦor"): then the Western
    default is taken, if it reads cleanly. Among equally good candidates
    cp1252 wins too, and so it does over a reading that puts symbols inside
    words ("se±or" in cp775) where cp1252 reads letters.
    """
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    try:
        western: str | None = data.decode(WESTERN)
    except UnicodeDecodeError:
        western = None
    results = list(from_bytes(data))
    # News text is in a Windows or ISO code page, or an East Asian one; DOS and
    # printer code pages (cp775, hp_roman8, ...) win only when nothing else reads.
    common = [m for m in results if m.encoding.startswith(_COMMON)] or results
    best = min(common, key=lambda m: (round(m.chaos, 2), -m.coherence), default=None)
    if best is not None and best.encoding is not None:
        ties = [
            m
            for m in results
            if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01
        ]
        if western is not None and any(
            WESTERN in (m.encoding, *m.could_be_from_charset) for m in ties
        ):
            return western, WESTERN
        if western is not None and _odd_in_words(str(best)) and not _odd_in_words(western):
            return western, WESTERN
        if best.coherence > 0 or western is None:
            return str(best), best.encoding
    if western is not None and mess_ratio(western[:_MESS_SAMPLE], _SURE_MESS) < _SURE_MESS:
        return western, WESTERN
    if best is None or best.encoding is None:
        raise InputProblem(path, "cannot tell the text encoding (not UTF-8 or a known legacy one)")
    return str(best), best.encoding


_COMMON = ("cp125", "iso8859", "koi8", "cp932", "shift_jis", "euc", "gb", "big5", "cp949", "utf")

# A symbol (not a letter, digit, space or in-word punctuation) between two
# letters: what a wrong code page makes of an accented letter.
_ODD_IN_WORD = re.compile(r"[^\W\d_][^\x00-\x7f\w\s’‘·\u00ad–][^\W\d_]")


def _odd_in_words(text: str) -> bool:
    return _ODD_IN_WORD.search(text, 0, _MESS_SAMPLE) is not None


def _finish(text: str, path: Path | str) -> str:
    text = normalize_newlines(text)
    if not text.strip():
        raise InputProblem(path, "the file has no text")
    if "\x00" in text:
        raise InputProblem(path, "this is a binary file, not text")
    return text


def read_text_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputProblem(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return decode_text(data, path)
