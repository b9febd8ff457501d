"""Native JSONL: one document per line, every annotator's layer, lossless.

The shape is described by ``resources/native.schema.json``. Every field has the
same JSON type on every line (strings are never null, lists are never
missing), so pandas ``read_json(lines=True)`` and Hugging Face ``datasets``'
json loader take the file as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.core.dataset import (
    AnnotatedDraft,
    EntityDraft,
    ExportDocument,
    LayerDraft,
    RelationDraft,
    SpanDraft,
    SpanRow,
    parse_iso,
)
from annotator.core.formats import CODEPOINT, OFFSET_UNITS
from annotator.core.model import DocStatus, DocumentDraft, DocumentLabelValue
from annotator.io.errors import InputProblem
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    atomic_file,
    check_name,
    identity,
    offset_converter,
    record_id,
)
from annotator.io.formats.importing import ImportContext, read_records

FORMAT_VERSION = 1
SUFFIX = ".jsonl"
_STATUSES = {s.value for s in DocStatus}


def document_record(doc: ExportDocument, unit: str) -> dict[str, Any]:
    convert = offset_converter(doc.text, unit)
    annotations = []
    for layer in doc.layers:
        spans: Any = layer.spans
        relations: Any = layer.relations
        if layer.spans_json is not None and layer.relations_json is not None:
            # Read as JSON text (iter_documents(as_json=True)): embedded as it is.
            if convert is not identity:
                raise ValueError("JSON-text layers carry code-point offsets only")
            spans = orjson.Fragment(b"[" + b",".join(layer.spans_json) + b"]")
            relations = orjson.Fragment(b"[" + b",".join(layer.relations_json) + b"]")
        elif convert is not identity:
            spans = [_converted(s, convert) for s in spans]
        annotations.append(
            {
                "annotator": layer.annotator,
                "status": layer.status,
                "spans": spans,
                "relations": relations,
                "document_labels": layer.document_labels,
            }
        )
    return {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "url": doc.url,
        "date": doc.date,
        "meta": doc.meta,
        "text": doc.text,
        "offsets": unit,
        "annotations": annotations,
        "entities": doc.entities,
    }


def _converted(span: SpanRow, convert: Callable[[int], int]) -> dict[str, Any]:
    """A span with its offsets (and its pieces') in the export's unit."""
    converted: dict[str, Any] = {
        **span,
        "start": convert(span["start"]),
        "end": convert(span["end"]),
    }
    if "fragments" in span:
        converted["fragments"] = [[convert(a), convert(b)] for a, b in span["fragments"]]
    return converted


def write_records(docs: Iterable[ExportDocument], out: IO[bytes], ctx: ExportContext) -> None:
    dumps = orjson.dumps
    option = orjson.OPT_APPEND_NEWLINE
    for doc in docs:
        out.write(dumps(document_record(doc, ctx.offsets), option=option))
        ctx.documents += 1
        for layer in doc.layers:
            ctx.spans += len(layer.spans) + len(layer.spans_json or ())
            ctx.relations += len(layer.relations) + len(layer.relations_json or ())


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    with atomic_file(target) as out:
        write_records(docs, out, ctx)


# --- import ---------------------------------------------------------------------


def _str_field(record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise LineProblem(f"'{key}' must be a string")
    return str(value)


def record_to_draft(record: Any, ctx: ImportContext) -> AnnotatedDraft:
    if not isinstance(record, dict):
        raise LineProblem("expected a JSON object")
    raw = record.get("text")
    if not isinstance(raw, str):
        raise LineProblem("the 'text' field is missing or not a string")
    if not raw.strip():
        raise LineProblem("'text' is empty")
    unit = record.get("offsets", ctx.offsets) or CODEPOINT
    if unit not in OFFSET_UNITS:
        raise LineProblem(f"'offsets' must be one of {', '.join(OFFSET_UNITS)}, not {unit!r}")
    source = SourceText(raw, unit)
    meta = record.get("meta", {})
    if not isinstance(meta, dict):
        raise LineProblem("'meta' must be an object")
    draft = DocumentDraft(
        text=source.text,
        title=_str_field(record, "title"),
        source=_str_field(record, "source"),
        url=_str_field(record, "url"),
        date=_str_field(record, "date"),
        meta=meta,
    )
    annotations = record.get("annotations", [])
    if not isinstance(annotations, list):
        raise LineProblem("'annotations' must be a list")
    entities = _entities(record)
    entity_keys = {e.key for e in entities}
    layers: list[LayerDraft] = []
    for n, ann in enumerate(annotations, start=1):
        if not isinstance(ann, dict):
            raise LineProblem(f"annotation {n} is not an object")
        name = check_name(ann.get("annotator"), f"annotation {n}: annotator")
        status = ann.get("status", DocStatus.NEW.value)
        if not isinstance(status, str) or status not in _STATUSES:
            raise LineProblem(f"annotation {n}: unknown status {status!r}")
        layers.append(_layer(ann, ctx.as_name or name, str(status), source, entity_keys))
    if ctx.as_name and len(layers) > 1:
        layers = [merge_layers(layers, ctx.as_name)]
    return AnnotatedDraft(draft, layers, entities=entities)


def _entities(record: dict[str, Any]) -> list[EntityDraft]:
    """The line's entities (the ids its mentions name), or :class:`LineProblem`."""
    raw = record.get("entities", [])
    if not isinstance(raw, list):
        raise LineProblem("'entities' must be a list")
    found: dict[str, EntityDraft] = {}
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise LineProblem(f"entity {n} is not an object")
        key = str(record_id(item.get("id"), f"entity {n}:"))
        if key in found:
            raise LineProblem(f"entity id {key} is listed twice")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise LineProblem(f"entity {key}: 'name' must be a non-empty string")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise LineProblem(f"entity {key}: 'aliases' must be a list of strings")
        found[key] = EntityDraft(
            key, name, _str_field(item, "label"), _str_field(item, "external_id"), tuple(aliases)
        )
    return list(found.values())


def _document_labels(ann: dict[str, Any], name: str) -> dict[str, DocumentLabelValue]:
    """A layer's ``document_labels``: label name -> a value or a list of values."""
    raw = ann.get("document_labels", {})
    if not isinstance(raw, dict):
        raise LineProblem(f"{name}: 'document_labels' must be an object")
    found: dict[str, DocumentLabelValue] = {}
    for label, value in raw.items():
        check_name(label, f"{name}: document label")
        if isinstance(value, str) and value:
            found[label] = value
        elif isinstance(value, list) and all(isinstance(v, str) and v for v in value):
            found[label] = list(value)
        else:
            raise LineProblem(
                f"{name}: document label {label!r}: {value!r} is not a value or a list of values"
            )
    return found


def _layer(
    ann: dict[str, Any], name: str, status: str, source: SourceText, entity_keys: set[str]
) -> LayerDraft:
    spans_raw = ann.get("spans", [])
    relations_raw = ann.get("relations", [])
    if not isinstance(spans_raw, list) or not isinstance(relations_raw, list):
        raise LineProblem(f"{name}: 'spans' and 'relations' must be lists")
    layer = LayerDraft(name, status=status, document_labels=_document_labels(ann, name))
    index: dict[Any, int] = {}
    for s in spans_raw:
        if not isinstance(s, dict):
            raise LineProblem(f"{name}: a span is not an object")
        attributes = s.get("attributes", {})
        if not isinstance(attributes, dict):
            raise LineProblem(f"{name}: span attributes must be an object")
        note = s.get("note", "") or ""
        if not isinstance(note, str):
            raise LineProblem(f"{name}: span note must be a string")
        version = s.get("version", 1)
        extra: dict[str, Any] = {
            "attributes": attributes,
            "note": note,
            "created_at": _time(s, "created_at", name),
            "updated_at": _time(s, "updated_at", name),
            "version": version if isinstance(version, int) and version > 0 else 1,
        }
        if "entity" in s:
            extra["entity"] = _entity_key(s["entity"], entity_keys, name)
        if "fragments" in s:
            span = source.split_span(s["fragments"], s.get("label"), s.get("text"), **extra)
            _check_outer_bounds(s, span, source)
        else:
            span = source.span(s.get("start"), s.get("end"), s.get("label"), s.get("text"), **extra)
        if "id" in s:
            key = record_id(s["id"], "span")
            if key in index:
                raise LineProblem(f"{name}: span id {key!r} is used twice")
            index[key] = len(layer.spans)
        layer.spans.append(span)
    for r in relations_raw:
        if not isinstance(r, dict):
            raise LineProblem(f"{name}: a relation is not an object")
        rtype = check_name(r.get("type"), f"{name}: relation type")
        src = record_id(r.get("source_id"), "source")
        dst = record_id(r.get("target_id"), "target")
        if src not in index or dst not in index:
            raise LineProblem(f"{name}: relation {rtype} links span ids not in the layer")
        layer.relations.append(
            RelationDraft(rtype, index[src], index[dst], _time(r, "created_at", name))
        )
    return layer


def _entity_key(value: Any, entity_keys: set[str], name: str) -> str:
    key = str(record_id(value, "entity"))
    if key not in entity_keys:
        raise LineProblem(f"{name}: a span names entity {key}, which the line's 'entities' lacks")
    return key


def _check_outer_bounds(raw: dict[str, Any], span: SpanDraft, source: SourceText) -> None:
    """A split span's start and end, when given, are its pieces' outer bounds."""
    if "start" not in raw and "end" not in raw:
        return
    given = source.span(raw.get("start"), raw.get("end"), span.label)
    if (given.start, given.end) != (span.start, span.end):
        raise LineProblem(
            f"span {raw.get('start')}-{raw.get('end')} {span.label}: start and end must be "
            f"the outer bounds of its fragments {raw.get('fragments')!r}"
        )


def _time(item: dict[str, Any], key: str, name: str) -> datetime | None:
    """An ISO 8601 time (empty: none), or :class:`LineProblem` for text that is
    not one or a time no database holds (year 1 in a zone east of UTC)."""
    value = item.get(key)
    if value is None or value == "":
        return None
    try:
        parsed = parse_iso(value)
    except (OverflowError, ValueError):
        parsed = None
    if parsed is None:
        raise LineProblem(f"{name}: '{key}' {str(value)[:40]!r} is not a time within years 1-9999")
    return parsed


def merge_layers(layers: list[LayerDraft], name: str) -> LayerDraft:
    merged = LayerDraft(name)
    statuses = [lay.status for lay in layers if lay.status]
    merged.status = min(statuses, key=_STATUS_ORDER.index) if statuses else None
    for lay in layers:
        shift = len(merged.spans)
        merged.spans.extend(lay.spans)
        merged.document_labels.update(lay.document_labels)
        merged.relations.extend(
            RelationDraft(r.type, r.source + shift, r.target + shift, r.created_at)
            for r in lay.relations
        )
    return merged


_STATUS_ORDER = [DocStatus.NEW.value, DocStatus.IN_PROGRESS.value, DocStatus.DONE.value]


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem | None]:
    return read_records(path, ctx, record_to_draft)
