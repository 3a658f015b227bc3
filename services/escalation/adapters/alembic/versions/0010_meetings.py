"""Meetings (例会): the case facts an agenda needs, meetings, agenda items, decisions.

Revision ID: escalation_0010
Revises: escalation_0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "escalation_0010"
down_revision = "escalation_0009"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.create_table(
        "meeting_cases",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("case_number", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("risk_signals", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("people_involved", sa.Integer),
        sa.Column("grid_code", sa.Text),
        sa.Column("submitted_at", sa.DateTime(timezone=True)),
        sa.Column("unit_code", sa.Text),
        sa.Column("unit_level", sa.Text),
        sa.Column("handler_id", sa.Text),
        sa.Column("state", sa.Text),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_meeting_cases_unit",
        "meeting_cases",
        ["unit_code"],
        schema=SCHEMA,
        postgresql_ops={"unit_code": "text_pattern_ops"},
    )
    op.create_index(
        "ix_meeting_cases_grid",
        "meeting_cases",
        ["grid_code"],
        schema=SCHEMA,
        postgresql_ops={"grid_code": "text_pattern_ops"},
    )
    op.create_table(
        "meetings",
        sa.Column("meeting_id", sa.Text, primary_key=True),
        sa.Column("unit_code", sa.Text, nullable=False),
        sa.Column("unit_name", sa.Text),
        sa.Column("unit_level", sa.Text, nullable=False),
        sa.Column("district_code", sa.Text, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("agenda_generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attendance", JSONB, nullable=False, server_default="[]"),
        sa.Column("minutes", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("unit_code", "period", name="uq_meetings_unit_period"),
        sa.CheckConstraint(
            "status IN ('scheduled', 'in_progress', 'closed')", name="ck_meetings_status"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_meetings_period", "meetings", ["period", "unit_code"], schema=SCHEMA)
    op.create_table(
        "meeting_agenda_items",
        sa.Column(
            "meeting_id",
            sa.Text,
            sa.ForeignKey(f"{SCHEMA}.meetings.meeting_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("flags", ARRAY(sa.Text), nullable=False),
        sa.Column("case_id", sa.Text),
        sa.Column("facts", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "item_id", name="pk_meeting_agenda_items"),
        schema=SCHEMA,
    )
    op.create_table(
        "meeting_decisions",
        sa.Column("meeting_id", sa.Text, nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("decision_id", sa.Text, nullable=False, unique=True),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("case_id", sa.Text),
        sa.Column("assignee_id", sa.Text),
        sa.Column("assignee_name", sa.Text),
        sa.Column("plan", sa.Text),
        sa.Column("plan_due", sa.Date),
        sa.Column("note", sa.Text),
        sa.Column("escalated_to", sa.Text),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("meeting_id", "item_id", name="pk_meeting_decisions"),
        sa.ForeignKeyConstraint(
            ["meeting_id", "item_id"],
            [f"{SCHEMA}.meeting_agenda_items.meeting_id", f"{SCHEMA}.meeting_agenda_items.item_id"],
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("meeting_decisions", schema=SCHEMA)
    op.drop_table("meeting_agenda_items", schema=SCHEMA)
    op.drop_index("ix_meetings_period", table_name="meetings", schema=SCHEMA)
    op.drop_table("meetings", schema=SCHEMA)
    op.drop_table("meeting_cases", schema=SCHEMA)
