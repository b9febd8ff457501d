"""Imported relations obey the schema, never link a span to itself, and find stored spans;
the gold layer is imported only by a reviewer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from annotator.cli.app import main
from annotator.core.model import GOLD_ANNOTATOR
from annotator.io.project import load_project
from annotator.store import repository

TEXT = "“We will listen,” Blinken said in Astana."
QUOTE = (0, TEXT.index(" Blinken"))
PERSON = (TEXT.index("Blinken"), TEXT.index(" said"))
PLACE = (TEXT.index("Astana"), TEXT.index("."))


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def span(sid: int, label: str, where: tuple[int, int]) -> dict[str, Any]:
    return {"id": sid, "label": label, "start": where[0], "end": where[1]}


def native(path: Path, *layers: dict[str, Any], text: str = TEXT) -> Path:
    record = {"text": text, "annotations": list(layers)}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def layer(name: str, spans: list[dict[str, Any]], relations: list[tuple[str, int, int]]) -> Any:
    return {
        "annotator": name,
        "spans": spans,
        "relations": [{"type": t, "source_id": s, "target_id": d} for t, s, d in relations],
    }


def stored(project_dir: Path, who: str) -> tuple[list[Any], list[tuple[str, Any, Any]]]:
    db = load_project(project_dir).open_database()
    try:
        with db.reader() as s:
            spans = {x.id: x for x in repository.list_spans(s, 1, [who])}
            relations = [
                (r.type, spans[r.source_id].label, spans[r.target_id].label)
                for r in repository.list_relations(s, 1, [who])
            ]
    finally:
        db.close()
    return sorted((x.label, x.start, x.end) for x in spans.values()), relations


def test_a_relation_the_schema_forbids_is_refused_and_the_rest_kept(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = native(
        tmp_path / "in.jsonl",
        layer(
            "ana",
            [span(1, "Quote", QUOTE), span(2, "Person", PERSON), span(3, "Location", PLACE)],
            [("speaker", 2, 3), ("speaker", 1, 2)],  # a Person said by a Location: no
        ),
    )
    code, out, err = run(capsys, "import", project_dir, path, "--format", "native")
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith(f"annotator: {path}:1: relation speaker from Person")
    assert "only from Quote to Person/Organization" in line
    assert "1 relation(s)" in out and "1 problem(s)" in out
    spans, relations = stored(project_dir, "ana")
    assert len(spans) == 3
    assert relations == [("speaker", "Quote", "Person")]


@pytest.mark.parametrize("fmt", ["native", "doccano"])
def test_a_span_linked_to_itself_is_refused(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = tmp_path / "in.jsonl"
    if fmt == "native":
        # The same span twice: stored once, so the relation would link it to itself.
        native(path, layer("ana", [span(1, "Quote", QUOTE), span(2, "Quote", QUOTE)],
                           [("speaker", 1, 2)]))  # fmt: skip
    else:
        entity = {"id": 1, "label": "Quote", "start_offset": QUOTE[0], "end_offset": QUOTE[1]}
        record = {"text": TEXT, "entities": [entity],
                  "relations": [{"id": 1, "from_id": 1, "to_id": 1, "type": "speaker"}]}  # fmt: skip
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "import", project_dir, path, "--format", fmt, "--as", "ana")
    assert code == 1
    assert f"{path}:1: relation speaker from Quote" in err and "links a span to itself" in err
    assert stored(project_dir, "ana") == ([("Quote", *QUOTE)], [])


def test_relations_to_spans_already_stored_link_them(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spans = [span(1, "Quote", QUOTE), span(2, "Person", PERSON)]
    first = native(tmp_path / "spans.jsonl", layer("ana", spans, []))
    assert run(capsys, "import", project_dir, first, "--format", "native")[0] == 0
    linked = native(tmp_path / "linked.jsonl", layer("ana", spans, [("speaker", 1, 2)]))
    code, out, _ = run(capsys, "import", project_dir, linked, "--format", "native")
    assert code == 0
    assert "0 span(s), 1 relation(s)" in out
    assert stored(project_dir, "ana") == (
        [("Person", *PERSON), ("Quote", *QUOTE)],
        [("speaker", "Quote", "Person")],
    )
    # Once: importing the file again adds nothing.
    code, out, _ = run(capsys, "import", project_dir, linked, "--format", "native")
    assert code == 0 and "0 span(s), 0 relation(s)" in out
    assert len(stored(project_dir, "ana")[1]) == 1


def make_reviewer(project_dir: Path, name: str) -> None:
    db = load_project(project_dir).open_database()
    with db.session() as s:
        repository.set_roles(s, [name])
    db.close()


def test_a_files_gold_layer_needs_a_reviewer(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_reviewer(project_dir, "rita")
    path = native(
        tmp_path / "in.jsonl",
        layer("ana", [span(1, "Person", PERSON)], []),
        layer(GOLD_ANNOTATOR, [span(1, "Person", PERSON)], []),
    )
    code, _, err = run(capsys, "import", project_dir, path, "--format", "native")
    assert code == 1
    assert err == (
        f"annotator: {path}:1: the gold layer (1 span(s)) is written only by a reviewer: "
        "import it with --reviewer NAME\n"
    )
    assert stored(project_dir, "ana")[0] == [("Person", *PERSON)]  # the rest went in
    assert stored(project_dir, GOLD_ANNOTATOR)[0] == []
    for args in (
        ("--as", GOLD_ANNOTATOR),  # calling oneself gold
        ("--as", GOLD_ANNOTATOR, "--reviewer", "ana"),  # not a reviewer
        ("--reviewer", GOLD_ANNOTATOR),
    ):
        code, out, err = run(capsys, "import", project_dir, path, "--format", "native", *args)
        assert code == 2 and out == ""
        assert len(err.splitlines()) == 1 and "reviewer" in err and "Traceback" not in err
    assert stored(project_dir, GOLD_ANNOTATOR)[0] == []
    code, _, err = run(
        capsys, "import", project_dir, path, "--format", "native", "--reviewer", "rita"
    )
    assert code == 0, err
    assert stored(project_dir, GOLD_ANNOTATOR)[0] == [("Person", *PERSON)]
    db = load_project(project_dir).open_database()
    with db.reader() as s:
        log = repository.change_log(s, 1)
    db.close()
    gold_rows = [e for e in log if e["entity"] == "span" and e["after"]["annotator"] == "gold"]
    assert [e["annotator"] for e in gold_rows] == ["rita"]
