"""The mediation schema: its own view of every case, built from the case stream."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, Table, Text, func
from sqlalchemy.dialects.postgresql import ARRAY

from shared.db.metadata import ServiceMetadata

SCHEMA = "mediation"
TABLES = ServiceMetadata(SCHEMA)

cases = Table(
    "cases",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("case_number", Text),
    Column("kind", Text),
    Column("category", Text),
    Column("title", Text),
    Column("status", Text, nullable=False),
    Column("unit_code", Text),
    Column("unit_name", Text),
    Column("assignee_id", Text),
    Column("assignee_name", Text),
    Column("assignee_role", Text),
    # The grid officer who reported a situation report verifies it (验证).
    Column("reporter_id", Text),
    # Routing's co-handlers: the first receiver kept on an escalated case (首接负责).
    Column("co_handler_ids", ARRAY(Text), nullable=False, server_default="{}"),
    # Risk flags the case page shows: intake's signals (民转刑 words, 涉及民族因素) and
    # how many people are involved (a group dispute).
    Column("risk_signals", ARRAY(Text)),
    Column("people_involved", Integer),
    Column("submitted_at", DateTime(timezone=True)),
    Column("assigned_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The deadline of the step the case waits for and the worst card of its clocks, kept
    # by ``adapters/case_deadlines.py`` for the list's deadline and card filters.
    Column("deadline_at", DateTime(timezone=True)),
    Column("card", Text),
)

# Cases by unit and status, kept with the view in the same transactions (the overview
# and the gauges read it instead of counting a million rows). '' is "no unit yet".
case_counts = Table(
    "case_counts",
    TABLES.metadata,
    Column("unit_code", Text, primary_key=True),
    Column("status", Text, primary_key=True),
    Column("cases", BigInteger, nullable=False),
)
