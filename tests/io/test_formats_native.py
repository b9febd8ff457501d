"""Native JSONL: lossless round trip, the JSON Schema, pandas and Hugging Face loading."""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from annotator.core.dataset import ExportFilter
from annotator.core.model import DocStatus
from annotator.io.formats.api import ExportMismatch, ExportRequest, run_export, run_import
from annotator.io.formats.importing import ImportContext
from annotator.paths import RESOURCES_DIR
from annotator.store.models import Span
from tests.io.test_formats_common import (
    PIECES,
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
)


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_round_trip_is_lossless(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db, times=True)
        out = export_to(project, db, "native", tmp_path / "out.jsonl")
    finally:
        db.close()
    _, db2, report = import_into(tmp_path / "q", "native", [out], reviewer="rita")
    try:
        after = snapshot(db2, times=True)
    finally:
        db2.close()
    assert report.problems == [] and report.added_labels == []
    assert after == before
    # Importing the same file again adds nothing.
    project2, db2 = tmp_path / "q", None
    from annotator.io.project import load_project

    p2 = load_project(project2)
    db2 = p2.open_database()
    try:
        again = run_import(p2, db2, "native", [out], ImportContext(reviewer="rita"))
        assert (again.spans, again.relations, again.documents_added) == (0, 0, 0)
        assert snapshot(db2, times=True) == before
    finally:
        db2.close()


def test_every_line_matches_the_json_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((RESOURCES_DIR / "native.schema.json").read_text())
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = export_to(project, db, "native", tmp_path / "out.jsonl", offsets="utf16")
    finally:
        db.close()
    lines = read_lines(out)
    assert len(lines) == 3
    for line in lines:
        jsonschema.validate(line, schema)
        for layer in line["annotations"]:
            for span in layer["spans"]:
                units = line["text"].encode("utf-16-le")
                assert (
                    units[2 * span["start"] : 2 * span["end"]].decode("utf-16-le") == span["text"]
                )


def test_each_field_has_one_type_on_every_line(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = export_to(project, db, "native", tmp_path / "out.jsonl")
    finally:
        db.close()
    kinds: dict[str, set[str]] = {}

    def walk(value: Any, path: str) -> None:
        kinds.setdefault(path, set()).add(type(value).__name__)
        if isinstance(value, list):
            for item in value:
                walk(item, path + "[]")
        elif isinstance(value, dict) and not path.endswith(("meta", "attributes")):
            for key, item in value.items():
                walk(item, f"{path}.{key}")

    for line in read_lines(out):
        walk(line, "")
    assert {p: k for p, k in kinds.items() if len(k) > 1} == {}


def test_pandas_and_hugging_face_load_it(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pytest.importorskip("pandas")
        datasets = pytest.importorskip("datasets")
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        out = export_to(project, db, "native", tmp_path / "out.jsonl")
    finally:
        db.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_json(out, lines=True)
        assert len(frame) == 3 and list(frame["text"]) == [d["text"] for d in read_lines(out)]
        datasets.disable_progress_bars()
        ds = datasets.load_dataset(
            "json", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf")
        )
    assert ds.num_rows == 3
    first = ds[0]
    alice = next(a for a in first["annotations"] if a["annotator"] == "alice")
    span = alice["spans"][0]
    assert first["text"][span["start"] : span["end"]] == span["text"]


def test_a_mismatching_span_stops_the_export(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    target = tmp_path / "out.jsonl"
    target.write_text("previous export\n")
    try:
        populate(db)
        with db.session() as s:
            span_id = s.execute(
                update(Span)
                .where(Span.label == "Location")
                .values(text="Madird")
                .returning(Span.id)
            ).scalar()
        with pytest.raises(ExportMismatch) as info:
            run_export(db, project, ExportRequest(format="native", target=target))
    finally:
        db.close()
    message = str(info.value)
    assert f"span {span_id}" in message and "Madird" in message and "document 1" in message
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_filters_combine(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        ids = populate(db)

        def export(**flt: Any) -> list[dict[str, Any]]:
            out = tmp_path / "f.jsonl"
            run_export(db, project, ExportRequest("native", out, ExportFilter(**flt)))
            return read_lines(out)

        everything = export()
        assert len(everything) == 3
        bob = export(annotators=frozenset({"bob"}))
        assert [d["id"] for d in bob] == ids[:2]
        assert {a["annotator"] for d in bob for a in d["annotations"]} == {"bob"}
        gold = export(annotators=frozenset({"gold"}))
        assert [d["id"] for d in gold] == ids[:1]
        done = export(statuses=frozenset({DocStatus.DONE.value}))
        assert [d["id"] for d in done] == [ids[1]]
        assert [a["annotator"] for a in done[0]["annotations"]] == ["bob"]
        persons = export(labels=frozenset({"Person"}))
        labels = {s["label"] for d in persons for a in d["annotations"] for s in a["spans"]}
        assert labels == {"Person"}
        # The speaker relation needs its Quote, which the label filter left out.
        assert all(not a["relations"] for d in persons for a in d["annotations"])
        quotes = export(labels=frozenset({"Person", "Quote"}), annotators=frozenset({"alice"}))
        assert [len(a["relations"]) for a in quotes[0]["annotations"]] == [1]
        one = export(document_ids=frozenset({ids[2]}))
        assert [d["id"] for d in one] == [ids[2]]
    finally:
        db.close()


def test_split_by_document_is_reproducible(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        fractions = {"train": 0.34, "dev": 0.33, "test": 0.33}
        outs = []
        for name in ("a", "b"):
            result = run_export(
                db,
                project,
                ExportRequest("native", tmp_path / name, split=fractions, seed=7),
            )
            assert sum(result.splits.values()) == 3
            outs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    finally:
        db.close()
    assert outs[0] == outs[1]
    assert sorted(outs[0]) == ["dev.jsonl", "test.jsonl", "train.jsonl"]


def test_bad_lines_are_refused_with_line_numbers(tmp_path: Path) -> None:
    good = {
        "text": "Hello world",
        "annotations": [
            {
                "annotator": "a",
                "status": "done",
                "spans": [{"id": 1, "start": 0, "end": 5, "label": "Person", "text": "Hello"}],
                "relations": [],
            }
        ],
    }
    bad_surface = json.loads(json.dumps(good))
    bad_surface["text"] = "Other text here"
    bad_surface["annotations"][0]["spans"][0]["text"] = "Hullo"
    bad_relation = json.loads(json.dumps(good))
    bad_relation["text"] = "Third text"
    bad_relation["annotations"][0]["spans"][0].update(text="Third")
    bad_relation["annotations"][0]["relations"] = [
        {"id": 1, "type": "speaker", "source_id": 1, "target_id": 9}
    ]
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            [json.dumps(good), json.dumps(bad_surface), "{not json", json.dumps(bad_relation)]
        )
        + "\n"
    )
    _, db, report = import_into(tmp_path / "p", "native", [path])
    try:
        assert sorted(p.line or 0 for p in report.problems) == [2, 3, 4]
        assert "does not match" in str(report.problems[0]) or "does not match" in " ".join(
            map(str, report.problems)
        )
        assert report.spans == 1 and report.exit_code == 1
    finally:
        db.close()


_TEXTS = (
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=30)
    .map("".join)
    .filter(lambda t: t.strip() != "")
)


@pytest.fixture(scope="module")
def fuzz_project() -> Any:
    folder = Path(tempfile.mkdtemp())
    project, db = new_project(folder / "p")
    yield project, db, folder
    db.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), raw=_TEXTS, unit=st.sampled_from(["codepoint", "utf16"]))
