"""Prodigy JSONL: tokens aligned with spans, relations, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.dataset import ExportFilter
from tests.io.test_formats_common import export_to, import_into, new_project, populate, snapshot


def test_round_trip(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(project, db, "prodigy", tmp_path / "out.jsonl")
    finally:
        db.close()
    records = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    for rec in records:
        assert rec["answer"] == "accept"
        tokens = rec["tokens"]
        for span in rec["spans"]:
            assert rec["text"][span["start"] : span["end"]] == span["text"]
            first, last = tokens[span["token_start"]], tokens[span["token_end"]]
            assert (first["start"], last["end"]) == (span["start"], span["end"])
        for rel in rec["relations"]:
            assert rel["head"] == rel["head_span"]["token_end"]
    _, db2, report = import_into(tmp_path / "q", "prodigy", [out], reviewer="rita")
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    for text, doc in after.items():
        for name, layer in doc["layers"].items():
            want = before[text]["layers"][name]
            assert [s[:4] for s in layer[1]] == [s[:4] for s in want[1]]
            assert layer[2] == want[2] and layer[0] == want[0]


def test_rejected_answers_are_skipped_and_bad_spans_refused(tmp_path: Path) -> None:
    lines = [
        {
            "text": "Alice met Bob.",
            "spans": [{"start": 0, "end": 5, "label": "Person", "text": "Alice"}],
            "answer": "accept",
        },
        {"text": "Rejected text", "spans": [], "answer": "reject"},
        {
            "text": "Wrong surface",
            "spans": [{"start": 0, "end": 5, "label": "Person", "text": "Right"}],
        },
        {
            "text": "Alice met Bob.",
            "spans": [{"start": 10, "end": 13, "label": "Person"}],
            "relations": [
                {
                    "label": "speaker",
                    "head_span": {"start": 0, "end": 5, "label": "Quote"},
                    "child_span": {"start": 10, "end": 13, "label": "Person"},
                }
            ],
            "meta": {"annotator": "carol", "title": "T"},
        },
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    _, db, report = import_into(tmp_path / "p", "prodigy", [path], as_name="model")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert report.skipped == 1
    assert [(p.line, "does not match" in p.message) for p in report.problems] == [(3, True)]
    spans = snap["Alice met Bob."]["layers"]["model"]
    assert [s[:3] for s in spans[1]] == [("Person", 0, 5), ("Person", 10, 13), ("Quote", 0, 5)]
    assert spans[2] == [("speaker", ("Quote", 0, 5), ("Person", 10, 13))]


def test_blank_documents_have_tokens_and_no_spans(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = export_to(
            project,
            db,
            "prodigy",
            tmp_path / "o.jsonl",
            filter=ExportFilter(document_ids=frozenset({3})),
        )
    finally:
        db.close()
    (rec,) = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert rec["spans"] == [] and len(rec["tokens"]) == 7
    assert "annotator" not in rec["meta"]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_spans_round_trip_with_aligned_tokens(data: st.DataObject) -> None:
    import tempfile

    from annotator.core.dataset import ExportDocument, Layer, SpanRow
    from annotator.core.schema import LabelSchema
    from annotator.io.formats import prodigy
    from annotator.io.formats.common import ExportContext
    from annotator.io.formats.importing import ImportContext
    from tests.io.test_formats_common import PIECES

    text = "".join(data.draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30)))
    text = text.replace("\r", "")
    assume(text.strip() != "")
    spans: list[SpanRow] = []
    for n in range(data.draw(st.integers(0, 5))):
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
        spans.append(
            SpanRow(
                id=n + 1, start=start, end=end, label="L", text=text[start:end], attributes={},
                note="", created_at="", updated_at="", version=1,
            )
        )  # fmt: skip
    doc = ExportDocument(1, "t", "", "", "", {}, text, [Layer("a", "done", spans, [])])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.jsonl"
        prodigy.export([doc], out, ExportContext(LabelSchema(labels=())))
        (record,) = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    for s in record["spans"]:
        if s["text"].strip():
            first, last = record["tokens"][s["token_start"]], record["tokens"][s["token_end"]]
            assert first["start"] >= s["start"] and last["end"] <= s["end"]
    item = prodigy.record_to_draft(record, ImportContext())
    assert item is not None
    got = sorted((s.start, s.end) for lay in item.layers for s in lay.spans)
    assert got == sorted({(s["start"], s["end"]) for s in spans})
