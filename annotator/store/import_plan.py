"""What an import batch stores, decided once for both import writers.

:mod:`annotator.store.import_sqlite` (SQLite, :mod:`sqlite3`) and
:mod:`annotator.store.import_writer` (PostgreSQL, SQLAlchemy Core) plan a
batch here and then write the plan with their own driver: who writes each
layer, which spans repeat one the batch or the layer already has
(:func:`plan_spans`), which relations to write and between which span ids
(:func:`plan_relations`), which entity a mention's key names
(:class:`EntityKeys`, :func:`entity_id_for`), and which statuses and
document labels change (:class:`StatusPlan`, :func:`document_label_changes`).
What needs the database comes in as rows already read or as a callback,
each writer supplying its own.

This module imports neither :mod:`sqlite3` nor SQLAlchemy: the command
line's import loads it without SQLAlchemy (docs/design.md, "Bulk paths").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.core.changes import Action, ChangeRecord, Entity, span_values
from annotator.core.dataset import AnnotatedDraft, EntityDraft, LayerDraft, RelationDraft, SpanDraft
from annotator.core.model import (
    GOLD_ANNOTATOR,
    DocStatus,
    DocumentLabelValue,
    EntityData,
    JsonDict,
    OffsetError,
    clean_aliases,
)
from annotator.core.pieces import check_pieces, joined_text, normalise, stored_fragments

Pieces = tuple[tuple[int, int], ...]
SpanKey = tuple[Any, ...]
"""A span among the duplicates: (label, start, end), plus its pieces for a split span."""


def layer_writers(
    items: Sequence[AnnotatedDraft],
    editor: str | None,
    check_editor: Callable[[str], None],
    check_can_write: Callable[[str, str], None],
) -> dict[str, str]:
    """Layer -> who writes it (its owner; ``editor`` for gold), each checked by
    the writer's ``check_can_write(layer, writer)``."""
    if editor is not None:
        check_editor(editor)
    writers: dict[str, str] = {}
    for item in items:
        for lay in item.layers:
            if lay.annotator not in writers:
                writer = editor if editor and lay.annotator == GOLD_ANNOTATOR else lay.annotator
                check_can_write(lay.annotator, writer)
                writers[lay.annotator] = writer
    return writers


def log_authors(writers: dict[str, str], annotator_id: Callable[[str], int]) -> dict[int, int]:
    """Layer's annotator id -> the id the change log names instead: a gold
    layer's reviewer, not "gold" (empty when every layer is written by its owner)."""
    return {
        annotator_id(layer): annotator_id(writer)
        for layer, writer in writers.items()
        if writer != layer
    }


def split_span(text: str, span: SpanDraft) -> tuple[int, int, str, Pieces | None]:
    """A split span's outer bounds, text (its pieces joined) and stored pieces
    (None when they make one piece); a span without fragments as it is.
    Raises :class:`OffsetError` for pieces the text does not hold."""
    if span.fragments is None:
        return span.start, span.end, text[span.start : span.end], None
    pieces = normalise(span.fragments)
    check_pieces(len(text), pieces)
    return pieces[0][0], pieces[-1][1], joined_text(text, pieces), stored_fragments(pieces)


def stored_span_keys(
    rows: Iterable[tuple[int, int, int, str, int, int, Any]],
    pieces_of: Callable[[Any], Iterable[Sequence[int]]],
) -> dict[tuple[int, int], dict[SpanKey, int]]:
    """The spans already stored, for :func:`plan_spans`: from rows (id, document,
    annotator, label, start, end, fragments as the driver reads them, decoded
    by ``pieces_of``) to (document, annotator) -> key -> ~id (negative)."""
    existing: dict[tuple[int, int], dict[SpanKey, int]] = {}
    for span_id, doc_id, ann_id, label, start, end, fragments in rows:
        key: SpanKey = (label, start, end)
        if fragments is not None:
            key = (label, start, end, tuple((int(a), int(b)) for a, b in pieces_of(fragments)))
        existing.setdefault((doc_id, ann_id), {})[key] = ~span_id
    return existing


@dataclass(slots=True)
class PlannedLayer:
    """One layer of a batch: its document (id, text, the entities its record
    lists) and annotator id, the spans to insert and, for each of its spans,
    where it is: its position among the batch's new spans, or ~id (negative)
    of the stored span it repeats."""

    doc_id: int
    ann_id: int
    layer: LayerDraft
    text: str
    entities: Sequence[EntityDraft]
    new_spans: list[SpanDraft]
    positions: list[int]


