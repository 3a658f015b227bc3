"""Warnings and cards fire once each through the durable scheduler, on a controllable
clock, with their events on Kafka and the metric counted once; pause and resume move
them; a kill -9 mid-sweep and two concurrent sweepers still fire each once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.escalation.domain.clocks import BEIJING
from services.escalation.service_layer import pausing
from shared.events import topics
from shared.events.escalation import (
    ClockWarnedV1,
    RedCardIssuedV1,
    SupervisionAnswerOverdueV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
from shared.metrics import ESCALATION_CARDS
from tests.harness import Stack, eventually, read_topic
from tests.integration.escalation.case_steps import (
    apply,
    assigned,
    clocks,
    jobs,
    start_at,
    step,
    submitted,
)

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BEIJING)  # a Tuesday: accept due Wed 18:00
ROOT = Path(__file__).resolve().parents[3]
CARD_TYPES = {ClockWarnedV1.event_type, YellowCardIssuedV1.event_type, RedCardIssuedV1.event_type}


def counted(stage: str, card: str) -> float:
    return float(ESCALATION_CARDS.labels("escalation", stage, card)._value.get())


async def _accept_clock_with(stack: Stack, case_id: str, column: str) -> dict[str, Any] | None:
    clock = (await clocks(stack, case_id))["accept"]
    return clock if clock[column] is not None else None


async def test_each_warning_and_card_fires_once_with_its_event_and_metric(stack: Stack) -> None:
    clock = await start_at(stack, T0, relay=True)
    runtime = stack.runtime("escalation")
    assert runtime.scheduler is not None
    before = {card: counted("accept", card) for card in ("warning", "yellow", "red")}
    await apply(stack, submitted("k1", T0), assigned("k1", T0), submitted("k2", T0))
    await apply(stack, assigned("k2", T0))
    # k2 is accepted in time: its clock stops and fires nothing.
    await apply(
        stack,
        step(
            "k2",
            "accepted",
            T0 + timedelta(hours=1),
            accepted_at=T0,
            due_at=T0 + timedelta(days=31),
        ),
    )

    clock.set(datetime(2026, 12, 1, 18, 0, tzinfo=BEIJING))  # the warning's time
    await runtime.scheduler.run_due()
    await runtime.scheduler.run_due()  # nothing twice
    # The service's own loop sweeps too (it may hold the job with the screening series,
    # SKIP LOCKED): wait for whichever sweeper took it to commit.
    first = await eventually(lambda: _accept_clock_with(stack, "k1", "warned_at"))
    assert first["warned_at"] == clock.now() and first["yellow_fired_at"] is None

    clock.set(datetime(2026, 12, 4, 19, 0, tzinfo=BEIJING))  # past yellow (Thu) and red (Fri)
    runtime.scheduler.wake()  # the service's own loop sweeps too: SKIP LOCKED shares it
    await runtime.scheduler.run_due()
    await runtime.scheduler.run_due()
    fired = await eventually(lambda: _accept_clock_with(stack, "k1", "red_fired_at"))
    assert fired["yellow_fired_at"] == fired["red_fired_at"] == clock.now()
    assert {s for s, _ in (await jobs(stack, fired["clock_id"])).values()} == {"fired"}

    records = await read_topic(
        stack.settings.kafka_servers(), stack.topics(topics.CYCLE), at_least=3
    )
    notices = [orjson.loads(r.value) for r in records]
    notices = [n for n in notices if n["type"] in CARD_TYPES]
    assert sorted(n["type"] for n in notices) == sorted(CARD_TYPES)
    for notice in notices:
        data = notice["data"]
        assert (data["case_id"], data["stage"], data["unit_code"], data["handler_id"]) == (
            "k1",
            "accept",
            "451102001001",
            "md-1",
        )
        assert datetime.fromisoformat(data["due_at"]) == datetime(
            2026, 12, 2, 18, 0, tzinfo=BEIJING
        )
    for card in ("warning", "yellow", "red"):
        assert counted("accept", card) == before[card] + 1


async def test_a_paused_clock_fires_nothing_and_resumes_with_the_time_left(stack: Stack) -> None:
    """Waiting for a party's consent stops the one-month clock (MoJ 2002 art. 33)."""
    clock = await start_at(stack, T0)
    runtime = stack.runtime("escalation")
    assert runtime.scheduler is not None
    await apply(
        stack,
        submitted("p1", T0),
        assigned("p1", T0),
        step("p1", "accepted", T0, accepted_at=T0, due_at=datetime(2027, 1, 1, 9, tzinfo=BEIJING)),
    )
    month = (await clocks(stack, "p1"))["mediate"]
    paused_at = datetime(2026, 12, 21, 12, 0, tzinfo=BEIJING)
    clock.set(paused_at)
    async with runtime.uow() as uow:
        [paused] = await pausing.pause_stage(uow, "p1", "mediate", paused_at, "consent pending")
    assert paused.remaining is not None
    assert paused.remaining.until_due == month["due_at"] - paused_at
    row = (await clocks(stack, "p1"))["mediate"]
    assert (
        row["status"] == "paused"
        and row["remaining_s"] == (month["due_at"] - paused_at).total_seconds()
    )
    assert {s for s, _ in (await jobs(stack, month["clock_id"])).values()} == {"cancelled"}

    clock.set(datetime(2027, 1, 20, tzinfo=BEIJING))  # past every original deadline
    await runtime.scheduler.run_due()
    row = (await clocks(stack, "p1"))["mediate"]
    assert row["warned_at"] is None and row["red_fired_at"] is None

    resumed_at = clock.now()
    async with runtime.uow() as uow:
        await pausing.resume_stage(uow, "p1", "mediate", resumed_at)
    row = (await clocks(stack, "p1"))["mediate"]
    assert row["status"] == "running"
    assert row["due_at"] - resumed_at == month["due_at"] - paused_at  # the time left, kept
    assert (await jobs(stack, month["clock_id"]))["escalation.clock.warning"] == (
        "pending",
        row["warn_at"],
    )
    clock.set(row["warn_at"])
    await runtime.scheduler.run_due()
    await runtime.scheduler.run_due()
    row = (await clocks(stack, "p1"))["mediate"]
    assert row["warned_at"] == clock.now() and row["yellow_fired_at"] is None
    warned = await stack.sql(
        "SELECT count(*) AS n FROM escalation.outbox WHERE type = $1", ClockWarnedV1.event_type
    )
    assert warned[0]["n"] == 1


