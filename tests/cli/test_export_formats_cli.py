"""`annotator export/import` with the labelstudio, spacy and parquet formats: options,
messages, and the offset guarantee (a stored span that does not match stops the export)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from annotator.cli.app import main
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.models import Span
from tests.io.test_formats_common import TEXTS, populate


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(project_dir: Path) -> Path:
    db = load_project(project_dir).open_database()
    try:
        ids = populate(db)
        with db.session() as s:  # "Mad" of "Madrid": inside a spaCy token
            start = TEXTS[0].index("Madrid")
            repository.add_span(s, ids[0], "carol", "Location", start, start + 3)
    finally:
        db.close()
    return project_dir


def test_each_format_with_its_options(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "export", filled, "-o", tmp_path / "ls.json", "-f", "labelstudio")
    assert code == 0, err
    assert "Exported 3 document(s), 10 span(s), 1 relation(s) as labelstudio" in out
    assert len(json.loads((tmp_path / "ls.json").read_text(encoding="utf-8"))) == 3

    code, out, err = run(capsys, "export", filled, "-o", tmp_path / "a.spacy", "-f", "spacy")
    assert code == 0
    assert "1 span(s) do not line up with spaCy's tokens and were left out (Location 1)" in err
    assert "9 span(s)" in out
    code, out, err = run(capsys, "export", filled, "-o", tmp_path / "b.spacy", "-f", "spacy",
                         "--alignment", "expand", "--spacy-lang", "es", "--span-group", "all")  # fmt: skip
    assert code == 0 and "10 span(s)" in out
    assert "1 span(s) were moved to token boundaries (--alignment expand)" in err

    code, out, err = run(capsys, "export", filled, "-o", tmp_path / "s.parquet", "-f", "parquet",
                         "--rows", "span", "--split", "train=0.5,test=0.5")  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "s.parquet").iterdir()) == [
        "test.parquet",
        "train.parquet",
    ]


def test_label_studio_import_reports_what_it_leaves_out(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Kim 😀 met Lee."
    tasks = [
        {
            "id": 1,
            "data": {"text": text},
            "annotations": [
                {
                    "completed_by": {"email": "kim@example.org"},
                    "result": [
                        {"id": "k", "type": "labels", "value": {"start": 0, "end": 3,
                         "text": "Kim", "labels": ["Person"]}},
                        # Older Label Studio: UTF-16 units, 11 is "Lee" after the emoji.
                        {"id": "l", "type": "labels", "value": {"start": 11, "end": 14,
                         "text": "Lee", "labels": ["Person"]}},
                    ],
                }
            ],
            "predictions": [{"result": []}],
        },
        {"id": 2, "data": {"text": "No match."}, "annotations": [{"completed_by": 1, "result": [
            {"id": "x", "type": "labels", "value": {"start": 0, "end": 2, "text": "Yes",
             "labels": ["Person"]}}]}]},
    ]  # fmt: skip
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "import", project_dir, path, "--format", "labelstudio")
    assert code == 1
    assert f"{path}: task 2 (id 2): annotation 1, result 'x': span 0-2 Person: text 'Yes'" in err
    assert "not imported: 1 prediction(s)" in err
    assert "Imported 1 record(s): 1 new document(s)" in out and "2 span(s)" in out


@pytest.mark.parametrize(
    ("fmt", "name"), [("labelstudio", "x.json"), ("spacy", "x.spacy"), ("parquet", "x.parquet")]
)
def test_a_mismatching_span_stops_the_export_and_writes_nothing(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, name: str
) -> None:
    db = load_project(filled).open_database()
    try:
        with db.session() as s:
            s.execute(update(Span).where(Span.label == "Location").values(text="Madird"))
    finally:
        db.close()
    code, _, err = run(capsys, "export", filled, "-o", tmp_path / name, "-f", fmt)
    assert code == 1
    assert "export stopped" in err and "Madird" in err
    assert not (tmp_path / name).exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(f".{name}")] == []
