"""Case events as intake, routing and mediation publish them, at times a test chooses,
for the escalation tests that feed its handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.escalation.entrypoints.consumers import clock_consumer
from shared.clock import ManualClock
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import BY_STEP
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1
from tests.harness import Stack

UNIT = "451102001001"  # a community: its mediation committee


def _event(payload: Payload, case_id: str) -> CloudEvent:
    return CloudEvent(
        source="/t",
        type=payload.event_type,
        partitionkey=case_id,
        data=payload.model_dump(mode="json"),
    )


def submitted(
    case_id: str, at: datetime, *, risk: list[str] | None = None, kind: str = "dispute"
) -> CloudEvent:
    data = CaseSubmittedV1.example_data()
    data.update(
        case_id=case_id, submitted_at=at, risk_signals=risk or [], category="邻里纠纷", kind=kind
    )
    return _event(CaseSubmittedV1.model_validate(data), case_id)


def assigned(
    case_id: str, at: datetime, unit: str = UNIT, trigger: str = "submitted"
) -> CloudEvent:
    data = CaseAssignedV1.example_data()
    data.update(
        case_id=case_id,
        assignment_id=f"a-{case_id}-{at.isoformat()}",
        unit_code=unit,
        unit_level="community" if len(unit) == 12 else "street",
        assignee_id="md-1",
        assigned_at=at,
        trigger=trigger,
    )
    return _event(CaseAssignedV1.model_validate(data), case_id)


def step(case_id: str, name: str, at: datetime, **facts: Any) -> CloudEvent:
    model = BY_STEP[name]
    data = model.example_data()
    data.update(case_id=case_id, unit_code=UNIT, handler_id="md-1", occurred_at=at, **facts)
    return _event(model.model_validate(data), case_id)


async def apply(stack: Stack, *events: CloudEvent) -> None:
    """Apply the events as the case consumer does, in one batch: its own batch handler
    (the clocks, then the rates' facts, the meetings' view and the monthly report)."""
    apply_batch = clock_consumer().batch_handlers[CaseSubmittedV1.event_type]
    async with stack.runtime("escalation").uow() as uow:
        await apply_batch(uow, list(events))
        await uow.commit()


async def clocks(stack: Stack, case_id: str) -> dict[str, dict[str, Any]]:
    """The case's clocks by ``stage`` (``stage@occurrence`` when several)."""
    rows = await stack.sql(
        "SELECT * FROM escalation.clocks WHERE case_id = $1 ORDER BY stage, occurrence", case_id
    )
    return {
        (r["stage"] + ("@" + r["occurrence"] if r["occurrence"] else "")): dict(r) for r in rows
    }


async def jobs(stack: Stack, clock_id: str) -> dict[str, tuple[str, datetime]]:
    """The clock's jobs: kind → (state, due time)."""
    rows = await stack.sql(
        "SELECT kind, state, due_at FROM escalation.scheduled_jobs WHERE dedupe_key = $1",
        clock_id,
    )
    return {r["kind"]: (r["state"], r["due_at"]) for r in rows}


async def start_at(stack: Stack, instant: datetime, *, relay: bool = False) -> ManualClock:
    """Start escalation (no consumers) with its scheduler on a clock the test moves."""
    clock = ManualClock(instant)
    stack.runtime("escalation").clock = clock
    await stack.start("escalation", consumers=False, relay=relay)
    return clock


async def due_in_rates(stack: Stack, case_id: str) -> tuple[datetime | None, datetime | None]:
    """The accept and closing due times the rates judge the case by (``rate_facts``)."""
    [row] = await stack.sql(
        "SELECT accept_due_at, close_due_at FROM escalation.rate_facts WHERE case_id = $1",
        case_id,
    )
    return row["accept_due_at"], row["close_due_at"]


async def accept_due_in_rates(stack: Stack, case_id: str) -> datetime | None:
    return (await due_in_rates(stack, case_id))[0]
