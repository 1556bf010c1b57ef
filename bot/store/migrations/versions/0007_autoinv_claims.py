"""automatic investigation claims: one row per incident, retaken only after the cooldown

Revision ID: 0004_autoinv
Revises: 0004_teams
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision = "0004_autoinv"
down_revision = "0004_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "autoinvestigation",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("policy", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("claimed_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=True),
        sa.Column("top_line", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )


def downgrade() -> None:
    op.drop_table("autoinvestigation")
