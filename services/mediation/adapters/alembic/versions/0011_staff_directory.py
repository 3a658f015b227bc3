"""Mediation's own copy of who serves which unit (from routing's registry events), so
that a handover within the committee (委员会内转交) offers the unit's people and refuses
someone who is not one of them before asking routing.

Revision ID: mediation_0011
Revises: mediation_0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "mediation_0011"
down_revision = "mediation_0010"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "staff_directory",
        sa.Column("staff_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("unit_codes", ARRAY(sa.Text), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_staff_directory_units",
        "staff_directory",
        ["unit_codes"],
        schema=SCHEMA,
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_table("staff_directory", schema=SCHEMA)
