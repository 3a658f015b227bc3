"""The sync cursor follows transaction ids, not a sequence.

``change_seq`` took its value when a change was made, not when it committed: a
transaction that took 10 and committed after one that took 11 was read was never
shown to a phone whose cursor had moved past 11. ``change_xid`` is the id of the
transaction that last changed the row (``pg_current_xact_id()``), and lists hand out
only rows below the oldest transaction still running, which can no longer change.
Existing rows take this migration's transaction id (phones see them once more).

Revision ID: intake_0005
Revises: intake_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None

SCHEMA = "intake"
THIS_TRANSACTION = sa.text("(pg_current_xact_id()::text::bigint)")
INDEXES = (
    ("submissions", "ix_submissions_reporter", "reporter_id"),
    ("submissions", "ix_submissions_assignee", "assignee_id"),
    ("submissions", "ix_submissions_previous_assignee", "previous_assignee_id"),
    ("diary_entries", "ix_diary_staff", "staff_id"),
)


def upgrade() -> None:
    for table in ("submissions", "diary_entries"):
        op.add_column(
            table,
            sa.Column("change_xid", sa.BigInteger, nullable=False, server_default=THIS_TRANSACTION),
            schema=SCHEMA,
        )
    for table, name, column in INDEXES:
        op.drop_index(name, table_name=table, schema=SCHEMA)
        op.create_index(name, table, [column, "change_xid"], schema=SCHEMA)
    for table in ("submissions", "diary_entries"):
        op.drop_column(table, "change_seq", schema=SCHEMA)
    op.execute(sa.schema.DropSequence(sa.Sequence("change_seq", schema=SCHEMA)))


def downgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("change_seq", schema=SCHEMA)))
    for table in ("submissions", "diary_entries"):
        op.add_column(
            table,
            sa.Column(
                "change_seq",
                sa.BigInteger,
                nullable=False,
                server_default=sa.text(f"nextval('{SCHEMA}.change_seq')"),
            ),
            schema=SCHEMA,
        )
    for table, name, column in INDEXES:
        op.drop_index(name, table_name=table, schema=SCHEMA)
        op.create_index(name, table, [column, "change_seq"], schema=SCHEMA)
    for table in ("submissions", "diary_entries"):
        op.drop_column(table, "change_xid", schema=SCHEMA)
