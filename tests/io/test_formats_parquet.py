"""Parquet: loaded by pandas and Hugging Face datasets as written; row groups stream."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from annotator.core.errors import InputProblem
from annotator.io.formats import parquet
from annotator.io.formats.api import ExportRequest, run_export
from tests.io.test_formats_common import (
    TEXTS,
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
)

pq = pytest.importorskip("pyarrow.parquet")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def stored_spans(row: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A row's spans in :func:`snapshot`'s shape (label, start, end, text, attributes, note)."""
    return sorted(
        (
            s["label"],
            s["start"],
            s["end"],
            s["text"],
            tuple(sorted((k, repr(v)) for k, v in json.loads(s["attributes"] or "{}").items())),
            s["note"],
        )
        for s in row["spans"]
    )


def test_pandas_and_hugging_face_load_the_document_rows(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pytest.importorskip("pandas")
        datasets = pytest.importorskip("datasets")
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(project, db, "parquet", tmp_path / "out.parquet")
    finally:
        db.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_parquet(out)
        datasets.disable_progress_bars()
        ds = datasets.load_dataset(
            "parquet", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf")
        )
    # A row per document and layer; the document nobody annotated has one, without.
    assert len(frame) == ds.num_rows == 5
    assert list(frame.columns) == list(ds.column_names) == [
        "document_id", "title", "source", "url", "date", "meta", "text",
        "annotator", "status", "spans", "relations", "document_labels",
    ]  # fmt: skip
    rows = ds.to_list()
    assert [r["text"] for r in rows] == list(frame["text"])
    for row in rows:
        if not row["annotator"]:
            assert row["text"] == TEXTS[2] and row["spans"] == [] and row["status"] == ""
            continue
        status, spans, relations = before[row["text"]]["layers"][row["annotator"]]
        assert row["status"] == status
        assert stored_spans(row) == spans
        # Offsets are code points into the text column: emoji and combining marks too.
        assert all(row["text"][s["start"] : s["end"]] == s["text"] for s in row["spans"])
        by_id = {s["id"]: s for s in row["spans"]}
        assert sorted(
            (
                r["type"],
                (by_id[r["source_id"]]["label"], by_id[r["source_id"]]["start"],
                 by_id[r["source_id"]]["end"]),
                (by_id[r["target_id"]]["label"], by_id[r["target_id"]]["start"],
                 by_id[r["target_id"]]["end"]),
            )
            for r in row["relations"]
        ) == relations  # fmt: skip
    pandas_row = frame[frame["annotator"] == "alice"].iloc[0]
    assert [s["label"] for s in pandas_row["spans"]] == [s["label"] for s in rows[0]["spans"]]


def test_span_rows(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pytest.importorskip("pandas")
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        result = run_export(
            db, project, ExportRequest(format="parquet", target=tmp_path / "s.parquet", rows="span")
        )
    finally:
        db.close()
    frame = pd.read_parquet(tmp_path / "s.parquet")
    assert list(frame.columns) == [
        "document_id", "title", "annotator", "status", "span_id", "label", "start", "end",
        "text", "attributes", "note",
    ]  # fmt: skip
    expected = sorted(
        (annotator, s[0], s[1], s[2], s[3])
        for doc in before.values()
        for annotator, (_, spans, _) in doc["layers"].items()
        for s in spans
    )
    got = sorted(
        zip(frame["annotator"], frame["label"], frame["start"], frame["end"], frame["text"],
            strict=True)
    )  # fmt: skip
    assert got == expected and result.spans == len(expected) == 9
    assert json.loads(frame[frame["label"] == "Person"]["attributes"].iloc[0] or "{}") in (
        {},
        {"x": "y"},
    )


def test_rows_are_written_in_groups_as_they_come(tmp_path: Path, monkeypatch: Any) -> None:
    """Each group is written when full, so memory holds one group, not the export."""
    monkeypatch.setattr(parquet, "GROUP_ROWS", 2)
    project, db, report = import_into(
        tmp_path / "p", "doccano", [FIXTURES / "doccano"], as_name="d"
    )
    try:
        before = snapshot(db)
        out = export_to(project, db, "parquet", tmp_path / "out.parquet")
        monkeypatch.setattr(parquet, "GROUP_SPANS", 3)
        by_span = run_export(
            db, project, ExportRequest(format="parquet", target=tmp_path / "s.parquet", rows="span")
        )
    finally:
        db.close()
    file = pq.ParquetFile(out)
    assert file.metadata.num_rows == len(before)
    assert file.num_row_groups == (len(before) + 1) // 2
    spans = pq.ParquetFile(tmp_path / "s.parquet")
    assert spans.metadata.num_rows == by_span.spans == report.spans
    assert spans.num_row_groups > 1
    assert max(spans.metadata.row_group(i).num_rows for i in range(spans.num_row_groups)) < 10


def test_missing_pyarrow_is_clear_and_writes_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        with pytest.raises(InputProblem, match=r"pip install 'annotator\[parquet\]'"):
            export_to(project, db, "parquet", tmp_path / "out.parquet")
    finally:
        db.close()
    assert list(tmp_path.glob("*parquet*")) == []
