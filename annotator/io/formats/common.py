"""Shared pieces of the dataset formats: offset checks and conversion, tokens,
sentences, and files that appear only when complete.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Any

from annotator.core.dataset import Layer, SpanDraft, SpanRow, SurfaceMismatch
from annotator.core.forked import signals_held
from annotator.core.formats import CODEPOINT, UTF16
from annotator.core.model import DocumentLabelValue
from annotator.core.offsets import Utf16Map
from annotator.core.pieces import joined_text, normalise, stored_fragments
from annotator.core.schema import LabelSchema
from annotator.io.errors import InputProblem
from annotator.io.file_modes import give_mode

ExportMismatch = SurfaceMismatch
"""A stored span whose surface text does not match the document: the export stops.

:func:`annotator.store.export_reader.iter_documents` checks every span as it reads it,
so every exporter gets only checked spans."""


class LineProblem(ValueError):
    """One record (line) of an input file cannot be used; the message says why."""


@dataclass(slots=True)
class Flattened:
    """What a format without split spans, entities or document labels wrote
    differently or left out; the export's summary says it. See
    docs/formats.md, "Split spans, entities and document labels in other formats".
    """

    split_spans: int = 0
    """Spans in several pieces written as one span per piece."""
    entity_links: int = 0
    """Mentions written without their entity."""
    document_labels: int = 0
    """Document label values left out."""

    def add(self, other: Flattened) -> None:
        self.split_spans += other.split_spans
        self.entity_links += other.entity_links
        self.document_labels += other.document_labels

    def notes(self) -> list[str]:
        """One phrase per count that is not zero, for the export's summary."""
        notes = []
        if self.split_spans:
            notes.append(f"{self.split_spans} split span(s) written as one span per piece")
        if self.entity_links:
            notes.append(f"{self.entity_links} mention(s) written without their entity")
        if self.document_labels:
            notes.append(f"{self.document_labels} document label(s) left out")
        return notes


@dataclass(slots=True)
class ExportContext:
    schema: LabelSchema
    offsets: str = CODEPOINT
    warnings: list[str] = field(default_factory=list)
    documents: int = 0
    spans: int = 0
    relations: int = 0
    flattened: Flattened = field(default_factory=Flattened)


def spans_in_pieces(spans: list[SpanRow], text: str, ctx: ExportContext) -> list[SpanRow]:
    """``spans`` for a format without split spans: a split span becomes one span
    per piece (each with the span's id, its piece's offsets and text, in order,
    so the first piece comes first), counted in ``ctx.flattened``."""
    if not any("fragments" in s for s in spans):
        return spans
    out: list[SpanRow] = []
    for s in spans:
        fragments = s.get("fragments")
        if not fragments:
            out.append(s)
            continue
        ctx.flattened.split_spans += 1
        for start, end in fragments:
            piece = dict(s, start=start, end=end, text=text[start:end])
            del piece["fragments"]
            out.append(piece)  # type: ignore[arg-type]
    return out


def count_left_out(
    layer: Layer | None,
    ctx: ExportContext,
    spans: list[SpanRow] | None = None,
    *,
    document_labels: bool = True,
) -> None:
    """Count what a format has no room for: the layer's document labels (unless
    ``document_labels`` is false: the format writes them) and the entity links
    of ``spans`` (the spans it writes; default the layer's). A format that keeps
    entity links passes ``spans=[]``."""
    if layer is None:
        return
    if document_labels:
        ctx.flattened.document_labels += len(layer.document_labels)
    written = layer.spans if spans is None else spans
    ctx.flattened.entity_links += sum(1 for s in written if "entity" in s)


# --- document labels as categories ---------------------------------------------

CATEGORY_SEPARATOR = ":"
"""A document label's value as a flat category (doccano, Prodigy, spaCy):
``NAME:VALUE``, see docs/formats.md, "Document labels in other formats"."""
PLAIN_CATEGORY = "category"
"""The document label of an imported category that names none (``POSITIVE``)."""


