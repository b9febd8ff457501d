"""Backups of SQLite projects: automatic (at most one a day, the last N kept) and by hand.

Copies are made with SQLite's online backup API, so they are consistent even
while another program instance writes. A PostgreSQL project is backed up into
a SQLite file with the same tables (annotator copy's machinery).
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.core.errors import DatabaseProblem, InUse
from annotator.io.errors import ProjectProblem
from annotator.io.file_modes import give_mode
from annotator.store.first_read import sqlite_path
from annotator.store.sqlite_direct import backup_sqlite_to

if TYPE_CHECKING:  # loaded when a copy is made: checking whether one is due needs no SQLAlchemy
    from annotator.store.db import Database

BACKUP_DIR = "backups"
PREFIX = "annotator-"
STAMP = "%Y%m%dT%H%M%S"
LOCK_FILE = ".backup.lock"
"""In backups/: held by whoever takes the daily backup, so only one program does."""
DAILY_LOCK_WAIT_S = 120.0
"""How long opening waits for another program's daily backup before going on without."""


def backup_folder(directory: Path) -> Path:
    return directory / BACKUP_DIR


def list_backups(directory: Path) -> list[Path]:
    """Backups of a project, oldest first."""
    folder = backup_folder(directory)
    if not folder.is_dir():
        return []
    found = folder.glob(f"{PREFIX}*.sqlite")
    # annotator-TIME.sqlite, then annotator-TIME-2.sqlite made in the same second.
    return sorted(found, key=lambda p: (p.stem[: len(PREFIX) + STAMP_LENGTH], len(p.name), p.name))


STAMP_LENGTH = len(datetime(2000, 1, 1).strftime(STAMP))


def backup_time(path: Path) -> datetime | None:
    stamp = path.stem[len(PREFIX) :]
    if len(stamp) > STAMP_LENGTH and stamp[STAMP_LENGTH] == "-":
        stamp = stamp[:STAMP_LENGTH]  # a second backup within the same second
    try:
        return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def make_backup(db: Database | Path, directory: Path, target: Path | None = None) -> Path:
    """Copy the project's database (an open one, or an SQLite file) into
    backups/ (or to ``target``).

    The copy is written to a file of its own and then published under its
    name without replacing anything, so programs backing up at the same
    moment never write into one file, and a backup is complete or absent.
    In backups/, a name already taken (another backup in the same second)
    gets a ``-2``, ``-3``... after the time.
    """
    explicit = target is not None
    if target is None:
        folder = backup_folder(directory)
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise ProjectProblem(folder, f"cannot make the folder ({exc.strerror or exc})") from exc
        target = folder / f"{PREFIX}{datetime.now(UTC).strftime(STAMP)}.sqlite"
    if explicit and target.exists():
        raise ProjectProblem(target, "already exists; choose another name")
    source = db if isinstance(db, Path) else sqlite_path(db.url)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise ProjectProblem(target, f"cannot write the backup ({exc.strerror or exc})") from exc
    os.close(fd)
    partial = Path(name)
    try:
        # The database's own permissions (a new file's, from a server): mkstemp's
        # 0600 would keep the colleagues who share the folder from restoring it.
        give_mode(partial, source if source is not None else target)
        if source is not None:
            backup_sqlite_to(source, partial)
        elif not isinstance(db, Path):
            _server_to_sqlite(db, partial)
        for n in range(1, 1000):
            candidate = target if n == 1 else target.with_name(f"{target.stem}-{n}{target.suffix}")
            if _publish(partial, candidate):
                return candidate
            if explicit:
                break
        raise ProjectProblem(target, "already exists; choose another name")
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ProjectProblem(target, f"cannot write the backup ({reason})") from exc
    finally:
        partial.unlink(missing_ok=True)
        for side in ("-journal", "-wal", "-shm", ".lock"):
            Path(f"{partial}{side}").unlink(missing_ok=True)


def _publish(partial: Path, target: Path) -> bool:
    """Give the finished copy its name unless that name is taken (False then)."""
    try:
        os.link(partial, target)  # fails if target exists: never replaces another backup
        return True
    except FileExistsError:
        return False
    except OSError:
        pass  # a file system without hard links (FAT, some network shares)
    # Check, then rename: a narrow window, and only where links are missing.
    if target.exists():
        return False
    os.replace(partial, target)
    return True


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


