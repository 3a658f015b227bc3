"""The outbox and inbox tables, created in each service's own schema.

Each service owns its outbox (events it produced, waiting to be published) and inbox
(ids of events it has applied). They are built by a function so that every service's
alembic history and metadata carry their own copy in their own schema.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Text, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("type", Text, nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("sent_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Index(
            "ix_outbox_unsent_key",
            "key",
            "id",
            postgresql_where=text("sent_at IS NULL"),
        ),
        Index("ix_outbox_unsent", "id", postgresql_where=text("sent_at IS NULL")),
    )


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("consumer", Text, nullable=False),
        Column("event_id", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


def outbox_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel a service's relay waits on."""
    return f"{schema}_outbox"
