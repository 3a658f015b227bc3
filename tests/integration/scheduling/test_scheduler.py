"""The durable scheduler on real PostgreSQL: exactly once across crashes, replicas and
downtime; retries; cancel and reschedule; recurrences on the Chinese working calendar."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared.clock import ManualClock
from shared.db.engine import create_engine
from shared.scheduling import (
    JobState,
    Recurrence,
    WorkingDayShift,
    cancel,
    reschedule,
    schedule,
    schedule_recurring,
)
from shared.scheduling import metrics as scheduler_metrics
from shared.working_calendar import WorkingCalendar
from tests.harness import eventually
from tests.integration.scheduling import jobs_app
from tests.integration.scheduling.conftest import JobsDb

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parents[3]


async def _schedule_many(db: JobsDb, n: int, due_at: datetime, kind: str = jobs_app.EFFECT) -> None:
    async with db.uow() as uow:
        for i in range(n):
            await schedule(uow, kind, due_at, {"n": i}, dedupe_key=f"job-{i}")
        await uow.commit()


async def _states(db: JobsDb) -> Counter[str]:
    rows = await db.sql("SELECT state, count(*) AS n FROM jobs_app.scheduled_jobs GROUP BY state")
    return Counter({r["state"]: r["n"] for r in rows})


async def _assert_each_job_fired_exactly_once(db: JobsDb, n: int) -> None:
    """Every job: one effect row, one outbox event, state fired."""
    effects = await db.sql("SELECT job_id, count(*) AS n FROM jobs_app.effects GROUP BY job_id")
    events = await db.sql(
        "SELECT (envelope->'data'->>'job_id')::bigint AS job_id, count(*) AS n "
        "FROM jobs_app.outbox GROUP BY 1"
    )
    jobs = await db.sql("SELECT id, state FROM jobs_app.scheduled_jobs")
    assert len(jobs) == n
    assert {r["state"] for r in jobs} == {JobState.FIRED}
    ids = {r["id"] for r in jobs}
    assert {r["job_id"]: r["n"] for r in effects} == dict.fromkeys(ids, 1)
    assert {r["job_id"]: r["n"] for r in events} == dict.fromkeys(ids, 1)


def _start_sweeper_process(db: JobsDb, *, delay: float, batch: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.scheduling.jobs_app",
            db.url,
            "--delay",
            str(delay),
            "--batch",
            str(batch),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def _wait_sweeping(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
    assert line.startswith("sweeping"), line


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)


async def test_a_due_job_fires_once_with_its_outbox_event(jobs_db: JobsDb) -> None:
    clock = ManualClock(T0)
    await _schedule_many(jobs_db, 3, T0)
    scheduler = jobs_app.build_scheduler(jobs_db.engine, None, clock=clock)
    result = await scheduler.run_due()
    assert (result.fired, result.retried, result.failed) == (3, 0, 0)
    assert (await scheduler.run_due()).claimed == 0, "a fired job is never claimed again"
    await _assert_each_job_fired_exactly_once(jobs_db, 3)
    fired_at = await jobs_db.sql("SELECT DISTINCT fired_at FROM jobs_app.scheduled_jobs")
    assert [r["fired_at"] for r in fired_at] == [T0]


async def test_scheduling_the_same_deadline_twice_is_one_row_and_fires_once(
    jobs_db: JobsDb,
) -> None:
    clock = ManualClock(T0)
    async with jobs_db.uow() as uow:
        first = await schedule(uow, jobs_app.EFFECT, T0, dedupe_key="case-1:accept:red")
        again = await schedule(
            uow, jobs_app.EFFECT, T0 + timedelta(hours=1), dedupe_key="case-1:accept:red"
        )
        await uow.commit()
    assert first is not None and again is None
    scheduler = jobs_app.build_scheduler(jobs_db.engine, None, clock=clock)
    assert (await scheduler.run_due()).fired == 1
    async with jobs_db.uow() as uow:  # e.g. the event that opened it, redelivered
        assert await schedule(uow, jobs_app.EFFECT, T0, dedupe_key="case-1:accept:red") is None
        await uow.commit()
    assert (await scheduler.run_due()).claimed == 0
    await _assert_each_job_fired_exactly_once(jobs_db, 1)


async def test_the_controllable_clock_decides_when_a_job_is_due(jobs_db: JobsDb) -> None:
    clock = ManualClock(T0)
    async with jobs_db.uow() as uow:
        await schedule(uow, jobs_app.EFFECT, T0 + timedelta(hours=1), dedupe_key="in-an-hour")
        await uow.commit()
    scheduler = jobs_app.build_scheduler(jobs_db.engine, jobs_db.url, clock=clock)
    assert (await scheduler.run_due()).claimed == 0
    clock.advance(timedelta(minutes=59, seconds=59))
    assert (await scheduler.run_due()).claimed == 0
    await scheduler.start()
    try:
        await asyncio.sleep(0.5)
        assert await _states(jobs_db) == Counter({JobState.PENDING: 1})
        clock.advance(timedelta(seconds=1))
        scheduler.wake()
        await eventually(lambda: jobs_db.sql("SELECT 1 FROM jobs_app.effects"), timeout=5)
    finally:
        await scheduler.stop()
    await _assert_each_job_fired_exactly_once(jobs_db, 1)


async def test_a_job_scheduled_while_running_wakes_the_sweeper_by_notify(jobs_db: JobsDb) -> None:
    """LISTEN/NOTIFY: the poll interval is an hour, yet a new due job fires at once."""
    scheduler = jobs_app.build_scheduler(jobs_db.engine, jobs_db.url, poll_interval_s=3600)
    await scheduler.start()
    try:
        await asyncio.sleep(0.5)  # the sweeper is asleep on its hour-long poll
        await _schedule_many(jobs_db, 1, datetime.now(UTC))
        await eventually(lambda: jobs_db.sql("SELECT 1 FROM jobs_app.effects"), timeout=5)
    finally:
        await scheduler.stop()


async def test_a_job_due_during_downtime_fires_at_start(jobs_db: JobsDb) -> None:
    clock = ManualClock(T0)
    before = jobs_app.build_scheduler(jobs_db.engine, jobs_db.url, clock=clock)
    await before.start()
    async with jobs_db.uow() as uow:
        await schedule(uow, jobs_app.EFFECT, T0 + timedelta(hours=1), dedupe_key="overnight")
        await uow.commit()
    await asyncio.sleep(0.3)
    await before.stop()
    assert await _states(jobs_db) == Counter({JobState.PENDING: 1})

    clock.advance(timedelta(hours=10))  # the service was down all night
    engine = create_engine(jobs_db.url, pool_size=2)  # a new process, as it were
    after = jobs_app.build_scheduler(engine, jobs_db.url, clock=clock, poll_interval_s=3600)
    await after.start()
    try:
        await eventually(lambda: jobs_db.sql("SELECT 1 FROM jobs_app.effects"), timeout=5)
    finally:
        await after.stop()
        await engine.dispose()
    await _assert_each_job_fired_exactly_once(jobs_db, 1)
    row = (await jobs_db.sql("SELECT scheduled_for, fired_at FROM jobs_app.scheduled_jobs"))[0]
    assert row["scheduled_for"] == T0 + timedelta(hours=1)
    assert row["fired_at"] == T0 + timedelta(hours=10)


async def test_kill_9_mid_sweep_fires_every_job_exactly_once(jobs_db: JobsDb) -> None:
    n = 40
    await _schedule_many(jobs_db, n, datetime.now(UTC) - timedelta(seconds=1))
    child = _start_sweeper_process(jobs_db, delay=0.1, batch=10)  # a batch holds ~1 s
    try:
        await _wait_sweeping(child)

        async def mid_sweep() -> bool:
            committed = await jobs_db.sql("SELECT count(*) AS n FROM jobs_app.effects")
            locked = await jobs_db.sql(
                "SELECT count(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'scheduled_jobs' AND l.mode = 'RowShareLock'"
            )
            return bool(committed[0]["n"] >= 10 and locked[0]["n"] >= 1)

        await eventually(mid_sweep, timeout=30, interval=0.02)
        await asyncio.sleep(0.3)  # a few handlers into the next batch
    finally:
        _kill(child)
    killed_at = await _states(jobs_db)
    assert 0 < killed_at[JobState.PENDING] < n, killed_at
    uncommitted = await jobs_db.sql(
        "SELECT count(*) AS n FROM jobs_app.effects e JOIN jobs_app.scheduled_jobs j "
        "ON j.id = e.job_id WHERE j.state = 'pending'"
    )
    assert uncommitted[0]["n"] == 0, "the killed batch's effects rolled back with it"

    survivor = jobs_app.build_scheduler(jobs_db.engine, None, fired_by="survivor")

    async def finished() -> bool:
        await survivor.run_due()  # retries until the dead backend's locks are gone
        return (await _states(jobs_db))[JobState.PENDING] == 0

    await eventually(finished, timeout=30)
    await _assert_each_job_fired_exactly_once(jobs_db, n)
    by = await jobs_db.sql("SELECT fired_by, count(*) AS n FROM jobs_app.effects GROUP BY 1")
    counts = {r["fired_by"]: r["n"] for r in by}
    assert counts["survivor"] == killed_at[JobState.PENDING]


async def test_two_replicas_sweeping_concurrently_fire_each_job_exactly_once(
    jobs_db: JobsDb,
) -> None:
    n = 300
    replicas = [_start_sweeper_process(jobs_db, delay=0.01, batch=5) for _ in range(2)]
    try:
        for proc in replicas:
            await _wait_sweeping(proc)
        await _schedule_many(jobs_db, n, datetime.now(UTC))  # NOTIFY wakes both

        async def drained() -> bool:
            return (await _states(jobs_db))[JobState.FIRED] == n

        await eventually(drained, timeout=60, interval=0.2)
        await asyncio.sleep(0.5)  # a double firing would have time to commit
    finally:
        for proc in replicas:
            _kill(proc)
    await _assert_each_job_fired_exactly_once(jobs_db, n)
    by = await jobs_db.sql("SELECT fired_by, count(*) AS n FROM jobs_app.effects GROUP BY 1")
    assert len(by) == 2, f"both replicas should have fired jobs: {[dict(r) for r in by]}"


async def test_a_failing_handler_is_retried_with_back_off_then_marked_failed(
    jobs_db: JobsDb,
) -> None:
    clock = ManualClock(T0)
    async with jobs_db.uow() as uow:
        await schedule(uow, jobs_app.FAILING, T0, dedupe_key="always-fails")
        await schedule(uow, jobs_app.FAILING, T0, {"fail_until_attempt": 1}, dedupe_key="flaky")
        await schedule(uow, jobs_app.EFFECT, T0, dedupe_key="healthy")
        await uow.commit()
    failed_metric = scheduler_metrics.JOBS_FAILED.labels("jobs_app", jobs_app.FAILING)
    failed_before = failed_metric._value.get()
    scheduler = jobs_app.build_scheduler(
        jobs_db.engine, None, clock=clock, max_attempts=3, retry_backoff_s=60
    )

    first = await scheduler.run_due()
    assert (first.fired, first.retried, first.failed) == (1, 2, 0)
    rows = {
        r["dedupe_key"]: r
        for r in await jobs_db.sql(
            "SELECT dedupe_key, state, attempts, due_at, last_error FROM jobs_app.scheduled_jobs"
        )
    }
    assert rows["healthy"]["state"] == JobState.FIRED, "a failing job spares its batch"
    assert rows["always-fails"]["attempts"] == 1
    assert rows["always-fails"]["due_at"] == T0 + timedelta(seconds=60)
    assert "RuntimeError: job" in rows["always-fails"]["last_error"]
    effects = await jobs_db.sql("SELECT fired_by FROM jobs_app.effects")
    assert [r["fired_by"] for r in effects] == ["test"], "a failed attempt leaves no effect"
    events = await jobs_db.sql("SELECT count(*) AS n FROM jobs_app.outbox")
    assert events[0]["n"] == 1, "nor an outbox event"

    assert (await scheduler.run_due()).claimed == 0, "not before its back-off"
    clock.advance(timedelta(seconds=60))
    second = await scheduler.run_due()
    assert (second.fired, second.retried, second.failed) == (1, 1, 0)  # flaky succeeds
    clock.advance(timedelta(seconds=119))
    assert (await scheduler.run_due()).claimed == 0, "the back-off doubled"
    clock.advance(timedelta(seconds=1))
    third = await scheduler.run_due()
    assert (third.fired, third.retried, third.failed) == (0, 0, 1)
    final = (
        await jobs_db.sql(
            "SELECT state, attempts FROM jobs_app.scheduled_jobs WHERE dedupe_key = 'always-fails'"
        )
    )[0]
    assert (final["state"], final["attempts"]) == (JobState.FAILED, 3)
    assert failed_metric._value.get() == failed_before + 1
    clock.advance(timedelta(days=1))
    assert (await scheduler.run_due()).claimed == 0, "a failed job is not retried forever"


async def test_a_job_that_breaks_the_connection_is_isolated_and_charged(
    jobs_db: JobsDb,
) -> None:
    """No savepoint survives a lost session: the batch fails whole, the sweeper falls
    back to one job per transaction, the others fire and the culprit alone is charged."""
    clock = ManualClock(T0)
    async with jobs_db.uow() as uow:
        await schedule(uow, jobs_app.KILLS_CONNECTION, T0, dedupe_key="culprit")
        for i in range(5):
            await schedule(uow, jobs_app.EFFECT, T0, dedupe_key=f"innocent-{i}")
        await uow.commit()
    scheduler = jobs_app.build_scheduler(
        jobs_db.engine, None, clock=clock, max_attempts=2, retry_backoff_s=60
    )
    await scheduler.start()
    try:

        async def culprit_charged() -> bool:
            rows = await jobs_db.sql(
                "SELECT attempts FROM jobs_app.scheduled_jobs WHERE dedupe_key = 'culprit'"
            )
            return bool(rows[0]["attempts"] == 1)

        await eventually(culprit_charged, timeout=20)
        await eventually(lambda: _fired_count(jobs_db, 5), timeout=20)
        clock.advance(timedelta(seconds=60))
        scheduler.wake()

        async def culprit_failed() -> bool:
            return (await _states(jobs_db))[JobState.FAILED] == 1

        await eventually(culprit_failed, timeout=20)
    finally:
        await scheduler.stop()
    culprit = (
        await jobs_db.sql(
            "SELECT state, attempts, last_error FROM jobs_app.scheduled_jobs "
            "WHERE dedupe_key = 'culprit'"
        )
    )[0]
    assert (culprit["state"], culprit["attempts"]) == (JobState.FAILED, 2)
    assert culprit["last_error"]
    effects = await jobs_db.sql("SELECT count(*) AS n FROM jobs_app.effects")
    assert effects[0]["n"] == 5


async def _fired_count(db: JobsDb, n: int) -> bool:
    return (await _states(db))[JobState.FIRED] == n


async def test_cancel_and_reschedule_move_or_withdraw_a_pending_deadline(
    jobs_db: JobsDb,
) -> None:
    clock = ManualClock(T0)
    async with jobs_db.uow() as uow:
        await schedule(uow, jobs_app.EFFECT, T0 + timedelta(hours=1), dedupe_key="withdrawn")
        await schedule(uow, jobs_app.EFFECT, T0 + timedelta(hours=1), dedupe_key="extended")
        await uow.commit()
    async with jobs_db.uow() as uow:
        assert await cancel(uow, jobs_app.EFFECT, "withdrawn") == 1
        assert await reschedule(uow, jobs_app.EFFECT, "extended", T0 + timedelta(hours=3))
        assert not await reschedule(uow, jobs_app.EFFECT, "unknown", T0)
        await uow.commit()
    scheduler = jobs_app.build_scheduler(jobs_db.engine, None, clock=clock)
    clock.advance(timedelta(hours=2))
    assert (await scheduler.run_due()).claimed == 0
    clock.advance(timedelta(hours=1))
    assert (await scheduler.run_due()).fired == 1
    rows = {
        r["dedupe_key"]: r["state"]
        for r in await jobs_db.sql("SELECT dedupe_key, state FROM jobs_app.scheduled_jobs")
    }
    assert rows == {"withdrawn": JobState.CANCELLED, "extended": JobState.FIRED}
    async with jobs_db.uow() as uow:
        assert await cancel(uow, jobs_app.EFFECT, "extended") == 0, "fired stays fired"
        assert not await reschedule(uow, jobs_app.EFFECT, "extended", T0)
        await uow.commit()
    async with jobs_db.uow() as uow:  # a paused clock resumed: the same key comes back
        assert await schedule(uow, jobs_app.EFFECT, T0 + timedelta(hours=4), dedupe_key="withdrawn")
        await uow.commit()
    clock.advance(timedelta(hours=1))
    assert (await scheduler.run_due()).fired == 1
    async with jobs_db.uow() as uow:  # a cancel rolled back with its unit of work
        await schedule(uow, jobs_app.EFFECT, T0 + timedelta(days=1), dedupe_key="kept")
        await uow.commit()
    async with jobs_db.uow() as uow:
        assert await cancel(uow, jobs_app.EFFECT, "kept") == 1
    assert (await _states(jobs_db))[JobState.PENDING] == 1


async def test_a_monthly_recurrence_across_a_month_end_and_a_tiaoxiu_day(
    jobs_db: JobsDb,
) -> None:
    """Month-end report, "the last day of the month, or the next working day", on the
    State Council's 2026 holiday schedule (escalation's calendar): 31 Jan 2026 is a
    Saturday, so it fires on Monday 2 Feb; 28 Feb 2026 is a Saturday made a working day
    (调休 for the Spring Festival), so it fires that Saturday; 31 May is a Sunday, so 1 June."""
    calendar = WorkingCalendar.load()
    month_end = Recurrence(
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        start=datetime(2026, 1, 1, 9, 0),
        working_day=WorkingDayShift.NEXT,
    )
    clock = ManualClock(datetime(2026, 1, 15, 12, 0, tzinfo=SHANGHAI))
    async with jobs_db.uow() as uow:
        first = await schedule_recurring(
            uow,
            jobs_app.EFFECT,
            month_end,
            series_key="month-end",
            after=clock.now(),
            calendar=calendar,
        )
        again = await schedule_recurring(  # every replica ensures it at start: one row
            uow,
            jobs_app.EFFECT,
            month_end,
            series_key="month-end",
            after=clock.now(),
            calendar=calendar,
        )
        await uow.commit()
    assert first is not None and again is None
    scheduler = jobs_app.build_scheduler(jobs_db.engine, None, clock=clock, calendar=calendar)

    clock.set(datetime(2026, 2, 1, 23, 59, tzinfo=SHANGHAI))  # the weekend after 31 Jan
    assert (await scheduler.run_due()).claimed == 0
    clock.set(datetime(2026, 2, 2, 9, 0, tzinfo=SHANGHAI))
    assert (await scheduler.run_due()).fired == 1
    clock.set(datetime(2026, 2, 28, 9, 0, tzinfo=SHANGHAI))  # the 调休 Saturday
    assert (await scheduler.run_due()).fired == 1
    clock.set(datetime(2026, 6, 1, 12, 0, tzinfo=SHANGHAI))  # down since March: catches up
    assert (await scheduler.run_due()).fired == 3

    fired = await jobs_db.sql("SELECT scheduled_for FROM jobs_app.effects ORDER BY scheduled_for")
    local = [r["scheduled_for"].astimezone(SHANGHAI).replace(tzinfo=None) for r in fired]
    assert local == [
        datetime(2026, 2, 2, 9, 0),
        datetime(2026, 2, 28, 9, 0),
        datetime(2026, 3, 31, 9, 0),
        datetime(2026, 4, 30, 9, 0),
        datetime(2026, 6, 1, 9, 0),
    ]
    pending = await jobs_db.sql(
        "SELECT scheduled_for, series_key FROM jobs_app.scheduled_jobs WHERE state = 'pending'"
    )
    assert [(r["scheduled_for"], r["series_key"]) for r in pending] == [
        (datetime(2026, 6, 30, 9, 0, tzinfo=SHANGHAI), "month-end")
    ]
    states = await _states(jobs_db)
    assert states == Counter({JobState.FIRED: 5, JobState.PENDING: 1})

    async with jobs_db.uow() as uow:  # the series is withdrawn by its key
        assert await cancel(uow, jobs_app.EFFECT, "month-end") == 1
        await uow.commit()
    async with jobs_db.uow() as uow:  # set up again, it gets its occurrence back
        revived = await schedule_recurring(
            uow,
            jobs_app.EFFECT,
            month_end,
            series_key="month-end",
            after=clock.now(),
            calendar=calendar,
        )
        assert revived is not None
        assert await _states(jobs_db) == Counter({JobState.FIRED: 5, JobState.CANCELLED: 1})
        await uow.commit()
    assert await _states(jobs_db) == Counter({JobState.FIRED: 5, JobState.PENDING: 1})
    async with jobs_db.uow() as uow:
        assert await cancel(uow, jobs_app.EFFECT, "month-end") == 1
        await uow.commit()
    clock.set(datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI))
    assert (await scheduler.run_due()).claimed == 0
