"""Clocks for every stage (basis, pause, fired markers), each case's latest step, limits as rows with their change
history, idempotent writes, and the scheduled-jobs table their cards fire from.

The limits are seeded from ``domain/time_limits.json`` as it is when this runs; later
changes go through the API. Clocks opened before this keep their deadlines (``fixed``).

Revision ID: escalation_0003
Revises: escalation_0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from services.escalation.domain.limits import seed_rows
from shared.scheduling.migration_ops import create_scheduled_jobs, drop_scheduled_jobs

revision = "escalation_0003"
down_revision = "escalation_0002"
branch_labels = None
depends_on = None

SCHEMA = "escalation"

_NEW_CLOCK_COLUMNS: list[sa.Column[object]] = [
    sa.Column("occurrence", sa.Text, nullable=False, server_default=""),
    sa.Column("unit_level", sa.Text),
    sa.Column("handler_id", sa.Text),
    sa.Column("risk", sa.Text, nullable=False, server_default="normal"),
    sa.Column("warn_at", sa.DateTime(timezone=True)),
    sa.Column("limit_key", sa.Text),
    sa.Column("limit_version", sa.Integer),
    sa.Column("counting", sa.Text, nullable=False, server_default="working"),
    sa.Column("anchor_on", sa.Date),
    sa.Column("due_days", sa.SmallInteger),
    sa.Column("yellow_days", sa.SmallInteger),
    sa.Column("red_days", sa.SmallInteger),
    sa.Column("warn_days", sa.SmallInteger),
    sa.Column("fixed", sa.Boolean, nullable=False, server_default=sa.text("true")),
    sa.Column("paused_days", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("paused_at", sa.DateTime(timezone=True)),
    sa.Column("pause_reason", sa.Text),
    sa.Column("remaining_s", sa.Float),
    sa.Column("remaining_working_days", sa.Integer),
    sa.Column("stopped_at", sa.DateTime(timezone=True)),
    sa.Column("stop_step", sa.Text),
    sa.Column("warned_at", sa.DateTime(timezone=True)),
    sa.Column("yellow_fired_at", sa.DateTime(timezone=True)),
    sa.Column("red_fired_at", sa.DateTime(timezone=True)),
]


def upgrade() -> None:
    for column in _NEW_CLOCK_COLUMNS:
        op.add_column("clocks", column, schema=SCHEMA)
    op.drop_constraint("uq_clocks_case_stage", "clocks", schema=SCHEMA)
    op.create_unique_constraint(
        "uq_clocks_case_stage_occurrence",
        "clocks",
        ["case_id", "stage", "occurrence"],
        schema=SCHEMA,
    )
    op.create_check_constraint(
        "ck_clocks_status", "clocks", "status IN ('running', 'paused', 'stopped')", schema=SCHEMA
    )
    op.create_index(
        "ix_clocks_open_working",
        "clocks",
        ["clock_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'running' AND NOT fixed AND counting = 'working'"),
    )
    op.add_column("case_categories", sa.Column("kind", sa.Text), schema=SCHEMA)
    op.add_column(
        "case_categories",
        sa.Column("risk", sa.Text, nullable=False, server_default="normal"),
        schema=SCHEMA,
    )
    op.create_table(
        "case_progress",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text),
        sa.Column("handler_id", sa.Text),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    limits = op.create_table(
        "time_limits",
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("risk", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("due_days", sa.SmallInteger, nullable=False),
        sa.Column("yellow_days", sa.SmallInteger, nullable=False),
        sa.Column("red_days", sa.SmallInteger, nullable=False),
        sa.Column("warn_days", sa.SmallInteger, nullable=False),
        sa.Column("counting", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", sa.Text),
        sa.PrimaryKeyConstraint("category", "level", "risk", "stage", name="pk_time_limits"),
        sa.CheckConstraint(
            "red_days > yellow_days AND yellow_days >= due_days AND due_days >= 0 "
            "AND red_days <= 99 AND warn_days BETWEEN 0 AND 99",
            name="ck_time_limits_days",
        ),
        schema=SCHEMA,
    )
    assert limits is not None
    op.bulk_insert(
        limits,
        [
            {
                "category": row.key.category,
                "level": row.key.level,
                "risk": row.key.risk,
                "stage": row.key.stage,
                "due_days": row.limit.due,
                "yellow_days": row.limit.yellow,
                "red_days": row.limit.red,
                "warn_days": row.limit.warn,
                "counting": row.limit.counting,
                "version": 1,
                "updated_by": "seed",
            }
            for row in seed_rows()
        ],
    )
    op.create_table(
        "time_limit_changes",
        sa.Column("change_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("limit_key", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_time_limit_changes_limit_key", "time_limit_changes", ["limit_key"], schema=SCHEMA
    )
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
    create_scheduled_jobs(SCHEMA)


def downgrade() -> None:
    drop_scheduled_jobs(SCHEMA)
    op.drop_table("idempotency_keys", schema=SCHEMA)
    op.drop_table("time_limit_changes", schema=SCHEMA)
    op.drop_table("time_limits", schema=SCHEMA)
    op.drop_table("case_progress", schema=SCHEMA)
    op.drop_column("case_categories", "risk", schema=SCHEMA)
    op.drop_column("case_categories", "kind", schema=SCHEMA)
    op.drop_index("ix_clocks_open_working", "clocks", schema=SCHEMA)
    op.drop_constraint("ck_clocks_status", "clocks", schema=SCHEMA)
    op.drop_constraint("uq_clocks_case_stage_occurrence", "clocks", schema=SCHEMA)
    op.execute("DELETE FROM escalation.clocks WHERE occurrence <> ''")
    op.create_unique_constraint(
        "uq_clocks_case_stage", "clocks", ["case_id", "stage"], schema=SCHEMA
    )
    for column in reversed(_NEW_CLOCK_COLUMNS):
        op.drop_column("clocks", column.name, schema=SCHEMA)
