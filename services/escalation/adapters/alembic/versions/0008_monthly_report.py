"""Monthly report (月报告): the read model rebuilt from the stream (cases, counts,
returns) and the submissions up the tree.

Revision ID: escalation_0008
Revises: escalation_0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "escalation_0008"
down_revision = "escalation_0007"
branch_labels = None
depends_on = None

SCHEMA = "escalation"
COUNTS = ("screened", "accepted", "mediated", "succeeded", "major")
BANDS = ("lt50", "b50_100", "b100_500", "gt500")


def upgrade() -> None:
    op.create_table(
        "report_cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("area_code", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("band", sa.Text),
        sa.Column("major", sa.Boolean, nullable=False),
        sa.Column("screened", sa.Boolean, nullable=False),
        sa.Column("found_month", sa.Text, nullable=False),
        sa.Column("screening_task_id", sa.Text),
        sa.Column("accepted_month", sa.Text),
        sa.Column("accepted_level", sa.Text),
        sa.Column("mediated_month", sa.Text),
        sa.Column("succeeded_month", sa.Text),
        sa.Column("closed_level", sa.Text),
        schema=SCHEMA,
    )
    op.create_index("ix_report_cases_task", "report_cases", ["screening_task_id"], schema=SCHEMA)
    op.create_table(
        "report_counts",
        sa.Column("area_code", sa.Text, nullable=False),
        sa.Column("month", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        *(
            sa.Column(name, sa.Integer, nullable=False, server_default="0")
            for name in COUNTS + BANDS
        ),
        sa.PrimaryKeyConstraint("area_code", "month", "category", "level"),
        schema=SCHEMA,
    )
    op.create_table(
        "report_returns",
        sa.Column("task_id", sa.Text, primary_key=True),
        sa.Column("grid_code", sa.Text, nullable=False),
        sa.Column("month", sa.Text, nullable=False),
        sa.Column("nil_report", sa.Boolean, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_report_returns_month_grid", "report_returns", ["month", "grid_code"], schema=SCHEMA
    )
    op.create_table(
        "report_submissions",
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("month", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("status", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot", JSONB),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("submitted_by", sa.Text),
        sa.Column("late", sa.Boolean),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Text),
        sa.Column("return_reason", sa.Text),
        sa.Column("missing_flagged_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("unit_code", "month"),
        sa.CheckConstraint(
            "status IS NULL OR status IN ('submitted', 'returned', 'accepted')",
            name="ck_report_submissions_status",
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("report_submissions", schema=SCHEMA)
    op.drop_index("ix_report_returns_month_grid", "report_returns", schema=SCHEMA)
    op.drop_table("report_returns", schema=SCHEMA)
    op.drop_table("report_counts", schema=SCHEMA)
    op.drop_index("ix_report_cases_task", "report_cases", schema=SCHEMA)
    op.drop_table("report_cases", schema=SCHEMA)
