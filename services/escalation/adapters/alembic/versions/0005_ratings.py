"""Residents' ratings per case, with the unit and when (for 满意率).

Numbered 0010 beside other escalation migrations written at the same time; it follows
0002 and is re-chained when they are merged.

Revision ID: escalation_0005
Revises: escalation_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0005"
down_revision = "escalation_0004"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("rating_id", sa.Text, nullable=False),
        sa.Column("rating", sa.Text, nullable=False),
        sa.Column("kind", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_case_ratings_rated_at", "case_ratings", ["rated_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("case_ratings", schema=SCHEMA)