def automatic_backup(db: Database | Path, directory: Path, keep: int) -> Path | None:
    """On open: a backup when the newest is a day old or missing; keep the last
    ``keep``. ``db`` is the open database, or an SQLite project's file.

    Several programs opening the project at once take it once: the first
    holds backups/.backup.lock while it copies, the others wait for it, see
    the day's backup and go on (or, after ``DAILY_LOCK_WAIT_S``, go on
    without). Raises :class:`ProjectProblem` when the copy cannot be made;
    opening reports that and carries on.
    """
    source = db if isinstance(db, Path) else sqlite_path(db.url)
    if keep <= 0 or source is None or not _due(directory):
        return None
    # Imported only when a backup is due (once a day): it costs more than the
    # check, on every open of the window.
    from filelock import FileLock, Timeout

    folder = backup_folder(directory)
    try:
        folder.mkdir(exist_ok=True)
        lock = FileLock(folder / LOCK_FILE, timeout=DAILY_LOCK_WAIT_S)
        lock.acquire()
    except Timeout:
        return None  # another program is still copying: today's backup is theirs
    except OSError as exc:
        raise ProjectProblem(
            folder, f"cannot take the daily backup ({exc.strerror or exc})"
        ) from exc
    try:
        if not _due(directory):
            return None  # another program made it while we waited
        made = make_backup(db, directory)
        for old in list_backups(directory)[:-keep]:
            old.unlink(missing_ok=True)
        return made
    finally:
        lock.release()


def _due(directory: Path) -> bool:
    backups = list_backups(directory)
    newest = backup_time(backups[-1]) if backups else None
    return newest is None or datetime.now(UTC) - newest >= timedelta(days=1)


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

    Refused (:class:`ProjectProblem`) while any program has the database
    open: every open :class:`Database` holds a shared lock that the restore
    needs exclusively, and a program that opens the project meanwhile waits
    for the restore to finish. So no edit can land in the file set aside.

    Returns where the replaced database was moved (None if there was none).
    """
    from annotator.store.db import exclusive_use

    check_backup(backup)
    try:
        with exclusive_use(database_file):
            return _swap(database_file, backup)
    except InUse as exc:
        raise ProjectProblem(database_file, str(exc)) from exc
    except DatabaseProblem as exc:
        raise ProjectProblem(exc.where, exc.reason) from exc
    except OSError as exc:
        raise ProjectProblem(
            database_file, f"cannot restore ({exc.strerror or exc}); nothing was replaced"
        ) from exc


def _swap(database_file: Path, backup: Path) -> Path | None:
    """The copy first (what a full disk refuses), then two renames; a rename
    that fails puts the current database back."""
    partial = database_file.with_name(f".{database_file.name}.partial")
    try:
        shutil.copyfile(backup, partial)
        give_mode(partial, database_file)  # the restored file keeps the database's permissions
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    kept = _kept_name(database_file)
    moved: list[tuple[Path, Path]] = []
    try:
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{database_file}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{kept}{suffix}"))
                moved.append((side, Path(f"{kept}{suffix}")))
        os.replace(partial, database_file)
    except OSError:
        for original, aside in reversed(moved):
            os.replace(aside, original)
        partial.unlink(missing_ok=True)
        raise
    return kept if moved else None


def _kept_name(database_file: Path) -> Path:
    """A name for the database a restore replaces that nothing has: a second
    restore in the same second gets ``-2`` (the first one's file was replaced
    before, and the database it kept lost). Restores of one database take
    turns (``exclusive_use``), so the name stays free until it is used."""
    stamp = datetime.now(UTC).strftime(STAMP)
    stem = f"{database_file.stem}.before-restore-{stamp}"
    for n in itertools.count(1):
        kept = database_file.with_name(f"{stem}{'' if n == 1 else f'-{n}'}{database_file.suffix}")
        if not any(Path(f"{kept}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
            return kept
    raise AssertionError("unreachable")
