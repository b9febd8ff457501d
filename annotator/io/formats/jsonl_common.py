"""Pieces shared by the doccano and prodigy JSONL formats."""

from __future__ import annotations

from typing import Any

from annotator.core.dataset import ExportDocument, Layer, LayerDraft
from annotator.core.model import DocStatus, DocumentDraft
from annotator.io.formats.common import LineProblem, check_name

DOC_FIELDS = ("title", "source", "url", "date")
CONSUMED = ("document_id", "annotator", "status")
_STATUSES = {s.value for s in DocStatus}


def layers_or_blank(doc: ExportDocument) -> list[Layer | None]:
    """One record per layer; a document nobody annotated still gets one (no spans)."""
    return list(doc.layers) if doc.layers else [None]


def doc_metadata(doc: ExportDocument, layer: Layer | None) -> dict[str, Any]:
    """Document fields for a record's metadata; the stored meta stays nested under 'meta'."""
    data: dict[str, Any] = {"document_id": doc.id}
    if layer is not None:
        data["annotator"] = layer.annotator
        data["status"] = layer.status
    for key in DOC_FIELDS:
        data[key] = getattr(doc, key)
    data["meta"] = doc.meta
    return data


def draft_from_metadata(
    text: str, meta: dict[str, Any]
) -> tuple[DocumentDraft, str | None, str | None]:
    """A document draft from a record's metadata; also its annotator and status if given."""
    fields: dict[str, str] = {}
    for key in DOC_FIELDS:
        value = meta.get(key)
        if (
            value is not None
            and not isinstance(value, bool)
            and isinstance(value, str | int | float)
        ):
            fields[key] = str(value)
    rest = {k: v for k, v in meta.items() if k not in DOC_FIELDS and k not in CONSUMED}
    nested = rest.pop("meta", None)
    if isinstance(nested, dict):
        rest = {**nested, **rest}
    elif nested is not None:
        rest["meta"] = nested
    annotator = meta.get("annotator")
    status = meta.get("status")
    if status is not None and (not isinstance(status, str) or status not in _STATUSES):
        raise LineProblem(f"unknown status {status!r}")
    return (
        DocumentDraft(text=text, meta=rest, **fields),
        annotator if isinstance(annotator, str) and annotator.strip() else None,
        status,
    )


def finish_layer(layer: LayerDraft, name: str | None) -> list[LayerDraft]:
    """The record's layer; none for a record without spans and without an annotator."""
    if name:
        check_name(name, "annotator")
        return [layer]
    if layer.spans or layer.relations or layer.document_labels:
        raise LineProblem("no annotator named: use --as NAME to say whose layer this is")
    return []
