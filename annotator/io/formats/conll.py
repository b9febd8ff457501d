"""CoNLL: one token per line with its BIO tag, for entity labels.

``-DOCSTART- O`` opens each document (one per document and annotator), a
blank line ends each sentence. Tokens are words and punctuation, split also at
span boundaries, so a tag never covers part of a token; otherwise a token
never splits a grapheme cluster (a letter and its combining marks, an emoji
sequence).

Overlapping spans cannot both be tagged. They are resolved the same way every
time: spans are taken in order of start, the longer first when two start
together (then the lower id); a span that overlaps one already taken is left
out. So the outermost, earliest span wins, and nested spans are dropped. The
export says how many spans were left out.

A span in pieces is tagged as a span per piece, each starting with ``B-``
(so a reader sees separate entities); entities and document labels have no
place and are left out and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from annotator.core.dataset import ExportDocument, Layer, SpanRow
from annotator.io.formats.common import (
    ExportContext,
    atomic_file,
    count_left_out,
    sentence_bounds,
    spans_in_pieces,
    tokenize,
)

SUFFIX = ".conll"
DOCSTART = "-DOCSTART- O"


def resolve_overlaps(spans: Iterable[SpanRow]) -> tuple[list[SpanRow], int]:
    """Non-overlapping spans (earliest start wins, then the longest); and how many were dropped."""
    kept: list[SpanRow] = []
    dropped = 0
    reach = -1
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"], s["id"])):
        if span["start"] < reach:
            dropped += 1
            continue
        kept.append(span)
        reach = span["end"]
    return kept, dropped


def _tag_name(label: str) -> str:
    return re.sub(r"\s+", "_", label)


def document_lines(text: str, spans: list[SpanRow]) -> list[str]:
    """The token lines of one document (without -DOCSTART-), sentences separated by ''."""
    breaks = {s["start"] for s in spans} | {s["end"] for s in spans}
    tokens = tokenize(text, breaks)
    sentences = sentence_bounds(text, [(s["start"], s["end"]) for s in spans])
    lines: list[str] = []
    si = 0
    k = 0
    tagged = -1
    for start, end in tokens:
        while si < len(sentences) and start >= sentences[si][1]:
            si += 1
            if lines and lines[-1] != "":
                lines.append("")
        while k < len(spans) and spans[k]["end"] <= start:
            k += 1
        if k < len(spans) and spans[k]["start"] <= start < spans[k]["end"]:
            # B on the span's first token (which may start after leading spaces).
            prefix = "I" if k == tagged else "B"
            tagged = k
            tag = f"{prefix}-{_tag_name(spans[k]['label'])}"
        else:
            tag = "O"
        lines.append(f"{text[start:end]} {tag}")
    if lines and lines[-1] != "":
        lines.append("")
    return lines


def export(docs: Iterable[ExportDocument], target: Path, ctx: ExportContext) -> None:
    dropped_total = 0
    not_entities: set[str] = set()
    with atomic_file(target, "w") as out:
        for doc in docs:
            ctx.documents += 1
            layers: list[Layer | None] = list(doc.layers) or [None]
            for layer in layers:
                spans = []
                for s in layer.spans if layer is not None else []:
                    label = ctx.schema.label(s["label"])
                    if label is None or label.kind == "entity":
                        spans.append(s)
                    else:
                        not_entities.add(s["label"])
                count_left_out(layer, ctx, spans)
                kept, dropped = resolve_overlaps(spans_in_pieces(spans, doc.text, ctx))
                dropped_total += dropped
                ctx.spans += len(kept)
                out.write(DOCSTART + "\n\n")
                out.write("\n".join(document_lines(doc.text, kept)))
                out.write("\n")
    if dropped_total:
        ctx.warnings.append(
            f"{dropped_total} overlapping span(s) left out of the CoNLL file "
            "(the earliest, longest span wins; see docs/formats.md)"
        )
    if not_entities:
        ctx.warnings.append(
            "labels that are not entities were left out: " + ", ".join(sorted(not_entities))
        )
