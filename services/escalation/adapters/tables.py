"""The escalation schema: time-limit clocks per case and stage, the limits they open with,
the working calendar, scheduled warnings and cards, idempotent writes, and residents'
ratings per case (for 满意率)."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.metadata import ServiceMetadata
from shared.scheduling import scheduled_jobs_table

SCHEMA = "escalation"
TABLES = ServiceMetadata(SCHEMA)

clocks = Table(
    "clocks",
    TABLES.metadata,
    Column("clock_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("stage", Text, nullable=False),
    # Tells several clocks of one stage apart (a case's follow-ups); '' for the one.
    Column("occurrence", Text, nullable=False, server_default=""),
    Column("category", Text, nullable=False),
    Column("unit_code", Text),
    Column("unit_level", Text),
    Column("handler_id", Text),
    Column("risk", Text, nullable=False, server_default="normal"),
    Column("status", Text, nullable=False),  # running | paused | stopped
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("yellow_at", DateTime(timezone=True), nullable=False),
    Column("red_at", DateTime(timezone=True), nullable=False),
    Column("warn_at", DateTime(timezone=True)),
    # The basis its deadlines are computed from (domain/clocks.py ``Basis``): the limit
    # row's numbers as they were when it opened.
    Column("limit_key", Text),
    Column("limit_version", Integer),
    Column("counting", Text, nullable=False, server_default="working"),
    Column("anchor_on", Date),
    Column("due_days", SmallInteger),
    Column("yellow_days", SmallInteger),
    Column("red_days", SmallInteger),
    Column("warn_days", SmallInteger),
    Column("fixed", Boolean, nullable=False, server_default=text("true")),
    Column("paused_days", SmallInteger, nullable=False, server_default="0"),
    # A pause: since when, and what was left right after it.
    Column("paused_at", DateTime(timezone=True)),
    Column("pause_reason", Text),
    Column("remaining_s", Float),
    Column("remaining_working_days", Integer),
    Column("stopped_at", DateTime(timezone=True)),
    Column("stop_step", Text),
    # Fired markers: set in the transaction that publishes the warning or card.
    Column("warned_at", DateTime(timezone=True)),
    Column("yellow_fired_at", DateTime(timezone=True)),
    Column("red_fired_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('running', 'paused', 'stopped')", name="ck_clocks_status"),
    UniqueConstraint("case_id", "stage", "occurrence", name="uq_clocks_case_stage_occurrence"),
    Index(
        "ix_clocks_open_working",
        "clock_id",
        postgresql_where=text("status = 'running' AND NOT fixed AND counting = 'working'"),
    ),
)

case_categories = Table(
    "case_categories",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("category", Text, nullable=False),
    Column("kind", Text),
    # 'normal' or '民转刑' (intake's risk signal on case.submitted).
    Column("risk", Text, nullable=False, server_default="normal"),
)

# Each case's latest case-work step as escalation last applied it: what its clocks
# follow (unit, handler), and what supervision reads (step, state, when).
case_progress = Table(
    "case_progress",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("step", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("unit_code", Text),
    Column("handler_id", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
)

time_limits = Table(
    "time_limits",
    TABLES.metadata,
    Column("category", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("risk", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("due_days", SmallInteger, nullable=False),
    Column("yellow_days", SmallInteger, nullable=False),
    Column("red_days", SmallInteger, nullable=False),
    Column("warn_days", SmallInteger, nullable=False),
    Column("counting", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
    PrimaryKeyConstraint("category", "level", "risk", "stage", name="pk_time_limits"),
    CheckConstraint(
        "red_days > yellow_days AND yellow_days >= due_days AND due_days >= 0 "
        "AND red_days <= 99 AND warn_days BETWEEN 0 AND 99",
        name="ck_time_limits_days",
    ),
)

# One row per change of a limit: who, when, before and after (the audit record).
time_limit_changes = Table(
    "time_limit_changes",
    TABLES.metadata,
    Column("change_id", BigInteger, primary_key=True, autoincrement=True),
    Column("limit_key", Text, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("before", JSONB),
    Column("after", JSONB, nullable=False),
    Column("actor_id", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("note", Text),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

calendar_years = Table(
    "calendar_years",
    TABLES.metadata,
    Column("year", Integer, primary_key=True),
    Column("holidays", ARRAY(Date), nullable=False),
    Column("makeup_workdays", ARRAY(Date), nullable=False),
    Column("provisional", Boolean, nullable=False),
    Column("source", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
)

idempotency_keys = Table(
    "idempotency_keys",
    TABLES.metadata,
    Column("caller", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
)

# Durable deadlines and recurring jobs (shared/scheduling): cards, screening periods, dues.
scheduled_jobs = scheduled_jobs_table(TABLES.metadata)

# One rating per case (intake keeps one), with the unit that handled the case and when.
case_ratings = Table(
    "case_ratings",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("rating_id", Text, nullable=False),
    Column("rating", Text, nullable=False),
    Column("kind", Text),
    Column("unit_code", Text),
    Column("rated_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_ratings_rated_at", "rated_at"),
)
