"""The rates' projection per case (response, resolution, on-time closure, mediation
success; ``adapters/rate_facts.py``).

Revision ID: escalation_0007
Revises: escalation_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0007"
down_revision = "escalation_0006"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "rate_facts",
        sa.Column("case_id", sa.Text, primary_key=True),
        sa.Column("category", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("unit_code", sa.Text),
        sa.Column("unit_at", when),
        sa.Column("accept_due_at", when),
        sa.Column("responded_at", when),
        sa.Column("close_due_at", when),
        sa.Column("closed_at", when),
        sa.Column("close_result", sa.Text),
        sa.Column("mediation_accepted_at", when),
        schema=SCHEMA,
    )
    for column in ("accept_due_at", "close_due_at", "mediation_accepted_at"):
        op.create_index(f"ix_rate_facts_{column}", "rate_facts", [column], schema=SCHEMA)
    # Cases the clocks already know: their unit, category and due times (what happened
    # before this projection existed is filled from the clocks; answers and closings
    # from the clocks' stop steps).
    op.execute(
        """
        INSERT INTO escalation.rate_facts
            (case_id, category, kind, unit_code, accept_due_at, responded_at,
             close_due_at, mediation_accepted_at)
        SELECT c.case_id, cc.category, cc.kind,
               (SELECT unit_code FROM escalation.clocks k WHERE k.case_id = c.case_id
                 ORDER BY started_at DESC LIMIT 1),
               a.due_at,
               CASE WHEN a.stop_step IN ('accepted', 'declined', 'report-accepted')
                    THEN a.stopped_at END,
               m.due_at,
               CASE WHEN m.stage = 'mediate' THEN m.started_at END
        FROM (SELECT DISTINCT case_id FROM escalation.clocks) c
        LEFT JOIN escalation.case_categories cc ON cc.case_id = c.case_id
        LEFT JOIN LATERAL (SELECT due_at, stop_step, stopped_at FROM escalation.clocks k
                            WHERE k.case_id = c.case_id AND k.stage = 'accept'
                            ORDER BY started_at, occurrence LIMIT 1) a ON true
        LEFT JOIN LATERAL (SELECT stage, due_at, started_at FROM escalation.clocks k
                            WHERE k.case_id = c.case_id AND k.stage IN ('mediate', 'handle')
                            ORDER BY started_at, occurrence LIMIT 1) m ON true
        """
    )


def downgrade() -> None:
    op.drop_table("rate_facts", schema=SCHEMA)
