"""`annotator export` and `annotator import --format`: end to end, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
import yaml
from sqlalchemy import update

from annotator.cli.app import main
from annotator.io.project import load_project
from annotator.store import repository
from annotator.store.models import Span
from tests.io.test_formats_common import populate, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BRAT = FIXTURES / "brat"
DOCCANO = FIXTURES / "doccano"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(project_dir: Path) -> Path:
    db = load_project(project_dir).open_database()
    try:
        populate(db)
    finally:
        db.close()
    return project_dir


def test_export_every_format(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt, name in [
        ("native", "a.jsonl"),
        ("doccano", "b.jsonl"),
        ("prodigy", "c.jsonl"),
        ("brat", "d"),
        ("brat", "e.zip"),
        ("conll", "f.conll"),
        ("csv", "g.csv"),
    ]:
        code, out, err = run(capsys, "export", filled, "-o", tmp_path / name, "--format", fmt)
        assert code == 0, err
        assert "Exported 3 document(s)" in out
        assert (tmp_path / name).exists()


def test_native_round_trip_through_the_command_line(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "all.jsonl"
    assert run(capsys, "export", filled, "-o", out_file)[0] == 0
    assert run(capsys, "new", tmp_path / "copy")[0] == 0
    db = load_project(tmp_path / "copy").open_database()
    with db.session() as session:
        repository.set_roles(session, ["rita"])  # the gold layer needs a reviewer
    db.close()
    code, out, err = run(
        capsys, "import", tmp_path / "copy", out_file, "--format", "native", "--reviewer", "rita"
    )
    assert code == 0, err
    assert "3 new document(s)" in out
    dbs = [load_project(p).open_database() for p in (filled, tmp_path / "copy")]
    try:
        assert snapshot(dbs[0], times=True) == snapshot(dbs[1], times=True)
    finally:
        for db in dbs:
            db.close()


def test_filters_and_split(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "export", filled, "-o", tmp_path / "s", "--annotator", "bob", "--gold",
        "--label", "Person", "--split", "train=0.5,test=0.5", "--seed", "3",
    )  # fmt: skip
    assert code == 0
    assert "train: 1 document(s)" in out and "test: 1 document(s)" in out
    lines = [
        orjson.loads(x)
        for f in ("train", "test")
        for x in (tmp_path / "s" / f"{f}.jsonl").read_bytes().splitlines()
    ]
    assert {a["annotator"] for d in lines for a in d["annotations"]} == {"bob", "gold"}
    code, out, _ = run(
        capsys, "export", filled, "-o", tmp_path / "d.jsonl", "--status", "done", "--doc", "2"
    )
    assert code == 0 and "Exported 1 document(s)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--split", "train=0.9,test=0.2"], "add up to"),
        (["--format", "brat", "--offsets", "utf16"], "utf16 applies to"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "export", filled, "-o", tmp_path / "x", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_unknown_annotator_is_named(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A typo would give an empty dataset that looks like a good one: refused, nothing written.
    code, out, err = run(capsys, "export", filled, "-o", tmp_path / "x.jsonl", "--annotator", "zed")
    assert (code, out) == (2, "")
    assert (
        err
        == f"annotator: {filled}: no annotator named 'zed' in this project; nothing was exported\n"
    )
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.parametrize("fmt", ["native", "csv"])  # the direct path and the workspace's
def test_a_filter_that_names_nothing_is_refused_before_writing(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    target = tmp_path / f"x.{fmt}"
    for args, message in (
        (["--doc", "1", "--doc", "999"], "--doc 999: no document has this id in the project"),
        (["--annotator", "alice", "--annotator", "zedd"], "no annotator named 'zedd'"),
    ):
        code, out, err = run(capsys, "export", filled, "-o", target, "-f", fmt, *args)
        assert (code, out) == (2, "")
        assert err.startswith(f"annotator: {filled}: {message}")
        assert err.endswith("; nothing was exported\n") and err.count("\n") == 1
        assert not target.exists()


def test_gold_asked_of_a_project_without_it_is_refused(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "export", project_dir, "-o", tmp_path / "g.jsonl", "--gold")
    assert (code, out) == (2, "")
    assert "no gold layer in this project yet: nothing was adjudicated" in err
    assert not (tmp_path / "g.jsonl").exists()


def test_unwritable_output_is_a_clear_message(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "export", filled, "-o", blocker / "out.jsonl")
    assert code == 2 and "cannot write the export" in err and "Traceback" not in err


def test_unknown_format_is_a_usage_error(filled: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["export", str(filled), "-o", str(tmp_path / "x"), "--format", "xml"])
    assert info.value.code == 2


def test_mismatching_span_stops_the_export(
    filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = load_project(filled).open_database()
    try:
        with db.session() as s:
            s.execute(update(Span).where(Span.label == "Location").values(start=1))
    finally:
        db.close()
    target = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "export", filled, "-o", target)
    assert code == 1
    assert "export stopped: document 1" in err and "Location 1-" in err
    assert not target.exists()


def test_import_bad_lines_reports_line_numbers(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"text": "Alice and Bob", "label": [[0, 5, "Person"]]},
                {"text": "Two", "label": [[0, 9, "Person"]]},
                {"text": "Three", "label": [[0, 2, ["Person"]]]},
            ]
        )
    )
    code, out, err = run(
        capsys, "import", project_dir, path, "--format", "doccano", "--as", "model"
    )
    assert code == 1
    assert f"{path}:2: span 0-9 lies outside the text" in err
    assert f"{path}:3: span 0-2: label ['Person'] is not a string" in err
    assert "1 span(s)" in out and "Traceback" not in err


def test_unknown_labels_are_listed_and_refused_or_added(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project_dir / "project.yaml").read_text()
    code, _, err = run(capsys, "import", project_dir, DOCCANO, "--format", "doccano", "--as", "dc")
    assert code == 2
    assert (
        "DATE (1)" in err
        and "PERSON (4)" in err
        and "foundedBy (2)" in err
        and "--add-labels" in err
    )
    assert (project_dir / "project.yaml").read_text() == before
    code, _out, err = run(
        capsys, "import", project_dir, DOCCANO, "--format", "doccano", "--as", "dc", "--add-labels"
    )
    assert code == 0, err
    data = yaml.safe_load((project_dir / "project.yaml").read_text())
    names = [label["name"] for label in data["schema"]["labels"]]
    assert {"DATE", "PERSON", "ORG", "LOC", "MISC"} <= set(names)
    assert {"foundedBy", "foundedAt"} <= {r["name"] for r in data["schema"]["relations"]}
    assert load_project(project_dir).schema.label("PERSON") is not None


def test_brat_import_then_export(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        "import",
        project_dir,
        BRAT / "tutorial-news",
        "--format",
        "brat",
        "--as",
        "tut",
        "--add-labels",
    )
    assert code == 0, err
    assert "119 span(s)" in out
    code, out, err = run(capsys, "export", project_dir, "-o", tmp_path / "b", "--format", "brat")
    assert code == 0, err
    assert (tmp_path / "b" / "100-attribute_annotation.ann").exists()


def test_import_of_nothing_usable_is_an_input_error(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "import", project_dir, tmp_path / "nope.jsonl", "--format", "doccano", "--as", "x"
    )
    assert code == 2 and "no such file or folder" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "abc", "label": [[0, 9, "Person"]]}\n')
    code, _, err = run(capsys, "import", project_dir, bad, "--format", "doccano", "--as", "x")
    assert code == 2 and f"{bad}:1: span 0-9 lies outside the text" in err


def test_import_options_need_a_format(
    project_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", project_dir, DOCCANO, "--as", "x")
    assert code == 2 and "--format" in err


def test_brat_needs_as(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", project_dir, BRAT / "tutorial-news", "--format", "brat")
    assert code == 2 and "--as NAME" in err


def test_help_lists_formats_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("export", "import"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "--format" in out and "--offsets" in out
        assert ("--split" in out) if command == "export" else ("--add-labels" in out)
