"""Escalation's time-limit clocks as mediation heard them (``gridcase.cycle.v1``): one
row per clock, with the notices it fired and the card it got."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB

from services.mediation.adapters.tables import TABLES

case_clocks = Table(
    "case_clocks",
    TABLES.metadata,
    Column("clock_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("yellow_at", DateTime(timezone=True), nullable=False),
    Column("red_at", DateTime(timezone=True), nullable=False),
    Column("card", Text),  # None, "yellow" or "red" (``domain/clocks.py``)
    Column("card_at", DateTime(timezone=True)),
    # Each notice heard, by kind, with the time it fired (a replay is recognised).
    Column("notices", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_case_clocks_case", "case_id"),
    # The list's card filter reads the carded clocks only.
    Index("ix_case_clocks_card", "card", "case_id", postgresql_where=text("card IS NOT NULL")),
)

# Supervisions (督办) of cases as escalation told of them: an open one waits for the
# handler's answer on "my work".
case_supervisions = Table(
    "case_supervisions",
    TABLES.metadata,
    Column("supervision_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("handler_id", Text),
    Column("answer_due_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),  # open, answered, cancelled
    Column("overdue", Boolean, nullable=False, server_default=text("false")),
    Index("ix_case_supervisions_case", "case_id"),
    Index(
        "ix_case_supervisions_open_handler",
        "handler_id",
        postgresql_where=text("status = 'open'"),
    ),
)