# --- kill -9 and two replicas --------------------------------------------------------------

N_CASES = 20
NOW_AFTER_ALL = datetime(2026, 12, 10, 9, 0, tzinfo=BEIJING)  # every card of every clock due
# Past the answer due of every red card's supervision issued at NOW_AFTER_ALL (Mon 18:00).
ANSWERS_OVERDUE = datetime(2026, 12, 15, 9, 0, tzinfo=BEIJING)


async def _open_clocks(stack: Stack) -> None:
    events = []
    for i in range(N_CASES):
        events += [submitted(f"x{i}", T0), assigned(f"x{i}", T0)]
    await apply(stack, *events)


def _sweeper(
    stack: Stack, delay: float, batch: int, now: datetime = NOW_AFTER_ALL
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.escalation.card_sweeper",
            stack.database_url,
            now.isoformat(),
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
    line = ""
    while not line.startswith("sweeping"):
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
        assert line, "the sweeper process ended"


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)


async def _assert_each_card_fired_once(stack: Stack) -> None:
    """Each card once per clock; each red card's supervision (督办, the district's policy
    lists the accept stage) issued once and, unanswered by its due, flagged once."""
    per = await stack.sql(
        "SELECT envelope->'data'->>'clock_id' AS clock_id, type, count(*) AS n "
        "FROM escalation.outbox WHERE type = ANY($1::text[]) GROUP BY 1, 2",
        sorted(CARD_TYPES | {SupervisionIssuedV1.event_type}),
    )
    assert len(per) == 4 * N_CASES
    assert {r["n"] for r in per} == {1}
    supervised = await stack.sql(
        "SELECT count(*) AS n, count(overdue_flagged_at) AS flagged, "
        "count(DISTINCT red_card_clock_id) AS clocks FROM escalation.supervisions"
    )
    assert dict(supervised[0]) == {"n": N_CASES, "flagged": N_CASES, "clocks": N_CASES}
    overdue = await stack.sql(
        "SELECT envelope->'data'->>'supervision_id' AS id, count(*) AS n "
        "FROM escalation.outbox WHERE type = $1 GROUP BY 1",
        SupervisionAnswerOverdueV1.event_type,
    )
    assert len(overdue) == N_CASES and {r["n"] for r in overdue} == {1}
    rows = await stack.sql(
        "SELECT count(*) AS n FROM escalation.clocks WHERE warned_at IS NOT NULL "
        "AND yellow_fired_at IS NOT NULL AND red_fired_at IS NOT NULL"
    )
    assert rows[0]["n"] == N_CASES


