from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.core.model import DocumentDraft
from annotator.io.backup import STAMP, backup_time, list_backups
from annotator.io.project import create_project, load_project
from annotator.store import repository as repo


def add_document(project_dir: Path, text: str) -> None:
    db = load_project(project_dir).open_database()
    with db.session() as s:
        repo.insert_documents(s, [DocumentDraft(text=text)])
    db.close()


def texts(project_dir: Path) -> list[str]:
    db = load_project(project_dir).open_database()
    with db.reader() as s:
        found = [repo.document_text(s, d.id) for d in repo.list_documents(s)]
    db.close()
    return found


def test_opening_makes_at_most_one_backup_a_day_and_keeps_the_last_n(tmp_path: Path) -> None:
    project = create_project(tmp_path / "p")
    add_document(project.directory, "first")  # first open: a backup
    add_document(project.directory, "second")  # same day: none
    backups = list_backups(project.directory)
    assert len(backups) == 1
    # Pretend the backups are old: ten days of them.
    backups[0].unlink()
    for days in range(10, 0, -1):
        when = datetime.now(UTC) - timedelta(days=days)
        (project.directory / "backups" / f"annotator-{when.strftime(STAMP)}.sqlite").write_bytes(
            b""
        )
    texts(project.directory)
    kept = list_backups(project.directory)
    assert len(kept) == 7  # the default backups_keep
    newest = backup_time(kept[-1])
    assert newest is not None and datetime.now(UTC) - newest < timedelta(minutes=5)
    with closing(sqlite3.connect(kept[-1])) as conn:
        assert conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = create_project(tmp_path / "p")
    add_document(project.directory, "kept article")
    assert main(["backup", str(project.directory), "--to", str(tmp_path / "copy.sqlite")]) == 0
    add_document(project.directory, "later article")
    database = project.directory / "annotator.sqlite"
    # The database is damaged: the message points at the backup.
    os.truncate(database, 0)
    for side in ("-wal", "-shm"):
        Path(f"{database}{side}").unlink(missing_ok=True)
    capsys.readouterr()
    assert main(["docs", str(project.directory)]) == 2
    err = capsys.readouterr().err
    assert "the database file is empty" in err and "annotator restore" in err
    assert main(["restore", str(project.directory), str(tmp_path / "copy.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "kept as" in out
    assert texts(project.directory) == ["kept article"]
    # The damaged file was set aside, not deleted.
    assert list(project.directory.glob("annotator.before-restore-*.sqlite"))


def test_two_restores_in_one_second_keep_both_databases_they_replace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.io.backup as backup_module

    project = create_project(tmp_path / "p")
    add_document(project.directory, "in the first backup")
    assert main(["backup", str(project.directory), "--to", str(tmp_path / "one.sqlite")]) == 0
    add_document(project.directory, "in the second backup")
    assert main(["backup", str(project.directory), "--to", str(tmp_path / "two.sqlite")]) == 0
    add_document(project.directory, "only in the live database")

    frozen = datetime(2026, 12, 2, 0, 14, 30, tzinfo=UTC)

    class OneSecond(datetime):
        @classmethod
        def now(cls, tz: object = None) -> OneSecond:  # type: ignore[override]
            return cls.fromtimestamp(frozen.timestamp(), UTC)

    monkeypatch.setattr(backup_module, "datetime", OneSecond)
    for backup in ("one.sqlite", "two.sqlite"):
        assert main(["restore", str(project.directory), str(tmp_path / backup)]) == 0
    kept = sorted(project.directory.glob("annotator.before-restore-*.sqlite"))
    assert [p.name for p in kept] == [
        "annotator.before-restore-20261202T001430-2.sqlite",
        "annotator.before-restore-20261202T001430.sqlite",
    ]
    counts = []
    for path in kept:
        with closing(sqlite3.connect(path)) as conn:
            counts.append(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    # The live database with its three articles is one of them, not lost.
    assert sorted(counts) == [1, 3]


def test_a_damaged_backup_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = create_project(tmp_path / "p")
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 50)
    assert main(["restore", str(project.directory), str(bad)]) == 2
    assert "not a usable backup" in capsys.readouterr().err
    assert texts(project.directory) == []


def test_a_server_project_backs_up_into_a_sqlite_file(
    project_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_document(project_dir, "an article")
    assert main(["backup", str(project_dir), "--to", str(tmp_path / "b.sqlite")]) == 0
    with closing(sqlite3.connect(tmp_path / "b.sqlite")) as conn:
        assert conn.execute("SELECT text FROM documents").fetchall() == [("an article",)]
