"""Intake's writes: every INSERT, UPDATE, DELETE and lock the service layer asks for.

Functions take the unit of work's connection and change rows inside its transaction;
none commits. The statements are the ones the hot path was measured with: one per
step whatever the batch size (arrays and executemany), so moving them here changed
no statement's shape or count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, delete, insert, null, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import (
    SCHEMA,
    attachments,
    case_number_seq,
    categories,
    diary_entries,
    idempotency_keys,
    registry_units,
    submission_attachments,
    submissions,
    this_transaction,
)
from services.intake.domain.idempotency import IdempotencyClaim

# --- idempotency keys ----------------------------------------------------------------


@dataclass(frozen=True)
class StoredKey:
    fingerprint: str
    status_code: int | None
    response: dict[str, Any] | None
    created_at: datetime


async def insert_key(conn: AsyncConnection, claim: IdempotencyClaim) -> bool:
    """True if this transaction now owns the key (it was never seen)."""
    inserted = await conn.execute(
        pg_insert(idempotency_keys)
        .values(scope=claim.scope, key=claim.key, fingerprint=claim.fingerprint)
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
    )
    return inserted.first() is not None


async def lock_key(conn: AsyncConnection, claim: IdempotencyClaim) -> StoredKey:
    """The stored key, locked until this transaction ends."""
    row = (
        await conn.execute(
            select(idempotency_keys)
            .where(idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
            .with_for_update()
        )
    ).one()
    return StoredKey(row.fingerprint, row.status_code, row.response, row.created_at)


async def reclaim_key(conn: AsyncConnection, claim: IdempotencyClaim) -> None:
    """Take over an expired key for this request."""
    await conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == claim.scope, idempotency_keys.c.key == claim.key)
        .values(
            fingerprint=claim.fingerprint,
            status_code=None,
            response=None,
            created_at=datetime.now(UTC),
        )
    )


async def insert_new_keys(
    conn: AsyncConnection, claims: list[IdempotencyClaim]
) -> set[tuple[str, str]]:
    """Claim keys never seen before in one statement; the (scope, key) pairs this
    transaction now owns."""
    if not claims:
        return set()
    rows = await conn.execute(
        _CLAIM_KEYS,
        [{"scope": c.scope, "key": c.key, "fingerprint": c.fingerprint} for c in claims],
    )
    return {(row.scope, row.key) for row in rows}


# Built once; the claims go as parameters (one multi-row statement, compiled once:
# ``.values(rows)`` compiled a new one for every batch).
_CLAIM_KEYS = (
    pg_insert(idempotency_keys)
    .on_conflict_do_nothing()
    .returning(idempotency_keys.c.scope, idempotency_keys.c.key)
)


_RECORD = (
    update(idempotency_keys)
    .where(
        idempotency_keys.c.scope == bindparam("b_scope"),
        idempotency_keys.c.key == bindparam("b_key"),
    )
    .values(status_code=bindparam("b_status"), response=bindparam("b_response"))
)


async def record_answers(
    conn: AsyncConnection, answered: Sequence[tuple[IdempotencyClaim, int, dict[str, Any]]]
) -> None:
    """Store (claim, status, body) answers to keys claimed in this transaction."""
    if answered:
        await conn.execute(
            _RECORD,
            [
                {"b_scope": c.scope, "b_key": c.key, "b_status": status, "b_response": body}
                for c, status, body in answered
            ],
        )


async def purge_keys(conn: AsyncConnection, ttl: timedelta) -> int:
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < datetime.now(UTC) - ttl)
    )
    return int(result.rowcount or 0)


# --- submissions -----------------------------------------------------------------------

# The first key of intake's advisory locks on duplicate cells (pg_advisory_xact_lock's
# two-key form keeps them apart from any other advisory lock in the database).
DUPLICATE_CELL_LOCKS = 0x1D_0C


# The cells' locks ride on the numbering statement (no extra round trip): its scalar
# subquery runs once, taking the keys in array order, and the duplicate search that
# follows is a new statement, with a snapshot taken after the locks were granted.
_NUMBER_AND_LOCK_SQL = f"""
SELECT nextval('{SCHEMA}.{case_number_seq.name}') AS value,
       (SELECT count(pg_advisory_xact_lock({DUPLICATE_CELL_LOCKS}, k))
        FROM unnest(CAST(:cells AS int[])) AS k) AS locked
