"""The audit log: append-only, hash-chained (shared/audit.py).

Revision ID: mediation_0002
Revises: mediation_0001
"""

from alembic import op

from shared.audit import create_audit_tables_sql, drop_audit_tables_sql

revision = "mediation_0002"
down_revision = "mediation_0001"
branch_labels = None
depends_on = None

SCHEMA = "mediation"


def upgrade() -> None:
    for statement in create_audit_tables_sql(SCHEMA):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_audit_tables_sql(SCHEMA):
        op.execute(statement)
