"""PostgreSQL: notify listeners when the change log grows (live updates)

Revision ID: 0005
Revises: 0004

One notification per statement (not per row), so a bulk import of many
spans wakes the windows once. SQLite has no notifications: windows poll.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "annotator_changes"  # annotator.store.live.CHANNEL


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION annotator_notify_change() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER change_log_notify AFTER INSERT ON change_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION annotator_notify_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_log_notify ON change_log")
    op.execute("DROP FUNCTION IF EXISTS annotator_notify_change()")
