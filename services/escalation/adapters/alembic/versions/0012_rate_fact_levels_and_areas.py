"""The rates' facts name the level each limit was on (the accept clock's, the closing
clock's), the first rating with the rated unit's level, and a dispute's report area, so
the monthly report's time-limit columns go by area × dispute type × level from this one
table.

Revision ID: escalation_0012
Revises: escalation_0011
"""

import sqlalchemy as sa
from alembic import op

revision = "escalation_0012"
down_revision = "escalation_0011"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    op.add_column("rate_facts", sa.Column("accept_level", sa.Text), schema=SCHEMA)
    op.add_column("rate_facts", sa.Column("close_level", sa.Text), schema=SCHEMA)
    op.add_column("rate_facts", sa.Column("area_code", sa.Text), schema=SCHEMA)
    op.add_column("rate_facts", sa.Column("rating", sa.Text), schema=SCHEMA)
    op.add_column("rate_facts", sa.Column("rated_at", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.add_column("rate_facts", sa.Column("rated_level", sa.Text), schema=SCHEMA)
    # From the clocks the due times were copied from (the first 受理 clock; the first
    # mediation or 办理 clock), as the consumer copies them from now on.
    op.execute(
        """
        UPDATE escalation.rate_facts f SET accept_level = k.unit_level
        FROM (SELECT DISTINCT ON (case_id) case_id, unit_level FROM escalation.clocks
              WHERE stage = 'accept' ORDER BY case_id, started_at, occurrence) k
        WHERE f.case_id = k.case_id
        """
    )
    op.execute(
        """
        UPDATE escalation.rate_facts f SET close_level = k.unit_level
        FROM (SELECT DISTINCT ON (case_id) case_id, unit_level FROM escalation.clocks
              WHERE stage IN ('mediate', 'handle') ORDER BY case_id, started_at, occurrence) k
        WHERE f.case_id = k.case_id
        """
    )
    # A dispute's report area, as the consumer copies it once the report places it.
    op.execute(
        """
        UPDATE escalation.rate_facts f SET area_code = c.area_code
        FROM escalation.report_cases c
        WHERE c.case_id = f.case_id AND c.area_code <> ''
        """
    )
    # The ratings kept so far (case_ratings: the first of each case), the rated unit's
    # level by the length of its code (6/9/12/15 digits).
    op.execute(
        """
        UPDATE escalation.rate_facts f
        SET rating = k.rating, rated_at = k.rated_at,
            rated_level = CASE length(k.unit_code) WHEN 6 THEN 'district' WHEN 9 THEN 'street'
              WHEN 12 THEN 'community' WHEN 15 THEN 'grid' ELSE 'unknown' END
        FROM escalation.case_ratings k
        WHERE k.case_id = f.case_id
        """
    )
    op.create_index("ix_rate_facts_rated_at", "rate_facts", ["rated_at"], schema=SCHEMA)
    op.create_index(
        "ix_rate_facts_area_code",
        "rate_facts",
        ["area_code"],
        schema=SCHEMA,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_rate_facts_area_code", "rate_facts", schema=SCHEMA)
    op.drop_index("ix_rate_facts_rated_at", "rate_facts", schema=SCHEMA)
    for column in ("rated_level", "rated_at", "rating"):
        op.drop_column("rate_facts", column, schema=SCHEMA)
    op.drop_column("rate_facts", "area_code", schema=SCHEMA)
    op.drop_column("rate_facts", "close_level", schema=SCHEMA)
    op.drop_column("rate_facts", "accept_level", schema=SCHEMA)
