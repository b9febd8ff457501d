"""split spans, entities shared across articles, document labels (issue 15)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entities")),
    )
    op.create_table(
        "document_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["annotators.id"],
            name=op.f("fk_document_labels_annotator_id_annotators"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_labels_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_labels")),
        sa.UniqueConstraint(
            "document_id", "annotator_id", "name", name=op.f("uq_document_labels_document_id")
        ),
    )
    with op.batch_alter_table("spans") as batch_op:
        batch_op.add_column(sa.Column("fragments", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("entity_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_spans_entity_id"), ["entity_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_spans_entity_id_entities"),
            "entities",
            ["entity_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("spans") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_spans_entity_id_entities"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_spans_entity_id"))
        batch_op.drop_column("entity_id")
        batch_op.drop_column("fragments")
    op.drop_table("document_labels")
    op.drop_table("entities")
