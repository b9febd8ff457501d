"""Prodigy JSONL (what ner.manual / rel.manual save, and what spaCy users convert from).

``{"text", "tokens": [{"text", "start", "end", "id", "ws"}], "spans": [{"start",
"end", "label", "token_start", "token_end", "text"}], "relations": [{"head",
"child", "head_span", "child_span", "label"}], "answer": "accept", "meta": {...}}``.
``token_end`` is inclusive, as in Prodigy. Tokens are words and punctuation,
also split at every span boundary so each span is a whole number of tokens.
Prodigy has no spans in pieces or entities: a span in pieces is a span per
piece (its links start or end at the first piece); entities are left out and
counted. Document labels are Prodigy's text classification choice (what
``textcat.manual`` saves and ``data-to-spacy`` turns into ``doc.cats``):
``"options": [{"id", "text"}]`` with every declared value of every document
label and ``"accept"`` with the layer's values, each ``NAME:VALUE``, written
when the schema declares document labels or the layer has some; the import
reads ``accept`` back.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import AnnotatedDraft, ExportDocument, LayerDraft, RelationDraft
from annotator.io.errors import InputProblem
from annotator.io.formats.common import (
    ExportContext,
    LineProblem,
    SourceText,
    atomic_file,
    category,
    check_name,
    count_left_out,
    layer_categories,
    offset_converter,
    spans_in_pieces,
    tokenize,
)
from annotator.io.formats.importing import ImportContext, categories_to_labels, read_records
from annotator.io.formats.jsonl_common import (
    doc_metadata,
    draft_from_metadata,
    finish_layer,
    layers_or_blank,
)

SUFFIX = ".jsonl"


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    option = orjson.OPT_APPEND_NEWLINE
    options = [
        _option(category(d.name, value)) for d in ctx.schema.document_labels for value in d.values
    ]
    declared = {o["id"] for o in options}
    with atomic_file(target) as out:
        for doc in docs:
            ctx.documents += 1
            text = doc.text
            convert = offset_converter(text, ctx.offsets)
            for layer in layers_or_blank(doc):
                count_left_out(layer, ctx, document_labels=False)
                spans = spans_in_pieces(layer.spans, text, ctx) if layer is not None else []
                relations = layer.relations if layer is not None else []
                breaks = {s["start"] for s in spans} | {s["end"] for s in spans}
                tokens = tokenize(text, breaks)
                starts = [start for start, _ in tokens]
                ends = [end for _, end in tokens]
                token_records = [
                    {
                        "text": text[s:e],
                        "start": convert(s),
                        "end": convert(e),
                        "id": i,
                        "ws": e < len(text) and text[e].isspace(),
                    }
                    for i, (s, e) in enumerate(tokens)
                ]
                span_records: list[dict[str, Any]] = []
                first_piece: dict[int, dict[str, Any]] = {}  # span id -> its (first) record
                for s in spans:
                    record = {
                        "start": convert(s["start"]),
                        "end": convert(s["end"]),
                        "label": s["label"],
                        "text": s["text"],
                    }
                    # The tokens inside the span (none if it is only spaces).
                    first = bisect_left(starts, s["start"])
                    last = bisect_right(ends, s["end"]) - 1
                    if first <= last:
                        record["token_start"] = first
                        record["token_end"] = last
                    span_records.append(record)
                    first_piece.setdefault(s["id"], record)
                rel_records = []
                for r in relations:
                    head, child = first_piece[r["source_id"]], first_piece[r["target_id"]]
                    rel_records.append(
                        {
                            "head": head.get("token_end", -1),
                            "child": child.get("token_end", -1),
                            "head_span": head,
                            "child_span": child,
                            "label": r["type"],
                        }
                    )
                ctx.spans += len(spans)
                ctx.relations += len(relations)
                line: dict[str, Any] = {
                    "text": text,
                    "tokens": token_records,
                    "spans": span_records,
                    "relations": rel_records,
                }
                accept = layer_categories(layer)
                if options or accept:
                    # A stored value the schema no longer declares is an option too.
                    line["options"] = options + [_option(c) for c in accept if c not in declared]
                    line["accept"] = accept
                line["answer"] = "accept"
                line["meta"] = doc_metadata(doc, layer)
                out.write(orjson.dumps(line, option=option))


def _option(name: str) -> dict[str, str]:
    """A Prodigy choice option: its ``id`` is what ``accept`` lists."""
    return {"id": name, "text": name}


def record_to_draft(record: Any, ctx: ImportContext) -> AnnotatedDraft | None:
    if not isinstance(record, dict):
        raise LineProblem("expected a JSON object")
    answer = record.get("answer", "accept")
    if answer != "accept":
        return None
    raw = record.get("text")
    if not isinstance(raw, str):
        raise LineProblem("the 'text' field is missing or not a string")
    if not raw.strip():
        raise LineProblem("'text' is empty")
    source = SourceText(raw, ctx.offsets)
    meta = record.get("meta", {})
    if not isinstance(meta, dict):
        raise LineProblem("'meta' must be an object")
    draft, annotator, status = draft_from_metadata(source.text, meta)
    name = ctx.as_name or annotator
    layer = LayerDraft(
        name or "",
        status=status,
        document_labels=categories_to_labels(record, "accept", ctx.schema),
    )
    spans = record.get("spans", [])
    if not isinstance(spans, list):
        raise LineProblem("'spans' must be a list")
    index: dict[tuple[int, int, str], int] = {}

    def add(item: Any) -> int:
        if not isinstance(item, dict):
            raise LineProblem(f"span {item!r} is not an object")
        span = source.span(item.get("start"), item.get("end"), item.get("label"), item.get("text"))
        key = (item["start"], item["end"], item["label"])
        if key not in index:
            index[key] = len(layer.spans)
            layer.spans.append(span)
        return index[key]

    for item in spans:
        add(item)
    relations = record.get("relations", [])
    if not isinstance(relations, list):
        raise LineProblem("'relations' must be a list")
    for rel in relations:
        if not isinstance(rel, dict):
            raise LineProblem(f"relation {rel!r} is not an object")
        rtype = check_name(rel.get("label"), "relation label")
        head, child = rel.get("head_span"), rel.get("child_span")
        if not isinstance(head, dict) or not isinstance(child, dict):
            raise LineProblem(f"relation {rtype} has no head_span and child_span")
        layer.relations.append(RelationDraft(rtype, add(head), add(child)))
    return AnnotatedDraft(draft, finish_layer(layer, name))


def read(path: Path, ctx: ImportContext) -> Iterator[AnnotatedDraft | InputProblem | None]:
    """Records; ``None`` for a rejected or ignored answer (skipped, not a problem)."""
    return read_records(path, ctx, record_to_draft)
