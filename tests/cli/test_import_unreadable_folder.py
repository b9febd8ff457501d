"""A folder inside an imported folder that cannot be listed is named, not skipped unsaid."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from annotator.cli.app import main
from annotator.io.project import create_project, load_project
from annotator.store import repository


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Folders listed here cannot be listed, as without read permission (which
    root, running the tests in CI, would not feel)."""
    folders: list[Path] = []
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if any(Path(str(path)) == folder for folder in folders):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    yield folders


def titles(project: Path) -> list[str]:
    db = load_project(project).open_database()
    try:
        with db.reader() as session:
            return sorted(d.title for d in repository.list_documents(session))
    finally:
        db.close()


def test_articles_in_an_unreadable_folder_are_reported(
    tmp_path: Path, locked: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    articles = tmp_path / "in"
    (articles / "locked").mkdir(parents=True)
    (articles / "open.txt").write_text("Open\n\nRead.\n", encoding="utf-8")
    (articles / "locked" / "hidden-from-us.txt").write_text("Locked\n\nText.\n", encoding="utf-8")
    locked.append(articles / "locked")
    project = tmp_path / "p"
    create_project(project)
    assert main(["import", str(project), str(articles)]) == 1
    err = capsys.readouterr().err
    assert f"{articles / 'locked'}: cannot read the folder (Permission denied)" in err
    assert titles(project) == ["Open"]


def test_labeled_records_in_an_unreadable_folder_are_reported(
    tmp_path: Path, locked: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "labeled"
    (data / "locked").mkdir(parents=True)
    record = {"text": "Ana Diaz spoke.", "label": [[0, 8, "Person"]]}
    (data / "locked" / "a.jsonl").write_bytes(orjson.dumps(record) + b"\n")
    locked.append(data / "locked")
    project = tmp_path / "p"
    create_project(project)
    code = main(["import", str(project), str(data), "--format", "doccano", "--as", "ana"])
    err = capsys.readouterr().err
    # Named as unreadable, not as a folder without .jsonl files.
    assert f"{data / 'locked'}: cannot read the folder (Permission denied)" in err
    assert "no .jsonl files" not in err
    assert code != 0
    assert titles(project) == []


def test_brat_documents_in_an_unreadable_folder_are_reported(
    tmp_path: Path, locked: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "brat"
    (data / "locked").mkdir(parents=True)
    for folder, name in ((data, "open"), (data / "locked", "shut")):
        (folder / f"{name}.txt").write_text("Ana Diaz spoke.\n", encoding="utf-8")
        (folder / f"{name}.ann").write_text("T1\tPerson 0 8\tAna Diaz\n", encoding="utf-8")
    locked.append(data / "locked")
    project = tmp_path / "p"
    create_project(project)
    assert main(["import", str(project), str(data), "--format", "brat", "--as", "ana"]) == 1
    err = capsys.readouterr().err
    assert f"{data / 'locked'}: cannot read the folder (Permission denied)" in err
    assert titles(project) == ["Ana Diaz spoke."]  # the one in the readable folder
