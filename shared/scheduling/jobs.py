"""Scheduling from inside a unit of work: a job is a row written in the caller's
transaction, so it exists exactly when the change that asked for it commits.

Handlers call these with their own unit of work (a deadline opened by an event is
scheduled in the transaction that applies the event); the job's table is the
``scheduled_jobs`` table in the unit's schema.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
from sqlalchemy.sql.elements import TextClause

from shared.db.unit_of_work import UnitOfWork
from shared.scheduling.recurrence import Recurrence, WorkingDays
from shared.scheduling.table import TABLE_NAME, JobState, scheduler_channel


@dataclass(frozen=True)
class ScheduledJob:
    """What a job handler is given: the row as claimed."""

    id: int
    kind: str
    payload: dict[str, Any]
    scheduled_for: datetime  # the occurrence (deadline) it stands for
    due_at: datetime  # when this attempt became due (later than scheduled_for after a retry)
    attempts: int  # failed attempts before this one
    dedupe_key: str | None
    series_key: str | None
    recurrence: Recurrence | None


def qualified_table(schema: str) -> str:
    # The schema is a code constant of the owning service, never user input.
    return f'"{schema}".{TABLE_NAME}'


def _aware(instant: datetime, name: str) -> datetime:
    if instant.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return instant


@functools.cache
def _insert(schema: str, *, revive_cancelled: bool) -> TextClause:
    """Insert unless the same deadline is there already, and tell the sweeper (delivered
    at commit) to look at its timer. A one-off deadline that was cancelled comes back
    with its new due time (a paused clock resumed); a recurring occurrence never
    conflicts with anything but itself or its series' pending one, and then is skipped."""
    table = qualified_table(schema)
    on_conflict = (
        f"""ON CONFLICT (kind, dedupe_key) DO UPDATE
            SET state = '{JobState.PENDING}', due_at = EXCLUDED.due_at,
                scheduled_for = EXCLUDED.scheduled_for, payload = EXCLUDED.payload,
                attempts = 0, last_error = NULL
            WHERE j.state = '{JobState.CANCELLED}'"""
        if revive_cancelled
        else "ON CONFLICT DO NOTHING"
    )
    return text(
        f"""
        WITH inserted AS (
            INSERT INTO {table} AS j
                (kind, dedupe_key, series_key, scheduled_for, due_at, payload, recurrence)
            VALUES (:kind, :dedupe_key, :series_key, :due_at, :due_at, :payload, :recurrence)
            {on_conflict}
            RETURNING id
        )
        SELECT (SELECT id FROM inserted) AS id, pg_notify('{scheduler_channel(schema)}', '')
        """
    ).bindparams(bindparam("payload", type_=JSONB), bindparam("recurrence", type_=JSONB))


@functools.cache
def _cancel(schema: str) -> TextClause:
    return text(
        f"""
        UPDATE {qualified_table(schema)} SET state = '{JobState.CANCELLED}'
        WHERE kind = :kind AND state = '{JobState.PENDING}'
          AND (dedupe_key = :key OR series_key = :key)
        """
    )


@functools.cache
def _reschedule(schema: str) -> TextClause:
    return text(
        f"""
        WITH moved AS (
            UPDATE {qualified_table(schema)}
            SET due_at = :due_at, scheduled_for = :due_at, attempts = 0, last_error = NULL
            WHERE kind = :kind AND state = '{JobState.PENDING}'
              AND (dedupe_key = :key OR series_key = :key)
            RETURNING id
        )
        SELECT count(*) AS n, pg_notify('{scheduler_channel(schema)}', '') FROM moved
        """
    )


async def schedule(
    uow: UnitOfWork,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
) -> int | None:
    """Schedule a one-off job; returns its id, or None when ``dedupe_key`` is already
    pending, fired or failed for ``kind`` (a fired deadline does not fire twice). A
    cancelled one is scheduled again with this due time and payload."""
    return await _insert_row(
        uow, kind, _aware(due_at, "due_at"), payload, dedupe_key, series_key=None, recurrence=None
    )


