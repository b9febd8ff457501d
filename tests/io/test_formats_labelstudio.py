"""Label Studio JSON: round trips, both offset units, per-task refusals, a project
export's shape, the export read by Label Studio's own converter (JSON-MIN and
CoNLL), and property tests of offsets and odd input.

Over 500 lines because the task literals the tests feed are written out in
full, so each test shows the Label Studio input it is about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from annotator.core.dataset import ExportFilter
from annotator.core.formats import UTF16
from annotator.core.model import DocumentDraft
from annotator.io.formats.common import LineProblem, SourceText
from annotator.io.formats.importing import ImportContext
from annotator.io.formats.labelstudio import NotImported, label_config, task_to_draft
from annotator.io.importer import import_drafts
from annotator.store import repository
from tests.io.test_formats_common import (
    TEXTS,
    export_to,
    import_into,
    new_project,
    populate,
    snapshot,
    stored_document_labels,
    texts,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRICKY = "Zoë 👍🏽 met e\u0301mile in Paris 🇫🇷.\r\nThen 😀 Madrid 😀 denied it."
"""Emoji before spans, a flag, a skin tone, a combining mark and a CRLF line end."""


def utf16_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def labels_result(
    rid: str, text: str, start: int, end: int, label: str, *, utf16: bool = False
) -> dict[str, Any]:
    conv = (lambda i: utf16_offset(text, i)) if utf16 else (lambda i: i)
    return {
        "id": rid,
        "type": "labels",
        "from_name": "label",
        "to_name": "text",
        "value": {
            "start": conv(start),
            "end": conv(end),
            "text": text[start:end],
            "labels": [label],
        },
    }


def write_tasks(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_project_round_trip_keeps_layers_notes_attributes_relations_and_status(
    tmp_path: Path,
) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(project, db, "labelstudio", tmp_path / "out.json")
    finally:
        db.close()
    tasks = orjson.loads(out.read_bytes())
    assert [t["data"]["text"] for t in tasks] == TEXTS
    # Every span's offsets are code points into data.text and match value.text.
    for task in tasks:
        for annotation in task["annotations"]:
            for r in annotation["result"]:
                if r["type"] == "labels":
                    v = r["value"]
                    assert task["data"]["text"][v["start"] : v["end"]] == v["text"]
    _, db2, report = import_into(tmp_path / "q", "labelstudio", [out], reviewer="rita")
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == [] and report.notices == []
    assert after.keys() == before.keys()
    for text in before:
        assert after[text]["layers"] == before[text]["layers"]
        assert after[text]["title"] == before[text]["title"]


def test_utf16_export_counts_browser_units_and_reads_back(tmp_path: Path) -> None:
    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        before = snapshot(db)
        out = export_to(
            project,
            db,
            "labelstudio",
            tmp_path / "out.json",
            offsets=UTF16,
            filter=ExportFilter(annotators=frozenset({"alice", "bob"})),
        )
    finally:
        db.close()
    tasks = orjson.loads(out.read_bytes())
    madrid = next(
        r["value"]
        for r in tasks[0]["annotations"][0]["result"]
        if r["type"] == "labels" and r["value"]["labels"] == ["Location"]
    )
    units = TEXTS[0].encode("utf-16-le")
    assert units[2 * madrid["start"] : 2 * madrid["end"]].decode("utf-16-le") == "Madrid"
    assert madrid["start"] == TEXTS[0].index("Madrid") + 1  # one emoji before it
    # Read back without saying the unit: the spans' texts tell it.
    _, db2, report = import_into(tmp_path / "q", "labelstudio", [out])
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    for text, doc in after.items():
        assert doc["layers"] == {k: v for k, v in before[text]["layers"].items() if k != "gold"}


@pytest.mark.parametrize("utf16", [False, True], ids=["codepoints", "utf16"])
def test_emoji_before_a_span_never_shifts_it(tmp_path: Path, utf16: bool) -> None:
    """Current Label Studio counts code points, older releases UTF-16 units: both land
    on the same characters, CRLF included."""
    text = TRICKY
    spans = [
        ("Person", "Zoë"),
        ("Person", "e\u0301mile"),
        ("Location", "Paris 🇫🇷"),
        ("Location", "Madrid"),
    ]
    result = [
        labels_result(
            f"r{n}",
            text,
            text.index(surface),
            text.index(surface) + len(surface),
            label,
            utf16=utf16,
        )
        for n, (label, surface) in enumerate(spans)
    ]
    path = write_tasks(
        tmp_path / "in.json",
        [
            {
                "id": 7,
                "data": {"text": text},
                "annotations": [{"id": 1, "completed_by": 3, "result": result}],
            }
        ],
    )
    _, db, report = import_into(tmp_path / "p", "labelstudio", [path])
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert report.problems == []
    stored_text = text.replace("\r\n", "\n")
    status, stored, _ = snap[stored_text]["layers"]["labelstudio-3"]
    assert status == "done"
    assert sorted((s[0], s[3]) for s in stored) == sorted(spans)
    assert all(stored_text[s[1] : s[2]] == s[3] for s in stored)


def test_bad_tasks_are_refused_whole_with_their_place_and_the_rest_goes_in(tmp_path: Path) -> None:
    good = {
        "id": 1,
        "data": {"text": "Alice met Bob."},
        "annotations": [
            {
                "completed_by": {"email": "ann@example.org"},
                "result": [labels_result("a", "Alice met Bob.", 0, 5, "Person")],
            }
        ],
    }
    mismatch = {
        "id": 2,
        "data": {"text": "😀 Carol ran."},
        "annotations": [
            {
                "id": 9,
                "completed_by": 1,
                "result": [
                    labels_result("ok", "😀 Carol ran.", 2, 7, "Person"),
                    {
                        "id": "bad",
                        "type": "labels",
                        "from_name": "label",
                        "to_name": "text",
                        "value": {"start": 8, "end": 11, "text": "Dan", "labels": ["Person"]},
                    },
                ],
            }
        ],
    }
    dangling = {
        "id": 3,
        "data": {"text": "Eve and Fay."},
        "annotations": [
            {
                "completed_by": 1,
                "result": [
                    labels_result("e", "Eve and Fay.", 0, 3, "Person"),
                    {"type": "relation", "from_id": "e", "to_id": "nowhere", "labels": ["speaker"]},
                ],
            }
        ],
    }
    no_text = {"id": 4, "data": {"html": "<p>x</p>"}, "annotations": []}
    nobody = {
        "id": 5,
        "data": {"text": "Gil spoke."},
        "annotations": [{"completed_by": {"email": ""}, "result": []}],
    }
    path = write_tasks(tmp_path / "in.json", [good, mismatch, dangling, no_text, nobody])
    _, db, report = import_into(tmp_path / "p", "labelstudio", [path])
    try:
        snap = snapshot(db)
    finally:
        db.close()
    messages = [str(p) for p in report.problems]
    assert len(messages) == 4
    # Said as written, not as the id looked up in it ("completed_by None").
    assert 'completed_by {"email":""} names no annotator' in messages[3]
    assert all(m.startswith(f"{path}: task ") for m in messages)
    assert "task 2 (id 2): annotation 9, result 'bad'" in messages[0]
    assert "'Dan' does not match the document ('ran')" in messages[0]
    assert "also when the offsets are read as UTF-16 units" in messages[0]
    assert "task 3 (id 3)" in messages[1] and "'nowhere'" in messages[1]
    assert "task 4 (id 4): 'data.text' is missing" in messages[2]
    # Nothing of a refused task is stored: not even its good span or its text.
    assert set(snap) == {"Alice met Bob."}
    assert snap["Alice met Bob."]["layers"]["ann@example.org"][1][0][:4] == (
        "Person",
        0,
        5,
        "Alice",
    )
    assert report.exit_code == 1


def test_choices_are_document_labels_cancelled_annotations_and_predictions_counted(
    tmp_path: Path,
) -> None:
    text = "Gina spoke to Hal."
    task = {
        "id": 5,
        "data": {"text": text, "title": "Talk"},
        "annotations": [
            {
                "completed_by": {"id": 4, "email": "gina@example.org"},
                "result": [
                    labels_result("g", text, 0, 4, "Person"),
                    labels_result("q", text, 5, 17, "Quote"),
                    {
                        "type": "relation",
                        "from_id": "g",
                        "to_id": "q",
                        "direction": "left",
                        "labels": ["speaker"],
                    },
                    {
                        "id": "c",
                        "type": "choices",
                        "from_name": "topic",
                        "to_name": "text",
                        "value": {"choices": ["Politics"]},
                    },
                    {
                        "id": "g",
                        "type": "choices",
                        "from_name": "sentiment",
                        "to_name": "text",
                        "value": {"start": 0, "end": 4, "text": "Gina", "choices": ["Positive"]},
                    },
                ],
            },
            {
                "completed_by": 8,
                "was_cancelled": True,
                "result": [labels_result("x", text, 0, 4, "Person")],
            },
        ],
        "predictions": [{"result": [labels_result("p", text, 0, 4, "Person")]}],
    }
    path = write_tasks(tmp_path / "in.json", [task])
    _, db, report = import_into(tmp_path / "p", "labelstudio", [path])
    try:
        snap = snapshot(db)
        (labels,) = stored_document_labels(db).values()
    finally:
        db.close()
    assert report.problems == []
    assert report.notices == [
        f"{path}: not imported: 1 per-region 'choices' result(s) (of a span); 1 cancelled "
        "(skipped) annotation(s); 1 prediction(s)"
    ]
    # The document's choices result is a document label, which --add-labels declared.
    assert labels == {"gina@example.org": {"topic": "Politics"}}
    assert report.added_document_labels == ["topic"]
    doc = snap[text]
    assert doc["title"] == "Talk"
    assert set(doc["layers"]) == {"gina@example.org"}
    _, spans, relations = doc["layers"]["gina@example.org"]
    assert [s[:4] for s in spans] == [("Person", 0, 4, "Gina"), ("Quote", 5, 17, "spoke to Hal")]
    # direction "left" points from to_id to from_id.
    assert relations == [("speaker", ("Quote", 5, 17), ("Person", 0, 4))]


def test_as_name_puts_every_annotation_in_one_layer(tmp_path: Path) -> None:
    text = "Ian and Jo."
    tasks = [
        {
            "data": {"text": text},
            "annotations": [
                {"completed_by": 1, "result": [labels_result("a", text, 0, 3, "Person")]},
                {
                    "completed_by": 2,
                    "result": [
                        labels_result("b", text, 8, 10, "Person"),
                        labels_result("c", text, 0, 3, "Person"),
                    ],
                },
            ],
        }
    ]
    path = write_tasks(tmp_path / "in.json", tasks)
    _, db, report = import_into(tmp_path / "p", "labelstudio", [path], as_name="model")
    try:
        snap = snapshot(db)
    finally:
        db.close()
    assert report.problems == []
    assert [s[:3] for s in snap[text]["layers"]["model"][1]] == [
        ("Person", 0, 3),
        ("Person", 8, 10),
    ]


def test_real_doccano_data_through_label_studio_and_back(tmp_path: Path) -> None:
    project, db, _ = import_into(tmp_path / "p", "doccano", [FIXTURES / "doccano"], as_name="dc")
    try:
        before = snapshot(db)
        out = export_to(project, db, "labelstudio", tmp_path / "out.json")
    finally:
        db.close()
    _, db2, report = import_into(tmp_path / "q", "labelstudio", [out])
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    assert {t: d["layers"] for t, d in after.items()} == {t: d["layers"] for t, d in before.items()}


def test_real_brat_data_through_label_studio_and_back(tmp_path: Path) -> None:
    corpus = FIXTURES / "brat" / "tutorial-news"
    project, db, _ = import_into(tmp_path / "p", "brat", [corpus], as_name="brat")
    try:
        before = snapshot(db)
        out = export_to(project, db, "labelstudio", tmp_path / "out.json")
    finally:
        db.close()
    _, db2, report = import_into(tmp_path / "q", "labelstudio", [out])
    try:
        after = snapshot(db2)
    finally:
        db2.close()
    assert report.problems == []
    assert {t: d["layers"] for t, d in after.items()} == {t: d["layers"] for t, d in before.items()}


def test_a_label_studio_project_export(tmp_path: Path) -> None:
    """The fixture in Label Studio's export shape: every span where it was drawn (after a
    flag and an emoji, and one without value.text), a layer per user, its choices as a
    document label, and a notice of the cancelled annotation and the prediction it
    leaves out."""
    path = FIXTURES / "labelstudio" / "project-3-export.json"
    _, db, report = import_into(tmp_path / "p", "labelstudio", [path])
    try:
        snap = snapshot(db)
        labels = stored_document_labels(db)
    finally:
        db.close()
    assert report.problems == []
    assert report.notices == [
        f"{path}: not imported: 1 cancelled (skipped) annotation(s); 1 prediction(s)"
    ]
    tasks = json.loads(path.read_text(encoding="utf-8"))
    first, second = (t["data"]["text"] for t in tasks)
    assert labels == {first: {"labelstudio-1": {"topic": "Diplomacy"}}, second: {}}
    assert snap[first]["title"] == "Blinken in Astana"
    assert set(snap[first]["layers"]) == {"labelstudio-1", "rita@example.org"}
    status, spans, relations = snap[first]["layers"]["labelstudio-1"]
    blinken_said = first.rindex("Blinken")
    quote = first.index('"We')
    assert status == "done"
    assert [s[:4] for s in spans] == sorted(
        [
            ("Location", first.index("Astana"), first.index("Astana") + 6, "Astana"),
            ("Person", 0, 21, "Kassym-Jomart Tokayev"),
            ("Person", 26, 40, "Antony Blinken"),
            ("Person", blinken_said, blinken_said + 7, "Blinken"),
            ("Quote", quote, quote + 18, '"We are partners,"'),
        ]
    )
    assert relations == [
        ("speaker", ("Quote", quote, quote + 18), ("Person", blinken_said, blinken_said + 7))
    ]
    rita = snap[first]["layers"]["rita@example.org"][1]  # sorted by label
    assert [(s[0], s[3]) for s in rita] == [("Location", "Astana 🇰🇿"), ("Person", "Antony Blinken")]
    assert [s[3] for s in snap[second]["layers"]["labelstudio-1"][1]] == ["May", "Tashkent"]


# --- Label Studio's own converter ------------------------------------------------


def conll_entities(path: Path) -> list[list[tuple[str, str]]]:
    """Per document of a converter CoNLL file: (label, text without spaces) of each B-/I- run."""
    docs: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            continue
        if not line.strip():
            docs.append(current)
            current = []
            continue
        token, tag = line.split(" -X- _ ")
        if tag.startswith("B-"):
            current.append((tag[2:], token))
        elif tag.startswith("I-"):
            label, text = current[-1]
            current[-1] = (label, text + token)
    return docs


def test_label_studio_converter_reads_the_export(tmp_path: Path) -> None:
    """The export loads unchanged in label_studio_converter (the converter Label Studio
    runs for its exports): JSON-MIN gives every span back, CoNLL tags the same words."""
    from label_studio_converter import Converter

    project, db = new_project(tmp_path / "p")
    try:
        populate(db)
        added = import_drafts(db, [DocumentDraft(text=TRICKY.replace("\r\n", "\n"))], "t").added
        stored = TRICKY.replace("\r\n", "\n")
        with db.session() as s:
            # Whole words of the converter's tokeniser (it keeps "🇫🇷." as one token).
            for label, surface in (
                ("Person", "e\u0301mile"),
                ("Location", "Paris"),
                ("Location", "Madrid"),
            ):
                at = stored.index(surface)
                repository.add_span(s, added[0], "bob", label, at, at + len(surface))
        before = snapshot(db)
        out = export_to(
            project,
            db,
            "labelstudio",
            tmp_path / "out.json",
            filter=ExportFilter(annotators=frozenset({"bob"})),
        )
    finally:
        db.close()
    converter = Converter(config=label_config(project.schema), project_dir=str(tmp_path))
    assert "CONLL2003" in converter.supported_formats
    converter.convert(str(out), str(tmp_path / "min"), "JSON_MIN", is_dir=False)
    converter.convert(str(out), str(tmp_path / "conll"), "CONLL2003", is_dir=False)
    records = orjson.loads((tmp_path / "min" / "result.json").read_bytes())
    by_text = {r["text"]: r for r in records}
    for text, doc in before.items():
        if "bob" not in doc["layers"]:
            continue
        record = by_text[text]
        assert record["annotator"] == "bob"
        got = sorted((v["labels"][0], v["start"], v["end"], v["text"]) for v in record["label"])
        assert got == [s[:4] for s in doc["layers"]["bob"][1]]
    # CoNLL: one document per annotation, in the export's order; bob's spans do not overlap.
    tasks = orjson.loads(out.read_bytes())
    entities = conll_entities(tmp_path / "conll" / "result.conll")
    expected = [
        sorted((r["value"]["labels"][0], r["value"]["text"].replace(" ", "")) for r in a["result"])
        for t in tasks
        for a in t["annotations"]
    ]
    assert [sorted(e) for e in entities] == expected
    assert any(("Location", "Madrid") in e for e in entities)  # after two emoji: not shifted


# --- offsets, property-based ------------------------------------------------------


def one_span_task(raw: str, start: int, end: int) -> dict[str, Any]:
    value = {"start": start, "end": end, "labels": ["L"]}
    return {"data": {"text": raw}, "annotations": [{"completed_by": 1, "result": [
        {"id": "a", "type": "labels", "value": value}]}]}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(data=st.data(), raw=texts, unit=st.sampled_from(["codepoint", "utf16", "forced"]))
def test_a_span_lands_on_its_characters_in_either_unit(
    data: st.DataObject, raw: str, unit: str
) -> None:
    """Emoji, flags, skin tones, joiners, combining marks and CRLF before and inside a
    span: code points land exactly; UTF-16 units land exactly with --offsets utf16, and
    without it on the same text (code points win where both readings give it)."""
    start = data.draw(st.integers(0, len(raw) - 1))
    end = data.draw(st.integers(start + 1, len(raw)))
    assume(raw[start:end] != "\r" or raw[end : end + 1] != "\n")  # only the CR of a CRLF
    surface = raw[start:end]
    expected = SourceText(raw).span(start, end, "L", surface)
    offsets = (
        (start, end) if unit == "codepoint" else (utf16_offset(raw, start), utf16_offset(raw, end))
    )
    task = one_span_task(raw, *offsets)
    task["annotations"][0]["result"][0]["value"]["text"] = surface
    ctx = ImportContext(offsets=UTF16 if unit == "forced" else "codepoint")
    draft = task_to_draft(task, ctx, NotImported())
    (span,) = draft.layers[0].spans
    stored = draft.document.text
    if unit == "utf16":
        assert stored[span.start : span.end] == stored[expected.start : expected.end]
    else:
        assert (span.start, span.end) == (expected.start, expected.end)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 40) | st.sampled_from(["", "L", "x😀", "text"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["id", "data", "text", "annotations", "result", "type", "value", "start",
                         "end", "labels", "from_id", "to_id", "completed_by", "email", "meta",
                         "predictions", "direction", "was_cancelled", "status", "drafts"]),
        inner,
        max_size=5,
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(task=json_values)
def test_odd_tasks_are_refused_with_a_reason_never_crash(task: Any) -> None:
    text = "L text x😀 text"
    as_result = {"data": {"text": text}, "annotations": [{"completed_by": 1, "result": [task]}]}
    as_annotation = {"data": {"text": text}, "annotations": [task]}
    for candidate in (task, as_result, as_annotation):
        try:
            draft = task_to_draft(candidate, ImportContext(), NotImported())
        except LineProblem as exc:
            assert str(exc)
            continue
        for layer in draft.layers:
            for span in layer.spans:
                assert 0 <= span.start < span.end <= len(draft.document.text)
