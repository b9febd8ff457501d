"""`annotator copy` and a server project's backup move rows in bulk (``COPY``
into PostgreSQL, the server's own text into SQLite): every value arrives as it
was stored, whatever the server's time zone and however hostile the text."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from annotator.cli.app import main
from tests.cli.test_copy_cli import dump, fill
from tests.conftest import PG_URL, fresh_pg_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="no PostgreSQL server (ANNOTATOR_TEST_PG_URL)"),
]

HOSTILE = "tab\there, back\\slash \\N, new\nline, CR\r\n, NUL-free 🇰🇿 “quotes” 'single' \\."
"""What COPY's text format escapes (tab, newline, backslash, its \\N for NULL,
its \\. end marker), and text beyond the Basic Multilingual Plane."""


def add_every_kind_of_row(database: Path) -> None:
    """One row in each table fill() leaves empty, and hostile values in all of them."""
    conn = sqlite3.connect(database)
    try:
        with conn:
            doc, person = conn.execute("SELECT document_id, id FROM spans LIMIT 1").fetchone()
            (ana,) = conn.execute("SELECT id FROM annotators WHERE name = 'ana'").fetchone()
            at = "2026-01-02 03:04:05.000000"  # microseconds of zero, still written
            conn.execute(
                "INSERT INTO entities (id, name, label, external_id, aliases, created_at, "
                "updated_at, version) VALUES (7, ?, 'Person', 'Q1', ?, ?, ?, 2)",
                (HOSTILE, '["Ana \\"A\\" B", "\\u00e9t\\u00e9", null]', at, at),
            )
            conn.execute("UPDATE spans SET entity_id = 7, note = ?, attributes = ? WHERE id = ?",
                         (HOSTILE, '{"k": "v\\\\", "n": null}', person))  # fmt: skip
            conn.execute("UPDATE spans SET fragments = '[[25, 27], [29, 32]]' WHERE id = ?",
                         (person,))  # fmt: skip
            conn.execute(
                "INSERT INTO document_labels (id, document_id, annotator_id, name, value, "
                "updated_at) VALUES (3, ?, ?, 'topic', ?, ?)",
                (doc, ana, '["politics", "Ünïcode"]', at),
            )
            conn.execute("INSERT INTO assignments (id, document_id, annotator_id, assigned_at) "
                         "VALUES (4, ?, ?, ?)", (doc, ana, at))  # fmt: skip
            conn.execute(
                'INSERT INTO rejected_suggestions (id, document_id, annotator_id, label, start, "end", '
                "rejected_at) VALUES (5, ?, ?, 'Person', 0, 4, ?)",
                (doc, ana, at),
            )
            conn.execute("INSERT INTO comments (id, document_id, span_id, parent_id, author_id, "
                         "body, created_at) VALUES (6, ?, ?, NULL, ?, ?, ?)",
                         (doc, person, ana, HOSTILE, at))  # fmt: skip
            conn.execute("INSERT INTO comments (id, document_id, span_id, parent_id, author_id, "
                         "body, created_at) VALUES (8, ?, NULL, 6, ?, '', ?)", (doc, ana, at))  # fmt: skip
            conn.execute("INSERT INTO adjudication_rejections (span_id, document_id, reviewer_id, "
                         "rejected_at) VALUES (?, ?, ?, ?)", (person, doc, ana, at))  # fmt: skip
            conn.execute("UPDATE change_log SET \"before\" = 'null' WHERE \"before\" IS NULL "
                         "AND id = (SELECT min(id) FROM change_log)")  # fmt: skip
    finally:
        conn.close()


def stored(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as SQLite holds them (text, not values read back)."""
    conn = sqlite3.connect(database)
    try:
        names = [n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'documents_fts%'"
        )]  # fmt: skip
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        conn.close()


def server_in_new_york(url: str) -> None:
    """The database's sessions read and write times in New York's zone: a naive
    timestamp taken in the session's zone would move by five hours."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            name = engine.url.database
            conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'"))
    finally:
        engine.dispose()


def test_sqlite_to_server_to_server_to_sqlite_keeps_every_stored_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", str(tmp_path / "start")]) == 0
    fill(tmp_path / "start")
    add_every_kind_of_row(tmp_path / "start" / "annotator.sqlite")
    original = dump(tmp_path / "start")
    assert all(original[t] for t in ("entities", "comments", "adjudication_rejections"))
    with fresh_pg_database() as first, fresh_pg_database() as second:
        server_in_new_york(first)
        server_in_new_york(second)
        assert main(["copy", str(tmp_path / "start"), str(tmp_path / "a"), "--db", first]) == 0
        assert dump(tmp_path / "a") == original
        assert main(["copy", str(tmp_path / "a"), str(tmp_path / "b"), "--db", second]) == 0
        assert dump(tmp_path / "b") == original
        assert main(["copy", str(tmp_path / "b"), str(tmp_path / "back")]) == 0
        # Back in SQLite, byte for byte what the first file stored.
        assert stored(tmp_path / "back" / "annotator.sqlite") == stored(
            tmp_path / "start" / "annotator.sqlite"
        )
        assert dump(tmp_path / "back") == original
        # A server backup goes the same way, and opens as the project it was.
        copy = tmp_path / "server-backup.sqlite"
        assert main(["backup", str(tmp_path / "b"), "--to", str(copy)]) == 0
        restored = stored(copy)
        for table, rows in stored(tmp_path / "start" / "annotator.sqlite").items():
            if table != "alembic_version":
                assert restored[table] == rows, table
    out = capsys.readouterr().out
    assert "adjudication_rejections" in out


def test_a_failed_copy_leaves_the_server_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", str(tmp_path / "start")]) == 0
    fill(tmp_path / "start")
    database = tmp_path / "start" / "annotator.sqlite"
    conn = sqlite3.connect(database)
    with conn:  # a comment on a span that is not there: the server's foreign key refuses it
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("INSERT INTO comments (id, document_id, span_id, parent_id, author_id, body, "
                     "created_at) VALUES (99, 1, 12345, NULL, 1, 'x', '2026-01-01 00:00:00.000000')")  # fmt: skip
    conn.close()
    with fresh_pg_database() as url:
        code = main(["copy", str(tmp_path / "start"), str(tmp_path / "a"), "--db", url])
        assert code != 0
        assert "Traceback" not in capsys.readouterr().err
        engine = create_engine(url)
        try:
            with engine.connect() as conn2:
                tables = conn2.execute(text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'spans'"
                )).scalar_one()  # fmt: skip
                if tables:
                    assert conn2.execute(text("SELECT count(*) FROM spans")).scalar_one() == 0
        finally:
            engine.dispose()
