"""The working calendar in the database, one row per year, seeded from the yearly files
(2027 provisional until the State Council publishes it); imported per year later.

Revision ID: escalation_0004
Revises: escalation_0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from shared.working_calendar import WorkingCalendar

revision = "escalation_0004"
down_revision = "escalation_0003"
branch_labels = None
depends_on = None

SCHEMA = "escalation"


def upgrade() -> None:
    years = op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("holidays", ARRAY(sa.Date), nullable=False),
        sa.Column("makeup_workdays", ARRAY(sa.Date), nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_by", sa.Text),
        schema=SCHEMA,
    )
    assert years is not None
    shipped = WorkingCalendar.load()
    rows = []
    for number in shipped.years:
        year = shipped.year(number)
        assert year is not None
        rows.append(
            {
                "year": year.year,
                "holidays": sorted(year.holidays),
                "makeup_workdays": sorted(year.makeup_workdays),
                "provisional": year.provisional,
                "source": year.source,
                "version": 1,
                "updated_by": "seed",
            }
        )
    op.bulk_insert(years, rows)


def downgrade() -> None:
    op.drop_table("calendar_years", schema=SCHEMA)
