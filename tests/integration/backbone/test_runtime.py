"""The service runtime's periodic tasks and its handling of event types it does not know."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.periodic import PeriodicTask
from shared.runtime import ServiceRuntime
from tests.harness import Stack, eventually

pytestmark = pytest.mark.integration


async def test_a_failing_periodic_task_keeps_running_and_stops_with_the_service(
    stack: Stack,
) -> None:
    runs: list[int] = []

    async def flaky(_: ServiceRuntime[None]) -> None:
        runs.append(len(runs))
        if len(runs) % 2:
            raise RuntimeError("every other run fails")

    runtime = stack.runtime("escalation")
    runtime.periodic.append(PeriodicTask("flaky", 0.05, flaky))
    await runtime.start(relay=False, consumers=False)
    await eventually(lambda: asyncio.sleep(0, result=len(runs) >= 4))
    await runtime.stop()
    stopped_at = len(runs)
    await asyncio.sleep(0.3)
    assert len(runs) == stopped_at, "the task must not outlive the service"


async def test_event_types_without_a_handler_leave_no_inbox_row(stack: Stack) -> None:
    await stack.start("mediation")
    await stack.wait_until_consuming()
    unknown = CloudEvent(
        source="/test", type="cn.gridcase.case.future-thing.v9", partitionkey="c-1", data={}
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        await producer.send_and_wait(stack.topics(topics.CASE), unknown.to_json_bytes(), key=b"c-1")
    finally:
        await producer.stop()

    consumer = stack.runtime("mediation").consumers[0]
    from shared.metrics import EVENTS_CONSUMED

    ignored = EVENTS_CONSUMED.labels("mediation", consumer.name, unknown.type, "ignored")
    await eventually(lambda: asyncio.sleep(0, result=ignored._value.get() >= 1))
    rows = await stack.sql("SELECT count(*) AS n FROM mediation.inbox")
    assert rows[0]["n"] == 0
