"""Backups of SQLite projects: automatic (at most one a day, the last N kept) and by hand.

Copies are made with SQLite's online backup API, so they are consistent even
while another program instance writes. A PostgreSQL project is backed up into
a SQLite file with the same tables (annotator copy's machinery).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.io.errors import ProjectProblem
from annotator.store.db import Database, backup_sqlite_to, sqlite_path

BACKUP_DIR = "backups"
PREFIX = "annotator-"
STAMP = "%Y%m%dT%H%M%S"


def backup_folder(directory: Path) -> Path:
    return directory / BACKUP_DIR


def list_backups(directory: Path) -> list[Path]:
    """Backups of a project, oldest first."""
    folder = backup_folder(directory)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{PREFIX}*.sqlite"))


def backup_time(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.stem[len(PREFIX) :], STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def make_backup(db: Database, directory: Path, target: Path | None = None) -> Path:
    """Copy the project's database into backups/ (or to ``target``)."""
    if target is None:
        folder = backup_folder(directory)
        folder.mkdir(exist_ok=True)
        target = folder / f"{PREFIX}{datetime.now(UTC).strftime(STAMP)}.sqlite"
    if target.exists():
        raise ProjectProblem(target, "already exists; choose another name")
    partial = target.with_name(f".{target.name}.partial")
    source = sqlite_path(db.url)
    try:
        if source is not None:
            backup_sqlite_to(source, partial)
        else:
            _server_to_sqlite(db, partial)
        os.replace(partial, target)  # a backup is complete or absent, never half-written
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ProjectProblem(target, f"cannot write the backup ({exc.strerror or exc})") from exc
    return target


def _server_to_sqlite(db: Database, target: Path) -> None:
    from annotator.store.copy import copy_database
    from annotator.store.db import open_database, sqlite_url

    copy = open_database(sqlite_url(target), create=True)
    try:
        copy_database(db, copy)
    finally:
        copy.close()
    with closing(sqlite3.connect(target)) as conn:  # one self-contained file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")


def automatic_backup(db: Database, directory: Path, keep: int) -> Path | None:
    """On open: a backup when the newest is a day old or missing; keep the last ``keep``."""
    if keep <= 0 or sqlite_path(db.url) is None:
        return None
    backups = list_backups(directory)
    newest = backup_time(backups[-1]) if backups else None
    made = None
    if newest is None or datetime.now(UTC) - newest >= timedelta(days=1):
        made = make_backup(db, directory)
        backups.append(made)
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)
    return made


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database."""
    if not path.is_file():
        raise ProjectProblem(path, "no such backup")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ProjectProblem(path, f"not a usable backup ({exc})") from exc
    if result != "ok":
        raise ProjectProblem(path, f"the backup is damaged ({result})")


def restore_backup(database_file: Path, backup: Path) -> Path | None:
    """Put ``backup`` in place of the database; the current file is kept beside it.

    Returns where the replaced database was moved (None if there was none).
    """
    check_backup(backup)
    stamp = datetime.now(UTC).strftime(STAMP)
    kept = None
    if database_file.exists():
        kept = database_file.with_name(
            f"{database_file.stem}.before-restore-{stamp}{database_file.suffix}"
        )
        os.replace(database_file, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(f"{database_file}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
    partial = database_file.with_name(f".{database_file.name}.partial")
    shutil.copyfile(backup, partial)
    os.replace(partial, database_file)
    return kept
