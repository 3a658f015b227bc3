"""Case work: the case file, its timeline, idempotency keys of its writes.

Revision ID: mediation_0003
Revises: mediation_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "mediation_0003"
down_revision = "mediation_0002"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "case_files",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("excluded", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("participants", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "case_timeline",
        sa.Column("entry_id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("file_version", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("why", sa.Text),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_case_timeline_case_id", "case_timeline", ["case_id", "entry_id"], schema=SCHEMA
    )
    op.create_table(
        "case_work_idempotency",
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("caller", "key"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("case_work_idempotency", schema=SCHEMA)
    op.drop_table("case_timeline", schema=SCHEMA)
    op.drop_table("case_files", schema=SCHEMA)
