"""Screening (排查): escalation's registry view, periods, tasks, returns, and the
scheduled-jobs table the periods and due times run on.

Revision ID: escalation_0006
Revises: escalation_0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "escalation_0006"
down_revision = "escalation_0005"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    # The scheduler's table (escalation_0003) holds the period series and due jobs too.
    op.create_table(
        "registry_units",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "screening_periods",
        sa.Column("period_key", sa.Text, primary_key=True),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("cadence", sa.Text, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "screening_tasks",
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("period_key", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("street_code", sa.Text, nullable=False),
        sa.Column("grid_code", sa.Text, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("missing_flagged_at", sa.DateTime(timezone=True)),
        sa.Column("filed_at", sa.DateTime(timezone=True)),
        sa.Column("late", sa.Boolean),
        sa.UniqueConstraint("period_key", "grid_code", name="uq_screening_tasks_period_grid"),
        sa.CheckConstraint(
            "status IN ('open', 'filed', 'missing')", name="ck_screening_tasks_status"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_screening_tasks_status", "screening_tasks", ["status", "street_code"], schema=SCHEMA
    )
    op.create_table(
        "screening_returns",
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("grid_code", sa.Text, nullable=False),
        sa.Column("period_key", sa.Text),
        sa.Column("nil_report", sa.Boolean, nullable=False),
        sa.Column("case_ids", JSONB, nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.Text, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("screening_returns", "screening_tasks", "screening_periods", "registry_units"):
        op.drop_table(table, schema=SCHEMA)
