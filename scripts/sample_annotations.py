"""Writes projects/sample/annotations.jsonl: the sample project's example layer.

The sample project's database is built from its articles on first open
(``seed: articles``), then this native JSONL file is imported into it
(``seed_annotations``): one annotator, ``example``, with a quote split by its
attribution, an entity with several mentions, speaker links and document
labels, so a first look at the program shows what it keeps.

Spans are written here as phrases and found in the article text as the
importer stores it, so the offsets cannot drift from the articles. Run it
after changing an article or the phrases:

    .venv/bin/python scripts/sample_annotations.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotator.io.readers import reader_for

SAMPLE = Path(__file__).resolve().parent.parent / "projects" / "sample"
ANNOTATOR = "example"


@dataclass
class Span:
    label: str
    phrases: tuple[str, ...]
    """One phrase, or the pieces of a split span, each found after the one before."""
    after: str = ""
    """Found after this text (to pick one occurrence of a repeated phrase)."""
    entity: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    speaker: str = ""
    """The key of the span this quote or claim is linked to (``key``)."""
    key: str = ""


@dataclass
class Article:
    file: str
    spans: list[Span]
    document_labels: dict[str, Any]


ENTITIES: dict[str, dict[str, Any]] = {
    "blinken": {
        "name": "Antony Blinken",
        "label": "Person",
        "external_id": "",
        "aliases": ["Blinken", "Secretary Antony Blinken"],
    },
    "kazakhstan": {
        "name": "Kazakhstan",
        "label": "Location",
        "external_id": "Q232",
        "aliases": [],
    },
    "gazzetta": {
        "name": "La Gazzetta dello Sport",
        "label": "Organization",
        "external_id": "",
        "aliases": ["el diario milanés"],
    },
    "annan": {
        "name": "Kofi Annan",
        "label": "Person",
        "external_id": "",
        "aliases": ["Annan"],
    },
}

ARTICLES = [
    Article(
        "blinken-central-asia.md",
        [
            Span("Person", ("Antony Blinken",), after="US Secretary of State ", entity="blinken"),
            Span("Person", ("Blinken",), after="invasion of Ukraine.\n\n", entity="blinken"),
            Span("Location", ("Kazakhstan",), after="capitals of ", entity="kazakhstan"),
            Span("Person", ("Antony Blinken",), after="— Secretary ", entity="blinken"),
            Span(
                "Person",
                ("Blinken",),
                after="In Astana on Tuesday, ",
                entity="blinken",
                key="blinken-told",
            ),
            Span("Person", ("Mukhtar Tileuberdi",)),
            Span(
                "Claim",
                (
                    "Washington supports the sovereignty, independence and territorial integrity "
                    "of Kazakhstan",
                ),
                attributes={"checkworthy": "no"},
                speaker="blinken-told",
            ),
            Span(
                "Quote",
                (
                    "“Sometimes we just say those words, but they actually have real meaning "
                    "and of course we know in this particular time they have even more "
                    "resonance than usual,”",
                ),
                attributes={"type": "direct"},
                speaker="blinken-said",
            ),
            Span(
                "Person", ("Blinken",), after="than usual,” ", entity="blinken", key="blinken-said"
            ),
            Span("Person", ("Kassym-Jomart Tokayev",)),
            Span("Person", ("Vladimir Putin",)),
            Span(
                "Claim",
                ("Russia and Kazakhstan share the world’s longest continuous land border",),
                attributes={"checkworthy": "yes"},
            ),
            Span("Location", ("Kazakhstan",), after="Russia and ", entity="kazakhstan"),
        ],
        {"topic": "diplomacy", "checkworthy": "yes", "regions": ["Central Asia"]},
    ),
    Article(
        "conll2002-esp.train-doc-46.txt",
        [
            Span("Person", ("Kofi Annan",), entity="annan"),
            Span("Person", ("Annan",), after="agregó ", entity="annan", key="annan"),
            Span(
                "Quote",
                (
                    '"Estaban haciendo lo que cualquier otro periodista hace alrededor del mundo : '
                    'arriesgándose para que nosotros podamos estar informados"',
                ),
                attributes={"type": "direct"},
                speaker="annan",
            ),
            Span(
                "Organization",
                ("La Gazzetta dello Sport",),
                after='es el titular de "',
                entity="gazzetta",
            ),
            Span("Organization", ("el diario milanés",), entity="gazzetta", key="milanes"),
            # One quote in two pieces, interrupted by the newspaper's own words.
            Span(
                "Quote",
                ('"más experto"', '"que se impuso a un Valencia que balbuceó"'),
                after="salió premiado el equipo ",
                attributes={"type": "partial"},
                speaker="milanes",
            ),
            Span(
                "Organization",
                ("La Gazzetta dello Sport",),
                after='juego de Raul, "',
                entity="gazzetta",
            ),
        ],
        {"topic": "conflict", "checkworthy": "no", "regions": ["Africa", "Europe"]},
    ),
]


def stored_document(path: Path) -> Any:
    reader = reader_for(path)
    if reader is None:
        raise SystemExit(f"{path}: no reader for this kind of file")
    result = reader(path, path.read_bytes(), path.name)
    if result.problems or len(result.drafts) != 1:
        raise SystemExit(f"{path}: not one readable article")
    return result.drafts[0]


def find(text: str, phrase: str, start: int, where: str) -> int:
    found = text.find(phrase, start)
    if found < 0:
        raise SystemExit(f"{where}: {phrase!r} is not in the article")
    return found


def record(article: Article) -> dict[str, Any]:
    path = SAMPLE / "articles" / article.file
    doc = stored_document(path)
    text = doc.text
    spans: list[dict[str, Any]] = []
    relations: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    used: list[str] = []
    for number, span in enumerate(article.spans, start=1):
        position = find(text, span.after, 0, article.file) + len(span.after) if span.after else 0
        pieces = []
        for phrase in span.phrases:
            position = find(text, phrase, position, article.file)
            pieces.append([position, position + len(phrase)])
            position += len(phrase)
        item: dict[str, Any] = {
            "id": number,
            "start": pieces[0][0],
            "end": pieces[-1][1],
            "label": span.label,
            "text": " … ".join(text[a:b] for a, b in pieces),
            "attributes": span.attributes,
        }
        if len(pieces) > 1:
            item["fragments"] = pieces
        if span.entity:
            item["entity"] = list(ENTITIES).index(span.entity) + 1
            if span.entity not in used:
                used.append(span.entity)
        spans.append(item)
        if span.key:
            ids[span.key] = number
    for number, span in enumerate(article.spans, start=1):
        if span.speaker:
            kind = "speaker" if span.label == "Quote" else "claimant"
            relations.append(
                {
                    "id": len(relations) + 1,
                    "type": kind,
                    "source_id": number,
                    "target_id": ids[span.speaker],
                }
            )
    entities = [
        {"id": list(ENTITIES).index(key) + 1, **ENTITIES[key]}
        for key in sorted(used, key=list(ENTITIES).index)
    ]
    return {
        "title": doc.title,
        "source": doc.source,
        "text": text,
        "entities": entities,
        "annotations": [
            {
                "annotator": ANNOTATOR,
                "status": "done",
                "spans": spans,
                "relations": relations,
                "document_labels": article.document_labels,
            }
        ],
    }


def main() -> None:
    lines = [orjson.dumps(record(article)) for article in ARTICLES]
    target = SAMPLE / "annotations.jsonl"
    target.write_bytes(b"\n".join(lines) + b"\n")
    print(f"wrote {target} ({len(lines)} articles)")


if __name__ == "__main__":
    main()
