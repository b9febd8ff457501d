"""Readers for article files: plain text, Markdown, HTML and JSONL.

Each reader turns one file into document drafts, or reports the file (and line)
that could not be read. Nothing is stored here.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from annotator.core.model import DocumentDraft
from annotator.core.offsets import normalize_newlines
from annotator.io import safe_yaml
from annotator.io.errors import InputProblem
from annotator.io.files import MAX_FILE_SETTING, file_kind, read_regular, too_large, walk_folder
from annotator.io.jsonl import LineStream, check_record, split_lines
from annotator.io.text import decode_bytes, decode_text

TITLE_MAX = 200
JSONL_FIELDS = ("text", "title", "source", "url", "date")


@dataclass(slots=True)
class ReadResult:
    """What one file gave: documents, and problems with single lines of it."""

    path: Path
    drafts: list[DocumentDraft] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    encoding: str | None = None
    """The legacy encoding the file was read in, when it was not UTF-8."""


def _first_line_title(text: str) -> str:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].strip()
        if line:
            return line[:TITLE_MAX]
        start = end + 1
    return ""


def read_plain_text(path: Path, data: bytes, source: str) -> ReadResult:
    text, encoding, guessed = decode_bytes(data, path)
    return ReadResult(
        path,
        [DocumentDraft(text=text, title=_first_line_title(text), source=source)],
        encoding=encoding if guessed else None,
    )


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def read_markdown(path: Path, data: bytes, source: str) -> ReadResult:
    """Markdown is stored as written (offsets point into it); YAML front matter
    becomes metadata and the first heading the title."""
    text, encoding, guessed = decode_bytes(data, path)
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = safe_yaml.safe_load(match.group(1))
        except safe_yaml.YamlLimitError as exc:
            line = exc.problem_mark.line + 2 if exc.problem_mark is not None else None
            raise InputProblem(path, f"front matter refused: {exc.problem}", line) from exc
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", None)
            raise InputProblem(
                path, "invalid front matter", None if line is None else line + 2
            ) from exc
        if isinstance(front, dict):
            meta = {str(k): _json_safe(v) for k, v in front.items()}
        text = text[match.end() :]
        if not text.strip():
            raise InputProblem(path, "the file has front matter but no text")
    heading = _MD_HEADING.search(text)
    title = str(meta.pop("title", "") or (heading.group(1) if heading else _first_line_title(text)))
    draft = DocumentDraft(
        text=text,
        title=title[:TITLE_MAX],
        source=source,
        url=str(meta.pop("url", "") or ""),
        date=str(meta.pop("date", "") or ""),
        meta={"format": "markdown", **meta},
    )
    return ReadResult(path, [draft], encoding=encoding if guessed else None)


def _json_safe(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, default=str))


def read_html(path: Path, data: bytes, source: str) -> ReadResult:
    """Main article text and metadata by trafilatura (no scripts run, nothing fetched)."""
    import trafilatura

    html, encoding, guessed = decode_bytes(data, path)
    try:
        doc = trafilatura.bare_extraction(
            html, with_metadata=True, include_comments=False, include_images=False
        )
    except Exception as exc:  # trafilatura raises assorted lxml errors on odd input
        raise InputProblem(path, f"cannot parse the HTML ({exc})") from exc
    if doc is None:
        raise InputProblem(path, "no article text found in the HTML")
    extracted: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = extracted.get("text") or ""
    if not text.strip():
        raise InputProblem(path, "no article text found in the HTML")
    meta = {
        key: extracted[key]
        for key in (
            "author",
            "sitename",
            "hostname",
            "description",
            "language",
            "categories",
            "tags",
        )
        if extracted.get(key)
    }
    draft = DocumentDraft(
        text=decode_text(text.encode("utf-8"), path),
        title=str(extracted.get("title") or _first_line_title(text))[:TITLE_MAX],
        source=source,
        url=str(extracted.get("url") or ""),
        date=str(extracted.get("date") or ""),
        meta={"format": "html", **meta},
    )
    return ReadResult(path, [draft], encoding=encoding if guessed else None)


JSONL_CHUNK_LINES = 1000
JSONL_CHUNK_BYTES = 8 << 20
"""A chunk of a JSONL file read a line at a time also ends at this many bytes
(1,000 lines of 5 KB articles stay one chunk, so a chunk fills one batch)."""


def read_jsonl(path: Path, data: bytes, source: str) -> ReadResult:
    """One document per line: ``text`` plus any metadata fields.

    A broken line is reported with its number; the other lines still count.
    """
    result = ReadResult(path)
    for chunk in iter_jsonl(path, data, source):
        result.drafts.extend(chunk.drafts)
        result.problems.extend(chunk.problems)
    return result


def iter_jsonl(path: Path, data: bytes, source: str) -> Iterator[ReadResult]:
    """Parse JSONL in chunks of lines, so storing can start before parsing ends.

    JSON is UTF-8, so lines are parsed straight from the bytes (several times
    faster than from str); a file in another encoding is decoded first.
    """
    split = split_lines(data, path)
    lines = split.lines
    found_any = False
    for first in range(0, len(lines), JSONL_CHUNK_LINES):
        part = lines[first : first + JSONL_CHUNK_LINES]
        chunk = _parse_jsonl_lines(path, part, first, source, split.bad)
        if first == 0:
            chunk.encoding = split.encoding
        found_any = found_any or bool(chunk.drafts or chunk.problems)
        yield chunk
    if not found_any:
        raise InputProblem(path, "the file has no documents")


def iter_jsonl_file(path: Path, source: str, limit: int | None = None) -> Iterator[ReadResult]:
    """:func:`iter_jsonl` read from the file a line at a time: memory holds one
    chunk of lines, not the file (a regular file of at most ``limit`` bytes)."""
    stream = LineStream(path, limit, MAX_FILE_SETTING)
    found_any = False
    first = True
    chunk: list[tuple[int, bytes | InputProblem]] = []

    def parse() -> ReadResult:
        nonlocal first
        result = ReadResult(path)
        for number, line in chunk:
            if isinstance(line, InputProblem):
                result.problems.append(line)
            else:
                _parse_jsonl_line(result, path, number, line, source)
        if first:
            result.encoding, first = stream.encoding, False
        chunk.clear()
        return result

    held = 0
    for item in stream:
        chunk.append(item)
        held += len(item[1]) if isinstance(item[1], bytes) else 0
        if len(chunk) >= JSONL_CHUNK_LINES or held >= JSONL_CHUNK_BYTES:
            held = 0
            part = parse()
            found_any = found_any or bool(part.drafts or part.problems)
            yield part
    part = parse()
    found_any = found_any or bool(part.drafts or part.problems)
    if not found_any:
        raise InputProblem(path, "the file has no documents")
    yield part


def _parse_jsonl_line(
    result: ReadResult, path: Path, number: int, line: bytes, source: str
) -> None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        result.problems.append(InputProblem(path, f"invalid JSON ({exc.msg})", number))
        return
    try:
        check_record(line, record)
        result.drafts.append(jsonl_record_to_draft(record, source))
    except ValueError as exc:
        result.problems.append(InputProblem(path, str(exc), number))


def _parse_jsonl_lines(
    path: Path,
    lines: list[bytes],
    first: int,
    source: str,
    bad: dict[int, InputProblem] | None = None,
) -> ReadResult:
    result = ReadResult(path)
    for number, line in enumerate(lines, start=first + 1):
        if bad and number in bad:
            result.problems.append(bad[number])
            continue
        if line.strip():
            _parse_jsonl_line(result, path, number, line, source)
    return result


def jsonl_record_to_draft(record: Any, source: str) -> DocumentDraft:
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object with a 'text' field")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError(
            "the 'text' field is missing" if text is None else "'text' is not a string"
        )
    if not text.strip():
        raise ValueError("'text' is empty")
    text = normalize_newlines(text)
    for key in ("title", "source", "url", "date"):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise ValueError(f"'{key}' must be a string")
    meta = {k: v for k, v in record.items() if k not in JSONL_FIELDS}
    return DocumentDraft(
        text=text,
        title=str(record.get("title") or _first_line_title(text))[:TITLE_MAX],
        source=str(record.get("source") or source),
        url=str(record.get("url") or ""),
        date=str(record.get("date") or ""),
        meta=meta,
    )


Reader = Callable[[Path, bytes, str], ReadResult]

READERS: dict[str, Reader] = {
    ".txt": read_plain_text,
    ".text": read_plain_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
}


GZIPPED_JSONL = (".jsonl.gz", ".ndjson.gz")
"""JSON Lines compressed with gzip, as corpora are often shipped: read as they
are decompressed (:class:`annotator.io.jsonl.LineStream`)."""


def reader_for(path: Path) -> Reader | None:
    name = path.name.lower()
    if name.endswith(GZIPPED_JSONL):
        return read_jsonl
    return READERS.get(path.suffix.lower())


def article_suffixes() -> list[str]:
    """Every file name ending read as articles, sorted (for messages and help)."""
    return sorted([*READERS, *GZIPPED_JSONL])


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: Path
    source: str
    """How the document's source is recorded: the path relative to what was named."""
    size: int = 0
    """Its size in bytes when it was found."""


