"""investigation next steps: what a human should check or whom to escalate to, stored

Revision ID: 0004_rca
Revises: 0004_similar
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rca"
down_revision = "0004_similar"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_steps", _JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.drop_column("next_steps")
