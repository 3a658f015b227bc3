"""The short fault-injection campaign (bench/faults.py) under load, as CI runs it:
kill -9 each service, the Kafka broker and PostgreSQL in turn; nothing accepted is
lost or duplicated, and every phase recovers."""

from __future__ import annotations

import pytest

from bench.faults import FAULTS, run_campaign, to_markdown

pytestmark = pytest.mark.integration


async def test_every_fault_recovers_with_nothing_lost_or_duplicated() -> None:
    report = await run_campaign(FAULTS, rate=10, phase_s=4, down_s=1, recovery_timeout_s=60)
    print(to_markdown(report))
    assert [p.fault for p in report.phases] == list(FAULTS)
    assert report.cases > 100, "the load must actually have run"
    assert all(p.cases > 0 for p in report.phases), "every fault happened under load"
    assert all(p.recovery_s is not None for p in report.phases), to_markdown(report)
    assert report.lost == []
    assert report.duplicated == []
    assert report.events_missing_from_kafka == 0
    assert report.dead_lettered == 0, "an outage delays events, never dead-letters them"
    assert report.gave_up == 0
