"""The routing schema: organisation units, staff, policy, routed cases and assignments."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.db.metadata import ServiceMetadata

SCHEMA = "routing"
TABLES = ServiceMetadata(SCHEMA)

units = Table(
    "units",
    TABLES.metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),  # district | street | community | grid
    Column("parent_code", Text),
    Column("area_type", Text),  # urban | rural (communities and their grids)
    Column("boundary", JSONB),  # GeoJSON geometry, WGS84
    Column("updated_at", DateTime(timezone=True), server_default=func.now()),
)

staff = Table(
    "staff",
    TABLES.metadata,
    Column("staff_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("unit_code", Text, nullable=False, index=True),
    Column("capacity", Integer, nullable=False, server_default="20"),
    Column("open_cases", Integer, nullable=False, server_default="0"),
    Column("on_duty", Boolean, nullable=False, server_default="true"),  # false: inactive
    Column("covers", ARRAY(Text), nullable=False, server_default="{}"),
    Column("skills", ARRAY(Text), nullable=False, server_default="{}"),
    Column("employment", Text),  # full_time | part_time
    Column("off_duty", JSONB, nullable=False, server_default="[]"),  # [{start, end, reason}]
    Column("phone", Text),
    Column("updated_at", DateTime(timezone=True), server_default=func.now()),
)

registry_version = Table(
    "registry_version",
    TABLES.metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("version", BigInteger, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

policies = Table(
    "policies",
    TABLES.metadata,
    Column("version", Integer, primary_key=True),
    Column("rules", JSONB, nullable=False),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

routed_cases = Table(
    "routed_cases",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("case_number", Text),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("risk_signals", ARRAY(Text), nullable=False, server_default="{}"),
    Column("people_involved", Integer),
    Column("lng", Float),
    Column("lat", Float),
    Column("grid_code", Text),
    Column("submitted_at", DateTime(timezone=True)),
)

assignments = Table(
    "assignments",
    TABLES.metadata,
    Column("assignment_id", Text, primary_key=True),
    Column("case_id", Text, nullable=False, index=True),
    Column("unit_code", Text, nullable=False),
    Column("assignee_id", Text),
    Column("rule", Text, nullable=False),
    Column("explanation", JSONB, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("assigned_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("trigger", Text, nullable=False, server_default="submitted"),
    Column("supersedes", Text),
    Column("co_handler_ids", ARRAY(Text), nullable=False, server_default="{}"),
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_reason", Text),
)

exclusions = Table(
    "exclusions",
    TABLES.metadata,
    Column("case_id", Text, primary_key=True),
    Column("staff_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # rejected | recused | escalated
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The first answer to each caller's Idempotency-Key on the reassignment routes, stored
# in the reassignment's own transaction: a retry is answered, never moved twice.
idempotency_keys = Table(
    "idempotency_keys",
    TABLES.metadata,
    Column("caller", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
    Index("ix_idempotency_keys_created", "created_at"),
)

# --- identity: staff accounts, refresh tokens, machine clients' API keys ------------

accounts = Table(
    "accounts",
    TABLES.metadata,
    Column("username", Text, primary_key=True),
    # The staff registry row this account signs in as; administrators may have none.
    Column("staff_id", Text, unique=True),
    Column("is_admin", Boolean, nullable=False, server_default="false"),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("disabled", Boolean, nullable=False, server_default="false"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

refresh_tokens = Table(
    "refresh_tokens",
    TABLES.metadata,
    Column("token_hash", Text, primary_key=True),  # sha256 of the token; never the token
    Column("username", Text, nullable=False, index=True),
    # Every rotation stays in the family of the login it came from: reuse of a rotated
    # token revokes the whole family (someone else holds a copy).
    Column("family_id", Text, nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

api_keys = Table(
    "api_keys",
    TABLES.metadata,
    Column("key_id", Text, primary_key=True),
    Column("client_name", Text, nullable=False),
    Column("secret_hash", Text, nullable=False),  # sha256: the secret is 32 random bytes
    Column("scopes", ARRAY(Text), nullable=False),
    Column("unit_codes", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
)
