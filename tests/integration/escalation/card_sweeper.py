"""An escalation card sweeper as a process of its own, for the kill -9 and two-replica
tests: ``python -m tests.integration.escalation.card_sweeper URL NOW --delay 0.05``.

It sweeps escalation's scheduled jobs with the service's own handlers on a clock
fixed at ``NOW`` (the cards, and a red card's supervision answer due), each card handler
slowed by ``--delay`` seconds so a batch is caught mid-way, and prints ``sweeping`` once
it is running.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime

from services.escalation.bootstrap import build_runtime
from services.escalation.service_layer.cards import card_handlers
from services.escalation.service_layer.supervision import supervision_handlers
from shared.clock import ManualClock
from shared.db.unit_of_work import UnitOfWork
from shared.logging import configure_logging
from shared.scheduling import JobHandler, ScheduledJob, Scheduler
from shared.settings import Environment, GridcaseSettings


def _slowed(handler: JobHandler[UnitOfWork], delay: float) -> JobHandler[UnitOfWork]:
    async def run(uow: UnitOfWork, job: ScheduledJob) -> None:
        await asyncio.sleep(delay)
        await handler(uow, job)

    return run


async def main(url: str, now: datetime, delay: float, batch: int) -> None:
    # No relay and no consumers: Kafka is never contacted.
    settings = GridcaseSettings(
        environment=Environment.TEST,
        database_url=url,
        kafka_bootstrap_servers="unused:9092",
        log_json=False,
    )
    configure_logging("escalation", level="WARNING", json=False)  # stdout is the test's
    runtime = build_runtime(settings)
    service_handlers = dict(runtime.job_handlers)  # the service's other jobs run as they are
    runtime.job_handlers.clear()
    await runtime.start(consumers=False, relay=False)
    clock = ManualClock(now)
    handlers = {
        **service_handlers,
        **{k: _slowed(h, delay) for k, h in card_handlers(clock.now).items()},
        **supervision_handlers(clock.now),  # a red card's supervision falls due too
    }
    scheduler: Scheduler[UnitOfWork] = Scheduler(
        service="escalation",
        schema="escalation",
        uow_factory=runtime.uow,
        handlers=handlers,
        clock=clock,
        batch_size=batch,
    )
    print("sweeping", flush=True)
    while True:
        await scheduler.run_due()
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("now")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.url, datetime.fromisoformat(args.now), args.delay, args.batch))
