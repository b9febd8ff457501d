"""Real faults under the database: a full disk, a read-only folder, a locked file.

The full and read-only disks are small tmpfs mounts (the tests need root, as
in CI; elsewhere they are skipped and say so).
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from annotator.cli.app import main
from annotator.core.errors import SaveFailed
from annotator.core.model import DocumentDraft
from annotator.io.project import create_project, load_project
from annotator.store import db as db_module
from annotator.store import repository as repo
from annotator.store.db import open_database, sqlite_url


def mount(target: Path, options: str) -> bool:
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True
    )
    return result.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "disk"
    target.mkdir()
    if not mount(target, "size=1m"):
        pytest.skip(
            "cannot mount a small tmpfs here (needs root): full and read-only disks untested"
        )
    yield target
    subprocess.run(["umount", "-l", str(target)], check=False)


def integrity(db_file: Path) -> str:
    with closing(sqlite3.connect(db_file)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_full_disk(small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = create_project(small_disk / "p", name="full").directory
    project.joinpath("project.yaml").write_text(
        project.joinpath("project.yaml").read_text().replace("backups_keep: 7", "backups_keep: 0")
    )
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in range(60):
        (articles / f"a{n:02d}.txt").write_text(f"article {n} " + "text " * 8000)
    code = main(["import", str(project), str(articles)])
    err = capsys.readouterr().err
    assert code == 1
    assert "not saved: the disk is full" in err and "Traceback" not in err
    assert integrity(project / "annotator.sqlite") == "ok"
    # What did go in is whole; after making room, the import completes.
    db = load_project(project).open_database()
    with db.reader() as s:
        stored_before = repo.document_count(s)
    db.close()
    assert stored_before < 60
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    assert main(["import", str(project), str(articles)]) == 0
    db = load_project(project).open_database()
    with db.reader() as s:
        assert repo.document_count(s) == 60
    db.close()


def test_read_only_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = create_project(tmp_path / "rw" / "p").directory
    view = tmp_path / "ro"
    view.mkdir()
    bound = subprocess.run(
        ["mount", "--bind", str(tmp_path / "rw"), str(view)], capture_output=True
    )
    if bound.returncode != 0:
        pytest.skip("cannot bind-mount here (needs root): read-only folder untested")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        code = main(["docs", str(view / "p")])
        err = capsys.readouterr().err
        assert code == 2
        assert "the project folder is read-only" in err and err.count("\n") == 1
    finally:
        subprocess.run(["umount", str(view)], check=False)
    assert main(["docs", str(project)]) == 0  # the same project, where it is writable


def test_a_short_lock_waits_and_a_long_one_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 1500)
    path = tmp_path / "p.sqlite"
    db = open_database(sqlite_url(path), create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text="Astana")])
    assert doc is not None

    def hold_lock(seconds: float, ready: threading.Event) -> None:
        with closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")
            ready.set()
            time.sleep(seconds)
            other.execute("COMMIT")

    ready = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(0.5, ready))
    holder.start()
    ready.wait()
    with db.session() as s:  # waits for the other program, then saves
        repo.add_span(s, doc, "ana", "Location", 0, 6)
    holder.join()

    ready = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(3.0, ready))
    holder.start()
    ready.wait()
    with pytest.raises(SaveFailed, match="another program holds a lock"), db.session() as s:
        repo.add_span(s, doc, "ana", "Person", 0, 6)
    holder.join()
    with db.reader() as s:
        assert [sp.label for sp in repo.list_spans(s, doc)] == ["Location"]
    db.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_server_that_dropped_its_connections_is_reconnected(database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    db = open_database(database_url, create=True)
    with db.session() as s:
        (doc,) = repo.insert_documents(s, [DocumentDraft(text="Astana")])
    assert doc is not None
    # The server drops every connection to this database (a restart, a network cut).
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # waits until each has ended (up to 5 s)
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
    admin.dispose()
    with db.reader() as s:  # the dead connection is noticed and replaced
        assert repo.list_spans(s, doc) == []
    with db.session() as s:
        repo.add_span(s, doc, "ana", "Location", 0, 6)
    with db.reader() as s:
        assert [sp.text for sp in repo.list_spans(s, doc)] == ["Astana"]
    db.close()
