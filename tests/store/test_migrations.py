from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.cli.app import main
from annotator.core.errors import DatabaseTooOld
from annotator.io.project import create_project, load_project
from annotator.store.db import HEAD_REVISION, Database, current_revision, open_database, upgrade


def make_old_database(url: str) -> None:
    """A database at the first schema, with a document, two spans and a link."""
    db = Database(url)
    upgrade(db.engine, "0001")
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO documents (id, title, source, url, date, meta, text, length, content_hash, "
            "created_at) VALUES (1, 'T', '', '', '', '{}', 'Astana', 6, 'h', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO annotators (id, name, created_at) VALUES (1, 'ana', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(text(
            'INSERT INTO spans (document_id, annotator_id, label, start, "end", text, attributes, '
            "note, created_at, updated_at, version) VALUES (1, 1, 'Location', 0, 6, 'Astana', '{}', "
            "'', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1), (1, 1, 'Person', 0, 3, 'Ast', '{}', "
            "'', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO relations (document_id, annotator_id, type, source_id, target_id, "
            "created_at) VALUES (1, 1, 'speaker', 1, 2, CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    db.close()


def test_an_old_database_is_upgraded_and_keeps_its_data(database_url: str) -> None:
    make_old_database(database_url)
    if database_url.startswith("sqlite"):
        db = open_database(database_url)  # SQLite: upgraded on open, after a copy
        assert db.backup is not None and db.backup.exists()
        assert current_revision(Database(f"sqlite:///{db.backup}").engine) == "0001"
    else:
        with pytest.raises(DatabaseTooOld, match="run `annotator migrate`"):
            open_database(database_url)
        db = open_database(database_url, migrate=True)
        assert db.backup is None
    assert db.migrated_from == "0001"
    assert current_revision(db.engine) == HEAD_REVISION
    with db.session() as session:
        row = session.execute(text("SELECT name, role FROM annotators")).one()
        span_text = session.execute(text("SELECT text FROM spans ORDER BY id")).scalar()
        # A migration that rebuilds the spans table would cascade to the links.
        links = session.execute(text("SELECT source_id, target_id FROM relations")).all()
    assert tuple(row) == ("ana", "annotator") and span_text == "Astana"
    assert [tuple(link) for link in links] == [(1, 2)]
    db.close()


def test_migrate_command(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = create_project(
        tmp_path / "p", database=None if database_url.startswith("sqlite") else database_url
    )
    assert main(["migrate", str(project.directory)]) == 0
    assert f"up to date (schema {HEAD_REVISION})" in capsys.readouterr().out
    url = load_project(project.directory).database_url
    db = Database(url)
    upgrade_to_old(db)
    db.close()
    assert main(["migrate", str(project.directory)]) == 0
    out = capsys.readouterr().out
    assert f"Upgraded the database from schema 0001 to {HEAD_REVISION}" in out
    assert ("Copy of the old database" in out) == url.startswith("sqlite")


def upgrade_to_old(db: Database) -> None:
    from alembic import command

    from annotator.store.db import _alembic_config

    with db.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0001")


def entity_index(db: Database) -> str:
    with db.session() as session:
        if db.engine.dialect.name == "sqlite":
            found = session.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_spans_entity_id'")
            ).scalar()
        else:
            found = session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_spans_entity_id'")
            ).scalar()
    return str(found)


def test_the_entity_index_holds_mentions_only_after_an_upgrade_and_back(
    database_url: str,
) -> None:
    # Migration 0008: spans naming no entity stay out of the index (issue 14).
    db = Database(database_url)
    upgrade(db.engine, "0007")
    assert "WHERE" not in entity_index(db).upper()
    upgrade(db.engine)
    assert "entity_id IS NOT NULL" in entity_index(db).replace("(", "").replace(")", "")
    if db.engine.dialect.name == "sqlite":
        with db.session() as session:
            plan = session.execute(
                text("EXPLAIN QUERY PLAN SELECT id FROM spans WHERE entity_id = 5")
            ).all()
        assert "ix_spans_entity_id" in str(plan)  # a look-up by entity still uses it
    upgrade_to_old(db)
    assert current_revision(db.engine) == "0001"
    db.close()
