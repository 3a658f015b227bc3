"""Staff details, registry version, routing policy, routed cases, reassignment.

Revision ID: routing_0002
Revises: routing_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from services.routing.domain.policy import DEFAULT_RULES

revision = "routing_0002"
down_revision = "routing_0001"
branch_labels = None
depends_on = None

SCHEMA = "routing"


def upgrade() -> None:
    op.add_column(
        "units",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("ix_units_parent_code", "units", ["parent_code"], schema=SCHEMA)
    for column in (
        sa.Column("covers", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("skills", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("employment", sa.Text),
        sa.Column("off_duty", JSONB, nullable=False, server_default="[]"),
        sa.Column("phone", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    ):
        op.add_column("staff", column, schema=SCHEMA)
    op.create_index("ix_staff_covers", "staff", ["covers"], schema=SCHEMA, postgresql_using="gin")

    version = op.create_table(
        "registry_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.bulk_insert(version, [{"id": 1, "version": 1}])

    policies = op.create_table(
        "policies",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("rules", JSONB, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.bulk_insert(
        policies, [{"version": 1, "rules": DEFAULT_RULES, "note": "默认策略 default policy"}]
    )

    op.create_table(
        "routed_cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("case_number", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("risk_signals", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("people_involved", sa.Integer),
        sa.Column("lng", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("grid_code", sa.Text),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    for column in (
        sa.Column("trigger", sa.Text, nullable=False, server_default="submitted"),
        sa.Column("supersedes", sa.Text),
        sa.Column("co_handler_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_reason", sa.Text),
    ):
        op.add_column("assignments", column, schema=SCHEMA)
    op.create_table(
        "exclusions",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("staff_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("exclusions", schema=SCHEMA)
    for name in ("ended_reason", "ended_at", "co_handler_ids", "supersedes", "trigger"):
        op.drop_column("assignments", name, schema=SCHEMA)
    op.drop_table("routed_cases", schema=SCHEMA)
    op.drop_table("policies", schema=SCHEMA)
    op.drop_table("registry_version", schema=SCHEMA)
    op.drop_index("ix_staff_covers", "staff", schema=SCHEMA)
    for name in ("updated_at", "phone", "off_duty", "employment", "skills", "covers"):
        op.drop_column("staff", name, schema=SCHEMA)
    op.drop_index("ix_units_parent_code", "units", schema=SCHEMA)
    op.drop_column("units", "updated_at", schema=SCHEMA)
