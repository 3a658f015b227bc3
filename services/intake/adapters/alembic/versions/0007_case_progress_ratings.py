"""Each case's progress for its reporter (state, handler's unit, next deadline), folded
from the case stream, and residents' ratings of the result (one per case).

Revision ID: intake_0007
Revises: intake_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_table(
        "case_progress",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text),
        sa.Column("state", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("unit_name", sa.Text),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("progressed_at", sa.DateTime(timezone=True)),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "case_ratings",
        sa.Column("rating_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False, unique=True),
        sa.Column("report_id", sa.Text, nullable=False),
        sa.Column("rating", sa.Text, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("case_ratings", schema=SCHEMA)
    op.drop_table("case_progress", schema=SCHEMA)
