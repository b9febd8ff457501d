"""A labeled import reads each record once (issue 14), and keeps every guarantee:
unknown labels refuse it with nothing stored, a bad line is refused alone, the
drafts held past a batch's worth go to a temporary file and come back the same,
and the rows and change-log records are those the edits would write."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from annotator.core.dataset import (
    AnnotatedDraft,
    EntityDraft,
    LayerDraft,
    RelationDraft,
    SpanDraft,
)
from annotator.core.model import DocumentDraft
from annotator.io import jsonl, labeled_import
from annotator.io.formats import api, doccano
from annotator.io.formats.common import LineProblem, SourceText, check_name
from annotator.io.formats.importing import (
    LAYER_FIELDS,
    HeldDrafts,
    ImportContext,
    UnknownLabels,
    compact,
    expand,
)
from annotator.io.project import create_project, load_project
from annotator.store.models import ChangeLog, Document, DocumentStatus, Relation, Span


def _line(n: int, label: str = "Person") -> dict[str, Any]:
    text = f"Report {n}: Alice met Bob in Paris."
    return {
        "text": text,
        "entities": [
            {"id": 1, "start_offset": 10, "end_offset": 15, "label": "Quote"},
            {"id": 2, "start_offset": 20, "end_offset": 23, "label": label},
            {"id": 3, "start_offset": 27, "end_offset": 32, "label": "Location"},
        ],
        "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "speaker"}],
        "source": f"r{n}",
    }


def _write(path: Path, records: list[Any]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


def _counts(project_dir: Path) -> tuple[int, int, int, int, int]:
    db = load_project(project_dir).open_database()
    try:
        with db.reader() as s:
            return tuple(  # type: ignore[return-value]
                int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in (Document, Span, Relation, DocumentStatus, ChangeLog)
            )
    finally:
        db.close()


def _import(project_dir: Path, path: Path, *, add_labels: bool = False) -> api.ImportReport:
    project = load_project(project_dir)
    db = project.open_database()
    try:
        return api.run_import(
            project, db, "doccano", [path], ImportContext(as_name="ana"), add_labels=add_labels
        )
    finally:
        db.close()


@pytest.fixture(params=[False, True], ids=["in-memory", "spilled"])
def spilled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run each test with the drafts held in memory, and with them all in the temporary
    file (a batch's worth is then a few characters)."""
    if request.param:
        monkeypatch.setattr(labeled_import, "BATCH_CHARACTERS", 50)
    return bool(request.param)


def test_each_record_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = doccano.record_to_draft

    def counting(record: Any, ctx: ImportContext) -> AnnotatedDraft:
        calls.append(1)
        return real(record, ctx)

    monkeypatch.setattr(doccano, "record_to_draft", counting)
    create_project(tmp_path / "p")
    path = _write(tmp_path / "in.jsonl", [_line(n, "NEWLABEL") for n in range(7)])
    report = _import(tmp_path / "p", path, add_labels=True)
    assert len(calls) == 7
    # The relation, speaker from a Quote to a NEWLABEL, is refused by the schema.
    assert (report.records, report.spans, report.relations) == (7, 21, 0)
    assert report.added_labels == ["NEWLABEL"]


def test_unknown_labels_store_nothing(tmp_path: Path, spilled: bool) -> None:
    create_project(tmp_path / "p")
    records = [_line(n) for n in range(5)] + [_line(5, "NEWLABEL")]
    path = _write(tmp_path / "in.jsonl", records)
    with pytest.raises(UnknownLabels, match="NEWLABEL"):
        _import(tmp_path / "p", path)
    assert _counts(tmp_path / "p") == (0, 0, 0, 0, 0)
    report = _import(tmp_path / "p", path, add_labels=True)
    assert report.added_labels == ["NEWLABEL"]
    assert "NEWLABEL" in load_project(tmp_path / "p").schema.label_names
    # 6 documents, 18 spans, 5 relations (not the one to NEWLABEL), 6 statuses; logged.
    assert _counts(tmp_path / "p") == (6, 18, 5, 6, 29)


def test_a_bad_line_is_refused_alone(tmp_path: Path, spilled: bool) -> None:
    create_project(tmp_path / "p")
    bad_offsets = _line(2)
    bad_offsets["entities"][0]["end_offset"] = 999
    records: list[Any] = [_line(0), _line(1), bad_offsets, "{not json", _line(4)]
    path = _write(tmp_path / "in.jsonl", records)
    report = _import(tmp_path / "p", path)
    assert [(p.line, "outside the text" in p.message) for p in report.problems] == [
        (3, True),
        (4, False),
    ]
    assert str(report.problems[0]).startswith(f"{path}:3")
    assert report.records == 3
    assert _counts(tmp_path / "p") == (3, 9, 3, 3, 15)
    assert report.exit_code == 1


