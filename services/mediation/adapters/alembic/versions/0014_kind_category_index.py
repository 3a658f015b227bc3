"""The list's kind and category filters together: a combination that matches nothing
walked every case of the category, newest first, to be sure (p95 near 300 ms over a
million cases, ``bench/dashboard_bench.py``); on this index it is one probe.

Revision ID: mediation_0014
Revises: mediation_0013
"""

from alembic import op

revision = "mediation_0014"
down_revision = "mediation_0013"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    op.execute(
        f"CREATE INDEX IF NOT EXISTS ix_cases_kind_category_newest ON {SCHEMA}.cases"
        " (kind, category, submitted_at DESC NULLS LAST, case_id DESC)"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {SCHEMA}.ix_cases_kind_category_newest")
