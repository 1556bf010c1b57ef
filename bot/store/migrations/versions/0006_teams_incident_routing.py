"""teams: an incident's escalation policy and automatic-investigation policy, chosen at ingest
from services.yaml; an index to filter incidents by team

Revision ID: 0004_teams
Revises: 0004_runbooks
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_teams"
down_revision = "0004_runbooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "escalation_policy", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "auto_investigate", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
            )
        )
        batch_op.create_index("ix_incident_team_id", ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_team_id")
        batch_op.drop_column("auto_investigate")
        batch_op.drop_column("escalation_policy")
