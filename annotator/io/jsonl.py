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
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.io.errors import InputProblem
from annotator.io.files import open_regular, read_to_end, too_large
from annotator.io.text import decode_bytes, looks_binary

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Integers must fit the database's 64-bit integers (SQLite's, PostgreSQL's bigint)."""
MAX_DEPTH = 100
"""How deeply a record's values may nest (orjson writes no more than 254 levels)."""

_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19
GZIP_MAGIC = b"\x1f\x8b"
"""How a gzip file begins: such a file is read as it is decompressed, whatever its name."""
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
    scan of the bytes tells quickly (19 digits in a row anywhere, or more
    brackets than the depth allowed). The scan for digits maps every digit to
    0 and looks for nineteen 0s: a regular expression took five times as long
    as parsing the line.
    """
    long_number = _LONG_RUN in line.translate(_DIGITS_AS_ZERO)
    if not long_number and line.count(b"[") + line.count(b"{") <= MAX_DEPTH:
        return
    if not long_number:
        _check_depth(record)
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


def _check_depth(record: Any) -> None:
    """The depth half of :func:`check_record`, for a record without long numbers:
    only containers are visited, in the same order, so the same one is named."""
    if not isinstance(record, dict | list):
        return
    stack: list[tuple[Any, str, int]] = [(record, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth >= MAX_DEPTH:
            raise ValueError(f"{_field(where)} is nested more than {MAX_DEPTH} levels deep")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend(
            (item, f"{where}.{key}" if where else str(key), depth + 1)
            for key, item in items
            if isinstance(item, dict | list)
        )


def _field(where: str) -> str:
    return f"'{where[:120]}'" if where else "the record"


class LineStream:
    """The lines of a JSONL file read as they come: (number, line) for each
    non-blank line, or (number, InputProblem) for a line that is not UTF-8.

    Memory holds one line, not the file. The decision :func:`split_lines` makes
    for the whole file is made the same way: a file with a UTF-16/32 BOM or old
    Mac line ends, or whose lines before the first one that is not UTF-8 are
    all ASCII and which has several such lines and none of UTF-8 beyond ASCII
    (a quick scan of the rest tells), is read whole as :func:`split_lines` does
    (the lines given out by then were ASCII, the same in any encoding). The
    file must be a regular one of at most ``limit`` bytes (``setting`` names
    the limit in the message). A gzip file (by its first bytes, whatever its
    name) is read as it is decompressed, the limit then counting the
    decompressed bytes; damaged gzip data is a problem of the file.
    """

    def __init__(self, path: Path | str, limit: int | None = None, setting: str = "") -> None:
        self.path = path
        self.limit = limit
        self.setting = setting
        self.encoding: str | None = None
        """The legacy encoding the file was read in, once known."""

    def __iter__(self) -> Iterator[tuple[int, bytes | InputProblem]]:
        path = self.path
        with open_regular(path, self.limit, self.setting) as raw:
            if raw.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
                raw.seek(0)
                yield from self._lines(raw, compressed=False)
                return
            raw.seek(0)
            try:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    yield from self._lines(unzipped, compressed=True)
            except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
                raise InputProblem(path, f"the gzip data is damaged ({exc})") from exc

    def _read_lines(self, f: Any, compressed: bool) -> Iterator[bytes]:
        """The lines from where ``f`` stands. A compressed file's lines are read
        at most up to the limit, so a small file that decompresses into one
        endless line (a gzip bomb) is stopped there; a plain file's size on
        disk was checked when it was opened."""
        if not compressed or self.limit is None:
            # Not ``yield from f``: closing this generator early would close the file.
            for line in f:
                yield line
            return
        while line := f.readline(max(self.limit - f.tell(), 0) + 1):
            yield line

    def _read_rest(self, f: Any, compressed: bool) -> bytes:
        """The rest of ``f`` (never more than the limit)."""
        path, limit = self.path, self.limit
        if not compressed:
            return read_to_end(f, path, limit, self.setting)
        data = f.read() if limit is None else f.read(max(limit - f.tell(), 0) + 1)
        if limit is not None and f.tell() > limit:
            raise InputProblem(path, too_large(limit, self.setting) + " once decompressed")
        return bytes(data)

    def _lines(self, f: Any, compressed: bool) -> Iterator[tuple[int, bytes | InputProblem]]:
        path, limit = self.path, self.limit

        def whole(skip: int) -> Iterator[tuple[int, bytes | InputProblem]]:
            f.seek(0)
            data = self._read_rest(f, compressed)
            split = split_lines(data, path)
            del data
            self.encoding = split.encoding
            for number, line in enumerate(split.lines, start=1):
                if number in split.bad:
                    yield number, split.bad[number]
                elif number > skip and line.strip():
                    yield number, line

        head = f.read(1 << 16)
        if head.startswith(_UTF16_32) or (b"\n" not in head and b"\r" in head):
            yield from whole(0)
            return
        bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
        if looks_binary(head[bom:]):
            raise InputProblem(path, "this is a binary file, not text")
        f.seek(bom)
        utf8_seen = False  # a line of UTF-8 beyond ASCII: the file is UTF-8
        decided = False
        any_line = False
        for number, line in enumerate(self._read_lines(f, compressed), start=1):
            if limit is not None and f.tell() > limit:
                decompressed = " once decompressed" if compressed else ""
                raise InputProblem(path, too_large(limit, self.setting) + decompressed)
            if not line.strip():
                continue
            any_line = True
            line = line.removesuffix(b"\n")
            if line.isascii():
                yield number, line
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not utf8_seen and not decided:
                    decided = True
                    if self._legacy_from(f, compressed):
                        yield from whole(number - 1)
                        return
                yield number, _not_utf8(path, line, exc, number)
            else:
                utf8_seen = True
                yield number, line
        if not any_line:
            raise InputProblem(path, "the file is empty")

    def _legacy_from(self, f: Any, compressed: bool) -> bool:
        """After a first line that is not UTF-8 (all before it ASCII): is the file in a
        legacy encoding? Scans the rest and goes back to where it was."""
        where = f.tell()
        bad = 1
        try:
            for line in self._read_lines(f, compressed):
                if line.isascii():
                    continue
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    bad += 1
                else:
                    return False
            return bad > 1
        finally:
            f.seek(where)


def _not_utf8(path: Path | str, line: bytes, exc: UnicodeDecodeError, number: int) -> InputProblem:
    return InputProblem(
        path,
        f"not UTF-8 text (byte 0x{line[exc.start]:02X} at column {exc.start + 1}); "
        "JSON Lines files are UTF-8",
        number,
    )
