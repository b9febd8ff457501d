"""Who said what: one row per quote and per claim, with its speaker or claimant.

A label whose kind is ``quote`` or ``claim`` in the schema makes a row; its
speaker (or claimant) is the target of the first relation from it of a type
the schema declares from that label (``speaker`` from Quote, ``claimant``
from Claim), and the entity is that mention's. CSV, or JSON lines when the
target ends in ``.jsonl``; every row has the same columns with the same
types, so pandas reads either as it is (docs/formats.md, "Quotes and claims").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import EntityRow, ExportDocument, Layer, SpanRow
from annotator.core.pieces import pieces_of
from annotator.core.schema import LabelSchema
from annotator.io.formats.common import GZIP_SUFFIX, ExportContext, atomic_file

SUFFIX = ".csv"
JSONL_SUFFIX = ".jsonl"
ROW_KINDS = ("quote", "claim")
COLUMNS = (
    "document_id",
    "title",
    "annotator",
    "status",
    "span_id",
    "kind",
    "label",
    "start",
    "end",
    "text",
    "pieces",
    "speaker_text",
    "entity_id",
    "entity_name",
    "attributes",
)
"""``pieces`` is ``[[start, end], ...]`` (one pair for a span in one piece);
``speaker_text``, ``entity_id`` and ``entity_name`` are empty text when there
is no speaker or no entity; ``attributes`` is an object."""


def attribution_types(schema: LabelSchema) -> dict[str, tuple[str, ...]]:
    """Label name -> the relation types that name its speaker or claimant, for
    the labels whose rows this format writes."""
    kinds = {lab.name for lab in schema.labels if lab.kind in ROW_KINDS}
    return {
        name: tuple(rel.name for rel in schema.relations if name in rel.sources) for name in kinds
    }


def layer_rows(
    doc: ExportDocument,
    layer: Layer,
    schema: LabelSchema,
    entities: dict[int, EntityRow],
    labels: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """The layer's quotes and claims (only ``labels`` when given), as rows."""
    types = attribution_types(schema)
    spans = {s["id"]: s for s in layer.spans}
    speaker_of: dict[int, SpanRow] = {}
    for r in layer.relations:
        source = spans.get(r["source_id"])
        target = spans.get(r["target_id"])
        if source is None or target is None or source["id"] in speaker_of:
            continue
        if r["type"] in types.get(source["label"], ()):
            speaker_of[source["id"]] = target
    rows = []
    for s in layer.spans:
        label = schema.label(s["label"])
        if label is None or label.kind not in ROW_KINDS:
            continue
        if labels is not None and s["label"] not in labels:
            continue
        speaker = speaker_of.get(s["id"])
        entity = entities.get(speaker["entity"]) if speaker and "entity" in speaker else None
        rows.append(
            {
                "document_id": doc.id,
                "title": doc.title,
                "annotator": layer.annotator,
                "status": layer.status,
                "span_id": s["id"],
                "kind": label.kind,
                "label": s["label"],
                "start": s["start"],
                "end": s["end"],
                "text": s["text"],
                "pieces": [list(p) for p in pieces_of(s["start"], s["end"], s.get("fragments"))],
                "speaker_text": speaker["text"] if speaker else "",
                "entity_id": str(entity["id"]) if entity else "",
                "entity_name": entity["name"] if entity else "",
                "attributes": s["attributes"],
            }
        )
    return rows


def export(
    docs: Iterable[ExportDocument],
    target: Path,
    ctx: ExportContext,
    *,
    labels: frozenset[str] | None = None,
) -> None:
    """Write the rows; ``labels`` keeps only those labels' rows (the speakers'
    spans are read whatever their label, so a label filter keeps them)."""
    as_jsonl = target.name.lower().removesuffix(GZIP_SUFFIX).endswith(JSONL_SUFFIX)
    with atomic_file(target, "wb" if as_jsonl else "w") as out:
        writer = None if as_jsonl else csv.writer(out)
        if writer is not None:
            writer.writerow(COLUMNS)
        for doc in docs:
            ctx.documents += 1
            entities = {e["id"]: e for e in doc.entities}
            for layer in doc.layers:
                for row in layer_rows(doc, layer, ctx.schema, entities, labels):
                    ctx.spans += 1
                    ctx.relations += 1 if row["speaker_text"] else 0
                    if writer is None:
                        out.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
                    else:
                        row["pieces"] = orjson.dumps(row["pieces"]).decode()
                        row["attributes"] = orjson.dumps(row["attributes"]).decode()
                        writer.writerow([row[c] for c in COLUMNS])