def test_stored_rows_and_change_log_are_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spilled path and the in-memory path store the same rows and log records."""
    path = _write(tmp_path / "in.jsonl", [_line(n) for n in range(4)])
    dumps = []
    for name, limit in (("memory", labeled_import.BATCH_CHARACTERS), ("spilled", 10)):
        monkeypatch.setattr(labeled_import, "BATCH_CHARACTERS", limit)
        create_project(tmp_path / name)
        _import(tmp_path / name, path)
        db = load_project(tmp_path / name).open_database()
        try:
            with db.reader() as s:
                spans = s.execute(
                    select(Span.id, Span.document_id, Span.label, Span.start, Span.end, Span.text,
                           Span.attributes, Span.note, Span.version).order_by(Span.id)
                ).all()  # fmt: skip
                log = s.execute(
                    select(ChangeLog.action, ChangeLog.entity, ChangeLog.entity_id,
                           ChangeLog.document_id, ChangeLog.before, ChangeLog.after)
                    .order_by(ChangeLog.id)
                ).all()  # fmt: skip
        finally:
            db.close()
        dumps.append((spans, log))
    # The spilled run stores a document a batch (its batches end at 10 characters
    # too), so its log rows come in another order.
    assert dumps[0][0] == dumps[1][0]
    assert sorted(dumps[0][1], key=repr) == sorted(dumps[1][1], key=repr)
    spans, log = dumps[0]
    assert spans[0][2:] == ("Quote", 10, 15, "Alice", {}, "", 1)
    assert log[0] == (
        "import", "span", spans[0][0], spans[0][1], None,
        {"document_id": spans[0][1], "annotator": "ana", "label": "Quote", "start": 10,
         "end": 15, "text": "Alice", "attributes": {}, "note": "", "version": 1},
    )  # fmt: skip
    assert [row[1] for row in log].count("relation") == 4
    assert [row[1] for row in log].count("document") == 4


def test_held_drafts_come_back_the_same_in_order() -> None:
    when = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    items = [
        AnnotatedDraft(
            DocumentDraft(
                f"text {n} é 😀",
                title="t",
                source="s",
                url="u",
                date="d",
                meta={"k": [1, {"x": None}]},
            ),
            [
                LayerDraft(
                    "ana",
                    [
                        SpanDraft("Person", 0, 4, {"a": "b"}, "note", when, when, 3, entity="7"),
                        SpanDraft("Quote", 5, 6),
                        SpanDraft("Quote", 0, 6, fragments=((0, 4), (5, 6))),
                    ],
                    [RelationDraft("speaker", 1, 0, when)],
                    "done",
                    {"topic": ["a", "b"], "stance": "pro"},
                ),
                LayerDraft("bob"),
            ],
            f"in.jsonl:{n}",
            [EntityDraft("7", "Ana", "Person", "Q1", ("A.",))],
        )
        for n in range(5)
    ]
    assert expand(compact(items[0])) == items[0]
    for characters in (10**9, 20):
        with HeldDrafts(characters, 10**9) as held:
            for item in items:
                held.add(item)
            assert held.spilled == (characters == 20)
            assert list(held) == items


def test_held_drafts_know_every_field() -> None:
    """A field added to the draft classes must be carried through the temporary file."""
    assert tuple(f.name for f in fields(LayerDraft)) == LAYER_FIELDS
    assert [f.name for f in fields(AnnotatedDraft)] == ["document", "layers", "origin", "entities"]


def test_span_fast_path_gives_what_the_checks_give() -> None:
    source = SourceText("Alice met Bob.")
    check_name("Person", "label")  # now known good
    fast = source.span(0, 5, "Person")
    slow = source.span(0, 5, "Person", "Alice")  # a surface takes the checked path
    assert fast == slow == SpanDraft("Person", 0, 5)
    for start, end, message in ((0, 99, "outside"), (5, 5, "empty"), (5, 2, "before"),
                                (True, 3, "not an integer")):  # fmt: skip
        with pytest.raises(LineProblem, match=message):
            source.span(start, end, "Person")
    with pytest.raises(LineProblem, match="spaces"):
        source.span(0, 5, " Person")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"a": [1, 12345678901234567890]}', "'a.1': 12345678901234567890 is beyond"),
        (b'{"a": -9223372036854775808, "b": 9223372036854775807}', None),
        (b'{"a": "' + b"9" * 30 + b'"}', None),
        (b'{"a": ' + b"[" * 101 + b"]" * 101 + b"}", "nested more than 100"),
        (b"[" + b"{}," * 150 + b"{}]", None),
        (b'"' + b"[" * 200 + b'"', None),
    ],
)
def test_check_record(line: bytes, message: str | None) -> None:
    record = orjson.loads(line)
    if message is None:
        jsonl.check_record(line, record)
    else:
        with pytest.raises(ValueError, match=message.replace("[", r"\[")):
            jsonl.check_record(line, record)


def test_import_on_each_backend(project_dir: Path, tmp_path: Path) -> None:
    """The same rows and log records on SQLite (columns, tuples) and PostgreSQL (RETURNING)."""
    path = _write(tmp_path / "in.jsonl", [_line(n) for n in range(3)])
    report = _import(project_dir, path)
    assert (report.documents_added, report.spans, report.relations) == (3, 9, 3)
    assert _counts(project_dir) == (3, 9, 3, 3, 15)
    again = _import(project_dir, path)
    assert (again.documents_existing, again.spans, again.duplicate_spans) == (3, 0, 9)
    assert _counts(project_dir) == (3, 9, 3, 3, 15)
    db = load_project(project_dir).open_database()
    try:
        with db.reader() as s:
            rows = s.execute(
                select(ChangeLog.entity, ChangeLog.entity_id, ChangeLog.after).order_by(
                    ChangeLog.id
                )
            ).all()
            span_ids = list(s.scalars(select(Span.id).order_by(Span.id)))
    finally:
        db.close()
    assert [r[1] for r in rows if r[0] == "span"] == span_ids
    relation = next(r for r in rows if r[0] == "relation")
    assert relation[2] == {
        "annotator": "ana", "type": "speaker", "source_id": span_ids[0], "target_id": span_ids[1]
    }  # fmt: skip
