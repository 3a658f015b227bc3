"""Mediation's business gauge: cases in its view by street and status."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from services.mediation.service_layer.figures import refresh_case_figures
from tests.harness import Stack

pytestmark = pytest.mark.integration


def cases(street: str, status: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gridcase_cases", {"service": "mediation", "street": street, "status": status}
    )


async def test_cases_are_counted_by_street_and_status_never_by_case(stack: Stack) -> None:
    await stack.start("mediation", consumers=False, relay=False)
    for case, unit, status in [
        ("m1", "451102001001002", "assigned"),
        ("m2", "451102001001004", "assigned"),
        ("m3", "451102003002", "assigned"),
        ("m4", None, "submitted"),
    ]:
        await stack.sql(
            "INSERT INTO mediation.cases (case_id, status, unit_code) VALUES ($1, $2, $3)",
            case,
            status,
            unit,
        )
    await refresh_case_figures(stack.runtime("mediation"))
    assert cases("451102001", "assigned") == 2
    assert cases("451102003", "assigned") == 1
    assert cases("none", "submitted") == 1
    exposed = {s.labels.get("street") for m in REGISTRY.collect() for s in m.samples}
    assert not {"m1", "m2", "m3", "m4"} & exposed
