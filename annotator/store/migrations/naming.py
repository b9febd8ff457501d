"""What Alembic's model comparison should leave alone."""

from __future__ import annotations

from typing import Any

# Full-text search tables are made by migration 0004 with raw DDL (an FTS5
# virtual table and its shadow tables on SQLite); they have no model.
UNMODELLED_PREFIXES = ("documents_fts",)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    if type_ == "table" and name is not None:
        return not name.startswith(UNMODELLED_PREFIXES)
    return True
