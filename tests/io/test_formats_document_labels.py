"""Document labels in the formats that have document classification (Label
Studio's choices, doccano's categories, Prodigy's options and accept, spaCy's
``doc.cats``, a Parquet column): exported through the command line, read back
where the format is read, on each database backend. See docs/formats.md,
"Document labels in other formats"."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from annotator.cli.app import main
from annotator.core.dataset import AnnotatedDraft
from annotator.core.model import DocumentDraft
from annotator.core.schema import DocumentLabelDef, LabelSchema
from annotator.io.errors import InputProblem
from annotator.io.formats import doccano, labelstudio
from annotator.io.formats.common import LineProblem, split_category
from annotator.io.formats.importing import ImportContext, chosen_document_labels
from annotator.io.project import create_project, load_project, update_schema
from annotator.store import document_labels
from annotator.store import repository as repo
from annotator.store.db import Database
from tests.io.test_formats_common import stored_document_labels
from tests.io.test_native_who_said_what import (
    DOCUMENT_LABELS,
    OTHER_TEXT,
    QUOTE_TEXT,
    annotate,
    declare_document_labels,
    document_ids,
)

ROUND_TRIP = {"labelstudio": "out.json", "doccano": "out.jsonl", "prodigy": "out.jsonl"}
STORED = {
    QUOTE_TEXT: {"ana": {"checkworthy": "yes", "topic": ["politics", "war"]}},
    OTHER_TEXT: {"bob": {"checkworthy": "no", "topic": ["economy"]}},
}
"""What :func:`labelled` stores: a multiple choice with two values and one with
a single value (which must come back a list), and single choices."""


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def labels_of(project: Path) -> dict[str, dict[str, dict[str, Any]]]:
    db = load_project(project).open_database()
    try:
        return stored_document_labels(db)
    finally:
        db.close()


@pytest.fixture
def labelled(project_dir: Path) -> Path:
    """The news project with topic (multiple) and checkworthy (single) declared,
    ana's and bob's spans and document labels (STORED)."""
    project = load_project(project_dir)
    declare_document_labels(project)
    db: Database = project.open_database()
    try:
        annotate(db)
        second = document_ids(db)[1]
        with db.session() as s:
            document_labels.set_document_label(s, second, "bob", "topic", ["economy"])
    finally:
        db.close()
    assert labels_of(project_dir) == STORED
    return project_dir


@pytest.mark.parametrize("fmt", sorted(ROUND_TRIP))
def test_export_and_import_keep_single_and_multiple_document_labels(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = tmp_path / ROUND_TRIP[fmt]
    code, summary, err = run(capsys, "export", labelled, "-o", out, "-f", fmt)
    assert code == 0, err
    assert "document label" not in summary  # nothing left out
    target = tmp_path / "again"
    create_project(target)
    declare_document_labels(load_project(target))
    code, _, err = run(capsys, "import", target, out, "-f", fmt)
    assert code == 0, err
    assert labels_of(target) == STORED


@pytest.mark.parametrize("fmt", sorted(ROUND_TRIP))
def test_add_labels_declares_them_with_the_choice_the_values_show(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = tmp_path / ROUND_TRIP[fmt]
    assert run(capsys, "export", labelled, "-o", out, "-f", fmt)[0] == 0
    target = tmp_path / "bare"
    create_project(target)
    code, _, err = run(capsys, "import", target, out, "-f", fmt)
    assert code == 2 and "document labels or values not in the schema" in err
    code, _, err = run(capsys, "import", target, out, "-f", fmt, "--add-labels")
    assert code == 0, err
    # Two values for ana made topic a multiple choice, so bob's one value is a list too.
    assert labels_of(target) == STORED
    schema = load_project(target).schema
    assert schema.document_label("topic") == DocumentLabelDef(
        "topic", ("politics", "war", "economy"), multiple=True
    )
    assert schema.document_label("checkworthy") == DocumentLabelDef("checkworthy", ("yes", "no"))


def test_label_studio_writes_choices_results_and_a_config_for_them(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tasks.json"
    assert run(capsys, "export", labelled, "-o", out, "-f", "labelstudio")[0] == 0
    first, _ = json.loads(out.read_text("utf-8"))
    (ana,) = first["annotations"]
    choices = {
        r["from_name"]: (r["to_name"], r["value"]["choices"])
        for r in ana["result"]
        if r["type"] == "choices"
    }
    assert choices == {"checkworthy": ("text", ["yes"]), "topic": ("text", ["politics", "war"])}
    config = ElementTree.fromstring(labelstudio.label_config(load_project(labelled).schema))
    found = {
        c.get("name"): (c.get("toName"), c.get("choice"), [x.get("value") for x in c])
        for c in config.iter("Choices")
    }
    assert found == {
        "topic": ("text", "multiple", ["politics", "economy", "war"]),
        "checkworthy": ("text", "single", ["yes", "no"]),
    }


def test_doccano_and_prodigy_write_name_value_categories(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "export", labelled, "-o", tmp_path / "d.jsonl", "-f", "doccano")[0] == 0
    lines = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text("utf-8").splitlines()]
    assert [(x["annotator"], x["cats"]) for x in lines] == [
        ("ana", ["checkworthy:yes", "topic:politics", "topic:war"]),
        ("ana", []),  # ana's spans in the second article, without document labels
        ("bob", ["checkworthy:no", "topic:economy"]),
    ]
    assert run(capsys, "export", labelled, "-o", tmp_path / "p.jsonl", "-f", "prodigy")[0] == 0
    lines = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text("utf-8").splitlines()]
    every = [
        "topic:politics", "topic:economy", "topic:war", "checkworthy:yes", "checkworthy:no",
    ]  # fmt: skip
    assert all([o["id"] for o in x["options"]] == every for x in lines)
    assert [(x["meta"]["annotator"], x["accept"]) for x in lines] == [
        ("ana", ["checkworthy:yes", "topic:politics", "topic:war"]),
        ("ana", []),
        ("bob", ["checkworthy:no", "topic:economy"]),
    ]


def test_spacy_cats_hold_every_declared_value_of_the_labels_set(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spacy = pytest.importorskip("spacy")
    from spacy.tokens import DocBin

    out = tmp_path / "train.spacy"
    code, summary, err = run(capsys, "export", labelled, "-o", out, "-f", "spacy")
    assert code == 0, err
    assert "document label" not in summary
    docs = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    cats = {(d.user_data["annotator"], d.text): d.cats for d in docs}
    assert cats == {
        ("ana", QUOTE_TEXT): {
            "topic:politics": 1.0, "topic:economy": 0.0, "topic:war": 1.0,
            "checkworthy:yes": 1.0, "checkworthy:no": 0.0,
        },
        # A label the layer did not set has no categories: unknown, not false.
        ("ana", OTHER_TEXT): {},
        ("bob", OTHER_TEXT): {
            "topic:politics": 0.0, "topic:economy": 1.0, "topic:war": 0.0,
            "checkworthy:yes": 0.0, "checkworthy:no": 1.0,
        },
    }  # fmt: skip


def test_parquet_document_rows_carry_them_and_span_rows_count_them(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "docs.parquet"
    code, summary, err = run(capsys, "export", labelled, "-o", out, "-f", "parquet")
    assert code == 0, err
    assert "document label" not in summary
    rows = pq.read_table(out).to_pylist()
    assert [(r["annotator"], r["document_labels"]) for r in rows] == [
        ("ana", '{"checkworthy":"yes","topic":["politics","war"]}'),
        ("ana", ""),
        ("bob", '{"checkworthy":"no","topic":["economy"]}'),
    ]
    code, summary, err = run(
        capsys, "export", labelled, "-o", tmp_path / "spans.parquet", "-f", "parquet",
        "--rows", "span",
    )  # fmt: skip
    assert code == 0, err
    assert "4 document label(s) left out" in summary


def test_a_category_is_split_at_a_declared_name_else_at_the_first_colon() -> None:
    schema = LabelSchema(labels=(), document_labels=(DocumentLabelDef("a:b", ("c", "d:e")),))
    assert split_category("a:b:d:e", schema) == ("a:b", "d:e")
    assert split_category("x:y:z", schema) == ("x", "y:z")
    # A peer's flat category: the declared label that has the value, else "category".
    assert split_category("c", schema) == ("a:b", "c")
    assert split_category("plain", schema) == ("category", "plain")
    assert split_category("plain", None) == ("category", "plain")
    with pytest.raises(LineProblem, match="value"):
        split_category("topic:", schema)


def test_bad_categories_refuse_their_line_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"text": "A b.", "label": [], "cats": ["topic:x"], "annotator": "ana"}\n'
        '{"text": "C d.", "label": [], "cats": "topic:x", "annotator": "ana"}\n'
        '{"text": "E f.", "label": [], "cats": ["topic:"], "annotator": "ana"}\n'
        '{"text": "G h.", "entities": [[0, 1, "Person"]], "cats": ["topic:y"]}\n',
        encoding="utf-8",
    )
    first, *problems = list(doccano.read(path, ImportContext()))
    assert isinstance(first, AnnotatedDraft)
    assert first.layers[0].document_labels == {"topic": "x"}
    assert all(isinstance(p, InputProblem) for p in problems)
    assert [(p.line, p.message) for p in problems] == [  # type: ignore[union-attr]
        (2, "'cats' must be a list of categories (LABEL:VALUE)"),
        (3, "category 'topic:': value '' is empty or has spaces around"),
        # doccano's intent detection form, entities as triples, read; no annotator named.
        (4, "no annotator named: use --as NAME to say whose layer this is"),
    ]


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (
            {"from_name": "topic", "value": {"choices": "x"}},
            "'value.choices' must be a non-empty list",
        ),
        ({"value": {"choices": ["x"]}}, "choices 'from_name' None is not a string"),
        (
            {"from_name": "topic", "value": {"choices": [" x"]}},
            "choice ' x' is empty or has spaces",
        ),
    ],
)
def test_a_bad_choices_result_refuses_its_task(
    tmp_path: Path, result: dict[str, Any], reason: str
) -> None:
    task = {
        "data": {"text": "A b."},
        "annotations": [
            {
                "completed_by": {"email": "ann@example.org"},
                "result": [{"id": "c", "type": "choices", **result}],
            }
        ],
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    (problem,) = list(labelstudio.read(path, ImportContext()))
    assert isinstance(problem, InputProblem)
    assert problem.message.startswith(f"task 1: annotation 1, result 'c': {reason}")


def test_declared_labels_keep_their_choice_whatever_the_count() -> None:
    schema = LabelSchema(labels=(), document_labels=DOCUMENT_LABELS)
    chosen = {"topic": ["war"], "checkworthy": ["yes"], "stance": ["pro"], "tags": ["a", "b"]}
    assert chosen_document_labels(chosen, schema) == {
        "topic": ["war"],
        "checkworthy": "yes",
        "stance": "pro",
        "tags": ["a", "b"],
    }
    # Two values for a single choice stay a list, which the import refuses by name.
    assert chosen_document_labels({"checkworthy": ["yes", "no"]}, schema) == {
        "checkworthy": ["yes", "no"]
    }


def test_label_studio_converter_reads_the_choices(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Label Studio's own converter (JSON-MIN), with the labeling config the
    export's schema gives, finds each layer's choices under the label's name."""
    from label_studio_converter import Converter

    out = tmp_path / "tasks.json"
    assert run(capsys, "export", labelled, "-o", out, "-f", "labelstudio")[0] == 0
    config = labelstudio.label_config(load_project(labelled).schema)
    Converter(config=config, project_dir=str(tmp_path)).convert(
        str(out), str(tmp_path / "min"), "JSON_MIN", is_dir=False
    )
    records = json.loads((tmp_path / "min" / "result.json").read_text("utf-8"))
    found = {(r["annotator"], r["text"]): (r.get("topic"), r.get("checkworthy")) for r in records}
    # JSON-MIN's own shape: one choice as the value, several as {"choices": [...]}.
    assert found == {
        ("ana", QUOTE_TEXT): ({"choices": ["politics", "war"]}, "yes"),
        ("ana", OTHER_TEXT): (None, None),
        ("bob", OTHER_TEXT): ("economy", "no"),
    }


