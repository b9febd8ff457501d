"""Native JSONL with split spans, entities and document labels (issue 15):
export, import into a new project and export again gives the same file apart
from ids and times, on SQLite and PostgreSQL; bad pieces, entities and
document labels are refused line by line."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from annotator.core.dataset import ExportFilter
from annotator.core.model import DocumentDraft
from annotator.core.pieces import PIECE_JOINER
from annotator.core.schema import DocumentLabelDef, LabelSchema
from annotator.io.formats.api import ExportRequest, run_export, run_import
from annotator.io.formats.importing import ImportContext, UnknownLabels
from annotator.io.project import Project, create_project, load_project, update_schema
from annotator.store import document_labels, entities, export_reader
from annotator.store import repository as repo
from annotator.store.db import Database
from tests.conftest import fresh_pg_database

QUOTE_TEXT = '"We will win," he said, "and soon." Antony Blinken left Astana.'
OTHER_TEXT = "Blinken spoke. The Secretary of State agreed in Almaty."
DOCUMENT_LABELS = (
    DocumentLabelDef("topic", ("politics", "economy", "war"), multiple=True),
    DocumentLabelDef("checkworthy", ("yes", "no")),
)


def declare_document_labels(project: Project) -> None:
    update_schema(project, lambda schema: replace(schema, document_labels=DOCUMENT_LABELS))


def annotate(db: Database) -> None:
    """A split quote whose speaker is a mention of Blinken; Blinken mentioned
    again in a second article (by ana and bob); an entity with no external
    id; single and multiple choice document labels."""
    with db.session() as s:
        first, second = repo.insert_documents(
            s, [DocumentDraft(QUOTE_TEXT, title="one"), DocumentDraft(OTHER_TEXT)]
        )
        assert first is not None and second is not None
        blinken = entities.create_entity(
            s, "ana", "Antony Blinken", label="Person", external_id="Q312170",
            aliases=["Blinken", "the Secretary"],
        )  # fmt: skip
        astana = entities.create_entity(s, "ana", "Astana", label="Location")
        quote = repo.add_span(s, first, "ana", "Quote", 0, 0, fragments=[(1, 12), (25, 33)])
        start = QUOTE_TEXT.index("Antony")
        speaker = repo.add_span(s, first, "ana", "Person", start, start + 14, entity_id=blinken.id)
        repo.add_relation(s, "ana", "speaker", quote.id, speaker.id)
        start = QUOTE_TEXT.index("Astana")
        repo.add_span(s, first, "ana", "Location", start, start + 6, entity_id=astana.id)
        repo.add_span(s, second, "ana", "Person", 0, 7, entity_id=blinken.id)
        start = OTHER_TEXT.index("The Secretary")
        repo.add_span(s, second, "bob", "Person", start, start + 13, entity_id=blinken.id)
        repo.add_span(s, second, "bob", "Location", OTHER_TEXT.index("Almaty"), len(OTHER_TEXT) - 1)
        document_labels.set_document_label(s, first, "ana", "topic", ["politics", "war"])
        document_labels.set_document_label(s, first, "ana", "checkworthy", "yes")
        document_labels.set_document_label(s, second, "bob", "checkworthy", "no")


def document_ids(db: Database) -> list[int]:
    with db.reader() as s:
        return [d.id for d in repo.list_documents(s)]


def new_project(folder: Path, database: str | None) -> tuple[Project, Database]:
    create_project(folder, database=database)
    project = load_project(folder)
    declare_document_labels(project)
    return project, project.open_database()


def export(project: Project, db: Database, target: Path, **options: Any) -> list[dict[str, Any]]:
    run_export(db, project, ExportRequest(format="native", target=target, **options))
    return [orjson.loads(line) for line in target.read_bytes().splitlines()]


def without_ids(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with document, span and entity ids numbered by order of
    appearance (entities by name), and no times."""
    found = []
    for line in lines:
        line = dict(line)
        del line["id"]
        entity_ids = {
            e["id"]: n for n, e in enumerate(sorted(line["entities"], key=lambda e: e["name"]))
        }
        line["entities"] = sorted(
            ({**e, "id": entity_ids[e["id"]]} for e in line["entities"]), key=lambda e: e["id"]
        )
        layers = []
        for layer in line["annotations"]:
            span_ids = {s["id"]: n for n, s in enumerate(layer["spans"])}
            spans = []
            for span in layer["spans"]:
                span = {k: v for k, v in span.items() if k not in ("created_at", "updated_at")}
                span["id"] = span_ids[span["id"]]
                if "entity" in span:
                    span["entity"] = entity_ids[span["entity"]]
                spans.append(span)
            relations = [
                {"type": r["type"], "source_id": span_ids[r["source_id"]],
                 "target_id": span_ids[r["target_id"]]}
                for r in layer["relations"]
            ]  # fmt: skip
            layers.append({**layer, "spans": spans, "relations": relations})
        line["annotations"] = layers
        found.append(line)
    return found


