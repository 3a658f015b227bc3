"""Units, staff, assignments, outbox and inbox.

Revision ID: routing_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "routing_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "routing"


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text),
        sa.Column("area_type", sa.Text),
        sa.Column("boundary", JSONB),
        schema=SCHEMA,
    )
    op.create_table(
        "staff",
        sa.Column("staff_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False, server_default="20"),
        sa.Column("open_cases", sa.Integer, nullable=False, server_default="0"),
        sa.Column("on_duty", sa.Boolean, nullable=False, server_default="true"),
        schema=SCHEMA,
    )
    op.create_index("ix_staff_unit_code", "staff", ["unit_code"], schema=SCHEMA)
    op.create_table(
        "assignments",
        sa.Column("assignment_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("assignee_id", sa.Text),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column(
            "assigned_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_assignments_case_id", "assignments", ["case_id"], schema=SCHEMA)
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table("assignments", schema=SCHEMA)
    op.drop_table("staff", schema=SCHEMA)
    op.drop_table("units", schema=SCHEMA)
