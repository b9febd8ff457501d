"""`annotator entities PROJECT [--json]` (issue 15), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.io.project import load_project
from annotator.store import entities
from tests.io.test_native_who_said_what import annotate


def test_entities_are_listed_with_their_mentions(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = load_project(project_dir).open_database()
    try:
        annotate(db)
        with db.session() as s:
            entities.create_entity(s, "ana", "Unmentioned", external_id="Q1")
    finally:
        db.close()
    assert main(["entities", str(project_dir), "--json"]) == 0
    listed = orjson.loads(capsys.readouterr().out)
    assert [(e["name"], e["mentions"], e["documents"]) for e in listed] == [
        ("Antony Blinken", 3, 2),
        ("Astana", 1, 1),
        ("Unmentioned", 0, 0),
    ]
    assert listed[0] == {
        "id": listed[0]["id"], "name": "Antony Blinken", "label": "Person",
        "external_id": "Q312170", "aliases": ["Blinken", "the Secretary"],
        "mentions": 3, "documents": 2,
    }  # fmt: skip
    assert main(["entities", str(project_dir)]) == 0
    header, rule, blinken, astana, unmentioned = capsys.readouterr().out.splitlines()
    assert header.split() == ["id", "name", "label", "external", "id", "aliases", "mentions",
                              "documents"]  # fmt: skip
    assert set(rule) == {"-", " "}
    assert "Antony Blinken" in blinken and "Q312170" in blinken
    assert "Blinken; the Secretary" in blinken and blinken.split()[-2:] == ["3", "2"]
    assert astana.split()[-2:] == ["1", "1"] and unmentioned.split()[-2:] == ["0", "0"]


def test_a_project_without_entities_says_so(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["entities", str(project_dir)]) == 0
    assert capsys.readouterr().out == "No entities in this project\n"
    assert main(["entities", str(project_dir), "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out) == []


def test_no_project_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entities", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "Traceback" not in err