@pytest.fixture
def second_database(database_url: str, tmp_path: Path) -> Iterator[str | None]:
    """Where the project the export is imported into keeps its data: a new
    SQLite file, or a new PostgreSQL database beside the first."""
    if database_url.startswith("sqlite"):
        yield None
        return
    with fresh_pg_database() as url:
        yield url


def test_export_import_export_gives_the_same_file(
    tmp_path: Path, database_url: str, second_database: str | None
) -> None:
    database = None if database_url.startswith("sqlite") else database_url
    project, db = new_project(tmp_path / "p", database)
    try:
        annotate(db)
        first = export(project, db, tmp_path / "first.jsonl")
    finally:
        db.close()
    quote = first[0]["annotations"][0]["spans"][0]
    assert quote["fragments"] == [[1, 12], [25, 33]]
    assert quote["text"] == f"We will win{PIECE_JOINER}and soon"
    assert [e["name"] for e in first[0]["entities"]] == ["Antony Blinken", "Astana"]
    assert first[0]["annotations"][0]["document_labels"] == {
        "checkworthy": "yes",
        "topic": ["politics", "war"],
    }
    assert first[1]["annotations"][0]["document_labels"] == {}

    project2, db2 = new_project(tmp_path / "q", second_database)
    try:
        report = run_import(project2, db2, "native", [tmp_path / "first.jsonl"], ImportContext())
        assert report.problems == []
        assert (report.spans, report.relations, report.entities, report.document_labels) == (
            6, 1, 2, 3,
        )  # fmt: skip
        again = export(project2, db2, tmp_path / "again.jsonl")
        # Importing the file again adds nothing: the spans and labels are there,
        # and Blinken (external id and label) is found; Astana, with no
        # external id, is a new entity only if a mention needs one.
        repeat = run_import(project2, db2, "native", [tmp_path / "first.jsonl"], ImportContext())
        assert (repeat.spans, repeat.entities, repeat.document_labels) == (0, 0, 0)
        with db2.reader() as s:
            listed = entities.list_entities(s)
            counts = entities.mention_counts(s)
    finally:
        db2.close()
    assert without_ids(again) == without_ids(first)
    blinken = next(e for e in listed if e.name == "Antony Blinken")
    assert (blinken.external_id, blinken.aliases) == ("Q312170", ("Blinken", "the Secretary"))
    assert counts[blinken.id] == (3, 2)
    assert len(listed) == 2


