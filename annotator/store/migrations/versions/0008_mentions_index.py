"""the spans' entity index holds mentions only (issue 14)

Most spans name no entity; indexing their NULLs cost a bulk import about a
third of its span inserts. A lookup by entity (``entity_id = ?``, the
foreign key's SET NULL) implies NOT NULL, so the partial index still serves it.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MENTIONS = sa.text("entity_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_spans_entity_id", table_name="spans")
    op.create_index(
        "ix_spans_entity_id",
        "spans",
        ["entity_id"],
        sqlite_where=_MENTIONS,
        postgresql_where=_MENTIONS,
    )


def downgrade() -> None:
    op.drop_index("ix_spans_entity_id", table_name="spans")
    op.create_index("ix_spans_entity_id", "spans", ["entity_id"])
