"""Residents' ratings of a case's result (from intake's ``case.rated``), one per case.

Revision ID: mediation_0007
Revises: mediation_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "mediation_0007"
down_revision = "mediation_0006"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("rating_id", sa.Text, nullable=False),
        sa.Column("rating", sa.Text, nullable=False),
        sa.Column("has_comment", sa.Boolean, nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("case_ratings", schema=SCHEMA)
