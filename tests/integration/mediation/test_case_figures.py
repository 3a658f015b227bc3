"""Mediation's business gauge: cases in its view by street and status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.mediation.domain.clocks import YELLOW_CARD, ClockNotice
from services.mediation.service_layer.clocks import apply_cycle_notices
from services.mediation.service_layer.figures import refresh_case_figures
from services.mediation.service_layer.handlers import fold_case_events
from shared.events.intake import CaseSubmittedV1
from shared.events.routing import CaseAssignedV1
from shared.messaging.received import Received
from tests.harness import Stack

pytestmark = pytest.mark.integration


def cases(street: str, status: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gridcase_cases", {"service": "mediation", "street": street, "status": status}
    )


def _received(payload: Any) -> Received[Any]:
    return Received(payload, str(uuid.uuid4()), datetime.now(UTC), None)


async def test_cases_are_counted_by_street_and_status_never_by_case(stack: Stack) -> None:
    """The gauges roll up the counts the projection keeps as it folds the case stream,
    a reassignment moving a case from one street to another included."""
    await stack.start("mediation", consumers=False, relay=False)
    events: list[Any] = []
    for case, unit in [
        ("m1", "451102001001002"),
        ("m2", "451102001001004"),
        ("m3", "451102002001001"),
        ("m4", None),
    ]:
        events.append(
            _received(CaseSubmittedV1.read({**CaseSubmittedV1.example_data(), "case_id": case}))
        )
        if unit is not None:
            assigned = {**CaseAssignedV1.example_data(), "case_id": case, "unit_code": unit}
            events.append(_received(CaseAssignedV1.read(assigned)))
    # m3 is reassigned to the other street, in a later batch.
    moved = {**CaseAssignedV1.example_data(), "case_id": "m3", "unit_code": "451102003002"}
    runtime = stack.runtime("mediation")
    for batch in (events, [_received(CaseAssignedV1.read(moved))]):
        async with runtime.uow() as uow:
            await fold_case_events(uow, batch)
            await uow.commit()
    await refresh_case_figures(runtime)
    assert cases("451102001", "assigned") == 2
    assert cases("451102003", "assigned") == 1
    assert not cases("451102002", "assigned")
    assert cases("none", "submitted") == 1
    exposed = {s.labels.get("street") for m in REGISTRY.collect() for s in m.samples}
    assert not {"m1", "m2", "m3", "m4"} & exposed


async def test_a_card_heard_before_its_case_reaches_the_cases_row_when_the_case_arrives(
    stack: Stack,
) -> None:
    """Topics are read independently: escalation's yellow card may be folded before the
    case's own events; the list's card and deadline (``adapters/case_deadlines.py``)
    are then set when the case's row is written, not lost."""
    await stack.start("mediation", consumers=False, relay=False)
    runtime = stack.runtime("mediation")
    fired = datetime.now(UTC) - timedelta(hours=2)
    notice = ClockNotice(
        YELLOW_CARD, "clock-early", "early", "accept",
        due_at=fired - timedelta(days=1), yellow_at=fired, red_at=fired + timedelta(days=2),
        fired_at=fired,
    )  # fmt: skip
    async with runtime.uow() as uow:
        await apply_cycle_notices(uow, [notice])
        await uow.commit()
    submitted = CaseSubmittedV1.read({**CaseSubmittedV1.example_data(), "case_id": "early"})
    async with runtime.uow() as uow:
        await fold_case_events(uow, [_received(submitted)])
        await uow.commit()
    row = (
        await stack.sql("SELECT card, deadline_at FROM mediation.cases WHERE case_id = 'early'")
    )[0]
    assert row["card"] == "yellow"
    # Nobody has opened it: it waits to be accepted, overdue since its clock's due time.
    assert row["deadline_at"] == notice.due_at
