"""Kinds, idempotency keys, registry mirror, categories, diaries, attachments.

Revision ID: intake_0002
Revises: intake_0001
Create Date: 2026-11-23
"""

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "intake_0002"
down_revision = "intake_0001"
branch_labels = None
depends_on = None

SCHEMA = "intake"
SEED = Path(__file__).resolve().parents[3] / "domain" / "data" / "categories.json"


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("change_seq", schema=SCHEMA)))
    seq_default = sa.text(f"nextval('{SCHEMA}.change_seq')")
    for column in (
        sa.Column("subcategory", sa.Text),
        sa.Column(
            "jurisdiction_checked", sa.Boolean, nullable=False, server_default=sa.text("false")
        ),
        sa.Column("channel", sa.Text, nullable=False, server_default="desk"),
        sa.Column("reporter_id", sa.Text),
        sa.Column("client_id", sa.Text),
        sa.Column("facts", sa.Text),
        sa.Column("amount_involved", sa.Numeric(16, 2)),
        sa.Column("parties", JSONB, nullable=False, server_default="[]"),
        sa.Column("attributes", JSONB, nullable=False, server_default="{}"),
        sa.Column("duplicate_of", sa.Text),
        sa.Column("tracking_hash", sa.Text, unique=True),
        sa.Column("assignee_id", sa.Text),
        sa.Column("previous_assignee_id", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("response_hours", sa.Integer),
        sa.Column("change_seq", sa.BigInteger, nullable=False, server_default=seq_default),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ):
        op.add_column("submissions", column, schema=SCHEMA)
    op.create_index(
        "ix_submissions_open_by_category",
        "submissions",
        ["category", "submitted_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("duplicate_of IS NULL AND status <> 'closed'"),
    )
    op.create_index(
        "ix_submissions_reporter", "submissions", ["reporter_id", "change_seq"], schema=SCHEMA
    )
    op.create_index(
        "ix_submissions_assignee", "submissions", ["assignee_id", "change_seq"], schema=SCHEMA
    )
    op.create_index(
        "ix_submissions_previous_assignee",
        "submissions",
        ["previous_assignee_id", "change_seq"],
        schema=SCHEMA,
    )
    op.create_index("ix_submissions_duplicate_of", "submissions", ["duplicate_of"], schema=SCHEMA)

    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response", JSONB),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("scope", "key"),
        schema=SCHEMA,
    )
    op.create_index("ix_idempotency_created", "idempotency_keys", ["created_at"], schema=SCHEMA)
    op.create_table(
        "registry_units",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("parent_code", sa.Text),
        sa.Column("boundary", JSONB),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    categories = op.create_table(
        "categories",
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("slug", sa.Text),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("subtypes", JSONB, nullable=False, server_default="[]"),
        sa.Column("response_hours", sa.Integer),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("sort", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("kind", "code"),
        schema=SCHEMA,
    )
    seed = json.loads(SEED.read_text("utf-8"))
    rows = [
        {
            "kind": kind,
            "code": c["code"],
            "slug": c.get("slug"),
            "name_en": c["name_en"],
            "subtypes": c.get("subtypes", []),
            "response_hours": c.get("response_hours"),
            "active": True,
            "sort": i,
        }
        for kind in ("report", "dispute")
        for i, c in enumerate(seed[kind])
    ]
    op.bulk_insert(categories, rows)
    op.create_table(
        "diary_entries",
        sa.Column("entry_id", sa.Text, primary_key=True),
        sa.Column("staff_id", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("occurred_on", sa.Text, nullable=False),
        sa.Column("lng", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("crs", sa.Text),
        sa.Column("grid_code", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("client_id", sa.Text),
        sa.Column("promoted_case_id", sa.Text),
        sa.Column("change_seq", sa.BigInteger, nullable=False, server_default=seq_default),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_diary_staff", "diary_entries", ["staff_id", "change_seq"], schema=SCHEMA)
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("media_type", sa.Text, nullable=False),
        sa.Column("family", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "submission_attachments",
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "sha256"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "submission_attachments",
        "attachments",
        "diary_entries",
        "categories",
        "registry_units",
        "idempotency_keys",
    ):
        op.drop_table(table, schema=SCHEMA)
    for index in (
        "ix_submissions_duplicate_of",
        "ix_submissions_previous_assignee",
        "ix_submissions_assignee",
        "ix_submissions_reporter",
        "ix_submissions_open_by_category",
    ):
        op.drop_index(index, table_name="submissions", schema=SCHEMA)
    for column in (
        "updated_at",
        "change_seq",
        "response_hours",
        "unit_code",
        "previous_assignee_id",
        "assignee_id",
        "tracking_hash",
        "duplicate_of",
        "attributes",
        "parties",
        "amount_involved",
        "facts",
        "client_id",
        "reporter_id",
        "channel",
        "jurisdiction_checked",
        "subcategory",
    ):
        op.drop_column("submissions", column, schema=SCHEMA)
    op.execute(sa.schema.DropSequence(sa.Sequence("change_seq", schema=SCHEMA)))
