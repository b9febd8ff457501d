"""CSV: one row per span, with the sentence it sits in as context.

Columns: document_id, title, annotator, status, span_id, label, start, end,
text, sentence, attributes (JSON), note, entity_id, entity_name (empty for a
span that is no mention). UTF-8, RFC 4180 quoting. A span in pieces is a row
per piece, each with the span's id.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path

import orjson

from annotator.core.dataset import ExportDocument
from annotator.io.formats.common import (
    ExportContext,
    atomic_file,
    count_left_out,
    offset_converter,
    sentence_bounds,
    spans_in_pieces,
)

SUFFIX = ".csv"
COLUMNS = (
    "document_id",
    "title",
    "annotator",
    "status",
    "span_id",
    "label",
    "start",
    "end",
    "text",
    "sentence",
    "attributes",
    "note",
    "entity_id",
    "entity_name",
)


def sentence_of(text: str, bounds: list[tuple[int, int]], start: int, end: int) -> str:
    """The sentence(s) a span lies in: from the one holding its start to the one holding its end."""
    if not bounds:
        return text[start:end]
    starts = [b[0] for b in bounds]
    first = max(bisect_right(starts, start) - 1, 0)
    last = max(bisect_right(starts, max(end - 1, start)) - 1, first)
    return text[min(bounds[first][0], start) : max(bounds[last][1], end)]


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    with atomic_file(target, "w") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for doc in docs:
            ctx.documents += 1
            for layer in doc.layers:
                count_left_out(layer, ctx, spans=[])
            if not any(layer.spans for layer in doc.layers):
                continue
            bounds = sentence_bounds(doc.text)
            convert = offset_converter(doc.text, ctx.offsets)
            names = {e["id"]: e["name"] for e in doc.entities}
            for layer in doc.layers:
                spans = spans_in_pieces(layer.spans, doc.text, ctx)
                for s in spans:
                    entity = s.get("entity")
                    writer.writerow(
                        (
                            doc.id,
                            doc.title,
                            layer.annotator,
                            layer.status,
                            s["id"],
                            s["label"],
                            convert(s["start"]),
                            convert(s["end"]),
                            s["text"],
                            sentence_of(doc.text, bounds, s["start"], s["end"]),
                            orjson.dumps(s["attributes"]).decode() if s["attributes"] else "",
                            s["note"],
                            "" if entity is None else entity,
                            "" if entity is None else names.get(entity, ""),
                        )
                    )
                ctx.spans += len(spans)