def category(name: str, value: str) -> str:
    return f"{name}{CATEGORY_SEPARATOR}{value}"


def chosen_values(value: DocumentLabelValue) -> list[str]:
    """A stored document label's values as a list (one for a single choice)."""
    return list(value) if isinstance(value, list | tuple) else [value]


def layer_categories(layer: Layer | None) -> list[str]:
    """The layer's document label values as ``NAME:VALUE`` categories, by label."""
    if layer is None:
        return []
    return [
        category(name, one)
        for name, value in layer.document_labels.items()
        for one in chosen_values(value)
    ]


def split_category(text: Any, schema: LabelSchema | None) -> tuple[str, str]:
    """A ``NAME:VALUE`` category as (name, value), or :class:`LineProblem`. A name
    the schema declares is matched whole (the longest, so a name holding a colon
    is found); otherwise the name ends at the first colon. A category without
    one belongs to the one declared label with that value, else to
    :data:`PLAIN_CATEGORY`."""
    if not isinstance(text, str):
        raise LineProblem(f"category {text!r} is not a string")
    declared = schema.document_labels if schema is not None else ()
    names = sorted(
        (d.name for d in declared if text.startswith(category(d.name, ""))), key=len, reverse=True
    )
    if names:
        name = names[0]
        value = text[len(name) + 1 :]
    elif CATEGORY_SEPARATOR in text:
        name, _, value = text.partition(CATEGORY_SEPARATOR)
    else:
        # A peer's own flat category ("POSITIVE"): the value of the one declared
        # label that has it, else of the label PLAIN_CATEGORY.
        owners = [d.name for d in declared if text in d.values]
        name, value = (owners[0] if len(owners) == 1 else PLAIN_CATEGORY), text
    check_name(name, f"category {text!r}: document label")
    check_name(value, f"category {text!r}: value")
    return name, value


# --- offsets on export -------------------------------------------------------


def identity(offset: int) -> int:
    return offset


def offset_converter(text: str, unit: str) -> Callable[[int], int]:
    """Code points -> the unit an export writes (identity unless utf16 with astral text)."""
    if unit == CODEPOINT or not text or max(text) <= "\uffff":
        return identity
    return Utf16Map(text).to_utf16


# --- offsets on import -------------------------------------------------------