def test_an_entity_with_the_same_external_id_and_label_is_the_stored_one(
    tmp_path: Path,
) -> None:
    project, db = new_project(tmp_path / "p", None)
    try:
        annotate(db)
        lines = export(project, db, tmp_path / "out.jsonl")
        with db.session() as s:
            kept = entities.create_entity(s, "ana", "A. Blinken", label="Person",
                                          external_id="Q312170")  # fmt: skip
        # A new article mentioning "entity 9" = Q312170, a Person: the stored one.
        line = {
            "text": "Blinken flew home.", "entities": [
                {"id": 9, "name": "Blinken", "label": "Person", "external_id": "Q312170",
                 "aliases": []},
                {"id": 10, "name": "Blinken", "label": "Organization", "external_id": "Q312170",
                 "aliases": []},
            ],
            "annotations": [{"annotator": "cy", "spans": [
                {"start": 0, "end": 7, "label": "Person", "entity": 9},
                {"start": 0, "end": 7, "label": "Organization", "entity": 10},
            ]}],
        }  # fmt: skip
        path = tmp_path / "new.jsonl"
        path.write_bytes(orjson.dumps(line) + b"\n")
        report = run_import(project, db, "native", [path], ImportContext())
        assert report.problems == [] and report.entities == 1  # the Organization is new
        with db.reader() as s:
            spans = {span.label: span for span in repo.list_spans(s, max(document_ids(db)))}
        blinken = lines[0]["entities"][0]["id"]
        assert kept.id != blinken
        # The oldest stored entity with that external id and label.
        assert spans["Person"].entity_id == blinken
        assert spans["Organization"].entity_id not in (blinken, kept.id, None)
    finally:
        db.close()


def test_utf16_offsets_convert_the_pieces_too(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p", None)
    try:
        with db.session() as s:
            (doc,) = repo.insert_documents(s, [DocumentDraft("😀 We said, 😀 yes.")])
            assert doc is not None
            repo.add_span(s, doc, "ana", "Quote", 0, 0, fragments=[(2, 9), (13, 16)])
        (line,) = export(project, db, tmp_path / "out.jsonl", offsets="utf16")
    finally:
        db.close()
    span = line["annotations"][0]["spans"][0]
    assert span["fragments"] == [[3, 10], [15, 18]] and (span["start"], span["end"]) == (3, 18)
    project2, db2 = new_project(tmp_path / "q", None)
    try:
        report = run_import(project2, db2, "native", [tmp_path / "out.jsonl"], ImportContext())
        assert report.problems == []
        with db2.reader() as s:
            (stored,) = repo.list_spans(s, 1)
    finally:
        db2.close()
    assert stored.fragments == ((2, 9), (13, 16)) and stored.text == f"We said{PIECE_JOINER}yes"


def test_import_as_one_annotator_keeps_pieces_mentions_and_document_labels(
    tmp_path: Path,
) -> None:
    project, db = new_project(tmp_path / "p", None)
    try:
        annotate(db)
        export(project, db, tmp_path / "out.jsonl")
    finally:
        db.close()
    project2, db2 = new_project(tmp_path / "q", None)
    try:
        report = run_import(
            project2, db2, "native", [tmp_path / "out.jsonl"], ImportContext(as_name="cy")
        )
        assert report.problems == []
        merged = export(project2, db2, tmp_path / "merged.jsonl")
    finally:
        db2.close()
    first, second = ([a for a in line["annotations"]] for line in merged)
    assert [a["annotator"] for a in first] == ["cy"] and [a["annotator"] for a in second] == ["cy"]
    assert first[0]["spans"][0]["fragments"] == [[1, 12], [25, 33]]
    assert first[0]["document_labels"] == {"checkworthy": "yes", "topic": ["politics", "war"]}
    assert second[0]["document_labels"] == {"checkworthy": "no"}
    assert {s.get("entity") for s in second[0]["spans"]} == {merged[1]["entities"][0]["id"], None}


LINE = {"text": "We will win, he said, and soon.", "entities": [
    {"id": 1, "name": "Ana", "label": "Person", "external_id": "", "aliases": []}]}  # fmt: skip


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"spans": [{"label": "Quote", "fragments": [[0, 11], [5, 30]]}]}, "touch or overlap"),
        ({"spans": [{"label": "Quote", "fragments": [[22, 30], [0, 11]]}]}, "not in order"),
        ({"spans": [{"label": "Quote", "fragments": [[0, 11], [22, 99]]}]}, "outside the text"),
        ({"spans": [{"label": "Quote", "fragments": [[0, 11]], "start": 0, "end": 30}]},
         "outer bounds"),
        ({"spans": [{"label": "Quote", "fragments": [[0, 11], [22, 30]], "text": "We"}]},
         "pieces joined"),
        ({"spans": [{"label": "Quote", "fragments": "0-11"}]}, "list of \\[start, end\\]"),
        ({"spans": [{"label": "Person", "start": 13, "end": 15, "entity": 2}]},
         "entity 2, which the line's 'entities' lacks"),
        ({"document_labels": {"topic": 3}}, "'topic': 3 is not a value"),
        ({"document_labels": ["topic"]}, "'document_labels' must be an object"),
    ],
)  # fmt: skip
def test_bad_pieces_entities_and_document_labels_name_the_line(
    tmp_path: Path, layer: dict[str, Any], message: str
) -> None:
    project, db = new_project(tmp_path / "p", None)
    good = {**LINE, "annotations": [{"annotator": "ana", "spans": [
        {"label": "Person", "start": 13, "end": 15, "entity": 1}]}]}  # fmt: skip
    bad = {**LINE, "annotations": [{"annotator": "ana", **layer}]}
    path = tmp_path / "in.jsonl"
    path.write_bytes(orjson.dumps(good) + b"\n" + orjson.dumps(bad) + b"\n")
    try:
        report = run_import(project, db, "native", [path], ImportContext())
        docs = document_ids(db)
    finally:
        db.close()
    (problem,) = report.problems
    assert problem.line == 2
    assert re.search(message, str(problem)), str(problem)
    assert len(docs) == 1 and report.entities == 1  # the good line, its entity; nothing of line 2


