from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.core.errors import DatabaseProblem, DatabaseTooNew
from annotator.store.db import HEAD_REVISION, MIGRATIONS_DIR, open_database, sqlite_url


def test_head_revision_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from annotator.store.models import Base
    from annotator.store.search import include_name

    db = open_database(sqlite_url(tmp_path / "p.sqlite"), create=True)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    db.close()
    assert diff == []


def test_sqlite_is_durable_and_checks_foreign_keys(tmp_path: Path) -> None:
    db = open_database(sqlite_url(tmp_path / "p.sqlite"), create=True)
    with db.session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # docs/team.md promises writers wait up to 15 s for the file lock.
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
    first, second = db.engine.raw_connection(), db.engine.raw_connection()
    for conn in (first, second):  # every connection of the pool, not only the first
        assert conn.cursor().execute("PRAGMA busy_timeout").fetchone()[0] == 15_000
        conn.close()
    db.close()


def test_a_missing_database_is_not_created_silently(tmp_path: Path) -> None:
    with pytest.raises(DatabaseProblem, match="not found"):
        open_database(sqlite_url(tmp_path / "nothing.sqlite"))
    assert not (tmp_path / "nothing.sqlite").exists()


@pytest.mark.parametrize(
    "content", [b"", b"random bytes " * 200, b"SQLite format 3\x00" + b"\x07" * 50]
)
def test_a_damaged_file_gives_a_one_line_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "p.sqlite"
    path.write_bytes(content)
    with pytest.raises(DatabaseProblem) as info:
        open_database(sqlite_url(path))
    message = str(info.value)
    assert str(path) in message and "\n" not in message


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE stuff (x)")
        conn.commit()
    with pytest.raises(DatabaseProblem, match="not an Annotator database"):
        open_database(sqlite_url(path))


def test_a_newer_database_is_refused_with_the_version(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    open_database(sqlite_url(path), create=True).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    with pytest.raises(DatabaseTooNew, match=r"9999.*newer than this program"):
        open_database(sqlite_url(path))
