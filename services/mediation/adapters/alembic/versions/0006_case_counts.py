"""Cases by unit and status, kept by the projection with the view (the overview and
the gauges read a few hundred rows instead of counting every case); filled from the
view as it stands.

Revision ID: mediation_0006
Revises: mediation_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "mediation_0006"
down_revision = "mediation_0005"
branch_labels = None
depends_on = None

SCHEMA = "mediation"
FILL = (
    "INSERT INTO mediation.case_counts (unit_code, status, cases) "
    "SELECT coalesce(unit_code, ''), status, count(*) FROM mediation.cases GROUP BY 1, 2"
)


def upgrade() -> None:
    op.create_table(
        "case_counts",
        sa.Column("unit_code", sa.Text, primary_key=True),
        sa.Column("status", sa.Text, primary_key=True),
        sa.Column("cases", sa.BigInteger, nullable=False),
        schema=SCHEMA,
    )
    op.execute(FILL)
    op.execute(
        f"CREATE INDEX ix_case_counts_unit ON {SCHEMA}.case_counts (unit_code text_pattern_ops)"
    )


def downgrade() -> None:
    op.drop_table("case_counts", schema=SCHEMA)