@dataclass(slots=True)
class SourceText:
    """An input's text as the file has it, and the normalised text that is stored.

    Offsets in the file point into ``raw`` (in code points or UTF-16 units);
    :meth:`span` checks them there and maps them into ``text`` (CRLF and lone
    CR become LF, as at every import).
    """

    raw: str
    unit: str = CODEPOINT
    text: str = field(init=False)
    _removed: list[int] = field(init=False, default_factory=list)
    _u16: Utf16Map | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if "\r" in self.raw:
            self._removed = [m.start() for m in re.finditer("\r\n", self.raw)]
            self.text = self.raw.replace("\r\n", "\n").replace("\r", "\n")
        else:
            self.text = self.raw
        if self.unit == UTF16 and max(self.raw, default="\0") > "\uffff":
            self._u16 = Utf16Map(self.raw)

    def _to_codepoint(self, value: int) -> int:
        if self._u16 is None:
            return value
        if not 0 <= value <= self._u16.utf16_length:
            raise LineProblem(f"offset {value} lies outside the text")
        point = self._u16.to_codepoint(value)
        if self._u16.to_utf16(point) != value:
            raise LineProblem(f"UTF-16 offset {value} falls inside a surrogate pair")
        return point

    def _map(self, offset: int) -> int:
        if not self._removed:
            return offset
        from bisect import bisect_left

        return offset - bisect_left(self._removed, offset)

    def span(
        self,
        start: Any,
        end: Any,
        label: Any,
        surface: Any = None,
        *,
        attributes: dict[str, Any] | None = None,
        note: str = "",
        surface_check: Callable[[str, str], bool] | None = None,
        **extra: Any,
    ) -> SpanDraft:
        """A checked span in stored-text offsets, or :class:`LineProblem` saying why not."""
        if (
            type(start) is int
            and type(end) is int
            and type(label) is str
            and label in _GOOD_NAMES
            and 0 <= start < end <= len(self.raw)
            and surface is None
            and self._u16 is None
            and not self._removed
        ):
            # The common case, which the checks below would pass: plain
            # offsets into text without CRs or UTF-16 units to map.
            return SpanDraft(label, start, end, dict(attributes) if attributes else {}, note,
                             **extra)  # fmt: skip
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise LineProblem(f"span {name} {value!r} is not an integer")
        if not isinstance(label, str):
            raise LineProblem(f"span {start}-{end}: label {label!r} is not a string")
        check_name(label, f"span {start}-{end}: label")
        length = self._u16.utf16_length if self._u16 is not None else len(self.raw)
        if start < 0 or end > length or start > length:
            raise LineProblem(f"span {start}-{end} lies outside the text (length {length})")
        if end < start:
            raise LineProblem(f"span {start}-{end} ends before it starts")
        if end == start:
            raise LineProblem(f"span {start}-{end} is empty")
        cp_start, cp_end = self._to_codepoint(start), self._to_codepoint(end)
        if surface is not None:
            if not isinstance(surface, str):
                raise LineProblem(f"span {start}-{end}: text {surface!r} is not a string")
            found = self.raw[cp_start:cp_end]
            same = (
                surface_check(surface, found)
                if surface_check is not None
                else surface == found or _newlines(surface) == _newlines(found)
            )
            if not same:
                raise LineProblem(
                    f"span {start}-{end} {label}: text {surface!r} does not match the "
                    f"document ({found!r})"
                )
        stored_start, stored_end = self._map(cp_start), self._map(cp_end)
        if stored_end <= stored_start:
            raise LineProblem(
                f"span {start}-{end} holds only the CR of a CRLF line end, "
                "which the stored text drops"
            )
        return SpanDraft(
            label=label,
            start=stored_start,
            end=stored_end,
            attributes=dict(attributes or {}),
            note=note,
            **extra,
        )

    def split_span(
        self,
        fragments: Any,
        label: Any,
        surface: Any = None,
        *,
        attributes: dict[str, Any] | None = None,
        note: str = "",
        **extra: Any,
    ) -> SpanDraft:
        """A checked span in several pieces (``fragments``: ``[[start, end], ...]``
        in the file's offsets, ordered and apart), its start and end the outer
        bounds and its text, when given, the pieces' texts joined by
        :data:`~annotator.core.pieces.PIECE_JOINER`; or :class:`LineProblem`."""
        if not isinstance(fragments, list) or not fragments:
            raise LineProblem("span 'fragments' must be a non-empty list of [start, end] pairs")
        found: list[tuple[int, int]] = []
        for piece in fragments:
            if not isinstance(piece, list) or len(piece) != 2:
                raise LineProblem(f"span fragment {piece!r} is not a [start, end] pair")
            one = self.span(piece[0], piece[1], label)
            found.append((one.start, one.end))
        pieces = normalise(found)
        if pieces != tuple(found):
            raise LineProblem(
                f"span fragments {fragments!r} are not in order or touch or overlap "
                "(pieces are ordered and apart)"
            )
        start, end = pieces[0][0], pieces[-1][1]
        if surface is not None:
            joined = joined_text(self.text, pieces)
            if not isinstance(surface, str) or (
                surface != joined and _newlines(surface) != _newlines(joined)
            ):
                raise LineProblem(
                    f"span {label} in pieces {fragments!r}: text {surface!r} is not its "
                    f"pieces joined ({joined!r})"
                )
        return SpanDraft(
            label, start, end, dict(attributes or {}), note, **extra,
            fragments=stored_fragments(pieces),
        )  # fmt: skip


