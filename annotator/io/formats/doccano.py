"""doccano JSONL, as doccano imports and exports it.

Sequence labeling: ``{"text": ..., "label": [[start, end, "LABEL"], ...], ...}``.
Where the exported selection has relations, every line takes doccano's
relation form: ``{"text", "entities": [{"id", "start_offset", "end_offset",
"label"}], "relations": [{"id", "from_id", "to_id", "type"}]}``. Other keys are
metadata (doccano shows them). One line per document and annotator.

Document labels are doccano's categories (its "Intent Detection and Slot
Filling" projects: ``{"text", "entities": [[start, end, "LABEL"]], "cats":
["topic:politics"]}``): ``cats`` lists each chosen value as ``NAME:VALUE``,
written on every line when the schema declares document labels (else where
the layer has some) and read back
by the import (which also takes ``entities`` as ``[start, end, "LABEL"]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import (
    AnnotatedDraft,
    ExportDocument,
    LayerDraft,
    RelationDraft,
    SpanRow,
)
from annotator.io.errors import InputProblem
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    atomic_file,
    check_name,
    count_left_out,
    layer_categories,
    offset_converter,
    record_id,
    spans_in_pieces,
)
from annotator.io.formats.importing import ImportContext, categories_to_labels, read_records
from annotator.io.formats.jsonl_common import (
    doc_metadata,
    draft_from_metadata,
    finish_layer,
    layers_or_blank,
)

SUFFIX = ".jsonl"


def export(
    docs: Iterable[ExportDocument], target: Path, ctx: ExportContext, *, relation_form: bool
) -> None:
    option = orjson.OPT_APPEND_NEWLINE
    with atomic_file(target) as out:
        for doc in docs:
            convert = offset_converter(doc.text, ctx.offsets)
            ctx.documents += 1
            for layer in layers_or_blank(doc):
                count_left_out(layer, ctx, document_labels=False)
                spans = spans_in_pieces(layer.spans, doc.text, ctx) if layer is not None else []
                relations = layer.relations if layer is not None else []
                record: dict[str, Any] = {"text": doc.text}
                if relation_form:
                    record["entities"] = [
                        {
                            "id": ident,
                            "start_offset": convert(s["start"]),
                            "end_offset": convert(s["end"]),
                            "label": s["label"],
                        }
                        for ident, s in zip(_entity_ids(spans), spans, strict=True)
                    ]
                    record["relations"] = [
                        {
                            "id": r["id"],
                            "from_id": r["source_id"],
                            "to_id": r["target_id"],
                            "type": r["type"],
                        }
                        for r in relations
                    ]
                    ctx.relations += len(relations)
                else:
                    record["label"] = [
                        [convert(s["start"]), convert(s["end"]), s["label"]] for s in spans
                    ]
                cats = layer_categories(layer)
                if cats or ctx.schema.document_labels:
                    record["cats"] = cats
                ctx.spans += len(spans)
                record.update(doc_metadata(doc, layer))
                out.write(orjson.dumps(record, option=option))


def _entity_ids(spans: list[SpanRow]) -> list[int]:
    """Each span's id; a later piece of a span in pieces (the same id again)
    takes an id after the largest, as doccano's ids must be unique in a line."""
    ids: list[int] = []
    seen: set[int] = set()
    spare = max((s["id"] for s in spans), default=0)
    for s in spans:
        if s["id"] in seen:
            spare += 1
            ids.append(spare)
        else:
            seen.add(s["id"])
            ids.append(s["id"])
    return ids


def record_to_draft(record: Any, ctx: ImportContext) -> AnnotatedDraft:
    if not isinstance(record, dict):
        raise LineProblem("expected a JSON object")
    raw = record.get("text", record.get("data"))
    if not isinstance(raw, str):
        raise LineProblem("the 'text' field is missing or not a string")
    if not raw.strip():
        raise LineProblem("'text' is empty")
    source = SourceText(raw, ctx.offsets)
    meta = {
        k: v
        for k, v in record.items()
        if k not in ("text", "data", "label", "labels", "entities", "relations", "id", "cats")
    }
    draft, annotator, status = draft_from_metadata(source.text, meta)
    name = ctx.as_name or annotator
    layer = LayerDraft(
        name or "", status=status, document_labels=categories_to_labels(record, "cats", ctx.schema)
    )
    if "entities" in record:
        entities = record["entities"]
        if not isinstance(entities, list):
            raise LineProblem("'entities' must be a list")
        index: dict[Any, int] = {}
        spans = layer.spans
        span_of = source.span
        for e in entities:
            if isinstance(e, list) and len(e) == 3:  # doccano's intent detection form
                spans.append(span_of(e[0], e[1], e[2]))
                continue
            if not isinstance(e, dict):
                raise LineProblem(f"entity {e!r} is not an object or [start, end, label]")
            span = span_of(e.get("start_offset"), e.get("end_offset"), e.get("label"))
            if "id" in e:
                key = record_id(e["id"], "entity")
                if key in index:
                    raise LineProblem(f"entity id {key!r} is used twice")
                index[key] = len(spans)
            spans.append(span)
        relations = record.get("relations", [])
        if not isinstance(relations, list):
            raise LineProblem("'relations' must be a list")
        for r in relations:
            if not isinstance(r, dict):
                raise LineProblem(f"relation {r!r} is not an object")
            rtype = check_name(r.get("type"), "relation type")
            src = record_id(r.get("from_id"), "from")
            dst = record_id(r.get("to_id"), "to")
            if src not in index or dst not in index:
                raise LineProblem(
                    f"relation {rtype} links entity ids {src!r}, {dst!r} not in the line"
                )
            layer.relations.append(RelationDraft(rtype, index[src], index[dst]))
    else:
        labels = record.get("label", record.get("labels", []))
        if not isinstance(labels, list):
            raise LineProblem("'label' must be a list of [start, end, label]")
        for item in labels:
            if isinstance(item, str):
                raise LineProblem("'label' holds categories (text classification), not spans")
            if isinstance(item, dict):
                span = source.span(
                    item.get("start_offset", item.get("start")),
                    item.get("end_offset", item.get("end")),
                    item.get("label"),
                )
            elif isinstance(item, list) and len(item) == 3:
                span = source.span(item[0], item[1], item[2])
            else:
                raise LineProblem(f"label {item!r} is not [start, end, label]")
            layer.spans.append(span)
    return AnnotatedDraft(draft, finish_layer(layer, name))


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem | None]:
    return read_records(path, ctx, record_to_draft)
