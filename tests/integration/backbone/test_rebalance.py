"""Two replicas of a consumer share its partitions; replicas come and go mid-stream and
every event still has exactly one effect."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from gridcase.services import BY_NAME
from shared.events import topics
from shared.events.envelope import CloudEvent
from tests.harness import Stack, demo_point, eventually
from tests.integration.case_events import submitted

pytestmark = pytest.mark.integration


def _submitted(n: int) -> CloudEvent:
    return submitted(f"rebalance-{n:04d}", location=demo_point(n))


async def test_replicas_joining_and_leaving_mid_stream_route_every_case_once(
    stack: Stack,
) -> None:
    first = stack.runtime("routing")
    await first.start(relay=False)
    await stack.wait_until_consuming()
    second = BY_NAME["routing"].build_runtime(stack.settings)  # same consumer group

    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for n in range(300):
            event = _submitted(n)
            await producer.send(
                stack.topics(topics.CASE), event.to_json_bytes(), key=event.partitionkey.encode()
            )
            if n == 100:
                await second.start(relay=False)  # joins: partitions are split
            if n == 200:
                await first.stop()  # leaves: its partitions move to the second
            if n % 50 == 0:
                await asyncio.sleep(0.5)
        await producer.flush()
    finally:
        await producer.stop()

    try:

        async def all_routed() -> bool:
            rows = await stack.sql(
                "SELECT count(DISTINCT case_id) AS n FROM routing.assignments "
                "WHERE case_id LIKE 'rebalance-%'"
            )
            routed: int = rows[0]["n"]
            return routed == 300

        await eventually(all_routed, timeout=90, interval=0.5)
        await asyncio.sleep(1.0)
        per_case = await stack.sql(
            "SELECT case_id, count(*) AS n FROM routing.assignments "
            "WHERE case_id LIKE 'rebalance-%' GROUP BY case_id HAVING count(*) > 1"
        )
        assert per_case == [], "a case was routed twice"
        inbox = await stack.sql("SELECT count(*) AS n FROM routing.inbox")
        assert inbox[0]["n"] == 300
        taken_over = second.consumers[0].partitions()
        assert len(taken_over) == stack.settings.topic_partitions, "the survivor owns them all"
    finally:
        await second.stop()
