"""Case view, outbox and inbox.

Revision ID: mediation_0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from shared.db.migration_ops import create_outbox_and_inbox, drop_outbox_and_inbox

revision = "mediation_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("case_number", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("category", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text),
        sa.Column("unit_name", sa.Text),
        sa.Column("assignee_id", sa.Text),
        sa.Column("assignee_name", sa.Text),
        sa.Column("assignee_role", sa.Text),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("assigned_at", sa.DateTime(timezone=True)),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    create_outbox_and_inbox(SCHEMA)


def downgrade() -> None:
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table("cases", schema=SCHEMA)