def test_document_labels_are_checked_against_the_schema(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p", None)
    lines = [
        {"text": "One.", "annotations": [{"annotator": "ana", "document_labels": {
            "topic": "politics", "checkworthy": "yes"}}]},
        {"text": "Two.", "annotations": [{"annotator": "ana", "document_labels": {
            "topic": ["sport"], "stance": "pro"}}]},
    ]  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    try:
        with pytest.raises(UnknownLabels) as refused:
            run_import(project, db, "native", [path], ImportContext())
        assert "document labels or values not in the schema: stance (1), topic=sport (1)" in str(
            refused.value
        )
        assert document_ids(db) == []
        report = run_import(project, db, "native", [path], ImportContext(), add_labels=True)
        # A single value for a multiple choice: refused, with the line; the rest stored.
        (problem,) = report.problems
        assert problem.line == 1 and "'topic' is a multiple choice" in str(problem)
        assert report.document_labels == 3 and report.added_document_labels == [
            "stance",
            "topic=sport",
        ]
        with db.reader() as s:
            found = [document_labels.document_labels(s, i) for i in document_ids(db)]
    finally:
        db.close()
    assert found == [
        {"ana": {"checkworthy": "yes"}},
        {"ana": {"stance": "pro", "topic": ["sport"]}},
    ]
    schema: LabelSchema = load_project(tmp_path / "p").schema
    assert schema.document_label("topic") == replace(
        DOCUMENT_LABELS[0], values=("politics", "economy", "war", "sport")
    )
    assert schema.document_label("stance") == DocumentLabelDef("stance", ("pro",))


def test_pandas_loads_entities_and_document_labels(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = pytest.importorskip("pandas")
    project, db = new_project(tmp_path / "p", None)
    try:
        annotate(db)
        with db.session() as s:
            repo.insert_documents(s, [DocumentDraft("Nobody annotated this.")])
        export(project, db, tmp_path / "out.jsonl")
        with db.reader() as s:
            ids = export_reader.select_document_ids(s.connection(), ExportFilter())
    finally:
        db.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.read_json(tmp_path / "out.jsonl", lines=True)
    assert len(frame) == len(ids) == 3
    assert [len(e) for e in frame["entities"]] == [2, 1, 0]
    assert frame["entities"][0][0]["external_id"] == "Q312170"
    assert frame["annotations"][0][0]["document_labels"]["topic"] == ["politics", "war"]
