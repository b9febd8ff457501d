"""The quotes export: a row per quote and claim with its speaker's entity."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from annotator.core.schema import LabelSchema
from annotator.io.formats import quotes
from annotator.io.formats.common import ExportContext
from annotator.io.project import load_schema_file
from tests.io.split_cases import ENTITY, FIRST, SECOND, TEXT, document, layer, span


def news() -> LabelSchema:
    schema, _ = load_schema_file("news")
    return schema


def written(tmp_path: Path, name: str, **kwargs: object) -> tuple[Path, ExportContext]:
    claim = span(5, "Claim", 41, 53)  # "Blinken left": a claim without a claimant
    bob = layer("bob")
    bob.spans.append(claim)
    ctx = ExportContext(news())
    target = tmp_path / name
    quotes.export([document(layer(), bob)], target, ctx, **kwargs)  # type: ignore[arg-type]
    return target, ctx


def test_a_row_per_quote_and_claim_with_speaker_entity_pieces_and_attributes(
    tmp_path: Path,
) -> None:
    target, ctx = written(tmp_path, "q.csv")
    with target.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == quotes.COLUMNS
    assert [(r["annotator"], r["kind"], r["label"]) for r in rows] == [
        ("ana", "quote", "Quote"),
        ("bob", "quote", "Quote"),
        ("bob", "claim", "Claim"),
    ]
    quote = rows[0]
    assert quote["text"] == "We will win … and soon"
    assert json.loads(quote["pieces"]) == [list(FIRST), list(SECOND)]
    assert (quote["speaker_text"], quote["entity_id"], quote["entity_name"]) == (
        "Blinken",
        str(ENTITY["id"]),
        "Antony Blinken",
    )
    assert json.loads(quote["attributes"]) == {"type": "direct"}
    assert (quote["document_id"], quote["title"], quote["status"]) == ("3", "Visit", "done")
    claim = rows[2]
    assert json.loads(claim["pieces"]) == [[41, 53]] and claim["text"] == TEXT[41:53]
    assert (claim["speaker_text"], claim["entity_id"], claim["entity_name"]) == ("", "", "")
    assert json.loads(claim["attributes"]) == {}
    assert (ctx.documents, ctx.spans, ctx.relations) == (1, 3, 2)


def test_jsonl_rows_have_the_same_columns_and_types(tmp_path: Path) -> None:
    target, _ = written(tmp_path, "q.jsonl")
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [tuple(r) for r in rows] == [quotes.COLUMNS] * 3
    for column in quotes.COLUMNS:
        assert len({type(r[column]) for r in rows}) == 1, column
    assert rows[0]["pieces"] == [list(FIRST), list(SECOND)]
    assert rows[0]["entity_id"] == str(ENTITY["id"]) and rows[2]["entity_id"] == ""


def test_the_label_filter_picks_rows_and_keeps_the_speaker(tmp_path: Path) -> None:
    target, _ = written(tmp_path, "q.jsonl", labels=frozenset({"Quote"}))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["label"], r["entity_name"]) for r in rows] == [("Quote", "Antony Blinken")] * 2


def test_pandas_loads_csv_and_jsonl_as_they_are(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    csv_path, _ = written(tmp_path, "q.csv")
    jsonl_path, _ = written(tmp_path, "q.jsonl")
    frame = pd.read_csv(csv_path)
    lines = pd.read_json(jsonl_path, lines=True)
    assert list(frame.columns) == list(lines.columns) == list(quotes.COLUMNS)
    assert len(frame) == len(lines) == 3
    assert list(lines["entity_name"]) == ["Antony Blinken", "Antony Blinken", ""]
    assert list(frame["kind"]) == ["quote", "quote", "claim"]