async def test_kill_9_mid_sweep_fires_every_card_exactly_once(stack: Stack) -> None:
    await start_at(stack, T0)
    runtime = stack.runtime("escalation")
    assert runtime.scheduler is not None
    await runtime.scheduler.stop()  # only the child sweeps until it is killed
    await _open_clocks(stack)
    child = _sweeper(stack, delay=0.05, batch=10)  # a batch holds ~0.5 s
    try:
        await _wait_sweeping(child)

        async def mid_sweep() -> bool:
            done = await stack.sql(
                "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'fired' "
                "AND kind LIKE 'escalation.clock.%'"
            )
            return bool(done[0]["n"] >= 10)

        await eventually(mid_sweep, timeout=30, interval=0.02)
        await asyncio.sleep(0.2)  # a few handlers into the next batch
    finally:
        _kill(child)
    left = await stack.sql(
        "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'pending' "
        "AND kind LIKE 'escalation.clock.%'"
    )
    assert 0 < left[0]["n"] < 3 * N_CASES
    runtime.clock.set(NOW_AFTER_ALL)  # type: ignore[attr-defined]

    def finished(kinds: str) -> Callable[[], Awaitable[bool]]:
        async def probe() -> bool:
            await runtime.scheduler.run_due()  # type: ignore[union-attr]
            pending = await stack.sql(
                "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'pending' "
                "AND kind LIKE $1",
                kinds,
            )
            return bool(pending[0]["n"] == 0)

        return probe

    await eventually(finished("escalation.clock.%"), timeout=30)
    # The red cards' supervisions fall due two working days after they fired.
    runtime.clock.set(ANSWERS_OVERDUE)  # type: ignore[attr-defined]
    await eventually(finished("escalation.supervision.%"), timeout=30)
    await _assert_each_card_fired_once(stack)


async def test_two_sweepers_at_once_fire_every_card_exactly_once(stack: Stack) -> None:
    await start_at(stack, T0)
    runtime = stack.runtime("escalation")
    assert runtime.scheduler is not None
    await runtime.scheduler.stop()
    await _open_clocks(stack)
    replicas = [_sweeper(stack, delay=0.01, batch=5) for _ in range(2)]
    try:
        for proc in replicas:
            await _wait_sweeping(proc)

        async def drained() -> bool:
            done = await stack.sql(
                "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'fired' "
                "AND kind LIKE 'escalation.clock.%'"
            )
            return bool(done[0]["n"] == 3 * N_CASES)

        await eventually(drained, timeout=60, interval=0.2)
        await asyncio.sleep(0.5)  # a double firing would have time to commit
    finally:
        for proc in replicas:
            _kill(proc)
    # Two more, later: each red card's supervision is flagged overdue once.
    replicas = [_sweeper(stack, 0.01, 5, ANSWERS_OVERDUE) for _ in range(2)]
    try:
        for proc in replicas:
            await _wait_sweeping(proc)

        async def flagged() -> bool:
            done = await stack.sql(
                "SELECT count(*) AS n FROM escalation.scheduled_jobs WHERE state = 'fired' "
                "AND kind LIKE 'escalation.supervision.%'"
            )
            return bool(done[0]["n"] == N_CASES)

        await eventually(flagged, timeout=60, interval=0.2)
        await asyncio.sleep(0.5)
    finally:
        for proc in replicas:
            _kill(proc)
    await _assert_each_card_fired_once(stack)
