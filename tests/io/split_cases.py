"""A document with a quote in two pieces, its speaker a mention of an entity,
and a document label: the issue 15 values format tests export."""

from __future__ import annotations

from annotator.core.dataset import EntityRow, ExportDocument, Layer, RelationRow, SpanRow
from annotator.core.pieces import PIECE_JOINER

TEXT = '"We will win," Blinken said, "and soon." Blinken left. Paris.'
FIRST = (1, 12)  # We will win
SECOND = (30, 38)  # and soon
SPEAKER = (TEXT.index("Blinken"), TEXT.index("Blinken") + 7)
AGAIN = (TEXT.index("Blinken left"), TEXT.index("Blinken left") + 7)
PARIS = (TEXT.index("Paris"), TEXT.index("Paris") + 5)
ENTITY = EntityRow(
    id=7, name="Antony Blinken", label="Person", external_id="Q4775530", aliases=["Blinken"]
)


def span(span_id: int, label: str, start: int, end: int, **extra: object) -> SpanRow:
    row = SpanRow(
        id=span_id, start=start, end=end, label=label, text=TEXT[start:end], attributes={},
        note="", created_at="", updated_at="", version=1,
    )  # fmt: skip
    row.update(extra)  # type: ignore[typeddict-item]
    return row


def split_quote() -> SpanRow:
    return span(
        1, "Quote", FIRST[0], SECOND[1], fragments=[list(FIRST), list(SECOND)],
        text=f"{TEXT[slice(*FIRST)]}{PIECE_JOINER}{TEXT[slice(*SECOND)]}",
        attributes={"type": "direct"},
    )  # fmt: skip


def layer(annotator: str = "ana") -> Layer:
    """A split quote whose speaker is a mention of ENTITY, a second mention, a
    plain Location, and a document label."""
    spans = [
        split_quote(),
        span(2, "Person", *SPEAKER, entity=ENTITY["id"]),
        span(3, "Person", *AGAIN, entity=ENTITY["id"]),
        span(4, "Location", *PARIS),
    ]
    speaker = RelationRow(id=1, type="speaker", source_id=1, target_id=2, created_at="")
    return Layer(
        annotator, status="done", spans=spans, relations=[speaker],
        document_labels={"topic": "politics"},
    )  # fmt: skip


def document(*layers: Layer) -> ExportDocument:
    return ExportDocument(
        id=3, title="Visit", source="visit.txt", url="", date="", meta={}, text=TEXT,
        layers=list(layers) or [layer()], entities=[ENTITY],
    )  # fmt: skip
