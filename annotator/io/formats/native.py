"""Native JSONL: one document per line, every annotator's layer, lossless.

The shape is described by ``resources/native.schema.json``. Every field has the
same JSON type on every line (strings are never null, lists are never
missing), so pandas ``read_json(lines=True)`` and Hugging Face ``datasets``'
json loader take the file as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.core.dataset import (
    AnnotatedDraft,
    ExportDocument,
    LayerDraft,
    RelationDraft,
    parse_iso,
)
from annotator.core.formats import CODEPOINT, OFFSET_UNITS
from annotator.core.model import DocStatus, DocumentDraft
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
            spans = orjson.Fragment(f"[{','.join(layer.spans_json)}]")
            relations = orjson.Fragment(f"[{','.join(layer.relations_json)}]")
        elif convert is not identity:
            spans = [{**s, "start": convert(s["start"]), "end": convert(s["end"])} for s in spans]
        annotations.append(
            {
                "annotator": layer.annotator,
                "status": layer.status,
                "spans": spans,
                "relations": relations,
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
    }


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
    layers: list[LayerDraft] = []
    for n, ann in enumerate(annotations, start=1):
        if not isinstance(ann, dict):
            raise LineProblem(f"annotation {n} is not an object")
        name = check_name(ann.get("annotator"), f"annotation {n}: annotator")
        status = ann.get("status", DocStatus.NEW.value)
        if not isinstance(status, str) or status not in _STATUSES:
            raise LineProblem(f"annotation {n}: unknown status {status!r}")
        layers.append(_layer(ann, ctx.as_name or name, str(status), source))
    if ctx.as_name and len(layers) > 1:
        layers = [merge_layers(layers, ctx.as_name)]
    return AnnotatedDraft(draft, layers)


def _layer(ann: dict[str, Any], name: str, status: str, source: SourceText) -> LayerDraft:
    spans_raw = ann.get("spans", [])
    relations_raw = ann.get("relations", [])
    if not isinstance(spans_raw, list) or not isinstance(relations_raw, list):
        raise LineProblem(f"{name}: 'spans' and 'relations' must be lists")
    layer = LayerDraft(name, status=status)
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
        span = source.span(
            s.get("start"),
            s.get("end"),
            s.get("label"),
            s.get("text"),
            attributes=attributes,
            note=note,
            created_at=_time(s, "created_at", name),
            updated_at=_time(s, "updated_at", name),
            version=version if isinstance(version, int) and version > 0 else 1,
        )
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
        merged.relations.extend(
            RelationDraft(r.type, r.source + shift, r.target + shift, r.created_at)
            for r in lay.relations
        )
    return merged


_STATUS_ORDER = [DocStatus.NEW.value, DocStatus.IN_PROGRESS.value, DocStatus.DONE.value]


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem | None]:
    return read_records(path, ctx, record_to_draft)
