"""rejections made in compare mode are kept in the database

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "adjudication_rejections",
        sa.Column("span_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_adjudication_rejections_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["annotators.id"],
            name=op.f("fk_adjudication_rejections_reviewer_id_annotators"),
        ),
        sa.ForeignKeyConstraint(
            ["span_id"],
            ["spans.id"],
            name=op.f("fk_adjudication_rejections_span_id_spans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("span_id", name=op.f("pk_adjudication_rejections")),
    )
    with op.batch_alter_table("adjudication_rejections") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adjudication_rejections_document_id"), ["document_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("adjudication_rejections") as batch_op:
        batch_op.drop_index(batch_op.f("ix_adjudication_rejections_document_id"))
    op.drop_table("adjudication_rejections")
