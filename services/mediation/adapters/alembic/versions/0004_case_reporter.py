"""The case view keeps who reported a case: the reporting grid officer verifies a
situation report (验证).

Revision ID: mediation_0004
Revises: mediation_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "mediation_0004"
down_revision = "mediation_0003"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.add_column("cases", sa.Column("reporter_id", sa.Text), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("cases", "reporter_id", schema=SCHEMA)