FROM generate_series(1, CAST(:n AS int))
"""  # noqa: S608 - names and the lock key are constants; values are bound parameters


async def next_sequences(conn: AsyncConnection, n: int, cells: Sequence[int] = ()) -> list[int]:
    """``n`` values of the case number sequence in one round trip, after taking the
    ``duplicate_cells`` locks ``cells`` (held until the transaction ends)."""
    rows = await conn.execute(text(_NUMBER_AND_LOCK_SQL), {"n": n, "cells": list(cells)})
    return [int(row.value) for row in rows]


async def insert_submissions(
    conn: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    links: Sequence[dict[str, str]],
    linked: Sequence[str],
    now: datetime,
) -> None:
    """The submissions, their attachment links, and a bump of the open cases new reports
    were linked to (so their reporters' next sync shows the links)."""
    await conn.execute(insert(submissions), list(rows))
    if links:
        await conn.execute(insert(submission_attachments), list(links))
    if linked:
        await conn.execute(
            update(submissions)
            .where(submissions.c.case_id.in_(linked))
            .values(change_xid=this_transaction(), updated_at=now)
        )


# SET sees the row's values before the update, so the previous assignee is the
# current one when it changes; rows of other services' cases do not match.
_ASSIGN = (
    update(submissions)
    .where(submissions.c.case_id == bindparam("b_case_id"))
    .values(
        assignee_id=bindparam("b_assignee_id"),
        previous_assignee_id=case(
            (
                submissions.c.assignee_id.is_distinct_from(bindparam("b_assignee_id")),
                submissions.c.assignee_id,
            ),
            else_=null(),
        ),
        unit_code=bindparam("b_unit_code"),
        status="assigned",
        change_xid=this_transaction(),
        updated_at=bindparam("b_updated_at"),
    )
)


async def assign_cases(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Apply assignments (``b_case_id``, ``b_assignee_id``, ``b_unit_code``,
    ``b_updated_at``) in order, in one round trip."""
    await conn.execute(_ASSIGN, list(rows))


# --- diary -----------------------------------------------------------------------------


async def insert_diary_entry(conn: AsyncConnection, values: dict[str, Any]) -> datetime:
    """Keep an entry; its creation time."""
    row = (
        await conn.execute(
            insert(diary_entries).values(**values).returning(diary_entries.c.created_at)
        )
    ).one()
    created: datetime = row.created_at
    return created


async def lock_diary_entry(conn: AsyncConnection, entry_id: str, staff_id: str) -> Any:
    """The officer's entry, locked until this transaction ends; None if not theirs."""
    return (
        await conn.execute(
            select(diary_entries)
            .where(diary_entries.c.entry_id == entry_id, diary_entries.c.staff_id == staff_id)
            .with_for_update()
        )
    ).first()


async def mark_promoted(conn: AsyncConnection, entry_id: str, case_id: str) -> None:
    await conn.execute(
        update(diary_entries)
        .where(diary_entries.c.entry_id == entry_id)
        .values(promoted_case_id=case_id, change_xid=this_transaction())
    )


# --- attachments, dictionary, registry mirror, outbox ----------------------------------


async def insert_attachment(
    conn: AsyncConnection, digest: str, media_type: str, family: str, size: int
) -> None:
    """Record a stored blob; the same content twice is one row."""
    await conn.execute(
        pg_insert(attachments)
        .values(sha256=digest, media_type=media_type, family=family, size=size)
        .on_conflict_do_nothing()
    )


async def upsert_category(
    conn: AsyncConnection, kind: str, code: str, values: dict[str, Any]
) -> None:
    await conn.execute(
        pg_insert(categories)
        .values(kind=kind, code=code, **values)
        .on_conflict_do_update(index_elements=["kind", "code"], set_=values)
    )


async def upsert_unit(conn: AsyncConnection, code: str, values: dict[str, Any]) -> None:
    """Mirror one unit; an older change arriving late never overwrites a newer one."""
    stmt = pg_insert(registry_units).values(code=code, **values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_=values,
            where=registry_units.c.changed_at <= stmt.excluded.changed_at,
        )
    )


async def delete_unit(conn: AsyncConnection, code: str, changed_at: datetime) -> None:
    await conn.execute(
        delete(registry_units).where(
            and_(registry_units.c.code == code, registry_units.c.changed_at <= changed_at)
        )
    )


async def scrub_sent_restricted(conn: AsyncConnection, outbox: Table, topic: str) -> int:
    """Delete outbox rows of the restricted topic once they are published.

    Their envelopes hold parties' personal data in the clear (the topic's consumers
    read it so); once Kafka has acknowledged them the only copy intake keeps is the
    encrypted one in ``submissions``. Unsent rows stay until the relay has sent them.
    """
    result = await conn.execute(
        delete(outbox).where(outbox.c.topic == topic, outbox.c.sent_at.is_not(None))
    )
    return int(result.rowcount or 0)
