"""Backups and restores while other programs have the project open."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.core.errors import DatabaseProblem
from annotator.core.model import DocumentDraft
from annotator.io import backup
from annotator.io.backup import check_backup, list_backups
from annotator.io.project import create_project, load_project
from annotator.store import db as dbmod
from annotator.store import repository as repo
from annotator.store.db import open_database, sqlite_url

OPENERS = 6

# Opens the project as the window does (daily backup included) once the start
# file exists; then, if asked, keeps it open until its standard input closes.
OPENER = """
import sys, time
from pathlib import Path
from annotator.io.project import load_project
go, project, keep = sys.argv[1:]
while not Path(go).exists():
    time.sleep(0.005)
db = load_project(project).open_database()
if keep == "keep":
    print("open", flush=True)
    sys.stdin.read()
    from annotator.store import repository as repo
    from annotator.core.model import DocumentDraft
    with db.session() as s:
        repo.insert_documents(s, [DocumentDraft(text="written after the restore was asked")])
    print("saved", flush=True)
db.close()
"""


def opener(go: Path, project: Path, keep: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", OPENER, str(go), str(project), "keep" if keep else "once"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def texts(project: Path) -> list[str]:
    db = load_project(project).open_database()
    with db.reader() as s:
        found = [repo.document_text(s, d.id) for d in repo.list_documents(s)]
    db.close()
    return found


def test_programs_opening_at_once_take_one_daily_backup(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p").directory
    db = open_database(sqlite_url(project / "annotator.sqlite"))
    with db.session() as s:  # a few megabytes: copying takes a moment, as it does for real
        repo.insert_documents(s, [DocumentDraft(text=f"{n} " + "word " * 400) for n in range(3000)])
    db.close()
    go = tmp_path / "go"
    procs = [opener(go, project) for _ in range(OPENERS)]
    go.touch()
    results = [(p.wait(timeout=120), p.communicate()[1].decode()) for p in procs]
    assert results == [(0, "")] * OPENERS  # no "disk I/O error", no "already exists"
    (made,) = list_backups(project)  # the day's, once
    check_backup(made)
    assert [p.name for p in (project / "backups").iterdir() if p.name.endswith("partial")] == []


class FrozenClock(datetime):
    """Every backup in the same second: the daily one and the one asked for collide."""

    @classmethod
    def now(cls, tz: object = None) -> FrozenClock:  # type: ignore[override]
        return cls(2026, 3, 1, 9, 30, 0, tzinfo=UTC)


def test_backup_command_when_the_daily_backup_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = create_project(tmp_path / "p").directory
    monkeypatch.setattr(backup, "datetime", FrozenClock)
    assert main(["backup", str(project)]) == 0, capsys.readouterr().err
    names = [p.name for p in list_backups(project)]
    assert names == ["annotator-20260301T093000.sqlite", "annotator-20260301T093000-2.sqlite"]
    assert "-2.sqlite" in capsys.readouterr().out
    assert backup.backup_time(list_backups(project)[-1]) == FrozenClock.now()


def test_a_daily_backup_that_cannot_be_made_does_not_stop_opening(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = create_project(tmp_path / "p").directory
    (project / "backups").write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING):
        db = load_project(project).open_database()
    try:
        with db.session() as s:
            repo.insert_documents(s, [DocumentDraft(text="work goes on")])
        assert db.backup_problem is not None and "backups" in db.backup_problem
    finally:
        db.close()
    assert [r.getMessage() for r in caplog.records] == [f"annotator: {db.backup_problem}"]
    assert texts(project) == ["work goes on"]


def test_restore_is_refused_while_another_program_has_the_project_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = create_project(tmp_path / "p").directory
    assert main(["backup", str(project), "--to", str(tmp_path / "empty.sqlite")]) == 0
    go = tmp_path / "go"
    go.touch()
    other = opener(go, project, keep=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == b"open\n"
        capsys.readouterr()
        assert main(["restore", str(project), str(tmp_path / "empty.sqlite")]) == 2
        err = capsys.readouterr().err
        assert "open in another program" in err and "Traceback" not in err
        assert not list(project.glob("annotator.before-restore-*"))  # nothing set aside
    finally:
        out, err = other.communicate(b"", timeout=60)  # the other program saves, then closes
    assert other.returncode == 0, err.decode()
    assert out == b"saved\n"
    assert texts(project) == ["written after the restore was asked"]  # where it belongs
    # Closed now: the restore goes ahead.
    assert main(["restore", str(project), str(tmp_path / "empty.sqlite")]) == 0
    assert texts(project) == []


def test_opening_waits_for_a_restore_then_gives_up_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.store.db import exclusive_use

    project = create_project(tmp_path / "p").directory
    database = project / "annotator.sqlite"
    monkeypatch.setattr(dbmod, "OPEN_WAIT_S", 0.3)
    with exclusive_use(database), pytest.raises(DatabaseProblem, match="being restored"):
        open_database(sqlite_url(database))
    open_database(sqlite_url(database)).close()  # and opens once it is done


def test_a_restore_the_disk_refuses_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = create_project(tmp_path / "p").directory
    assert main(["backup", str(project), "--to", str(tmp_path / "empty.sqlite")]) == 0
    db = load_project(project).open_database()
    with db.session() as s:
        repo.insert_documents(s, [DocumentDraft(text="kept")])
    db.close()

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.shutil, "copyfile", full_disk)
    capsys.readouterr()
    assert main(["restore", str(project), str(tmp_path / "empty.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was replaced" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert texts(project) == ["kept"]
    assert not list(project.glob("annotator.before-restore-*"))
    assert not list(project.glob(".*partial"))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_server_backup_is_one_moment_while_others_import(
    database_url: str, tmp_path: Path
) -> None:
    """The copy reads table after table; an article and its spans stored meanwhile
    are in the backup whole or not at all (SQLite writers wait for it anyway)."""
    from annotator.store.copy import copy_database

    source = open_database(database_url, create=True)
    with source.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text="Astana, before the backup.")])
        assert doc is not None
        repo.add_span(s, doc, "ana", "Location", 0, 6)
    target = open_database(sqlite_url(tmp_path / "copy.sqlite"), create=True)
    meanwhile: list[int] = []

    def colleague_imports(table: str, _rows: int) -> None:
        if table == "documents" and not meanwhile:  # documents copied, spans not yet
            with source.session() as s:
                (new,) = repo.insert_documents(s, [DocumentDraft(text="Tashkent, during it.")])
                assert new is not None
                meanwhile.append(repo.add_span(s, new, "ben", "Location", 0, 8).id)

    try:
        counts = copy_database(source, target, colleague_imports)
    finally:
        target.close()
        source.close()
    assert meanwhile  # the colleague's import did land during the copy
    assert counts["documents"] == 1 and counts["spans"] == 1  # the backup's moment
