"""Escalation's monthly reports (月报告) as mediation heard them from the cycle topic:
each unit's month, its state, figures and time-limit rates, for the dashboard.

Revision ID: mediation_0012
Revises: mediation_0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mediation_0012"
down_revision = "mediation_0011"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "monthly_reports",
        sa.Column("unit_code", sa.Text, primary_key=True),
        sa.Column("month", sa.Text, primary_key=True),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("missing", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("deadline", sa.DateTime(timezone=True)),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("totals", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("rates", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_monthly_reports_month_unit",
        "monthly_reports",
        ["month", "unit_code"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("monthly_reports", schema=SCHEMA)
