"""Each case's deadline and card on its row of the view (``adapters/case_deadlines.py``),
for the case list's deadline buckets and card filter, filled for the cases there are.

Revision ID: mediation_0013
Revises: mediation_0012
"""

import sqlalchemy as sa
from alembic import op

revision = "mediation_0013"
down_revision = "mediation_0012"
branch_labels = None
depends_on = None

SCHEMA = "mediation"

# The timing rule as it stood at this revision (``domain/clocks.py`` STAGE_ACTIONS).
TIMING = """('accept', 'accept'), ('mediate', 'mediate'), ('mediate', 'signatures'),
  ('confirm', 'confirmation-window'), ('follow_up', 'follow-up'), ('handle', 'handle'),
  ('verify', 'verify'), ('answer', 'answer-supervision')"""


def upgrade() -> None:
    op.add_column("cases", sa.Column("deadline_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("cases", sa.Column("card", sa.Text), schema=SCHEMA)
    op.execute(f"""
        WITH found AS (
          SELECT c.case_id,
            CASE WHEN f.case_id IS NULL OR f.next_action IS NOT NULL THEN
              CASE WHEN t.card IS NOT NULL
                THEN least(coalesce(f.next_action_due, t.due_at), t.card_at)
                ELSE coalesce(f.next_action_due, t.due_at) END
            END AS deadline_at,
            (SELECT k.card FROM {SCHEMA}.case_clocks k
              WHERE k.case_id = c.case_id AND k.card IS NOT NULL
              ORDER BY k.card = 'red' DESC LIMIT 1) AS card
          FROM {SCHEMA}.cases c
          LEFT JOIN {SCHEMA}.case_files f ON f.case_id = c.case_id
          LEFT JOIN LATERAL (
            SELECT k.due_at, k.card, k.card_at FROM {SCHEMA}.case_clocks k
            WHERE k.case_id = c.case_id
              AND (k.stage, coalesce(f.next_action, 'accept')) IN (VALUES {TIMING})
            ORDER BY CASE k.card WHEN 'red' THEN 2 WHEN 'yellow' THEN 1 ELSE 0 END DESC,
              k.due_at DESC
            LIMIT 1
          ) t ON true
          WHERE f.case_id IS NOT NULL
             OR EXISTS (SELECT 1 FROM {SCHEMA}.case_clocks k WHERE k.case_id = c.case_id)
        )
        UPDATE {SCHEMA}.cases c SET deadline_at = found.deadline_at, card = found.card
        FROM found WHERE c.case_id = found.case_id
    """)  # noqa: S608 - the schema and the timing rule are constants
    op.create_index(
        "ix_cases_deadline",
        "cases",
        ["deadline_at", "case_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("deadline_at IS NOT NULL"),
    )
    op.create_index(
        "ix_cases_card",
        "cases",
        ["card", sa.text("submitted_at DESC NULLS LAST"), sa.text("case_id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("card IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_card", "cases", schema=SCHEMA)
    op.drop_index("ix_cases_deadline", "cases", schema=SCHEMA)
    op.drop_column("cases", "card", schema=SCHEMA)
    op.drop_column("cases", "deadline_at", schema=SCHEMA)
