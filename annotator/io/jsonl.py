"""The lines of a JSONL file, for every JSONL importer (articles, native,
doccano, prodigy): decoded line by line, and each parsed record checked for
values the database cannot hold.

JSON Lines files are UTF-8, so a line with bytes that are not UTF-8 is refused
with its number and the rest of the file is read. Only a file in which no line
is UTF-8 text beyond ASCII and several lines are not UTF-8 is taken for a file
in a legacy encoding, decoded whole (:func:`annotator.io.text.decode_bytes`)
and the encoding named.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.io.errors import InputProblem
from annotator.io.text import decode_bytes, looks_binary

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Integers must fit the database's 64-bit integers (SQLite's, PostgreSQL's bigint)."""
MAX_DEPTH = 100
"""How deeply a record's values may nest (orjson writes no more than 254 levels)."""

_LONG_NUMBER = re.compile(rb"\d{19}")
_UTF16_32 = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(slots=True)
class JsonlLines:
    """The file's lines as UTF-8 bytes (line n is ``lines[n - 1]``); a line that
    was not UTF-8 is empty here and its problem is in ``bad``."""

    lines: list[bytes]
    bad: dict[int, InputProblem] = field(default_factory=dict)
    encoding: str | None = None
    """The legacy encoding the whole file was read in, if it was not UTF-8."""


def split_lines(data: bytes, path: Path | str) -> JsonlLines:
    """Raise :class:`InputProblem` for an empty or binary file."""
    if not data.strip():
        raise InputProblem(path, "the file is empty")
    if data.startswith(_UTF16_32):
        return JsonlLines(_split(decode_bytes(data, path).text.encode("utf-8")))
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if looks_binary(data):
        raise InputProblem(path, "this is a binary file, not text")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return JsonlLines(_split(data))
    lines = _split(data)
    bad: dict[int, InputProblem] = {}
    utf8_beyond_ascii = False
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad[number] = InputProblem(
                path,
                f"not UTF-8 text (byte 0x{line[exc.start]:02X} at column {exc.start + 1}); "
                "JSON Lines files are UTF-8",
                number,
            )
            lines[number - 1] = b""
        else:
            utf8_beyond_ascii = utf8_beyond_ascii or not line.isascii()
    if not utf8_beyond_ascii and len(bad) > 1:
        decoded = decode_bytes(data, path)
        return JsonlLines(_split(decoded.text.encode("utf-8")), encoding=decoded.encoding)
    return JsonlLines(lines, bad)


def _split(data: bytes) -> list[bytes]:
    if b"\n" not in data and b"\r" in data:  # old Mac line ends
        return data.split(b"\r")
    return data.split(b"\n")


def check_record(line: bytes, record: Any) -> None:
    """Raise ValueError naming the field of a value the database cannot hold:
    an integer beyond 64 bits, or values nested deeper than :data:`MAX_DEPTH`.

    ``line`` is the record's JSON text: most lines cannot hold either, which a
    scan of the bytes tells quickly.
    """
    if not _LONG_NUMBER.search(line) and line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return
    stack: list[tuple[Any, str, int]] = [(record, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ValueError(f"{_field(where)} is nested more than {MAX_DEPTH} levels deep")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(
                (item, f"{where}.{key}" if where else str(key), depth + 1) for key, item in items
            )
        elif isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise ValueError(
                f"{_field(where)}: {str(value)[:24]} is beyond the 64-bit integer range"
            )


def _field(where: str) -> str:
    return f"'{where[:120]}'" if where else "the record"
