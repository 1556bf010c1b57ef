"""similarity docs: what similar-incident retrieval reads of each investigated incident

Revision ID: 0004_similar
Revises: 0004_learn
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision = "0004_similar"
down_revision = "0004_learn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "similaritydoc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("updated_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    with op.batch_alter_table("similaritydoc", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similaritydoc_updated_at"), ["updated_at"])


def downgrade() -> None:
    with op.batch_alter_table("similaritydoc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similaritydoc_updated_at"))
    op.drop_table("similaritydoc")
