"""Indexes for the dashboard at a year of a district's cases (bench/dashboard_bench.py):
the newest-first list (also per category and per status), the overview's counts and
the unit filter (unit-code prefixes,
hence ``text_pattern_ops``: LIKE 'code%' under any collation), a handler's cases, and
case-number prefixes.

Revision ID: mediation_0005
Revises: mediation_0004
"""

from alembic import op

revision = "mediation_0005"
down_revision = "mediation_0004"
branch_labels = None
depends_on = None

SCHEMA = "mediation"
INDEXES = {
    "ix_cases_newest": "(submitted_at DESC NULLS LAST, case_id DESC)",
    "ix_cases_unit_status": "(unit_code text_pattern_ops, status)",
    "ix_cases_assignee_unit": "(assignee_id, unit_code text_pattern_ops)",
    # A category's or a status's newest cases come straight off these (and the
    # category choices are read by probing the first).
    "ix_cases_category_newest": "(category, submitted_at DESC NULLS LAST, case_id DESC)",
    "ix_cases_status_newest": "(status, submitted_at DESC NULLS LAST, case_id DESC)",
    "ix_cases_number": "(case_number text_pattern_ops)",
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {SCHEMA}.cases {columns}")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {SCHEMA}.{name}")
