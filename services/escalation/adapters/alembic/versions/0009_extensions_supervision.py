"""Extensions (延期) and supervision (督办): requests decided above, supervisions with
their answer, cancellation and deduction.

Revision ID: escalation_0009
Revises: escalation_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0009"
down_revision = "escalation_0007"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.create_table(
        "extensions",
        sa.Column("extension_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("clock_id", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("unit_code", sa.Text),
        sa.Column("unit_level", sa.Text),
        sa.Column("handler_id", sa.Text),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_days", sa.SmallInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reason_text", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("granted_days", sa.SmallInteger),
        sa.Column("decided_by", sa.Text),
        sa.Column("decided_role", sa.Text),
        sa.Column("decision_note", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused')", name="ck_extensions_status"
        ),
        sa.CheckConstraint("requested_days BETWEEN 1 AND 99", name="ck_extensions_days"),
        schema=SCHEMA,
    )
    op.create_index("ix_extensions_case_id", "extensions", ["case_id"], schema=SCHEMA)
    op.create_index(
        "uq_extensions_pending_clock",
        "extensions",
        ["clock_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "supervisions",
        sa.Column("supervision_id", sa.Text, primary_key=True),
        sa.Column("case_id", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("issued_by", sa.Text),
        sa.Column("issuing_unit_code", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("handler_id", sa.Text),
        sa.Column("stage", sa.Text),
        sa.Column("clock_id", sa.Text),
        sa.Column("red_card_clock_id", sa.Text, unique=True),
        sa.Column("deduction", sa.Float, nullable=False),
        sa.Column("instructions", sa.Text, nullable=False),
        sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("answered_by", sa.Text),
        sa.Column("answer_text", sa.Text),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("on_time", sa.Boolean),
        sa.Column("cancelled_by", sa.Text),
        sa.Column("cancel_note", sa.Text),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("overdue_flagged_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'cancelled')", name="ck_supervisions_status"
        ),
        sa.CheckConstraint(
            "level IN ('normal', 'yellow_card', 'red_card')", name="ck_supervisions_level"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_supervisions_case_id", "supervisions", ["case_id"], schema=SCHEMA)
    op.create_index(
        "ix_supervisions_unit_issued", "supervisions", ["unit_code", "issued_at"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("supervisions", schema=SCHEMA)
    op.drop_table("extensions", schema=SCHEMA)
