"""My work and risk flags: what each case file waits for next and by when, the
risk signals intake found and the people involved, and the indexes the "my work" page
reads by.

Revision ID: mediation_0008
Revises: mediation_0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "mediation_0008"
down_revision = "mediation_0007"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.add_column("cases", sa.Column("risk_signals", ARRAY(sa.Text)), schema=SCHEMA)
    op.add_column("cases", sa.Column("people_involved", sa.Integer), schema=SCHEMA)
    op.add_column("case_files", sa.Column("next_action", sa.Text), schema=SCHEMA)
    op.add_column(
        "case_files", sa.Column("next_action_due", sa.DateTime(timezone=True)), schema=SCHEMA
    )
    # Files saved before this revision: what their state alone says (the next step
    # taken on each stores the exact action and deadline).
    op.execute(
        """
        UPDATE mediation.case_files SET
          next_action = CASE
            WHEN kind = 'report' THEN CASE state WHEN 'new' THEN 'accept'
              WHEN 'handling' THEN 'handle' WHEN 'awaiting_verification' THEN 'verify'
              WHEN 'verified' THEN 'close' END
            ELSE CASE state WHEN 'new' THEN 'accept' WHEN 'in_mediation' THEN 'mediate'
              WHEN 'awaiting_signatures' THEN 'signatures' WHEN 'agreement_effective' THEN 'close'
              WHEN 'terminated' THEN 'close' WHEN 'closed' THEN 'archive' END
          END,
          next_action_due = CASE WHEN state IN ('in_mediation', 'awaiting_signatures')
            THEN due_at END
        """
    )
    # A handler's cases: ix_cases_assignee_unit (mediation_0005) leads with assignee_id.
    op.create_index(
        "ix_cases_reporter_id",
        "cases",
        ["reporter_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("reporter_id IS NOT NULL"),
    )
    op.create_index(
        "ix_case_files_next_action",
        "case_files",
        ["next_action", "next_action_due"],
        schema=SCHEMA,
        postgresql_where=sa.text("next_action IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_files_next_action", "case_files", schema=SCHEMA)
    op.drop_index("ix_cases_reporter_id", "cases", schema=SCHEMA)
    op.drop_column("case_files", "next_action_due", schema=SCHEMA)
    op.drop_column("case_files", "next_action", schema=SCHEMA)
    op.drop_column("cases", "people_involved", schema=SCHEMA)
    op.drop_column("cases", "risk_signals", schema=SCHEMA)
