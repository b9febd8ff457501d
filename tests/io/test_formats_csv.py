"""CSV: one row per span with its sentence."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.io.test_formats_common import export_to, new_project, populate, snapshot


def test_one_row_per_span_with_its_sentence(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        snap = snapshot(db)
        out = export_to(project, db, "csv", tmp_path / "o.csv", offsets="utf16")
    finally:
        db.close()
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = sum(len(lay[1]) for doc in snap.values() for lay in doc["layers"].values())
    assert len(rows) == total
    texts = {doc["title"]: text for text, doc in snap.items()}
    for row in rows:
        text = texts[row["title"]]
        units = text.encode("utf-16-le")
        start, end = int(row["start"]), int(row["end"])
        assert units[2 * start : 2 * end].decode("utf-16-le") == row["text"]
        assert row["text"] in row["sentence"] and row["sentence"] in text
    madrid = next(r for r in rows if r["text"] == "Madrid")
    assert madrid["sentence"] == "The ministry in Madrid denied it."
    person = next(r for r in rows if r["annotator"] == "alice" and r["label"] == "Person")
    assert person["attributes"] == '{"x":"y"}'
