"""Screening (排查) tasks and their returns, as intake knows them.

Revision ID: intake_0008
Revises: intake_0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "intake_0008"
down_revision = "intake_0007"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_table(
        "screening_tasks",
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("period_key", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("grid_code", sa.Text, nullable=False),
        sa.Column("grid_name", sa.Text),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("cadence", sa.Text, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("nil_report", sa.Boolean),
        sa.Column("case_ids", JSONB),
        sa.Column("note", sa.Text),
        sa.Column("filed_at", sa.DateTime(timezone=True)),
        sa.Column("filed_by", sa.Text),
        sa.CheckConstraint("status IN ('open', 'filed')", name="ck_screening_tasks_status"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_intake_screening_tasks_grid",
        "screening_tasks",
        ["grid_code", "status"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("screening_tasks", schema=SCHEMA)
