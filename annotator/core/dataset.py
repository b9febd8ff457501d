"""The dataset vocabulary: what exports read and imports write, as plain values.

The format modules (:mod:`annotator.io.formats`) turn files into these values
and these values into files; the store reads them from the database
(:mod:`annotator.store.export_reader`) and writes them into it
(:mod:`annotator.store.import_writer`). Pure Python: no database here.

Datetimes in exports are ISO 8601 text (UTC, ``Z``), so an export never builds
``datetime`` objects for half a million spans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict

from annotator.core.model import DocStatus, DocumentDraft, DocumentLabelValue, JsonDict

__all__ = [
    "AnnotatedDraft",
    "DocumentDraft",
    "EntityDraft",
    "EntityRow",
    "ExportDocument",
    "ExportFilter",
    "InsertResult",
    "Layer",
    "LayerDraft",
    "RelationDraft",
    "RelationRow",
    "SpanDraft",
    "SpanRow",
    "SurfaceMismatch",
    "iso_text",
    "parse_iso",
]

# --- read from the project (exports) ----------------------------------------------


class SpanRow(TypedDict):
    """A stored span as a plain dict (the shape native JSONL writes as it is)."""

    id: int
    start: int
    end: int
    label: str
    text: str
    attributes: JsonDict
    note: str
    created_at: str
    updated_at: str
    version: int
    fragments: NotRequired[list[list[int]]]
    """Only on a span in more than one piece: ``[[start, end], ...]``, ordered."""
    entity: NotRequired[int]
    """Only on a mention: the id of the entity (``ExportDocument.entities``)."""


class EntityRow(TypedDict):
    """An entity a document's mentions refer to (issue 15)."""

    id: int
    name: str
    label: str
    external_id: str
    aliases: list[str]


class RelationRow(TypedDict):
    id: int
    type: str
    source_id: int
    target_id: int
    created_at: str


class SurfaceMismatch(Exception):
    """A stored span whose surface text is not the document text at its offsets."""


@dataclass(slots=True)
class Layer:
    """One annotator's work on one document."""

    annotator: str
    status: str = DocStatus.NEW.value
    spans: list[SpanRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    spans_json: list[bytes] | None = None
    """With ``as_json``: each span as UTF-8 JSON text, as SQLite made it (the keys
    of :class:`SpanRow`), ``spans`` empty; embedded as it is, never decoded."""
    relations_json: list[bytes] | None = None
    document_labels: dict[str, DocumentLabelValue] = field(default_factory=dict)
    """This annotator's judgements about the whole document, by label name."""


@dataclass(slots=True)
class ExportDocument:
    id: int
    title: str
    source: str
    url: str
    date: str
    meta: JsonDict
    text: str
    layers: list[Layer] = field(default_factory=list)
    entities: list[EntityRow] = field(default_factory=list)
    """The entities the layers' mentions refer to, by id, each once."""


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """What an export keeps. ``None`` means no restriction."""

    annotators: frozenset[str] | None = None
    labels: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    document_ids: frozenset[int] | None = None


def iso_text(value: Any) -> str:
    """A stored datetime (SQLite text or a driver's datetime) as ISO 8601 UTC text."""
    if type(value) is str and len(value) == 26 and value[10] == " ":
        # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (stored in UTC): the common case.
        return f"{value[:10]}T{value[11:]}Z"
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return str(value.astimezone(UTC).isoformat()).replace("+00:00", "Z")
    text = str(value)
    if len(text) > 10 and text[10] == " ":
        text = f"{text[:10]}T{text[11:]}"
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    elif not text.endswith("Z") and "+" not in text[10:] and "-" not in text[10:]:
        text += "Z"
    return text


def parse_iso(value: Any) -> datetime | None:
    """ISO 8601 text (as :func:`iso_text` writes it) to an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --- written into the project (imports) -------------------------------------------


@dataclass(frozen=True, slots=True)
class SpanDraft:
    """A span to store. Offsets are code points into the draft's (normalised) text."""

    label: str
    start: int
    end: int
    attributes: JsonDict = field(default_factory=dict)
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    fragments: tuple[tuple[int, int], ...] | None = None
    """A span in more than one piece: the pieces, ordered, within ``start``-``end``."""
    entity: str | None = None
    """A mention: the key of an entity in the draft's ``entities``."""


@dataclass(frozen=True, slots=True)
class EntityDraft:
    """An entity to store, known within one import by ``key`` (the file's own id).

    The same key in several documents of one import is one entity. An entity
    whose non-empty ``external_id`` and label match a stored one is that one.
    """

    key: str
    name: str
    label: str = ""
    external_id: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RelationDraft:
    """A relation between two spans of the same layer, by their index in ``spans``."""

    type: str
    source: int
    target: int
    created_at: datetime | None = None


@dataclass(slots=True)
class LayerDraft:
    annotator: str
    spans: list[SpanDraft] = field(default_factory=list)
    relations: list[RelationDraft] = field(default_factory=list)
    status: str | None = None
    """None leaves the status as it is (a new layer with spans becomes in_progress)."""
    document_labels: dict[str, DocumentLabelValue] = field(default_factory=dict)
    """Judgements about the whole document; each replaces the layer's value."""


@dataclass(slots=True)
class AnnotatedDraft:
    """A document with the layers to store on it (possibly an existing document)."""

    document: DocumentDraft
    layers: list[LayerDraft] = field(default_factory=list)
    origin: str = ""
    entities: list[EntityDraft] = field(default_factory=list)
    """The entities the layers' spans name by key."""


@dataclass(slots=True)
class InsertResult:
    documents_added: int = 0
    documents_existing: int = 0
    spans: int = 0
    relations: int = 0
    duplicate_spans: int = 0
    duplicate_relations: int = 0
    entities: int = 0
    """Entities created (an entity matched to a stored one is not counted)."""
    document_labels: int = 0
    document_ids: list[int] = field(default_factory=list)