async def schedule_recurring(
    uow: UnitOfWork,
    kind: str,
    recurrence: Recurrence,
    *,
    series_key: str,
    after: datetime,
    payload: dict[str, Any] | None = None,
    calendar: WorkingDays | None = None,
) -> int | None:
    """Make sure a recurring job has its next occurrence after ``after`` waiting; None if
    the series already has one pending (safe to call at every start) or has ended."""
    first = recurrence.next_after(_aware(after, "after"), calendar)
    if first is None:
        return None
    key = occurrence_key(series_key, first)
    inserted = await _insert_row(
        uow, kind, first, payload, key, series_key=series_key, recurrence=recurrence
    )
    if inserted is not None:
        return inserted
    # That occurrence may have been cancelled with its series: a series set up again
    # gets it back (a fired occurrence stays fired).
    revived = await uow.connection.execute(
        _revive_occurrence(uow.schema),
        {
            "kind": kind,
            "key": key,
            "series_key": series_key,
            "payload": payload or {},
            "recurrence": recurrence.to_data(),
        },
    )
    job_id = revived.scalar_one_or_none()
    return int(job_id) if job_id is not None else None


@functools.cache
def _revive_occurrence(schema: str) -> TextClause:
    table = qualified_table(schema)
    return text(
        f"""
        UPDATE {table} AS j
        SET state = '{JobState.PENDING}', due_at = j.scheduled_for, payload = :payload,
            recurrence = :recurrence, attempts = 0, last_error = NULL
        WHERE j.kind = :kind AND j.dedupe_key = :key AND j.state = '{JobState.CANCELLED}'
          AND NOT EXISTS (
            SELECT 1 FROM {table} p
            WHERE p.kind = :kind AND p.series_key = :series_key
              AND p.state = '{JobState.PENDING}'
          )
        RETURNING j.id
        """
    ).bindparams(bindparam("payload", type_=JSONB), bindparam("recurrence", type_=JSONB))


def occurrence_key(series_key: str, occurrence: datetime) -> str:
    """One occurrence of a series: never fired twice, even across a cancel and re-create."""
    return f"{series_key}@{occurrence.isoformat()}"


async def insert_next_occurrence(
    uow: UnitOfWork, job: ScheduledJob, calendar: WorkingDays | None
) -> datetime | None:
    """After ``job`` fired (or failed for good), its series' next occurrence."""
    if job.recurrence is None or job.series_key is None:
        return None
    nxt = job.recurrence.next_after(job.scheduled_for, calendar)
    if nxt is None:
        return None
    await _insert_row(
        uow,
        job.kind,
        nxt,
        job.payload,
        occurrence_key(job.series_key, nxt),
        series_key=job.series_key,
        recurrence=job.recurrence,
    )
    return nxt


async def _insert_row(
    uow: UnitOfWork,
    kind: str,
    due_at: datetime,
    payload: dict[str, Any] | None,
    dedupe_key: str | None,
    *,
    series_key: str | None,
    recurrence: Recurrence | None,
) -> int | None:
    result = await uow.connection.execute(
        _insert(uow.schema, revive_cancelled=series_key is None and dedupe_key is not None),
        {
            "kind": kind,
            "dedupe_key": dedupe_key,
            "series_key": series_key,
            "due_at": due_at,
            "payload": payload or {},
            "recurrence": recurrence.to_data() if recurrence else None,
        },
    )
    job_id = result.scalar_one()
    return int(job_id) if job_id is not None else None


async def cancel(uow: UnitOfWork, kind: str, key: str) -> int:
    """Cancel the pending job with this dedupe key, or a series' pending occurrence by its
    series key; returns how many rows were cancelled (0 if it already fired)."""
    result = await uow.connection.execute(_cancel(uow.schema), {"kind": kind, "key": key})
    return int(result.rowcount)


@dataclass(frozen=True)
class OneOff:
    """One one-off job of ``schedule_all``."""

    kind: str
    due_at: datetime
    payload: dict[str, Any]
    dedupe_key: str


