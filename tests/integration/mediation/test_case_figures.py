"""Mediation's business gauge: cases in its view by street and status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from prometheus_client import REGISTRY

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
