"""Escalation's business gauge: running clocks by street, stage and last deadline passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from services.escalation.service_layer.figures import refresh_clock_figures
from tests.harness import Stack

pytestmark = pytest.mark.integration


def running(street: str, stage: str, state: str) -> float | None:
    return REGISTRY.get_sample_value(
        "gridcase_running_clocks",
        {"service": "escalation", "street": street, "stage": stage, "state": state},
    )


async def test_running_clocks_are_counted_by_street_and_the_last_deadline_passed(
    stack: Stack,
) -> None:
    await stack.start("escalation", consumers=False, relay=False)
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    # (case, unit, status, due, yellow, red) relative to now.
    rows = [
        ("c1", "451102001001002", "running", +1, +2, +3),  # on time
        ("c2", "451102001001003", "running", -1, +2, +3),  # past due
        ("c3", "451102001002", "running", -2, -1, +3),  # past yellow (a community's case)
        ("c4", "451102002", "running", -3, -2, -1),  # past red (the street's own)
        ("c5", "451102", "running", -3, -2, -1),  # at the district: its own code
        ("c6", "451102001001002", "stopped", -3, -2, -1),  # stopped clocks do not count
    ]
    for case, unit, status, due, yellow, red in rows:
        await stack.sql(
            "INSERT INTO escalation.clocks (clock_id, case_id, stage, category, unit_code,"
            " status, started_at, due_at, yellow_at, red_at)"
            " VALUES ($1, $2, 'accept', '市容环境', $3, $4, $5, $6, $7, $8)",
            f"k-{case}",
            case,
            unit,
            status,
            now - 4 * hour,
            now + due * hour,
            now + yellow * hour,
            now + red * hour,
        )
    await refresh_clock_figures(stack.runtime("escalation"))
    assert running("451102001", "accept", "on_time") == 1
    assert running("451102001", "accept", "past_due") == 1
    assert running("451102001", "accept", "past_yellow") == 1
    assert running("451102002", "accept", "past_red") == 1
    assert running("451102", "accept", "past_red") == 1
    assert running("451102001", "accept", "past_red") is None

    # A clock that stops leaves the count at the next refresh; an emptied series goes.
    await stack.sql("UPDATE escalation.clocks SET status = 'stopped' WHERE case_id = 'c4'")
    await refresh_clock_figures(stack.runtime("escalation"))
    assert running("451102002", "accept", "past_red") is None
    assert running("451102001", "accept", "on_time") == 1
