"""Warnings and cards: scheduled with their clock, fired by the durable scheduler.

Each open clock has up to three jobs (``escalation.clock.warning``, ``…yellow_card``,
``…red_card``) keyed by its id, written in the transaction that opens, moves, pauses or
stops it. The sweeper runs a job in its own unit of work: the clock's fired marker, the
event in the outbox and the job marked fired commit together, so a card fires once
across replicas and restarts (shared/scheduling). A clock stopped or paused has its
jobs cancelled; one resumed or moved has them moved or revived.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import get_args

from services.escalation.adapters.repository import ClockRepository, ClockRow
from services.escalation.domain.clocks import CARDS, Deadlines
from services.escalation.service_layer.escalating import escalate_on_red_card
from services.escalation.service_layer.supervision import supervise_red_card
from services.escalation.service_layer.unit_of_work import after_commit
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import (
    ClockNoticeV1,
    ClockWarnedV1,
    RedCardIssuedV1,
    Stage,
    YellowCardIssuedV1,
)
from shared.logging import get_logger
from shared.metrics import ESCALATION_CARDS
from shared.scheduling import (
    OneOff,
    ScheduledJob,
    cancel,
    cancel_all,
    reschedule,
    schedule,
    schedule_all,
)
from shared.scheduling.sweeper import JobHandler

log = get_logger(__name__)

WARNING = "escalation.clock.warning"
YELLOW_CARD = "escalation.clock.yellow_card"
RED_CARD = "escalation.clock.red_card"
KINDS = {"warning": WARNING, "yellow": YELLOW_CARD, "red": RED_CARD}
MARKERS = {"warning": "warned_at", "yellow": "yellow_fired_at", "red": "red_fired_at"}


class ClockBusy(RuntimeError):
    """Someone is changing the clock right now: the job is retried after a back-off
    rather than waiting on the lock (a calendar import holds clocks, then jobs)."""


class NotDueYet(RuntimeError):
    """The clock's deadline is later than the job's: never expected, retried."""


async def schedule_cards(
    uow: UnitOfWork, clock_id: str, deadlines: Deadlines, fired: frozenset[str] = frozenset()
) -> None:
    """Make the clock's pending jobs match ``deadlines``: moved if pending, revived if
    cancelled (a pause), created if new; a card already fired stays fired."""
    for card, kind in KINDS.items():
        if card in fired:
            continue
        at = deadlines.of(card)
        if at is None:
            await cancel(uow, kind, clock_id)
        elif not await reschedule(uow, kind, clock_id, at):
            await schedule(uow, kind, at, {"clock_id": clock_id}, dedupe_key=clock_id)


async def schedule_new_cards(uow: UnitOfWork, clock_id: str, deadlines: Deadlines) -> None:
    """A new clock's jobs (nothing to move yet)."""
    await schedule_new_clocks_cards(uow, [(clock_id, deadlines)])


async def schedule_new_clocks_cards(
    uow: UnitOfWork, new_clocks: list[tuple[str, Deadlines]]
) -> None:
    """New clocks' jobs, all in one statement (a consumer batch opens many clocks)."""
    await schedule_all(
        uow,
        [
            OneOff(kind, at, {"clock_id": clock_id}, clock_id)
            for clock_id, deadlines in new_clocks
            for card, kind in KINDS.items()
            if (at := deadlines.of(card)) is not None
        ],
    )


async def cancel_cards(uow: UnitOfWork, clock_id: str) -> None:
    """The clock's pending jobs cancelled, in one statement."""
    await cancel_many_cards(uow, [clock_id])


async def cancel_many_cards(uow: UnitOfWork, clock_ids: list[str]) -> None:
    """These clocks' pending jobs cancelled, in one statement (none if no clocks)."""
    await cancel_all(uow, list(KINDS.values()), clock_ids)


def fired_cards(clock: ClockRow) -> frozenset[str]:
    return frozenset(card for card in CARDS if clock.fired(card))


def _notice(card: str, clock: ClockRow, fired_at: datetime) -> ClockNoticeV1:
    fields = {
        "clock_id": clock.clock_id,
        "case_id": clock.case_id,
        "stage": clock.stage,
        "category": clock.category,
        "risk": clock.risk,
        "unit_code": clock.unit_code,
        "unit_level": clock.unit_level,
        "handler_id": clock.handler_id,
        "started_at": clock.started_at,
        "due_at": clock.deadlines.due_at,
        "yellow_at": clock.deadlines.yellow_at,
        "red_at": clock.deadlines.red_at,
        "fired_at": fired_at,
    }
    if card == "warning":
        return ClockWarnedV1.model_validate({**fields, "warn_at": clock.deadlines.warn_at})
    model = YellowCardIssuedV1 if card == "yellow" else RedCardIssuedV1
    return model.model_validate(fields)


async def fire(uow: UnitOfWork, job: ScheduledJob, card: str, now: datetime) -> None:
    """One card of one clock: marked, published and counted once, or not at all."""
    repo = ClockRepository(uow.connection)
    clock_id = str(job.payload["clock_id"])
    clock = await repo.lock_nowait(clock_id)
    if clock is None:
        if await repo.exists(clock_id):
            raise ClockBusy(clock_id)
        return
    if clock.status != "running" or clock.fired(card):
        return  # stopped or paused since (its jobs were cancelled), or fired already
    at = clock.deadlines.of(card)
    if at is None:
        return
    if at > now:
        raise NotDueYet(f"{clock_id} {card} due {at.isoformat()}")
    await repo.update(clock_id, {MARKERS[card]: now})
    uow.publish(topics.CYCLE, clock.case_id, _notice(card, clock, now))
    if card == "red":  # the district's red-card supervision, in the same transaction
        await supervise_red_card(uow, clock, now)
    stage = clock.stage
    after_commit(uow, lambda: ESCALATION_CARDS.labels("escalation", stage, card).inc())
    log.info("clock_card_fired", clock_id=clock_id, stage=stage, card=card)
    if card == "red":  # in the same transaction: escalated exactly when carded
        await escalate_on_red_card(uow, clock, now)


def card_handlers(now: Callable[[], datetime]) -> dict[str, JobHandler[UnitOfWork]]:
    """The job handlers by kind; ``now`` reads the runtime's clock (a ManualClock in tests).

    The counter starts at zero for every stage and card, so that it is exposed (and a
    rate over it is 0, not absent) before the first card fires."""
    for stage in get_args(Stage):
        for card in CARDS:
            ESCALATION_CARDS.labels("escalation", stage, card)

    def handler(card: str) -> JobHandler[UnitOfWork]:
        async def run(uow: UnitOfWork, job: ScheduledJob) -> None:
            await fire(uow, job, card, now())

        return run

    return {kind: handler(card) for card, kind in KINDS.items()}