def test_a_peers_own_categories_import_as_the_label_category(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Prodigy's textcat answers name no label of ours: with --add-labels they
    become values of "category"; without, the import refuses and names it."""
    path = tmp_path / "textcat.jsonl"
    path.write_text(
        '{"text": "Prices rose.", "spans": [], "accept": ["ECONOMY", "NEWS"], "answer": "accept"}\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "import", project_dir, path, "-f", "prodigy", "--as", "ana")
    assert code == 2 and "category" in err
    assert labels_of(project_dir) == {}
    code, _, err = run(
        capsys, "import", project_dir, path, "-f", "prodigy", "--as", "ana", "--add-labels"
    )
    assert code == 0, err
    assert labels_of(project_dir) == {"Prices rose.": {"ana": {"category": ["ECONOMY", "NEWS"]}}}
    declared = load_project(project_dir).schema.document_label("category")
    assert declared is not None and declared.multiple


def test_a_document_label_named_as_label_studios_own_controls_round_trips(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A document label called "label" or "text" gets a control name of its own
    ("label_choices"): a config cannot name two controls alike."""
    named = (DocumentLabelDef("label", ("a", "b")), DocumentLabelDef("text", ("c", "d")))
    project = load_project(project_dir)
    update_schema(project, lambda schema: replace(schema, document_labels=named))
    db = project.open_database()
    try:
        with db.session() as s:
            (doc,) = repo.insert_documents(s, [DocumentDraft("One text.")])
            assert doc is not None
            document_labels.set_document_label(s, doc, "ana", "label", "b")
            document_labels.set_document_label(s, doc, "ana", "text", "c")
    finally:
        db.close()
    config = ElementTree.fromstring(labelstudio.label_config(load_project(project_dir).schema))
    assert [c.get("name") for c in config.iter("Choices")] == ["label_choices", "text_choices"]
    out = tmp_path / "tasks.json"
    assert run(capsys, "export", project_dir, "-o", out, "-f", "labelstudio")[0] == 0
    target = tmp_path / "again"
    create_project(target)
    update_schema(load_project(target), lambda schema: replace(schema, document_labels=named))
    code, _, err = run(capsys, "import", target, out, "-f", "labelstudio")
    assert code == 0, err
    assert labels_of(target) == {"One text.": {"ana": {"label": "b", "text": "c"}}}
