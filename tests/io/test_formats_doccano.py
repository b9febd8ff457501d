"""doccano JSONL: both forms out, the shared real files in, round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from annotator.core.dataset import ExportFilter
from tests.io.test_formats_common import (
    TEXTS,
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "doccano"


def test_real_doccano_files_import(tmp_path: Path) -> None:
    _, db, report = import_into(tmp_path / "p", "doccano", [FIXTURES], as_name="dc")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert report.problems == []
    google = snap["Google was founded on September 4, 1998, by Larry Page and Sergey Brin."]
    _status, spans, relations = google["layers"]["dc"]
    assert sorted(s[:4] for s in spans) == [
        ("DATE", 22, 39, "September 4, 1998"),
        ("ORG", 0, 6, "Google"),
        ("PERSON", 44, 54, "Larry Page"),
        ("PERSON", 59, 70, "Sergey Brin"),
    ]
    assert relations == [
        ("foundedAt", ("ORG", 0, 6), ("DATE", 22, 39)),
        ("foundedBy", ("ORG", 0, 6), ("PERSON", 44, 54)),
        ("foundedBy", ("ORG", 0, 6), ("PERSON", 59, 70)),
    ]
    assert [s[:4] for s in snap["President Obama"]["layers"]["dc"][1]] == [
        ("PERSON", 10, 15, "Obama")
    ]
    # The repeated span of overlapping_duplicate.jsonl is stored once; the metadata is kept.
    example = snap["exampleA"]
    assert [s[:3] for s in example["layers"]["dc"][1]] == [("LOC", 0, 1)]
    assert example["meta"] == {"wikiPageID": 1}
    assert report.duplicate_spans == 1


def test_label_form_round_trip(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(
            project,
            db,
            "doccano",
            tmp_path / "out.jsonl",
            filter=ExportFilter(annotators=frozenset({"bob"})),
        )
    finally:
        db.close()
    lines = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert all("label" in x and "entities" not in x for x in lines)
    assert all(x["text"][s:e] for x in lines for s, e, _ in x["label"])
    _, db2, report = import_into(tmp_path / "q", "doccano", [out])  # names come from the lines
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    for text, doc in after.items():
        assert doc["layers"]["bob"] == before[text]["layers"]["bob"]
        assert doc["title"] == before[text]["title"] and doc["url"] == before[text]["url"]


def test_relation_form_round_trip(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(
            project,
            db,
            "doccano",
            tmp_path / "out.jsonl",
            filter=ExportFilter(annotators=frozenset({"alice"})),
        )
    finally:
        db.close()
    line = orjson.loads(out.read_bytes().splitlines()[0])
    assert set(line) >= {"text", "entities", "relations"}
    assert line["relations"][0]["type"] == "speaker"
    ids = {e["id"] for e in line["entities"]}
    assert {line["relations"][0]["from_id"], line["relations"][0]["to_id"]} <= ids
    _, db2, _ = import_into(tmp_path / "q", "doccano", [out], as_name="alice")
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    for text, doc in after.items():
        want = before[text]["layers"]["alice"]
        got = doc["layers"]["alice"]
        assert [s[:4] for s in got[1]] == [s[:4] for s in want[1]]
        assert got[2] == want[2]


def test_bad_lines_are_refused_and_the_rest_goes_in(tmp_path: Path) -> None:
    lines = [
        {"text": "Alice and Bob", "label": [[0, 5, "Person"]]},
        {"text": "Outside span", "label": [[0, 50, "Person"]]},
        {"text": "Backwards span", "label": [[5, 2, "Person"]]},
        {"text": "Label number", "label": [[0, 5, 7]]},
        {"text": "Classification", "label": ["positive"]},
        {"text": "Fine again", "label": [[0, 4, "Person"]]},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    _, db, report = import_into(tmp_path / "p", "doccano", [path], as_name="x")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert [p.line for p in report.problems] == [2, 3, 4, 5]
    reasons = [p.message for p in report.problems]
    assert "outside the text" in reasons[0]
    assert "ends before it starts" in reasons[1]
    assert "not a string" in reasons[2]
    assert "categories" in reasons[3]
    assert set(snap) == {"Alice and Bob", "Fine again"}
    assert report.exit_code == 1


def test_predictions_attach_to_documents_already_in_the_project(tmp_path: Path) -> None:
    """Model output for articles the project has: same text, so the spans go on them."""
    from annotator.io.formats.api import run_import
    from annotator.io.formats.importing import ImportContext

    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        text = TEXTS[2]
        path = tmp_path / "preds.jsonl"
        path.write_text(json.dumps({"text": text, "label": [[0, 2, "Other"]]}) + "\n")
        report = run_import(project, db, "doccano", [path], ImportContext(as_name="model"))
        again = run_import(project, db, "doccano", [path], ImportContext(as_name="model"))
        snap = snapshot(db)
    finally:
        db.close()
    assert (report.documents_added, report.documents_existing, report.spans) == (0, 1, 1)
    assert (again.spans, again.duplicate_spans) == (0, 1)
    assert len(snap) == 3
    assert [s[:4] for s in snap[text]["layers"]["model"][1]] == [("Other", 0, 2, "No")]
    assert snap[text]["layers"]["model"][0] == "in_progress"


def test_records_are_stored_in_batches(tmp_path: Path, monkeypatch: Any) -> None:
    """One transaction per batch; the input is streamed, not held whole."""
    from annotator.io import labeled_import
    from annotator.io.formats import api as importing

    calls: list[int] = []
    real = importing.insert_annotated

    def counting(session: Any, batch: Any, **kwargs: Any) -> Any:
        calls.append(len(batch))
        return real(session, batch, **kwargs)

    monkeypatch.setattr(labeled_import, "BATCH_DOCUMENTS", 2)
    monkeypatch.setattr(importing, "insert_annotated", counting)
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(
            json.dumps({"text": f"Text number {n}", "label": [[0, 4, "Other"]]}) + "\n"
            for n in range(5)
        )
    )
    _, db, report = import_into(tmp_path / "p", "doccano", [path], as_name="m")
    db.close()
    assert calls == [2, 2, 1]
    assert (report.records, report.spans, report.documents_added) == (5, 5, 5)