@dataclass(slots=True)
class SpanPlan:
    """A batch's spans: its layers in order, the number of new spans (numbered
    by position, layer after layer), and for each new split span or mention
    (by position) its bounds, text and pieces from :func:`split_span`."""

    layers: list[PlannedLayer] = field(default_factory=list)
    count: int = 0
    split: dict[int, tuple[int, int, str, Pieces | None]] = field(default_factory=dict)
    duplicates: int = 0


def plan_spans(
    items: Sequence[AnnotatedDraft],
    doc_ids: Sequence[int],
    annotator_id: Callable[[str], int],
    existing: dict[tuple[int, int], dict[SpanKey, int]],
) -> SpanPlan:
    """Which of the batch's spans to insert: a span equal to one the annotator
    already has on the document (``existing``, from :func:`stored_span_keys`)
    or to an earlier one of the batch is a duplicate, and points at that one so
    its relations survive. Raises :class:`OffsetError` for bad pieces."""
    plan = SpanPlan()
    count = 0
    duplicates = 0
    split = plan.split
    for item, doc_id in zip(items, doc_ids, strict=True):
        text = item.document.text
        for lay in item.layers:
            ann_id = annotator_id(lay.annotator)
            seen = existing.setdefault((doc_id, ann_id), {})
            positions: list[int] = []
            new_spans: list[SpanDraft] = []
            # Bound once a layer: the loop below is the import's hottest.
            add_position, add_new = positions.append, new_spans.append
            for span in lay.spans:
                plain = span.fragments is None and span.entity is None
                if plain:
                    key: SpanKey = (span.label, span.start, span.end)
                else:
                    start, end, surface, pieces = split_span(text, span)
                    key = (
                        (span.label, start, end)
                        if pieces is None
                        else (span.label, start, end, pieces)
                    )
                if key in seen:
                    add_position(seen[key])
                    duplicates += 1
                    continue
                if not plain:
                    split[count] = (start, end, surface, pieces)
                seen[key] = count
                add_position(count)
                add_new(span)
                count += 1
            plan.layers.append(
                PlannedLayer(doc_id, ann_id, lay, text, item.entities, new_spans, positions)
            )
    plan.count = count
    plan.duplicates = duplicates
    return plan


def span_log_values(
    doc_id: int, layer: str, label: str, start: int, end: int, surface: str,
    attributes: JsonDict, note: str, version: int,
    pieces: Pieces | None, entity_id: int | None,
) -> JsonDict:  # fmt: skip
    """What an edit adding a split span or a mention logs
    (:func:`annotator.core.changes.span_payload`)."""
    after = span_values(doc_id, layer, label, start, end, surface, attributes, note, version)
    if pieces is not None:
        after["fragments"] = [list(piece) for piece in pieces]
    if entity_id is not None:
        after["entity"] = entity_id
    return after


Link = tuple[int, str, int, int]
"""A relation among the duplicates: (annotator, type, source id, target id)."""


def plan_relations(
    layers: Sequence[PlannedLayer],
    span_ids: Sequence[int],
    stored_links: Callable[[], set[Link]],
) -> tuple[list[tuple[PlannedLayer, RelationDraft, int, int]], int]:
    """The relations to insert, each with its layer and its source and target
    span ids (``span_ids``: the new spans' ids by position), and the number of
    duplicates: a link repeated in the batch, or already stored when both its
    spans were (``stored_links`` reads those, once, only then)."""
    planned: list[tuple[PlannedLayer, RelationDraft, int, int]] = []
    duplicates = 0
    stored: set[Link] | None = None
    written: set[Link] = set()
    for planned_layer in layers:
        positions, ann_id = planned_layer.positions, planned_layer.ann_id
        for rel in planned_layer.layer.relations:
            src, dst = positions[rel.source], positions[rel.target]
            source_id = span_ids[src] if src >= 0 else ~src
            target_id = span_ids[dst] if dst >= 0 else ~dst
            if source_id == target_id:
                continue  # two copies of one span: the io layer refuses a span linked to itself
            link = (ann_id, rel.type, source_id, target_id)
            if link in written:  # a record repeated in this batch
                duplicates += 1
                continue
            written.add(link)
            if src < 0 and dst < 0:
                if stored is None:
                    stored = stored_links()
                if link in stored:
                    duplicates += 1
                    continue
            planned.append((planned_layer, rel, source_id, target_id))
    return planned, duplicates


