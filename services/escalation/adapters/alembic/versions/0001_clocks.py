"""Clocks, case categories, outbox and inbox.

Revision ID: escalation_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from shared.db.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "escalation_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.create_table(
        "clocks",
        sa.Column("clock_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("yellow_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("red_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "stage", name="uq_clocks_case_stage"),
        schema=SCHEMA,
    )
    op.create_index("ix_clocks_case_id", "clocks", ["case_id"], schema=SCHEMA)
    op.create_table(
        "case_categories",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("category", sa.Text, nullable=False),
        schema=SCHEMA,
    )
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table("case_categories", schema=SCHEMA)
    op.drop_table("clocks", schema=SCHEMA)
