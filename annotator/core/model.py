"""Plain data types shared by every layer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

JsonDict = dict[str, Any]

DocumentLabelValue = str | list[str]
"""A document label's value: one choice, or a list for a multiple choice."""


class DocStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"


GOLD_ANNOTATOR = "gold"
"""The adjudicated layer is stored as the spans of this reserved annotator."""


RESERVED_NAMES = frozenset({GOLD_ANNOTATOR})
"""Layer names that are never a person's: no one edits, reviews or imports as them."""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an analyst's name (None: it can)."""
    if not name or not name.strip():
        return "an analyst needs a name"
    if name in RESERVED_NAMES:
        return (
            f"{name!r} is the adjudicated layer, not an analyst's name: use your own name "
            "(a reviewer writes gold under theirs)"
        )
    if name.casefold() in {reserved.casefold() for reserved in RESERVED_NAMES}:
        # "Gold" would be a layer of its own that every list shows beside gold.
        return (
            f"{name!r} reads as the adjudicated layer ({GOLD_ANNOTATOR!r}): use your own "
            "name (a reviewer writes gold under theirs)"
        )
    return None


def write_problem(layer: str, editor: str, is_reviewer: Callable[[], bool]) -> str | None:
    """Why ``editor`` may not change ``layer`` (None: they may). People change
    their own layer; only reviewers change the gold layer (``is_reviewer`` is
    asked only then). Every way of writing applies this one rule."""
    problem = name_problem(editor)
    if problem is not None:
        return problem
    if layer == GOLD_ANNOTATOR:
        if is_reviewer():
            return None
        return (
            f"{editor} may not change the gold layer: only reviewers may "
            "(annotator roles PROJECT lists them)"
        )
    if editor == layer:
        return None
    return f"{editor} may not change {layer}'s annotations, only their own"


def content_hash(text: str) -> str:
    """Identity of an article: re-importing the same text is a no-op."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    """A document read from a file, not yet stored."""

    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    date: str = ""
    meta: JsonDict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: int
    title: str
    source: str
    length: int
    spans_by_annotator: dict[str, int]
    status_by_annotator: dict[str, str]


@dataclass(frozen=True, slots=True)
class SpanData:
    """A stored span. Offsets are code points; ``text == doc_text[start:end]``
    for a span in one piece."""

    id: int
    document_id: int
    annotator: str
    label: str
    start: int
    end: int
    text: str
    attributes: JsonDict = field(default_factory=dict)
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    fragments: tuple[tuple[int, int], ...] | None = None
    """A split span's pieces (``annotator.core.pieces``); None for one piece,
    when ``text == doc_text[start:end]``. A split span's text is its pieces'
    texts joined by ``pieces.PIECE_JOINER``."""
    entity_id: int | None = None
    """The entity this span is a mention of, if any."""


@dataclass(frozen=True, slots=True)
class EntityData:
    """A person, organisation or other thing mentions across the project refer to."""

    id: int
    name: str
    label: str = ""
    external_id: str = ""
    """An identifier elsewhere, typed by an analyst (a Wikidata QID, say)."""
    aliases: tuple[str, ...] = ()
    version: int = 1


def clean_aliases(aliases: Iterable[str], name: str) -> tuple[str, ...]:
    """An entity's aliases as stored: stripped, each once, never its name."""
    seen: dict[str, None] = {}
    for alias in aliases:
        alias = alias.strip()
        if alias and alias != name:
            seen.setdefault(alias, None)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class Mention:
    """A span that is a mention of an entity, and where it is."""

    span_id: int
    document_id: int
    document_title: str
    annotator: str
    label: str
    start: int
    text: str


@dataclass(frozen=True, slots=True)
class RelationData:
    id: int
    document_id: int
    annotator: str
    type: str
    source_id: int
    target_id: int


class OffsetError(ValueError):
    """A span whose offsets do not fit its document text."""


def check_span_bounds(length: int, start: int, end: int) -> None:
    """Raise :class:`OffsetError` unless ``0 <= start < end <= length``."""
    if not isinstance(start, int) or not isinstance(end, int):
        raise OffsetError(f"offsets must be integers, got {start!r}, {end!r}")
    if start < 0 or end > length:
        raise OffsetError(f"span {start}-{end} lies outside the text (length {length})")
    if end <= start:
        raise OffsetError(f"span {start}-{end} ends before it starts or is empty")


def check_span_offsets(doc_text: str, start: int, end: int, surface: str | None = None) -> None:
    """Raise :class:`OffsetError` unless ``0 <= start < end <= len`` and the text matches."""
    check_span_bounds(len(doc_text), start, end)
    if surface is not None and doc_text[start:end] != surface:
        raise OffsetError(
            f"span {start}-{end} text {surface!r} does not match the document "
            f"({doc_text[start:end]!r})"
        )
