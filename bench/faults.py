"""Fault injection under load: kill -9 each service, the Kafka broker and PostgreSQL in
turn, restart them, and prove from the databases and the topics that nothing accepted
was lost or duplicated.

    .venv/bin/python -m bench.faults --rate 50 --phase 10

The load runs throughout (``gridcase load``'s workload, retrying with the same
Idempotency-Key while intake is away, as a phone would). For each fault: load for a
while, ``kill -9``, stay down ``--down`` seconds, restart, and time how long until
every case accepted before the restart is assigned in the mediation view (recovery).
Afterwards every accepted report is checked: one submission, routed exactly once, in
mediation's view, with an escalation clock; every event intake and routing committed
is on Kafka; redelivered duplicates were absorbed (applied once).

Always starts servers of its own: it kills them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson

from bench.bench_stack import RESULTS, BenchSystem, bench_system
from gridcase.launcher import wait_ready
from gridcase.load import Accepted, LoadResult, Mix, Territory, Workload, run_load
from shared.db.engine import plain_url
from shared.events import topics
from tests.harness import TestInfra, read_topic

FAULTS = ("intake", "routing", "mediation", "escalation", "kafka", "postgres")


@dataclass
class Phase:
    fault: str
    started: datetime
    killed: datetime | None = None
    restarted: datetime | None = None
    recovery_s: float | None = None


@dataclass
class PhaseReport:
    fault: str
    accepted: int
    cases: int
    lost: int
    duplicated: int
    recovery_s: float | None


@dataclass
class CampaignReport:
    phases: list[PhaseReport]
    accepted: int
    cases: int
    lost: list[str]
    duplicated: list[str]
    events_missing_from_kafka: int
    redelivered_events: int
    dead_lettered: int
    gave_up: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return (
            not self.lost
            and not self.duplicated
            and not self.events_missing_from_kafka
            and not self.dead_lettered
        )


async def _kill(system: BenchSystem, infra: TestInfra, fault: str) -> None:
    if fault in system.processes.procs:
        os.killpg(system.processes.procs[fault].pid, signal.SIGKILL)
        system.processes.procs[fault].wait()
    elif fault == "kafka":
        assert infra.kafka is not None
        await asyncio.to_thread(infra.kafka.kill)
    elif fault == "postgres":
        assert infra.postgres is not None
        pid = infra.postgres.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
    else:
        raise ValueError(f"unknown fault {fault!r}")


async def _restart(system: BenchSystem, infra: TestInfra, fault: str) -> None:
    if fault in system.processes.procs:
        urls = system.processes.start([fault])
        await asyncio.to_thread(wait_ready, urls, 60.0)
    elif fault == "kafka":
        assert infra.kafka is not None
        await asyncio.to_thread(infra.kafka.start)
    elif fault == "postgres":
        assert infra.postgres is not None
        # The backends notice their postmaster died and exit; then start again,
        # which runs crash recovery from the WAL.
        for _ in range(60):
            try:
                await asyncio.to_thread(infra.postgres.start)
                return
            except Exception:
                await asyncio.sleep(0.5)
        raise RuntimeError("PostgreSQL did not restart")


async def _assigned(database_url: str, case_ids: set[str]) -> bool:
    """Every case in ``case_ids`` has reached the end of the pipeline: mediation shows
    it assigned and escalation runs its acceptance clock (what ``_verify`` counts)."""
    if not case_ids:
        return True
    try:
        conn = await asyncpg.connect(plain_url(database_url), timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    try:
        viewed = await conn.fetchval(
            "SELECT count(*) FROM mediation.cases WHERE status = 'assigned' AND case_id = ANY($1)",
            list(case_ids),
        )
        clocked = await conn.fetchval(
            "SELECT count(DISTINCT case_id) FROM escalation.clocks "
            "WHERE stage = 'accept' AND case_id = ANY($1)",
            list(case_ids),
        )
        return int(viewed) == int(clocked) == len(case_ids)
    except (OSError, asyncpg.PostgresError):
        return False
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


def _created(accepted: list[Accepted]) -> set[str]:
    return {a.case_id for a in accepted if a.outcome == "created"}


async def run_campaign(
    faults: tuple[str, ...] = FAULTS,
    *,
    rate: float = 50.0,
    phase_s: float = 10.0,
    down_s: float = 3.0,
    recovery_timeout_s: float = 90.0,
) -> CampaignReport:
    infra = TestInfra.start(own=True)
    try:
        async with bench_system(infra) as system:
            workload = Workload(
                Territory.demo(),
                Mix.parse("officer=0.5,resident=0.3,dispute=0.2"),
                system.settings.secret_key,
                seed=11,
            )
            stop = asyncio.Event()
            progress: dict[str, LoadResult] = {}

            def remember(result: LoadResult, _: int) -> None:
                progress["now"] = result

            load = asyncio.create_task(
                run_load(
                    system.urls["intake"],
                    workload,
                    rate=rate,
                    duration_s=24 * 3600,  # until `stop`
                    retry_for_s=recovery_timeout_s,
                    on_progress=remember,
                    stop=stop,
                )
            )
            phases: list[Phase] = []
            for fault in faults:
                phase = Phase(fault, datetime.now(UTC))
                phases.append(phase)
                await asyncio.sleep(phase_s / 2)
                phase.killed = datetime.now(UTC)
                await _kill(system, infra, fault)
                await asyncio.sleep(down_s)
                await _restart(system, infra, fault)
                phase.restarted = datetime.now(UTC)
                before = _created(progress["now"].accepted) if "now" in progress else set()
                started = time.monotonic()
                while time.monotonic() - started < recovery_timeout_s:
                    if await _assigned(system.database_url, before):
                        phase.recovery_s = time.monotonic() - started
                        break
                    await asyncio.sleep(0.25)
                await asyncio.sleep(max(0.0, phase_s / 2 - (phase.recovery_s or 0)))
            await asyncio.sleep(phase_s / 2)  # load after the last restart, too
            stop.set()
            result = await load
            everything = _created(result.accepted)
            deadline = time.monotonic() + recovery_timeout_s
            while time.monotonic() < deadline:
                if await _assigned(system.database_url, everything):
                    break
                await asyncio.sleep(0.5)
            return await _verify(system, result, phases)
    finally:
        infra.stop()


async def _verify(system: BenchSystem, result: LoadResult, phases: list[Phase]) -> CampaignReport:
    conn = await asyncpg.connect(plain_url(system.database_url))
    try:
        created = _created(result.accepted)
        linked = [a for a in result.accepted if a.outcome != "created"]
        submissions = Counter(
            r["case_id"]
            for r in await conn.fetch(
                "SELECT case_id FROM intake.submissions WHERE duplicate_of IS NULL"
            )
        )
        routed = Counter(
            r["case_id"]
            for r in await conn.fetch(
                "SELECT case_id FROM routing.assignments WHERE trigger = 'submitted'"
            )
        )
        viewed = {
            r["case_id"]
            for r in await conn.fetch(
                "SELECT case_id FROM mediation.cases WHERE status = 'assigned'"
            )
        }
        clocked = Counter(
            r["case_id"]
            for r in await conn.fetch(
                "SELECT case_id FROM escalation.clocks WHERE stage = 'accept'"
            )
        )
        committed_events = {
            r["event_id"]
            for r in await conn.fetch(
                "SELECT event_id FROM intake.outbox WHERE topic LIKE '%gridcase.case.v1' "
                "UNION ALL "
                "SELECT event_id FROM routing.outbox WHERE topic LIKE '%gridcase.case.v1'"
            )
        }
    finally:
        await conn.close()

    lost = sorted(
        c
        for c in created
        if submissions[c] == 0 or routed[c] == 0 or c not in viewed or clocked[c] == 0
    )
    duplicated = sorted(c for c in created if submissions[c] > 1 or routed[c] > 1 or clocked[c] > 1)
    # A report accepted twice would show as two submissions for one idempotency key:
    # the client keeps every key it was answered for; one case per key.
    per_key = Counter(a.idempotency_key for a in result.accepted)
    duplicated += [f"key {k}" for k, n in per_key.items() if n > 1]

    records = await read_topic(
        system.settings.kafka_servers(),
        system.settings.topic_prefix + topics.CASE,
        at_least=len(committed_events),
        timeout=60,
    )
    on_kafka = Counter(orjson.loads(r.value)["id"] for r in records)
    missing = len(committed_events - set(on_kafka))
    # An outage must delay, never dead-letter: a dead letter is an event no consumer applied.
    dead_letters = await read_topic(
        system.settings.kafka_servers(),
        system.settings.topic_prefix + topics.dead_letter(topics.CASE),
        at_least=0,
        timeout=10,
    )
    redelivered = sum(n - 1 for n in on_kafka.values() if n > 1)

    reports = []
    bounds = [p.started for p in phases] + [datetime.max.replace(tzinfo=UTC)]
    for i, phase in enumerate(phases):
        mine = [a for a in result.accepted if bounds[i] <= a.sent_at < bounds[i + 1]]
        mine_created = _created(mine)
        reports.append(
            PhaseReport(
                fault=phase.fault,
                accepted=len(mine),
                cases=len(mine_created),
                lost=sum(1 for c in lost if c in mine_created),
                duplicated=sum(1 for c in duplicated if c in mine_created),
                recovery_s=phase.recovery_s,
            )
        )
    return CampaignReport(
        phases=reports,
        accepted=len(result.accepted),
        cases=len(created),
        lost=lost,
        duplicated=duplicated,
        events_missing_from_kafka=missing,
        redelivered_events=redelivered,
        dead_lettered=len(dead_letters),
        gave_up=result.gave_up,
        details={
            "linked_reports": len(linked),
            "retried_requests": result.retried,
            "refused": dict(result.refused),
        },
    )


def to_markdown(report: CampaignReport) -> str:
    lines = [
        "| fault (kill -9) | reports accepted | cases | lost | duplicated | recovery (s) |",
        "|---|---|---|---|---|---|",
    ]
    for p in report.phases:
        recovery = f"{p.recovery_s:.1f}" if p.recovery_s is not None else "not recovered"
        lines.append(
            f"| {p.fault} | {p.accepted} | {p.cases} | {p.lost} | {p.duplicated} | {recovery} |"
        )
    lines += [
        "",
        f"In all: {report.accepted} reports accepted, {report.cases} cases; "
        f"lost {len(report.lost)}, "
        f"duplicated {len(report.duplicated)}; events committed but missing from Kafka: "
        f"{report.events_missing_from_kafka}; duplicate deliveries absorbed by inboxes: "
        f"{report.redelivered_events}; dead letters: {report.dead_lettered}; "
        f"requests the client gave up on: {report.gave_up}; "
        f"{report.details}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument(
        "--phase", type=float, default=10.0, help="seconds of load around each fault"
    )
    parser.add_argument("--down", type=float, default=3.0, help="seconds each target stays dead")
    parser.add_argument("--faults", default=",".join(FAULTS))
    args = parser.parse_args()
    campaign = asyncio.run(
        run_campaign(
            tuple(args.faults.split(",")), rate=args.rate, phase_s=args.phase, down_s=args.down
        )
    )
    markdown = to_markdown(campaign)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"faults-{stamp}.md").write_text(markdown + "\n")
    print(markdown)
