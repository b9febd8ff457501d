"""Formats without spans in pieces, entities or document labels: a split span
is a span per piece (links on the first), document labels are categories or
choices where the format has them, and the export counts what it flattened or
left out. See
docs/formats.md, "Split spans, entities and document labels in other formats".
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from annotator.core.dataset import AnnotatedDraft
from annotator.io.formats import (
    conll,
    csv_format,
    doccano,
    labelstudio,
    parquet,
    prodigy,
    spacy_docbin,
    webanno_tsv,
    xmi,
)
from annotator.io.formats.common import ExportContext, Flattened
from annotator.io.formats.importing import ImportContext
from tests.io.split_cases import AGAIN, ENTITY, FIRST, SECOND, SPEAKER, document, layer, span
from tests.io.test_formats_quotes import news

PIECES = [FIRST, SECOND]


def exported(module: Any, target: Path, **kwargs: Any) -> ExportContext:
    ctx = ExportContext(news())
    module.export([document()], target, ctx, **kwargs)
    return ctx


def counts(ctx: ExportContext) -> tuple[int, int, int]:
    f = ctx.flattened
    return f.split_spans, f.entity_links, f.document_labels


def test_csv_writes_a_row_per_piece_with_the_span_id_and_keeps_entities(tmp_path: Path) -> None:
    ctx = exported(csv_format, tmp_path / "s.csv")
    with (tmp_path / "s.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    quote = [r for r in rows if r["label"] == "Quote"]
    assert [(r["span_id"], int(r["start"]), int(r["end"]), r["text"]) for r in quote] == [
        ("1", *FIRST, "We will win"),
        ("1", *SECOND, "and soon"),
    ]
    mentions = [(r["text"], r["entity_id"], r["entity_name"]) for r in rows if r["entity_id"]]
    assert mentions == [("Blinken", str(ENTITY["id"]), ENTITY["name"])] * 2
    assert [r["entity_name"] for r in rows if r["label"] == "Location"] == [""]
    assert counts(ctx) == (1, 0, 1)
    assert ctx.spans == 5


def test_doccano_relation_form_gives_later_pieces_their_own_ids(tmp_path: Path) -> None:
    ctx = exported(doccano, tmp_path / "d.jsonl", relation_form=True)
    (record,) = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    quote = [e for e in record["entities"] if e["label"] == "Quote"]
    assert [(e["id"], e["start_offset"], e["end_offset"]) for e in quote] == [
        (1, *FIRST),
        (5, *SECOND),  # after the line's largest id, 4
    ]
    assert len({e["id"] for e in record["entities"]}) == len(record["entities"])
    assert [(r["from_id"], r["to_id"]) for r in record["relations"]] == [(1, 2)]
    assert record["cats"] == ["topic:politics"]
    assert counts(ctx) == (1, 2, 0)
    # doccano's own reader (this program's) takes the file back: pieces as spans.
    (draft,) = [d for d in doccano.read(tmp_path / "d.jsonl", ImportContext()) if d is not None]
    assert isinstance(draft, AnnotatedDraft)
    spans = draft.layers[0].spans
    assert [(s.start, s.end) for s in spans if s.label == "Quote"] == PIECES
    assert draft.layers[0].document_labels == {"topic": "politics"}


def test_doccano_label_form_writes_each_piece(tmp_path: Path) -> None:
    exported(doccano, tmp_path / "d.jsonl", relation_form=False)
    (record,) = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [x for x in record["label"] if x[2] == "Quote"] == [
        [*FIRST, "Quote"],
        [*SECOND, "Quote"],
    ]


def test_prodigy_links_start_at_the_first_piece(tmp_path: Path) -> None:
    ctx = exported(prodigy, tmp_path / "p.jsonl")
    (record,) = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    quote = [(s["start"], s["end"], s["text"]) for s in record["spans"] if s["label"] == "Quote"]
    assert quote == [(*FIRST, "We will win"), (*SECOND, "and soon")]
    (relation,) = record["relations"]
    assert (relation["head_span"]["start"], relation["child_span"]["start"]) == (
        FIRST[0],
        SPEAKER[0],
    )
    # The news schema declares no document labels: the stored value is the only option.
    assert record["options"] == [{"id": "topic:politics", "text": "topic:politics"}]
    assert record["accept"] == ["topic:politics"]
    assert counts(ctx) == (1, 2, 0)


def test_conll_tags_each_piece_as_its_own_entity(tmp_path: Path) -> None:
    split_person = span(
        9, "Person", SPEAKER[0], AGAIN[1], fragments=[list(SPEAKER), list(AGAIN)],
        text="Blinken … Blinken",
    )  # fmt: skip
    only = layer()
    only.spans = [only.spans[0], split_person, only.spans[3]]
    only.relations = []
    ctx = ExportContext(news())
    conll.export([document(only)], tmp_path / "n.conll", ctx)
    tagged = [line for line in (tmp_path / "n.conll").read_text().splitlines() if "Person" in line]
    assert tagged == ["Blinken B-Person", "Blinken B-Person"]
    assert counts(ctx) == (1, 0, 1)  # the quote is no entity: left out, not flattened


def test_label_studio_regions_per_piece_and_the_entity_in_meta(tmp_path: Path) -> None:
    ctx = exported(labelstudio, tmp_path / "l.json")
    (task,) = json.loads((tmp_path / "l.json").read_text())
    result = task["annotations"][0]["result"]
    regions = {r["id"]: r for r in result if r["type"] == "labels"}
    assert (regions["s1"]["value"]["start"], regions["s1-2"]["value"]["start"]) == (
        FIRST[0],
        SECOND[0],
    )
    assert regions["s2"]["meta"]["entity"] == {"id": ENTITY["id"], "name": ENTITY["name"]}
    (relation,) = [r for r in result if r["type"] == "relation"]
    assert (relation["from_id"], relation["to_id"]) == ("s1", "s2")
    (choices,) = [r for r in result if r["type"] == "choices"]
    assert (choices["from_name"], choices["to_name"], choices["value"]) == (
        "topic",
        "text",
        {"choices": ["politics"]},
    )
    assert counts(ctx) == (1, 0, 0)


@pytest.mark.parametrize("rows", ["document", "span"])
def test_parquet_pieces_share_the_span_id(tmp_path: Path, rows: str) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    ctx = exported(parquet, tmp_path / "x.parquet", rows=rows)
    table = pq.read_table(tmp_path / "x.parquet").to_pylist()
    if rows == "document":
        spans = [(s["id"], s["start"], s["end"]) for s in table[0]["spans"]]
        assert json.loads(table[0]["document_labels"]) == {"topic": "politics"}
    else:
        spans = [(r["span_id"], r["start"], r["end"]) for r in table]
    assert [s for s in spans if s[0] == 1] == [(1, *FIRST), (1, *SECOND)]
    # A span row has no place for the document's labels.
    assert counts(ctx) == (1, 2, 0 if rows == "document" else 1)


def test_spacy_pieces_share_an_id_and_mentions_name_their_entity(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    ctx = exported(spacy_docbin, tmp_path / "x.spacy")
    (sdoc,) = DocBin().from_disk(tmp_path / "x.spacy").get_docs(spacy.blank("en").vocab)
    group = sdoc.spans["sc"]
    assert [(s.start_char, s.end_char, s.id_) for s in group if s.label_ == "Quote"] == [
        (*FIRST, "1"),
        (*SECOND, "1"),
    ]
    mentions = [(s.text, s.kb_id_) for s in group if s.kb_id_]
    assert mentions == [("Blinken", ENTITY["external_id"])] * 2
    assert sdoc.cats == {"topic:politics": 1.0}
    assert counts(ctx) == (1, 0, 0)


@pytest.mark.parametrize("module", [xmi, webanno_tsv], ids=["xmi", "webanno-tsv"])
def test_inception_formats_write_each_piece_and_link_the_first(tmp_path: Path, module: Any) -> None:
    ctx = exported(module, tmp_path / "out")
    drafts = [
        d for d in module.read(tmp_path / "out", ImportContext()) if isinstance(d, AnnotatedDraft)
    ]
    (only,) = drafts[0].layers
    quote = [(s.start, s.end) for s in only.spans if s.label == "Quote"]
    assert quote == PIECES
    (relation,) = only.relations
    source, target = only.spans[relation.source], only.spans[relation.target]
    assert ((source.start, source.end), (target.start, target.end)) == (FIRST, SPEAKER)
    assert counts(ctx) == (1, 2, 1)


def test_the_summary_names_each_count() -> None:
    assert Flattened(2, 3, 1).notes() == [
        "2 split span(s) written as one span per piece",
        "3 mention(s) written without their entity",
        "1 document label(s) left out",
    ]
    assert Flattened().notes() == []
    total = Flattened(1, 0, 0)
    total.add(Flattened(1, 2, 3))
    assert (total.split_spans, total.entity_links, total.document_labels) == (2, 2, 3)
