"""Roles that hold on the command line: no one is "gold", project.yaml does not rewrite a
database's roles, `annotator roles` is a reviewer's, `copy` keeps passwords out."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.core.errors import PermissionDenied
from annotator.core.model import GOLD_ANNOTATOR, DocumentDraft
from annotator.io.project import PROJECT_FILE, load_project, save_project
from annotator.store import repository

TEXT = "“We will listen to you,” Blinken said in Astana on Monday."


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(project_dir: Path) -> Path:
    """alice and bob annotate one document the same way; rita reviews."""
    config = load_project(project_dir)
    config.annotators = ["alice", "bob"]
    config.reviewers = ["rita"]
    save_project(config)
    db = load_project(project_dir).open_database()
    try:
        with db.session() as s:
            (doc,) = repository.insert_documents(s, [DocumentDraft(TEXT)])
            assert doc == 1
            start = TEXT.index("Blinken")
            for who in ("alice", "bob"):
                repository.add_span(s, doc, who, "Person", start, start + 7)
    finally:
        db.close()
    return project_dir


def roles(project: Path) -> dict[str, str]:
    db = load_project(project).open_database()
    try:
        with db.reader() as s:
            return dict(repository.people_roles(s))
    finally:
        db.close()


def gold_spans(project: Path) -> list[object]:
    db = load_project(project).open_database()
    try:
        with db.reader() as s:
            return list(repository.list_spans(s, 1, [GOLD_ANNOTATOR]))
    finally:
        db.close()


def test_project_yaml_naming_other_reviewers_is_reported_not_applied(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_project(project)
    config.reviewers = ["mallory"]  # someone edits their own copy of project.yaml
    save_project(config)
    code, _, err = run(capsys, "docs", project)
    assert code == 0
    assert err.splitlines() == [
        f"annotator: {project}: project.yaml names reviewers mallory, the database has rita: "
        "the database's roles hold (a reviewer changes them with 'annotator roles')"
    ]
    with pytest.raises(PermissionDenied):
        db = load_project(project).open_database()
        try:
            with db.session() as s:
                repository.add_span(s, 1, GOLD_ANNOTATOR, "Person", 0, 4, editor="mallory")
        finally:
            db.close()
    assert roles(project)["rita"] == "reviewer"
    assert roles(project).get("mallory", "annotator") == "annotator"


def test_only_a_reviewer_changes_roles(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused = [
        (("--as", "alice", "--set-reviewer", "alice"), "only a reviewer may"),
        (("--set-reviewer", "bob"), "need --as REVIEWER"),
        (("--as", "rita", "--set-reviewer", GOLD_ANNOTATOR), "not an analyst's name"),
        (("--as", GOLD_ANNOTATOR, "--set-reviewer", "bob"), "not an analyst's name"),
        (("--as", "rita", "--set-annotator", "rita"), "the only reviewer"),
        (("--as", "rita", "--set-reviewer", "bbo"), "not one of the project's"),
    ]
    for args, message in refused:
        code, out, err = run(capsys, "roles", project, *args)
        assert (code, out) == (2, ""), args
        assert len(err.splitlines()) == 1 and message in err, (args, err)
    assert roles(project) == {"alice": "annotator", "bob": "annotator", "rita": "reviewer"}
    code, out, _ = run(capsys, "roles", project, "--as", "rita", "--set-reviewer", "bob")
    assert code == 0 and out == "bob is now a reviewer\n"
    # Handing the role over in one command: the promotion comes first.
    code, out, _ = run(
        capsys, "roles", project, "--as", "rita", "--set-annotator", "rita",
        "--set-reviewer", "alice",
    )  # fmt: skip
    assert code == 0
    code, out, err = run(capsys, "roles", project, "--json")
    data = orjson.loads(out)
    assert data["reviewers"] == ["alice", "bob"]
    assert data["project_yaml_reviewers"] == ["rita"] and "alice, bob" in data["difference"]
    # project.yaml still says rita: reported, and rita gets nothing back by it.
    assert "project.yaml names reviewers rita, the database has alice, bob" in err
    code, _, err = run(capsys, "roles", project, "--as", "rita", "--set-reviewer", "rita")
    assert code == 2 and "only a reviewer may" in err


def test_gold_is_no_ones_name_on_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attempts = [
        ("suggest", project, "--accept", "--as", GOLD_ANNOTATOR),
        ("adjudicate", project, "--doc", "1", "--accept-agreed", "alice", "bob",
         "--as", GOLD_ANNOTATOR),
    ]  # fmt: skip
    for args in attempts:
        code, out, err = run(capsys, *args)
        assert code == 2, args
        assert len(err.splitlines()) == 1 and "not an analyst's name" in err, err
        assert "Traceback" not in err
    assert gold_spans(project) == []
    code, out, _ = run(
        capsys, "adjudicate", project, "--doc", "1", "--accept-agreed", "alice", "bob",
        "--as", "rita",
    )  # fmt: skip
    assert code == 0 and "Accepted 1 of 1" in out


def test_gold_in_project_yaml_is_refused_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / PROJECT_FILE
    text = config.read_text(encoding="utf-8").replace("- rita", "- gold")
    config.write_text(text, encoding="utf-8")
    line = text.splitlines().index("- gold") + 1
    code, _, err = run(capsys, "docs", project)
    assert code == 2
    assert err.startswith(f"annotator: {config}:{line}: reviewers.0: 'gold' is the adjudicated")


def test_copy_refuses_a_password_in_the_database_url(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "copy"
    code, out, err = run(
        capsys, "copy", project, dest, "--db", "postgresql://ana:s3cret@db.example/news"
    )
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "contains a password" in err
    assert "s3cret" not in err and not dest.exists()


def test_copy_keeps_the_roles_of_the_database(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "copy", project, tmp_path / "copy")
    assert code == 0, err
    assert roles(tmp_path / "copy") == roles(project)
    assert load_project(tmp_path / "copy").reviewers == ["rita"]
