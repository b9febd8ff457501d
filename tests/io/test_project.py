from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from annotator.io.errors import ProjectProblem
from annotator.io.project import (
    PROJECT_FILE,
    create_project,
    load_project,
    save_project,
)


def test_new_project_has_yaml_and_database(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p", name="Elections 2024")
    assert (tmp_path / "p" / PROJECT_FILE).exists()
    assert (tmp_path / "p" / "annotator.sqlite").exists()
    loaded = load_project(tmp_path / "p")
    assert loaded.name == "Elections 2024"
    assert loaded.schema == project.schema
    assert "Quote" in loaded.schema.label_names
    assert loaded.setting("snap_to_words") is True


def test_a_project_is_not_created_twice(tmp_path: Path) -> None:
    create_project(tmp_path / "p")
    with pytest.raises(ProjectProblem, match="already exists"):
        create_project(tmp_path / "p")


def test_custom_schema_file(tmp_path: Path) -> None:
    schema = tmp_path / "mine.yaml"
    schema.write_text("labels:\n  - name: Drug\n    color: '#123456'\n    key: d\n")
    project = create_project(tmp_path / "p", schema=str(schema))
    assert project.schema.label_names == ["Drug"]


def test_saving_keeps_everything(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p")
    project.settings["font_size"] = 15
    save_project(project)
    assert load_project(tmp_path / "p").setting("font_size") == 15


GOOD_HEAD = "version: 1\nname: P\nschema:\n  labels:\n"


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        ("name: [unclosed\n", 2, "YAML syntax error"),
        ("version: 1\nname: P\ncolour: red\nschema: {labels: [{name: A}]}\n", 3, "colour: unknown key"),
        (GOOD_HEAD + "    - name: A\n    - kind: entity\n      color: '#fff'\n", 6,
         "schema.labels.1: label has no name"),
        (GOOD_HEAD + "    - name: A\n      key: a\n    - name: B\n      key: a\n", 8,
         "already bound"),
        (GOOD_HEAD + "    - name: A\n      color: reddish\n", 6, "unknown colour 'reddish'"),
        (GOOD_HEAD + "    - name: A\n      attributes:\n        - name: ok\n          values: [yes, no]\n",
         8, "quote it"),
        ("version: 7\nname: P\nschema: {labels: [{name: A}]}\n", 1, "newer than this program"),
        ("version: 1\nname: P\n", 1, "no schema"),
        ("version: 1\nname: P\nschema: {labels: [{name: A}]}\nsettings:\n  font_size: big\n", 5,
         "expected int"),
        ("- just\n- a list\n", 1, "expected a mapping"),
        ("version: 1\nname: P\ndatabase: postgresql://bob:secret@db/x\nschema: {labels: [{name: A}]}\n",
         3, "contains a password"),
        ("version: 1\nname: P\nseed_annotations: a.jsonl\nschema: {labels: [{name: A}]}\n", 3,
         "seed_annotations: 'a.jsonl' is not a native JSONL file beside a 'seed:' folder"),
    ],
)  # fmt: skip
def test_bad_project_yaml_names_file_line_and_problem(
    tmp_path: Path, content: str, line: int | None, fragment: str
) -> None:
    (tmp_path / PROJECT_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ProjectProblem) as info:
        load_project(tmp_path)
    message = str(info.value)
    where = f"{tmp_path / PROJECT_FILE}:{line}: " if line else f"{tmp_path / PROJECT_FILE}: "
    assert message.startswith(where), message
    assert fragment in message
    assert "\n" not in message


def test_missing_and_unreadable_projects(tmp_path: Path) -> None:
    with pytest.raises(ProjectProblem, match="no such project folder"):
        load_project(tmp_path / "nope")
    with pytest.raises(ProjectProblem, match="not a project folder"):
        load_project(tmp_path)
    (tmp_path / PROJECT_FILE).write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ProjectProblem, match="not UTF-8"):
        load_project(tmp_path)


def test_database_url_expands_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        "name: P\ndatabase: ${DB_FILE}\nschema: {labels: [{name: A}]}\n", encoding="utf-8"
    )
    monkeypatch.setenv("DB_FILE", "data/db.sqlite")
    assert load_project(tmp_path).database_url == f"sqlite:///{tmp_path}/data/db.sqlite"
    monkeypatch.delenv("DB_FILE")
    with pytest.raises(ProjectProblem, match="DB_FILE is not set"):
        _ = load_project(tmp_path).database_url


