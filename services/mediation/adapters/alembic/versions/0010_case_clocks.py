"""Escalation's time-limit clocks as mediation heard them (warnings, yellow and red
cards from ``gridcase.cycle.v1``), for the case list, the case page and "my work";
supervisions (督办) awaiting the handler's answer; and who is viewing a case page now
(the live page's presence).

Revision ID: mediation_0010
Revises: mediation_0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "mediation_0010"
down_revision = "mediation_0009"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.create_table(
        "case_clocks",
        sa.Column("clock_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("yellow_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("red_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card", sa.Text),
        sa.Column("card_at", sa.DateTime(timezone=True)),
        sa.Column("notices", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_case_clocks_case", "case_clocks", ["case_id"], schema=SCHEMA)
    op.create_index(
        "ix_case_clocks_card",
        "case_clocks",
        ["card", "case_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("card IS NOT NULL"),
    )

    op.create_table(
        "case_supervisions",
        sa.Column("supervision_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("handler_id", sa.Text),
        sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False, server_default=sa.text("false")),
        schema=SCHEMA,
    )
    op.create_index("ix_case_supervisions_case", "case_supervisions", ["case_id"], schema=SCHEMA)
    op.create_index(
        "ix_case_supervisions_open_handler",
        "case_supervisions",
        ["handler_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "case_viewers",
        sa.Column("view_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("staff_id", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_case_viewers_case", "case_viewers", ["case_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("case_viewers", schema=SCHEMA)
    op.drop_table("case_supervisions", schema=SCHEMA)
    op.drop_table("case_clocks", schema=SCHEMA)
