"""full-text search over documents

SQLite: an FTS5 table with external content (the documents table), kept in
step by triggers; no copy of the text is stored. PostgreSQL: a GIN index on
to_tsvector('simple', text), used by `@@` queries that repeat the expression.
The 'simple' configuration does not stem: it finds the words as written, in
any language, like FTS5's unicode61 tokenizer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    # remove_diacritics 2: "Tokáev" is found by "tokaev", and the other way round.
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
        text, content='documents', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2")""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE OF text ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO documents_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS documents_fts_update",
    "DROP TRIGGER IF EXISTS documents_fts_delete",
    "DROP TRIGGER IF EXISTS documents_fts_insert",
    "DROP TABLE IF EXISTS documents_fts",
]
POSTGRES_UP = [
    "CREATE INDEX ix_documents_fts ON documents USING gin (to_tsvector('simple', text))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_documents_fts"]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}.get(dialect, [])
    for statement in statements:
        op.execute(statement)