@functools.cache
def _insert_all(schema: str) -> TextClause:
    """``_insert`` for many one-off jobs in one statement (a batch's new deadlines)."""
    table = qualified_table(schema)
    return text(
        f"""
        WITH inserted AS (
            INSERT INTO {table} AS j (kind, dedupe_key, scheduled_for, due_at, payload)
            SELECT u.kind, u.key, u.due_at, u.due_at, u.payload::jsonb
            FROM unnest(:kinds, :keys, :due_ats, :payloads) AS u(kind, key, due_at, payload)
            ON CONFLICT (kind, dedupe_key) DO UPDATE
                SET state = '{JobState.PENDING}', due_at = EXCLUDED.due_at,
                    scheduled_for = EXCLUDED.scheduled_for, payload = EXCLUDED.payload,
                    attempts = 0, last_error = NULL
                WHERE j.state = '{JobState.CANCELLED}'
            RETURNING id
        )
        SELECT (SELECT count(*) FROM inserted) AS n, pg_notify('{scheduler_channel(schema)}', '')
        """
    ).bindparams(
        bindparam("kinds", type_=ARRAY(Text)),
        bindparam("keys", type_=ARRAY(Text)),
        bindparam("due_ats", type_=ARRAY(TIMESTAMP(timezone=True))),
        bindparam("payloads", type_=ARRAY(Text)),
    )


async def schedule_all(uow: UnitOfWork, jobs: list[OneOff]) -> int:
    """``schedule`` for each job, in one round trip; how many were inserted or revived.
    A job whose kind and key come twice is scheduled once, as its first (the second
    ``schedule`` would find the first pending)."""
    unique: dict[tuple[str, str], OneOff] = {}
    for job in jobs:
        unique.setdefault((job.kind, job.dedupe_key), job)
    if not unique:
        return 0
    rows = list(unique.values())
    result = await uow.connection.execute(
        _insert_all(uow.schema),
        {
            "kinds": [j.kind for j in rows],
            "keys": [j.dedupe_key for j in rows],
            "due_ats": [_aware(j.due_at, "due_at") for j in rows],
            "payloads": [json.dumps(j.payload) for j in rows],
        },
    )
    return int(result.scalar_one())


@functools.cache
def _cancel_all(schema: str) -> TextClause:
    return text(
        f"""
        UPDATE {qualified_table(schema)} SET state = '{JobState.CANCELLED}'
        WHERE kind = ANY(:kinds) AND state = '{JobState.PENDING}'
          AND (dedupe_key = ANY(:keys) OR series_key = ANY(:keys))
        """
    ).bindparams(bindparam("kinds", type_=ARRAY(Text)), bindparam("keys", type_=ARRAY(Text)))


async def cancel_all(uow: UnitOfWork, kinds: list[str], keys: list[str]) -> int:
    """``cancel`` for every kind and key of these, in one round trip."""
    if not kinds or not keys:
        return 0
    result = await uow.connection.execute(
        _cancel_all(uow.schema), {"kinds": list(kinds), "keys": list(keys)}
    )
    return int(result.rowcount)


async def reschedule(uow: UnitOfWork, kind: str, key: str, due_at: datetime) -> bool:
    """Move a pending job (or a series' pending occurrence) to ``due_at``, e.g. a deadline
    extended or a paused clock resumed; False if nothing pending had that key."""
    result = await uow.connection.execute(
        _reschedule(uow.schema), {"kind": kind, "key": key, "due_at": _aware(due_at, "due_at")}
    )
    return bool(result.scalar_one())


def job_from_row(row: Any) -> ScheduledJob:
    """A claimed row as the handler sees it."""
    recurrence = Recurrence.from_data(row.recurrence) if row.recurrence is not None else None
    return ScheduledJob(
        id=int(row.id),
        kind=row.kind,
        payload=dict(row.payload or {}),
        scheduled_for=row.scheduled_for,
        due_at=row.due_at,
        attempts=int(row.attempts),
        dedupe_key=row.dedupe_key,
        series_key=row.series_key,
        recurrence=recurrence,
    )
