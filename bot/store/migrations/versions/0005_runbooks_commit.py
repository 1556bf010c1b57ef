"""runbooks commit: each remediation request records the runbook repository commit it ran

Revision ID: 0004_runbooks
Revises: 0004c
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_runbooks"
down_revision = "0004c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("remediationrequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runbook_commit", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("remediationrequest", schema=None) as batch_op:
        batch_op.drop_column("runbook_commit")
