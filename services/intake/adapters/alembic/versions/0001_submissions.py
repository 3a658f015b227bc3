"""Submissions, case number sequence, outbox and inbox.

Revision ID: intake_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "intake_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("case_number_seq", schema=SCHEMA)))
    op.create_table(
        "submissions",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("case_number", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("lng", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("crs", sa.Text),
        sa.Column("original_lng", sa.Float),
        sa.Column("original_lat", sa.Float),
        sa.Column("grid_code", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("people_involved", sa.Integer),
        sa.Column("risk_signals", JSONB, nullable=False, server_default="[]"),
        sa.Column("reporter", JSONB, nullable=False, server_default="{}"),
        sa.Column("status", sa.Text, nullable=False, server_default="submitted"),
        sa.Column(
            "submitted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table("submissions", schema=SCHEMA)
    op.execute(sa.schema.DropSequence(sa.Sequence("case_number_seq", schema=SCHEMA)))
