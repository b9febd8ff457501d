"""Parquet: columns for pandas, Hugging Face ``datasets``, DuckDB and Spark.

By document (the default): one row per document and annotator's layer (a
document nobody annotated has one row with an empty annotator): ``document_id``,
``title``, ``source``, ``url``, ``date``, ``meta`` (JSON), ``text``,
``annotator``, ``status``, ``spans`` (a list of structs: ``id``, ``start``,
``end``, ``label``, ``text``, ``attributes`` as JSON text, ``note``) and
``relations`` (``id``, ``type``, ``source_id``, ``target_id``) and
``document_labels`` (JSON text as in native JSONL: ``{name: value or [values]}``,
empty when there are none).

By span (``--rows span``): one row per span: ``document_id``, ``title``,
``annotator``, ``status``, ``span_id``, ``label``, ``start``, ``end``,
``text``, ``attributes`` (JSON), ``note``.

A span in pieces is a span (or row) per piece, each with the span's id;
entities, and document labels in span rows, are left out and counted.

Rows are written in row groups as they come (:class:`pyarrow.parquet.ParquetWriter`),
so memory holds one group whatever the size of the export. Offsets are code
points into ``text``. Needs pyarrow (``pip install 'annotator[parquet]'``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import ExportDocument, Layer
from annotator.core.errors import InputProblem
from annotator.core.formats import PARQUET_ROWS
from annotator.io.formats.common import (
    ExportContext,
    atomic_file,
    count_left_out,
    spans_in_pieces,
)

SUFFIX = ".parquet"
ROWS = PARQUET_ROWS
GROUP_ROWS = 2000
"""A row group ends after this many rows, or :data:`GROUP_SPANS` spans."""
GROUP_SPANS = 100_000


def _pyarrow(target: Path) -> Any:
    try:
        import pyarrow
        import pyarrow.parquet  # the writer, not loaded with the package
    except ImportError:
        raise InputProblem(
            target,
            "the parquet format needs pyarrow: pip install 'annotator[parquet]' "
            "(or pip install pyarrow); nothing was written",
        ) from None
    return pyarrow


def _json(value: Any) -> str:
    return orjson.dumps(value).decode() if value else ""


def document_schema(pa: Any) -> Any:
    span = pa.struct(
        [
            ("id", pa.int64()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("label", pa.string()),
            ("text", pa.string()),
            ("attributes", pa.string()),
            ("note", pa.string()),
        ]
    )
    relation = pa.struct(
        [
            ("id", pa.int64()),
            ("type", pa.string()),
            ("source_id", pa.int64()),
            ("target_id", pa.int64()),
        ]
    )
    return pa.schema(
        [
            ("document_id", pa.int64()),
            ("title", pa.string()),
            ("source", pa.string()),
            ("url", pa.string()),
            ("date", pa.string()),
            ("meta", pa.string()),
            ("text", pa.string()),
            ("annotator", pa.string()),
            ("status", pa.string()),
            ("spans", pa.list_(span)),
            ("relations", pa.list_(relation)),
            ("document_labels", pa.string()),
        ]
    )


def span_schema(pa: Any) -> Any:
    return pa.schema(
        [
            ("document_id", pa.int64()),
            ("title", pa.string()),
            ("annotator", pa.string()),
            ("status", pa.string()),
            ("span_id", pa.int64()),
            ("label", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("attributes", pa.string()),
            ("note", pa.string()),
        ]
    )


def _document_rows(doc: ExportDocument, ctx: ExportContext) -> list[dict[str, Any]]:
    layers: list[Layer | None] = list(doc.layers) or [None]
    meta = _json(doc.meta)
    rows = []
    for layer in layers:
        count_left_out(layer, ctx, document_labels=False)
        spans = spans_in_pieces(layer.spans, doc.text, ctx) if layer is not None else []
        relations = layer.relations if layer is not None else []
        ctx.spans += len(spans)
        ctx.relations += len(relations)
        rows.append(
            {
                "document_id": doc.id,
                "title": doc.title,
                "source": doc.source,
                "url": doc.url,
                "date": doc.date,
                "meta": meta,
                "text": doc.text,
                "annotator": layer.annotator if layer is not None else "",
                "status": layer.status if layer is not None else "",
                "spans": [
                    {
                        "id": s["id"],
                        "start": s["start"],
                        "end": s["end"],
                        "label": s["label"],
                        "text": s["text"],
                        "attributes": _json(s["attributes"]),
                        "note": s["note"],
                    }
                    for s in spans
                ],
                "relations": [
                    {
                        "id": r["id"],
                        "type": r["type"],
                        "source_id": r["source_id"],
                        "target_id": r["target_id"],
                    }
                    for r in relations
                ],
                "document_labels": _json(layer.document_labels) if layer is not None else "",
            }
        )
    return rows


def _span_rows(doc: ExportDocument, ctx: ExportContext) -> list[dict[str, Any]]:
    rows = []
    for layer in doc.layers:
        count_left_out(layer, ctx)
        spans = spans_in_pieces(layer.spans, doc.text, ctx)
        ctx.spans += len(spans)
        for s in spans:
            rows.append(
                {
                    "document_id": doc.id,
                    "title": doc.title,
                    "annotator": layer.annotator,
                    "status": layer.status,
                    "span_id": s["id"],
                    "label": s["label"],
                    "start": s["start"],
                    "end": s["end"],
                    "text": s["text"],
                    "attributes": _json(s["attributes"]),
                    "note": s["note"],
                }
            )
    return rows


def export(
    docs: Iterable[ExportDocument], target: Path, ctx: ExportContext, *, rows: str = "document"
) -> None:
    if rows not in ROWS:
        raise InputProblem(target, f"--rows must be one of {', '.join(ROWS)}")
    pa = _pyarrow(target)
    import pyarrow.parquet as pq

    schema = document_schema(pa) if rows == "document" else span_schema(pa)
    make_rows = _document_rows if rows == "document" else _span_rows
    with atomic_file(target) as out, pq.ParquetWriter(out, schema) as writer:
        batch: list[dict[str, Any]] = []
        spans_before = ctx.spans

        def flush() -> None:
            nonlocal batch, spans_before
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            batch, spans_before = [], ctx.spans

        for doc in docs:
            ctx.documents += 1
            batch.extend(make_rows(doc, ctx))
            if len(batch) >= GROUP_ROWS or ctx.spans - spans_before >= GROUP_SPANS:
                flush()
        flush()
