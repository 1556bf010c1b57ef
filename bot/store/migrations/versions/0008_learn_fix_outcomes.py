"""learn: case signatures and fix outcomes (what fixed which kind of incident)

Revision ID: 0004_learn
Revises: 0004_autoinv
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision = "0004_learn"
down_revision = "0004_autoinv"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "casesignature",
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("incident_class", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signature", _JSON, nullable=False),
        sa.Column("top_hypothesis", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("first_action", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"]),
        sa.PrimaryKeyConstraint("investigation_id"),
    )
    with op.batch_alter_table("casesignature", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_casesignature_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_casesignature_incident_class"), ["incident_class"], unique=False
        )
    op.create_table(
        "fixoutcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("incident_class", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signature", _JSON, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("investigation_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("fix", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("verdict", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["investigation_id"], ["investigation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    with op.batch_alter_table("fixoutcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fixoutcome_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fixoutcome_incident_class"), ["incident_class"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fixoutcome_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fixoutcome_at"), ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("fixoutcome")
    op.drop_table("casesignature")