def test_project_yaml_is_loaded_safely(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        "name: !!python/object/apply:os.system ['echo pwned']\nschema: {labels: [{name: A}]}\n"
    )
    with pytest.raises(ProjectProblem, match="YAML"):
        load_project(tmp_path)


def test_rendered_yaml_is_what_users_edit(tmp_path: Path) -> None:
    create_project(tmp_path / "p")
    data = yaml.safe_load((tmp_path / "p" / PROJECT_FILE).read_text())
    claim = data["schema"]["labels"][0]
    assert claim["attributes"][0]["values"] == ["yes", "no", "unsure"]
    assert data["schema"]["relations"][0] == {
        "name": "speaker", "from": ["Quote"], "to": ["Person", "Organization"],
        "description": "Who said the quote.",
    }  # fmt: skip


def test_sample_project_builds_its_database_from_its_articles(tmp_path: Path) -> None:
    import shutil

    from annotator.paths import SAMPLE_PROJECT_DIR
    from annotator.store import document_labels, entities, repository

    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("*.sqlite*"))
    db = load_project(copy).open_database()
    with db.reader() as session:
        documents = {d.title: d.id for d in repository.list_documents(session)}
        spans = [
            span
            for doc_id in documents.values()
            for span in repository.list_spans(session, doc_id, ["example"])
        ]
        people = {e.name: e for e in entities.list_entities(session)}
        mentions = entities.mention_counts(session)
        labels = document_labels.document_labels(
            session, documents["Blinken holds talks with Central Asian nations"]
        )
    db.close()
    assert len(documents) == 4
    # The example layer shows what the program keeps: a quote in two pieces,
    # an entity with several mentions and the article's document labels.
    split = [s for s in spans if s.fragments]
    assert [s.text for s in split] == ['"más experto" … "que se impuso a un Valencia que balbuceó"']
    assert mentions[people["Antony Blinken"].id][0] == 5
    assert people["Kazakhstan"].external_id == "Q232"
    assert labels == {
        "example": {"checkworthy": "yes", "regions": ["Central Asia"], "topic": "diplomacy"}
    }


def test_the_sample_annotations_are_what_their_script_writes() -> None:
    """projects/sample/annotations.jsonl is generated: a changed article or
    phrase must be followed by running scripts/sample_annotations.py."""
    import runpy

    from annotator.paths import SAMPLE_PROJECT_DIR

    script = runpy.run_path(
        str(Path(__file__).parents[2] / "scripts" / "sample_annotations.py"), run_name="sample"
    )
    written = (SAMPLE_PROJECT_DIR / "annotations.jsonl").read_bytes().splitlines()
    expected = [script["orjson"].dumps(script["record"](a)) for a in script["ARTICLES"]]
    assert written == expected


def test_seed_annotations_go_in_whole_or_the_database_is_not_built(tmp_path: Path) -> None:
    from annotator.store import repository

    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("Ana met Bob.\n", encoding="utf-8")
    line = {
        "text": "Ana met Bob.\n",
        "annotations": [
            {"annotator": "example", "spans": [{"start": 0, "end": 3, "label": "Persona"}]}
        ],
    }
    (tmp_path / "seed.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    (tmp_path / PROJECT_FILE).write_text(
        "version: 1\nname: P\nseed: articles\nseed_annotations: seed.jsonl\n"
        "schema: {labels: [{name: Person}]}\n",
        encoding="utf-8",
    )
    project = load_project(tmp_path)
    with pytest.raises(ProjectProblem, match=r"seed\.jsonl: labels not in the project's schema"):
        project.open_database()
    assert not (tmp_path / "annotator.sqlite").exists()  # nothing half-built
    line["annotations"][0]["spans"][0]["label"] = "Person"  # type: ignore[index]
    (tmp_path / "seed.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    db = project.open_database()
    with db.reader() as session:
        (doc,) = repository.list_documents(session)
        spans = repository.list_spans(session, doc.id)
    db.close()
    assert [(s.annotator, s.label, s.text) for s in spans] == [("example", "Person", "Ana")]