def test_random_texts_and_spans_survive_import_and_export(
    fuzz_project: Any, data: st.DataObject, raw: str, unit: str
) -> None:
    """Random text (emoji, CRLF, combining marks) and spans: doccano in, native out, checked."""
    project, db, folder = fuzz_project
    n = data.draw(st.integers(1, 4))
    spans = []
    for _ in range(n):
        start = data.draw(st.integers(0, len(raw) - 1))
        end = data.draw(st.integers(start + 1, len(raw)))
        spans.append((start, end))
    # Offsets as the producer counted them in the raw text.
    from annotator.io.formats.common import offset_converter

    conv = offset_converter(raw, unit)
    path = folder / "in.jsonl"
    record = {"text": raw, "label": [[conv(s), conv(e), "Person"] for s, e in spans]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = run_import(project, db, "doccano", [path], ImportContext(unit, "fuzz"))
    if report.problems:
        # The only refusal: a span of nothing but the CR of a CRLF (dropped at import).
        assert all("CR of a CRLF" in str(p) for p in report.problems)
        return
    out = folder / "out.jsonl"
    run_export(
        db,
        project,
        ExportRequest("native", out, ExportFilter(annotators=frozenset({"fuzz"})), offsets=unit),
    )
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    line = next(d for d in read_lines(out) if d["text"] == text)
    layer = line["annotations"][0]
    units = text.encode("utf-16-le")
    for span in layer["spans"]:
        if unit == "utf16":
            assert units[2 * span["start"] : 2 * span["end"]].decode("utf-16-le") == span["text"]
        else:
            assert text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize("labels", [None, frozenset({"Person", "Quote"})])
def test_json_text_path_writes_the_same_records(tmp_path: Path, labels: Any) -> None:
    """SQLite's JSON (the fast native path) and the dict path give the same lines."""
    import io

    from annotator.io.formats.common import ExportContext
    from annotator.io.formats.native import write_records
    from annotator.store import export_reader

    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        with db.session() as s:  # attributes of every JSON type, a note with a newline
            s.execute(update(Span).where(Span.label == "Claim").values(
                attributes={"a": [1, {"b": None}], "c": True, "d": 1.5, "é": "😀\n\"q\""},
                note="line 1\nline 2\t\u0007",
            ))  # fmt: skip
        outputs = []
        flt = ExportFilter(labels=labels)
        for as_json in (False, True):
            with db.reader() as session:
                conn = session.connection()
                ids = export_reader.select_document_ids(conn, flt)
                buffer = io.BytesIO()
                write_records(
                    export_reader.iter_documents(conn, ids, flt, as_json=as_json),
                    buffer,
                    ExportContext(project.schema),
                )
            outputs.append([orjson.loads(x) for x in buffer.getvalue().splitlines()])
    finally:
        db.close()
    assert outputs[0] == outputs[1]
    assert sum(len(a["spans"]) for d in outputs[0] for a in d["annotations"]) > 3
