"""incident root verdict: the basis, confidence and evidence of a detector storm's elected root

Revision ID: 0011_storms
Revises: 0004_rca
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_storms"
down_revision = "0004_rca"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("root_basis", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("root_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("root_why", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("root_why")
        batch_op.drop_column("root_confidence")
        batch_op.drop_column("root_basis")