def find_files(
    paths: Sequence[Path], limit: int | None = None
) -> tuple[list[FoundFile], list[InputProblem], list[Path]]:
    """Expand folders recursively. Returns (files to read, problems, skipped files).

    A named file of an unknown type is a problem; inside a folder it is listed
    as skipped. Hidden files and folders are left alone. What is not a regular
    file once symbolic links are followed (a FIFO, a device, a link to
    /dev/zero), and a file over ``limit`` bytes, is a problem and never read.
    """
    found: list[FoundFile] = []
    problems: list[InputProblem] = []
    skipped: list[Path] = []
    for root in paths:
        if not root.exists():
            problems.append(InputProblem(root, "no such file or folder"))
        elif root.is_dir():
            for path in walk_folder(root):
                if isinstance(path, InputProblem):
                    problems.append(path)
                elif reader_for(path) is None:
                    skipped.append(path)
                else:
                    source = str(path.relative_to(root.parent))
                    _add_found(found, problems, path, source, limit)
        elif reader_for(root) is None:
            problems.append(
                InputProblem(root, f"unsupported file type (use {', '.join(article_suffixes())})")
            )
        else:
            _add_found(found, problems, root, root.name, limit)
    return found, problems, skipped


def _add_found(
    found: list[FoundFile],
    problems: list[InputProblem],
    path: Path,
    source: str,
    limit: int | None,
) -> None:
    try:
        info = os.stat(path)  # follows symbolic links: what would be read
    except OSError as exc:
        problems.append(InputProblem(path, f"cannot read the file ({exc.strerror or exc})"))
        return
    if not stat.S_ISREG(info.st_mode):
        problems.append(
            InputProblem(path, f"not read: {file_kind(info.st_mode)}, not a regular file")
        )
    elif limit is not None and info.st_size > limit:
        problems.append(InputProblem(path, too_large(limit, MAX_FILE_SETTING, info.st_size)))
    else:
        found.append(FoundFile(path, source, info.st_size))


def read_bytes(found: FoundFile, limit: int | None = None) -> bytes:
    """The file's bytes: a regular file of at most ``limit`` bytes, or InputProblem."""
    return read_regular(found.path, limit, MAX_FILE_SETTING)


def iter_read_file(
    found: FoundFile, data: bytes | None = None, limit: int | None = None
) -> Iterator[ReadResult]:
    """Read one file (or parse its bytes, if already read); JSONL files come in
    parts of :data:`JSONL_CHUNK_LINES` lines, read from the file as they are parsed."""
    reader = reader_for(found.path)
    if reader is None:  # find_files never yields these
        raise InputProblem(found.path, "unsupported file type")
    if data is None and reader is read_jsonl:
        yield from iter_jsonl_file(found.path, found.source, limit)
        return
    if data is None:
        data = read_bytes(found, limit)
    if reader is read_jsonl:
        yield from iter_jsonl(found.path, data, found.source)
    else:
        yield reader(found.path, data, found.source)


def read_file(found: FoundFile) -> ReadResult:
    result = ReadResult(found.path)
    for part in iter_read_file(found):
        result.drafts.extend(part.drafts)
        result.problems.extend(part.problems)
    return result
