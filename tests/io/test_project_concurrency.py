"""Imports that add labels to project.yaml: at the same time, and keeping its comments."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.io.formats.api import ImportContext, run_import
from annotator.io.project import create_project, load_project

TEXT = "Jane Doe visited Astana on Monday."


def doccano(path: Path, label: str, relation: str | None = None) -> Path:
    entities = [
        {"id": 0, "start_offset": 0, "end_offset": 8, "label": "Person"},
        {"id": 1, "start_offset": 17, "end_offset": 23, "label": label},
    ]
    relations = [{"id": 0, "from_id": 0, "to_id": 1, "type": relation}] if relation else []
    record = {"text": TEXT, "entities": entities, "relations": relations}
    path.write_bytes(orjson.dumps(record) + b"\n")
    return path


def test_two_imports_adding_labels_keep_both(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    # Both programs read project.yaml before either writes it.
    first, second = load_project(directory), load_project(directory)
    for project, label, name in ((first, "Venue", "ana"), (second, "Weekday", "ben")):
        db = project.open_database()
        try:
            run_import(
                project, db, "doccano", [doccano(tmp_path / f"{name}.jsonl", label)],
                ImportContext(as_name=name), add_labels=True,
            )  # fmt: skip
        finally:
            db.close()
    labels = load_project(directory).schema.label_names
    assert {"Venue", "Weekday"} <= set(labels)  # the first one's label is not lost
    assert second.schema.label_names == labels  # and the second program knows it too


def test_imports_adding_labels_at_the_same_moment(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    go = tmp_path / "go"
    labels = [f"Tag{n}" for n in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.team_worker", "cli", str(go), "import",
             str(directory), str(doccano(tmp_path / f"{label}.jsonl", label)),
             "--format", "doccano", "--as", f"a{n}", "--add-labels", "-q"],
            stderr=subprocess.PIPE,
        )
        for n, label in enumerate(labels)
    ]  # fmt: skip
    go.touch()
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * len(labels), errors
    assert set(labels) <= set(load_project(directory).schema.label_names)
    assert not list(directory.glob(".project.yaml*"))  # no temporary file left behind


def test_added_labels_keep_the_comments_and_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = create_project(tmp_path / "p").directory
    config = directory / "project.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("schema:\n", "schema:\n  # Agreed with the desk on 3 March.\n", 1)
    text = text.replace("\n  relations:\n", "\n  # Entities end here.\n  relations:\n", 1)
    text += "# Ask Ana before changing the settings.\n"
    config.write_text(text, encoding="utf-8")
    os.chmod(config, 0o640)
    source = doccano(tmp_path / "in.jsonl", "Venue", "visited")
    assert main(["import", str(directory), str(source), "--format", "doccano",
                 "--as", "ana", "--add-labels", "-q"]) == 0  # fmt: skip
    assert "Venue, visited" in capsys.readouterr().err
    after = config.read_text(encoding="utf-8")
    for comment in (
        "  # Agreed with the desk on 3 March.\n",
        "  # Entities end here.\n",
        "# Ask Ana before changing the settings.\n",
        "# Annotator project.",
    ):
        assert comment in after
    assert after.startswith(text[: text.index("  # Entities end here.")])  # unchanged above
    schema = load_project(directory).schema
    assert schema.label_names[-1] == "Venue"
    relation = schema.relation("visited")
    assert relation is not None and relation.sources == ("Person",)
    assert relation.targets == ("Venue",)
    assert config.stat().st_mode & 0o777 == 0o640


def test_a_schema_written_in_flow_style_is_rewritten_whole(tmp_path: Path) -> None:
    directory = create_project(tmp_path / "p").directory
    (directory / "project.yaml").write_text(
        "name: flow\nschema: {labels: [{name: Person, kind: entity}]}\n", encoding="utf-8"
    )
    source = doccano(tmp_path / "in.jsonl", "Venue")
    assert main(["import", str(directory), str(source), "--format", "doccano",
                 "--as", "ana", "--add-labels", "-q"]) == 0  # fmt: skip
    assert load_project(directory).schema.label_names == ["Person", "Venue"]