class EntityKeys:
    """An import run's entities: a file's entity key -> the stored entity's id.

    Kept by the writer for the whole run (the same key in another batch is the
    same entity); a batch works on a copy (:meth:`for_batch`) that is kept
    only when the batch is stored (:meth:`keep`). The first time a key is
    used, the entity is the stored one with the same non-empty external id and
    label, or a new one (``find`` and ``create`` do the database's part).
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def for_batch(self) -> dict[str, int]:
        return dict(self.ids)

    def keep(self, ids: dict[str, int]) -> None:
        self.ids = ids


def entity_id_for(
    key: str,
    ids: dict[str, int],
    drafts: Sequence[EntityDraft],
    find: Callable[[EntityDraft], int | None],
    create: Callable[[EntityDraft], int],
) -> int:
    """The stored id of the entity ``key`` names (see :class:`EntityKeys`)."""
    found = ids.get(key)
    if found is None:
        draft = next((d for d in drafts if d.key == key), None)
        if draft is None:
            raise OffsetError(f"a mention names entity {key!r}, which the record does not list")
        found = find(draft) if draft.external_id.strip() else None
        if found is None:
            found = create(draft)
        ids[key] = found
    return found


def entity_values(draft: EntityDraft) -> EntityData:
    """An entity draft as stored (id 0 until it has one): names and aliases cleaned
    as :func:`annotator.store.entities.create_entity` cleans them."""
    name = draft.name.strip()
    if not name:
        raise OffsetError(f"entity {draft.key!r} has no name")
    return EntityData(0, name, draft.label, draft.external_id.strip(),
                      clean_aliases(draft.aliases, name))  # fmt: skip


class StatusPlan:
    """The statuses a batch sets: each layer's own, else "in progress" for a
    layer with spans or relations and no status yet."""

    def __init__(self, layers: Sequence[PlannedLayer]) -> None:
        wanted: dict[tuple[int, int], str] = {}
        for planned in layers:
            lay, pair = planned.layer, (planned.doc_id, planned.ann_id)
            status = lay.status
            if status is None:
                if not lay.spans and not lay.relations:
                    continue
                status = DocStatus.IN_PROGRESS.value
                if pair in wanted:
                    continue
            wanted[pair] = status
        self.wanted = wanted
        """(document, annotator) -> the status to set."""
        self.explicit = {(p.doc_id, p.ann_id) for p in layers if p.layer.status is not None}
        """Pairs whose layer names its status: it replaces a stored one."""
        self.owners = {(p.doc_id, p.ann_id): p.layer.annotator for p in layers}

    def documents_to_read(self, fresh: set[int]) -> list[int]:
        """The documents whose stored statuses matter (those in ``fresh``,
        inserted by this transaction, have none)."""
        return sorted({d for d, _ in self.wanted if d not in fresh})

    def changes(
        self, current: dict[tuple[int, int], str]
    ) -> Iterable[tuple[int, int, str, str | None, ChangeRecord]]:
        """Given the stored statuses, each change: document, annotator, status,
        the status before (None: none stored) and its change record. An implied
        "in progress" never replaces a stored status."""
        for (doc_id, ann_id), status in self.wanted.items():
            before = current.get((doc_id, ann_id))
            if before == status or (before is not None and (doc_id, ann_id) not in self.explicit):
                continue
            record = ChangeRecord.status(
                doc_id,
                self.owners[(doc_id, ann_id)],
                before or DocStatus.NEW.value,
                status,
                imported=True,
            )
            yield doc_id, ann_id, status, before, record


def wanted_document_labels(
    layers: Iterable[PlannedLayer],
) -> dict[tuple[int, int, str], tuple[DocumentLabelValue, str]]:
    """(document, annotator, name) -> (value, layer) the drafts set (a later layer
    of the same annotator on the same document wins)."""
    wanted: dict[tuple[int, int, str], tuple[DocumentLabelValue, str]] = {}
    for planned in layers:
        for name, value in planned.layer.document_labels.items():
            wanted[(planned.doc_id, planned.ann_id, name)] = (value, planned.layer.annotator)
    return wanted


def document_label_changes(
    wanted: dict[tuple[int, int, str], tuple[DocumentLabelValue, str]],
    current: dict[tuple[int, int, str], Any],
) -> Iterable[tuple[tuple[int, int, str], Any, Any, ChangeRecord]]:
    """For each (document, annotator, name) whose value changes: the key, the
    value before (None: none), the value after and the change record."""
    for key, (value, layer) in wanted.items():
        stored = list(value) if isinstance(value, list | tuple) else value
        before = current.get(key)
        if before == stored:
            continue
        doc_id, _, name = key
        record = ChangeRecord(
            Action.UPDATE, Entity.DOCUMENT_LABEL, doc_id, doc_id, layer,
            {"annotator": layer, "name": name, "value": before},
            {"annotator": layer, "name": name, "value": stored},
            imported=True,
        )  # fmt: skip
        yield key, before, stored, record
