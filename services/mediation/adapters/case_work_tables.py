"""Case work's tables in the mediation schema: the case file, its timeline, and the
idempotency keys of its writes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from services.mediation.adapters.tables import TABLES

case_files = Table(
    "case_files",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("version", Integer, nullable=False),
    # The whole file (domain dataclasses as JSON), personal fields encrypted.
    Column("document", JSONB, nullable=False),
    # Access is decided in SQL, so who was refused and who joined are columns.
    Column("excluded", ARRAY(Text), nullable=False, server_default="{}"),
    Column("participants", ARRAY(Text), nullable=False, server_default="{}"),
    Column("due_at", DateTime(timezone=True)),
    # What the file waits for next and by when (``domain/agenda.py``): "my work".
    Column("next_action", Text),
    Column("next_action_due", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

case_timeline = Table(
    "case_timeline",
    TABLES.metadata,
    Column("entry_id", BigInteger, Identity(), primary_key=True),
    Column("case_id", Text, nullable=False),
    Column("file_version", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Text, nullable=False),
    Column("actor_role", Text, nullable=False),
    Column("step", Text, nullable=False),
    Column("what", Text, nullable=False),
    Column("why", Text),  # encrypted: a reason may name people or numbers
)

idempotency_keys = Table(
    "case_work_idempotency",
    TABLES.metadata,
    Column("caller", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("caller", "key"),
)
