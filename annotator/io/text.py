"""Decoding article bytes into the stored text (DESIGN.md, "Offsets").

UTF-8 (a BOM is stripped), else the encoding charset-normalizer detects; then
CRLF and lone CR become LF. Nothing else is rewritten.
"""

from __future__ import annotations

import codecs
from pathlib import Path

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


def decode_text(data: bytes, path: Path | str) -> str:
    """Decode a text file's bytes; raise :class:`InputProblem` for empty or binary data."""
    if not data.strip():
        raise InputProblem(path, "the file is empty")
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return _finish(data.decode(encoding), path)
            except UnicodeDecodeError as exc:
                raise InputProblem(path, f"invalid {encoding} text at byte {exc.start}") from exc
    if looks_binary(data):
        raise InputProblem(path, "this is a binary file, not text")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return _finish(data.decode("utf-8"), path)
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputProblem(path, "cannot tell the text encoding (not UTF-8 or a known legacy one)")
    return _finish(str(best), path)


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