NAME_MAX = 200
"""Longest label, relation type or annotator name the database stores."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


_GOOD_NAMES: set[str] = set()
"""Names :func:`check_name` has passed (an import checks the same few labels
tens of thousands of times); kept to a few thousand."""
_GOOD_NAMES_MAX = 4096


def check_name(value: Any, what: str) -> str:
    """A label, relation type or annotator name fit for the schema, or :class:`LineProblem`."""
    if type(value) is str and value in _GOOD_NAMES:
        return value
    if not isinstance(value, str):
        raise LineProblem(f"{what} {value!r} is not a string")
    if not value.strip() or value != value.strip():
        raise LineProblem(f"{what} {value!r} is empty or has spaces around")
    if _CONTROL.search(value):
        raise LineProblem(f"{what} {value!r} holds control characters")
    if len(value) > NAME_MAX:
        raise LineProblem(f"{what} is longer than {NAME_MAX} characters")
    if type(value) is str and len(_GOOD_NAMES) < _GOOD_NAMES_MAX:
        _GOOD_NAMES.add(value)
    return value


def record_id(value: Any, what: str) -> int | str:
    """An id that links records in a line (an entity's, a span's): an integer or a string."""
    if type(value) is int or type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise LineProblem(f"{what} id {value!r} is not an integer or a string")
    return value


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def problem(path: Path | str, message: str, line: int | None = None) -> InputProblem:
    return InputProblem(path, message, line)


# --- tokens and sentences ------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|\n")

# Tokens never split a grapheme cluster (what a reader sees as one character):
# a letter keeps its combining marks, an emoji its ZWJ sequence, skin tone and
# variation selector, a flag its two regional indicators. Written for the regex
# package, which knows Unicode's grapheme properties (re does not).
_WHITESPACE = r"[\s\x1c-\x1f]"
"""What str.isspace and re's \\s call whitespace (regex's \\s leaves out \\x1c-\\x1f)."""
_WORD_PART = (
    r"[\p{L}\p{N}_]"  # re's \w: what a word starts with
    r"[\p{L}\p{N}_\p{Grapheme_Cluster_Break=Extend}"
    r"\p{Grapheme_Cluster_Break=SpacingMark}\p{Grapheme_Cluster_Break=ZWJ}]*"
)
_CLUSTER = (
    # \X joins a prefix sign such as U+0600 to a following space; a token holds no space
    rf"\p{{Grapheme_Cluster_Break=Prepend}}+(?={_WHITESPACE})|(?!{_WHITESPACE})\X"
)
_TOKEN_PATTERN = rf"{_WORD_PART}(?:['’-]{_WORD_PART})*|{_CLUSTER}"


@cache
def _token_regex() -> Any:
    import regex  # loaded when first needed (about 20 ms), as annotator/core/find.py does

    return regex.compile(_TOKEN_PATTERN, regex.VERSION0)


def tokenize(text: str, breaks: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """Word and punctuation tokens as (start, end), split also at every offset in ``breaks``.

    A token is a word (letters and digits with their combining marks, joined by
    ``'``, ``’`` or ``-``) or one other grapheme cluster (a punctuation mark, an
    emoji sequence, a flag); it never splits a cluster except at a break.
    Splitting at span boundaries keeps every span a whole number of tokens, so
    BIO tags and token indices are exact.
    """
    tokens: list[tuple[int, int]] = []
    for match in _token_regex().finditer(text):
        start, end = match.span()
        inner = sorted(b for b in breaks if start < b < end) if breaks else ()
        for cut in inner:
            tokens.append((start, cut))
            start = cut
        tokens.append((start, end))
    return tokens


def sentence_bounds(
    text: str, keep_together: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Sentences as (start, end), split after . ! ? and at newlines, never inside a span."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        cut = match.end()
        if any(s < cut < e for s, e in keep_together):
            continue
        if text[start:cut].strip():
            bounds.append(_strip(text, start, cut))
        start = cut
    if text[start:].strip():
        bounds.append(_strip(text, start, len(text)))
    return bounds


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- complete files only ------------------------------------------------------


def check_target(target: Path) -> None:
    """Raise :class:`InputProblem` unless ``target`` is absent, a regular file
    or a folder: an export never replaces a symbolic link (whatever it points
    at, here or elsewhere), a device, a FIFO or a socket."""
    try:
        mode = os.lstat(target).st_mode
    except OSError:  # absent, or its folder is not one: writing says so
        return
    if stat.S_ISLNK(mode):
        raise InputProblem(
            target, "is a symbolic link; an export does not write through links (name a new path)"
        )
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = (
            "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        )
        raise InputProblem(target, f"is {kind}, not a regular file; nothing was written")


def check_file_target(target: Path) -> None:
    """:func:`check_target`, and refuse a folder: a format that writes one file
    names the path it was given, not a temporary file, when it cannot."""
    check_target(target)
    if target.is_dir():
        raise InputProblem(
            target, "is a folder; name the file to write (this format writes one file)"
        )


def replace_into(tmp: Path | str, target: Path) -> None:
    """Rename a complete temporary file or folder to ``target`` (checked again
    just before, in case it changed while the export was written)."""
    check_target(target)
    os.replace(tmp, target)


GZIP_SUFFIX = ".gz"
GZIP_LEVEL = 6
"""zlib's own default: most of level 9's saving at a third of its time."""


def is_gzip_name(target: Path) -> bool:
    """Whether ``target`` names a gzip file (``news.jsonl.gz``): an export there is compressed."""
    return target.name.lower().endswith(GZIP_SUFFIX)


@contextmanager
def atomic_file(target: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``target``; rename it into place when
    complete. A name ending in ``.gz`` gets the bytes gzip-compressed (no name
    and no time in the header, so the same export makes the same file)."""
    check_file_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = ""
    raw: IO[bytes] | None = None
    try:
        # Ctrl-C comes after ``tmp`` and ``raw`` are known, so both are cleaned up.
        with signals_held():
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            raw = os.fdopen(fd, "wb")
        give_mode(tmp, target)  # mkstemp's 0600 would keep colleagues out
        with raw:
            stream: Any = raw
            if is_gzip_name(target):
                stream = gzip.GzipFile(
                    filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0
                )
            if "b" not in mode:
                stream = io.TextIOWrapper(stream, encoding="utf-8", newline="")
            handle: IO[Any] = stream
            with handle:  # closes the gzip stream too (which leaves ``raw`` open)
                yield handle
        replace_into(tmp, target)
    except BaseException:
        if raw is not None:
            raw.close()
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target``, renamed to it when complete.

    An existing ``target`` must be empty (a folder of someone's files is never
    replaced).
    """
    check_target(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputProblem(target, "already exists and is not an empty folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp: Path | None = None
    try:
        with signals_held():  # Ctrl-C comes after ``tmp`` is known, so it is removed
            tmp = Path(
                tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            )
        give_mode(tmp, target, folder=True)  # mkdtemp's 0700 would keep colleagues out
        yield tmp
        check_target(target)
        if target.exists():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_folder_or_zip(target: Path, fill: Callable[[Path], None]) -> None:
    """Let ``fill`` write a folder, kept at ``target`` or, when ``target`` ends
    in .zip, zipped there; nothing appears at ``target`` until all is written."""
    if target.suffix.lower() != ".zip":
        with atomic_dir(target) as folder:
            fill(folder)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        fill(folder)
        with atomic_file(target) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(folder).as_posix())


def safe_name(text: str, fallback: str) -> str:
    """A file name stem from a document's source or title."""
    stem = Path(text.replace("\\", "/")).name if text else ""
    stem = re.sub(r"\.(txt|md|markdown|html?|xhtml|jsonl|ndjson|text)$", "", stem, flags=re.I)
    stem = re.sub(r"[^\w.-]+", "_", stem).strip("._")[:80]
    return stem or fallback
