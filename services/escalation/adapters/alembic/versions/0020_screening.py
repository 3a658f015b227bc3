"""Screening (排查): escalation's registry view, periods, tasks, returns, and the
scheduled-jobs table the periods and due times run on.

Revision ID: escalation_0020
Revises: escalation_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.scheduling.migration_ops import create_scheduled_jobs, drop_scheduled_jobs

revision = "escalation_0020"
down_revision = "escalation_0002"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def _has_scheduled_jobs() -> bool:
    # Another revision of this history (the clocks' deadlines) may create it first.
    return sa.inspect(op.get_bind()).has_table("scheduled_jobs", schema=SCHEMA)


def upgrade() -> None:
    if not _has_scheduled_jobs():
        create_scheduled_jobs(SCHEMA)
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
    if _has_scheduled_jobs():
        drop_scheduled_jobs(SCHEMA)
