"""Shared fixtures. Tests never touch the user's real settings or projects.

Database fixtures are parametrised: each test that uses them runs on SQLite
and on PostgreSQL (when ANNOTATOR_TEST_PG_URL names a server; ./run-tests
starts a throwaway one). Each PostgreSQL test gets a database of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("ANNOTATOR_TEST_PG_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server (ANNOTATOR_TEST_PG_URL)"),
        ],
    ),
]


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings and config go to a throwaway home, never the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))


def _admin_engine() -> Any:
    from sqlalchemy import create_engine

    return create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")  # fmt: skip


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for a new, empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server (ANNOTATOR_TEST_PG_URL)")
    with fresh_pg_database() as url:
        yield url


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = f"annotator_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def project_dir(tmp_path: Path, database_url: str) -> Path:
    """A new project with the default news schema, on each database backend."""
    from annotator.io.project import create_project

    directory = tmp_path / "project"
    database = None if database_url.startswith("sqlite") else database_url
    create_project(directory, database=database)
    return directory


@pytest.fixture
def project_db(project_dir: Path) -> Iterator[Any]:
    from annotator.io.project import load_project

    db = load_project(project_dir).open_database()
    yield db
    db.close()


class Disk:
    """Stands in for the disk under the database: full, or not (``full``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from contextlib import contextmanager

        from annotator.core.errors import SaveFailed
        from annotator.store.db import Database

        self.full = False
        real = Database.session

        @contextmanager
        def session(db: Database) -> Iterator[object]:
            if self.full:
                raise SaveFailed(db.url, "not saved: the disk is full")
            with real(db) as s:
                yield s

        monkeypatch.setattr(Database, "session", session)
        own = Database.own_connection  # the one-statement edits' (PostgreSQL)

        @contextmanager
        def own_connection(db: Database) -> Iterator[object]:
            if self.full:
                raise SaveFailed(db.url, "not saved: the disk is full")
            with own(db) as held:
                yield held

        monkeypatch.setattr(Database, "own_connection", own_connection)
