"""The scheduler's sweeper: fires due jobs exactly once, across replicas and restarts.

- Claims due pending rows with ``FOR UPDATE SKIP LOCKED`` (oldest due first, in
  batches), so replicas share the work and never take the same row.
- Runs each job's handler in the claiming unit of work: the handler's effect, its
  outbox events (``uow.publish``), the row marked fired and a recurring job's next
  occurrence commit together, or not at all. A row is fired exactly when its effect
  is committed; a crash anywhere before the commit leaves it pending and unlocked for
  the next sweep, whichever process runs it.
- Nothing is keyed on "while running": a job that fell due while every replica was
  down is simply due, and the first sweep after start fires it.
- A batch runs first in one transaction without savepoints (the common case costs
  one statement per job beyond the handler's). If a job fails, that transaction rolls
  back and the batch is claimed again with each job in a savepoint: a failing job rolls
  back alone, its row records the error and the attempt, and it is due again after an
  exponential back-off. After ``max_attempts`` it is marked ``failed``
  (``gridcase_scheduler_jobs_failed_total``). If even that transaction fails (a handler
  broke the connection), the next sweeps take one job at a time and charge the failure
  to the job that caused it, like the consumer's one-event fallback.
- Wakes on a timer to the next due time, on ``LISTEN <schema>_scheduler`` (scheduling
  NOTIFYs at commit), and every ``poll_interval_s`` in case both were missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import asyncpg
from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import TextClause

from shared.clock import Clock, SystemClock
from shared.db.engine import plain_url
from shared.db.unit_of_work import UnitOfWork
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.scheduling import metrics
from shared.scheduling.jobs import (
    ScheduledJob,
    insert_next_occurrence,
    job_from_row,
    qualified_table,
)
from shared.scheduling.recurrence import WorkingDays
from shared.scheduling.table import JobState, scheduler_channel

log = get_logger(__name__)

U = TypeVar("U", bound=UnitOfWork)
JobHandler = Callable[[U, ScheduledJob], Awaitable[None]]


# Kinds of the jobs fired, retried later, and given up, in one sweep.
_Outcome = tuple[list[str], list[str], list[str]]


class UnknownJobKind(LookupError):
    """A due row whose kind has no handler in this process."""


@dataclass(frozen=True)
class SweepResult:
    fired: int
    retried: int
    failed: int

    @property
    def claimed(self) -> int:
        return self.fired + self.retried + self.failed


class Scheduler(Generic[U]):
    def __init__(
        self,
        *,
        service: str,
        schema: str,
        uow_factory: Callable[[], U],
        handlers: Mapping[str, JobHandler[U]],
        database_url: str | None = None,
        clock: Clock | None = None,
        calendar: WorkingDays | None = None,
        batch_size: int = 100,
        poll_interval_s: float = 5.0,
        max_attempts: int = 5,
        retry_backoff_s: float = 5.0,
        max_backoff_s: float = 3600.0,
    ):
        self.service = service
        self._schema = schema
        self._uow_factory = uow_factory
        self._handlers = dict(handlers)
        self._database_url = plain_url(database_url) if database_url else None
        self.clock: Clock = clock or SystemClock()
        self._calendar = calendar
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._max_backoff_s = max_backoff_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # After a batch failed as a whole: one job per sweep until the culprit is charged.
        self._one_at_a_time = False
        self._claimed: list[int] = []
        table = qualified_table(schema)
        self._claim_sql = text(
            f"""
            SELECT id, kind, dedupe_key, series_key, scheduled_for, due_at, payload,
                   recurrence, attempts
            FROM {table}
            WHERE state = '{JobState.PENDING}' AND due_at <= :now
            ORDER BY due_at
            LIMIT :limit
            FOR UPDATE SKIP LOCKED
            """
        )
        self._fired_sql = text(
            f"UPDATE {table} SET state = '{JobState.FIRED}', fired_at = :now, "
            "attempts = attempts + 1, last_error = NULL WHERE id = :id"
        )
        self._failed_sql = text(
            f"""
            UPDATE {table}
            SET attempts = attempts + 1, last_error = :error, due_at = :retry_at,
                state = CASE WHEN attempts + 1 >= :max_attempts
                             THEN '{JobState.FAILED}' ELSE state END
            WHERE id = :id AND state = '{JobState.PENDING}'
            RETURNING state, kind
            """
        )
        self._fired_many_sql = text(
            f"UPDATE {table} SET state = '{JobState.FIRED}', fired_at = :now, "
            "attempts = attempts + 1, last_error = NULL WHERE id = ANY(:ids)"
        ).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))
        self._next_due_sql = text(
            f"SELECT min(due_at) FROM {table} WHERE state = '{JobState.PENDING}'"
        )

    @property
    def claim_statement(self) -> TextClause:
        """The claim query (the bench times and EXPLAINs it with ``now`` and ``limit``)."""
        return self._claim_sql

    # -- lifecycle, like OutboxRelay ------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self._run(), name=f"{self.service}-scheduler")]
        if self._database_url is not None:
            self._tasks.append(
                asyncio.create_task(self._listen(), name=f"{self.service}-scheduler-listen")
            )

    async def stop(self, grace_s: float = 10.0) -> None:
        """Let the sweep in progress commit (up to ``grace_s``), then stop; a job cut off
        rolls back and stays pending for the next sweeper."""
        self._stopping.set()
        self._wake.set()
        if self._tasks:
            _, running = await asyncio.wait(self._tasks, timeout=grace_s)
            for task in running:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._tasks = []

    def wake(self) -> None:
        """Sweep now (tests call it after moving a ``ManualClock``)."""
        self._wake.set()

    # -- sweeping ---------------------------------------------------------------------

    async def sweep_once(self, limit: int | None = None) -> SweepResult:
        """Claim up to ``limit`` due jobs, run them, commit; what happened to them."""
        started = time.perf_counter()
        now = self.clock.now()
        limit = limit or self._batch_size
        self._claimed = []
        outcome = await self._sweep_together(now, limit)
        if outcome is None:  # a job failed and took the batch down: again, each job alone
            outcome = await self._sweep_each_alone(now, limit)
        fired, retried, failed = outcome
        for kind in fired:
            metrics.JOBS_FIRED.labels(self.service, kind).inc()
        for kind in retried:
            metrics.JOB_RETRIES.labels(self.service, kind).inc()
        for kind in failed:
            metrics.JOBS_FAILED.labels(self.service, kind).inc()
        if fired or retried or failed:
            metrics.SWEEP_DURATION.labels(self.service).observe(time.perf_counter() - started)
        return SweepResult(len(fired), len(retried), len(failed))

    async def _claim(self, uow: UnitOfWork, now: datetime, limit: int) -> list[Any]:
        rows = list(
            (await uow.connection.execute(self._claim_sql, {"now": now, "limit": limit})).all()
        )
        self._claimed = [int(row.id) for row in rows]
        return rows

    async def _fire(self, uow: U, row: Any) -> ScheduledJob:
        job = job_from_row(row)
        handler = self._handlers.get(job.kind)
        if handler is None:
            raise UnknownJobKind(f"no handler for job kind {job.kind!r}")
        await handler(uow, job)
        return job

    async def _sweep_together(self, now: datetime, limit: int) -> _Outcome | None:
        """The common case, every handler succeeding: the batch in one transaction with
        no savepoints and one ``fired`` mark for all; None if any job failed (nothing of
        the batch is kept)."""
        async with self._uow_factory() as uow:
            rows = await self._claim(uow, now, limit)
            if not rows:
                return [], [], []
            fired: list[str] = []
            plain: list[int] = []
            try:
                for row in rows:
                    job = await self._fire(uow, row)
                    if job.recurrence is not None:
                        # Marked before its next occurrence: one pending row per series.
                        await uow.connection.execute(self._fired_sql, {"id": job.id, "now": now})
                        await insert_next_occurrence(uow, job, self._calendar)
                    else:
                        plain.append(job.id)
                    fired.append(job.kind)
            except Exception as exc:
                log.info("scheduler_batch_retried_job_by_job", error=describe_error(exc))
                return None
            if plain:
                await uow.connection.execute(self._fired_many_sql, {"ids": plain, "now": now})
            await uow.commit()
        self._claimed = []
        return fired, [], []

    async def _sweep_each_alone(self, now: datetime, limit: int) -> _Outcome:
        """Each job in a savepoint: a failing one rolls back alone and is charged."""
        fired: list[str] = []
        retried: list[str] = []
        failed: list[str] = []
        async with self._uow_factory() as uow:
            for row in await self._claim(uow, now, limit):
                try:
                    async with uow.savepoint():
                        job = await self._fire(uow, row)
                        await uow.connection.execute(self._fired_sql, {"id": job.id, "now": now})
                        await insert_next_occurrence(uow, job, self._calendar)
                    fired.append(job.kind)
                except Exception as exc:
                    gave_up = await self._record_failure(uow, row, exc, now)
                    (failed if gave_up else retried).append(row.kind)
            await uow.commit()
        self._claimed = []
        return fired, retried, failed

    async def run_due(self) -> SweepResult:
        """Sweep until nothing is due now (tests and the bench; the loop does the same)."""
        fired = retried = failed = 0
        while True:
            result = await self.sweep_once()
            fired, retried, failed = (
                fired + result.fired,
                retried + result.retried,
                failed + result.failed,
            )
            if result.claimed == 0:
                return SweepResult(fired, retried, failed)

    def retry_delay(self, attempts: int) -> timedelta:
        """Back-off before attempt ``attempts + 1``: doubling from ``retry_backoff_s``."""
        seconds = self._retry_backoff_s * 2 ** max(0, attempts - 1)
        return timedelta(seconds=min(seconds, self._max_backoff_s))

    async def _record_failure(
        self, uow: UnitOfWork, row: Any, exc: Exception, now: datetime
    ) -> bool:
        """Charge a failed attempt to ``row``; True when it has now failed for good."""
        attempts = int(row.attempts) + 1
        error = describe_error(exc)
        result = await uow.connection.execute(
            self._failed_sql,
            {
                "id": row.id,
                "error": error,
                "retry_at": now + self.retry_delay(attempts),
                "max_attempts": self._max_attempts,
            },
        )
        marked = result.first()
        gave_up = marked is not None and marked.state == JobState.FAILED
        log.warning(
            "scheduled_job_failed",
            service=self.service,
            kind=row.kind,
            job_id=row.id,
            attempts=attempts,
            gave_up=gave_up,
            error=error,
        )
        if gave_up:
            # A recurring job's later occurrences are not lost with this one.
            try:
                async with uow.savepoint():
                    await insert_next_occurrence(uow, job_from_row(row), self._calendar)
            except Exception as next_exc:
                log.error(
                    "scheduled_series_stopped",
                    service=self.service,
                    kind=row.kind,
                    job_id=row.id,
                    error=describe_error(next_exc),
                )
        return gave_up

    async def _charge_batch_failure(self, job_id: int, exc: Exception) -> None:
        """A one-job sweep failed as a whole: charge it to that job in its own transaction."""
        now = self.clock.now()
        async with self._uow_factory() as uow:
            row = (
                await uow.connection.execute(
                    text(
                        f"SELECT id, kind, dedupe_key, series_key, scheduled_for, due_at, "
                        f"payload, recurrence, attempts FROM {qualified_table(self._schema)} "
                        "WHERE id = :id FOR UPDATE"
                    ),
                    {"id": job_id},
                )
            ).first()
            if row is None:
                return
            gave_up = await self._record_failure(uow, row, exc, now)
            await uow.commit()
        counter = metrics.JOBS_FAILED if gave_up else metrics.JOB_RETRIES
        counter.labels(self.service, row.kind).inc()

    async def next_due(self) -> datetime | None:
        """The earliest due time of a pending job; also updates the lag gauge."""
        async with self._uow_factory() as uow:
            earliest: datetime | None = (
                await uow.connection.execute(self._next_due_sql)
            ).scalar_one()
        now = self.clock.now()
        lag = (now - earliest).total_seconds() if earliest is not None else 0.0
        metrics.OLDEST_DUE_LAG.labels(self.service).set(max(0.0, lag))
        return earliest

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                result = await self.sweep_once(limit=1 if self._one_at_a_time else None)
                backoff = 0.2
                if self._one_at_a_time and result.claimed == 0:
                    self._one_at_a_time = False
                earliest = await self.next_due()
                if result.claimed >= (1 if self._one_at_a_time else self._batch_size):
                    continue  # more may be due: go again at once
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                await self._after_sweep_failure(exc, backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            await self._wait_for_work(earliest, result.claimed)

    async def _after_sweep_failure(self, exc: Exception, backoff: float) -> None:
        log.warning(
            "scheduler_sweep_failed",
            service=self.service,
            error=describe_error(exc),
            one_at_a_time=self._one_at_a_time,
            retry_in_s=backoff,
        )
        if self._one_at_a_time and len(self._claimed) == 1:
            with contextlib.suppress(Exception):
                await self._charge_batch_failure(self._claimed[0], exc)
                self._one_at_a_time = False
        elif self._claimed:
            self._one_at_a_time = True
        self._claimed = []
        await self._sleep(backoff)

    async def _wait_for_work(self, earliest: datetime | None, claimed: int) -> None:
        wait = self._poll_interval_s
        if earliest is not None:
            until_due = (earliest - self.clock.now()).total_seconds()
            # Due but not claimed: another replica holds it; look again soon, not at once.
            wait = min(wait, until_due if until_due > 0 else 0.5 if claimed == 0 else 0.0)
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
        self._wake.clear()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _listen(self) -> None:
        """Hold a LISTEN connection; reconnect after failures. Polling covers any gap."""
        assert self._database_url is not None
        channel = scheduler_channel(self._schema)
        while not self._stopping.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._database_url)
                await conn.add_listener(channel, lambda *_: self._wake.set())
                self._wake.set()  # anything scheduled while we were not listening
                await self._stopping.wait()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler_listen_failed", error=describe_error(exc))
                await self._sleep(2.0)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
