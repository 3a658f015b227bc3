"""A missing screening return is escalated (上报) when flagged: the receiving unit and
the time, on the task.

Revision ID: escalation_0011
Revises: escalation_0010
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0011"
down_revision = "escalation_0010"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.add_column("screening_tasks", sa.Column("escalated_to_unit_code", sa.Text), schema=SCHEMA)
    op.add_column(
        "screening_tasks",
        sa.Column("escalated_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("screening_tasks", "escalated_at", schema=SCHEMA)
    op.drop_column("screening_tasks", "escalated_to_unit_code", schema=SCHEMA)
