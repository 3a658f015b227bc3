"""The first answer to each caller's Idempotency-Key on the reassignment routes (回退,
回避, 上报, 交办), so that a retried request is answered, not repeated.

Revision ID: routing_0006
Revises: routing_0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "routing_0006"
down_revision = "routing_0005"
branch_labels = None
depends_on = None

SCHEMA = "routing"


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
        schema=SCHEMA,
    )
    # The hourly purge deletes by age.
    op.create_index(
        "ix_idempotency_keys_created", "idempotency_keys", ["created_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys", schema=SCHEMA)
