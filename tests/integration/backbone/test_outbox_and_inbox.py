"""The outbox relay and the inbox consumer under the failures they exist for."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.messaging.relay import OutboxRelay
from shared.metrics import EVENTS_CONSUMED
from tests.harness import Stack, eventually, read_topic
from tests.integration.case_events import submitted

pytestmark = pytest.mark.integration

REPORT = {
    "category": "市容环境",
    "title": "井盖缺失",
    "description": "人行道井盖丢失，有安全隐患",
    "location": {"lng": 111.5625, "lat": 24.4125},  # demo grid 1
}


async def _assignments(stack: Stack, case_id: str) -> int:
    rows = await stack.sql(
        "SELECT count(*) AS n FROM routing.assignments WHERE case_id = $1", case_id
    )
    return int(rows[0]["n"])


async def test_relay_killed_after_publish_before_marking_sent_applies_once(stack: Stack) -> None:
    """The crash window of every outbox: Kafka has the event, the row is still unsent."""
    await stack.start("routing", "mediation")
    intake = stack.runtime("intake")
    await intake.start(relay=False)
    response = await stack.client("intake", "district_operator").post("/reports", json=REPORT)
    assert response.status_code == 201
    case_id = response.json()["case_id"]

    published = asyncio.Event()

    async def crash_window(_ids: list[int]) -> None:
        published.set()
        await asyncio.Event().wait()  # hang here until the relay is killed

    assert intake.engine is not None
    doomed = OutboxRelay(
        service="intake",
        engine=intake.engine,
        database_url=intake.database_url,
        outbox=intake.tables.outbox,
        bootstrap=stack.settings.kafka_servers(),
        after_publish=crash_window,
    )
    await doomed.start()
    await asyncio.wait_for(published.wait(), 20)
    await doomed.stop()  # killed between the broker's ack and the commit

    unsent = await stack.sql("SELECT count(*) AS n FROM intake.outbox WHERE sent_at IS NULL")
    assert unsent[0]["n"] == 1, "the row must still be unsent after the crash"

    survivor = OutboxRelay(
        service="intake",
        engine=intake.engine,
        database_url=intake.database_url,
        outbox=intake.tables.outbox,
        bootstrap=stack.settings.kafka_servers(),
    )
    await survivor.start()
    try:
        await eventually(lambda: stack.sql("SELECT 1 FROM intake.outbox WHERE sent_at IS NOT NULL"))
    finally:
        await survivor.stop()

    submitted = [
        r
        for r in await read_topic(
            stack.settings.kafka_servers(), stack.topics(topics.CASE), at_least=3
        )
        if orjson.loads(r.value)["type"] == CaseSubmittedV1.event_type
    ]
    assert len(submitted) == 2, "the event is on Kafka twice: once per relay"
    assert len({orjson.loads(r.value)["id"] for r in submitted}) == 1

    async def routed_once() -> bool:
        return await _assignments(stack, case_id) == 1

    await eventually(routed_once)
    await asyncio.sleep(1.0)  # give a wrongly applied duplicate time to show up
    assert await _assignments(stack, case_id) == 1
    inbox = await stack.sql(
        "SELECT count(*) AS n FROM routing.inbox WHERE event_id = $1",
        orjson.loads(submitted[0].value)["id"],
    )
    assert inbox[0]["n"] == 1


def _submitted(case_id: str) -> CloudEvent:
    return submitted(case_id, "街面秩序", location={"lng": 111.5625, "lat": 24.4125})  # grid 1


async def test_an_event_twice_in_one_fetched_batch_applies_once(stack: Stack) -> None:
    """Copies waiting on the topic before the consumer starts arrive in one batch, which
    is applied in one transaction with one inbox statement."""
    first, second = _submitted("case-dup-a"), _submitted("case-dup-b")
    outcomes = {
        o: EVENTS_CONSUMED.labels("routing", "case-router", CaseSubmittedV1.event_type, o)
        for o in ("applied", "duplicate")
    }
    before = {o: c._value.get() for o, c in outcomes.items()}
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for event in (first, second, first, first):
            await producer.send_and_wait(
                stack.topics(topics.CASE), event.to_json_bytes(), key=b"same-partition"
            )
    finally:
        await producer.stop()
    await stack.start("routing")

    async def both_routed() -> bool:
        return (
            await _assignments(stack, "case-dup-a") == await _assignments(stack, "case-dup-b") == 1
        )

    await eventually(both_routed)
    await asyncio.sleep(1.0)
    assert await _assignments(stack, "case-dup-a") == 1
    load = await stack.sql("SELECT open_cases FROM routing.staff WHERE staff_id = 'go-001'")
    assert load[0]["open_cases"] == 2, "the officer's load counts each case once"
    # The copies were recognised by the inbox, not merely absorbed by the handler.
    assert {o: c._value.get() - before[o] for o, c in outcomes.items()} == {
        "applied": 2,
        "duplicate": 2,
    }


async def test_one_fetch_across_partitions_is_applied_in_one_transaction(
    stack: Stack,
) -> None:
    """Events of several partitions fetched together share one transaction (its inbox
    rows have one ``processed_at``, the transaction's start), not one per partition."""
    events = [_submitted(f"case-spread-{i}") for i in range(6)]
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for partition, event in enumerate(events):
            await producer.send_and_wait(
                stack.topics(topics.CASE),
                event.to_json_bytes(),
                key=event.partitionkey.encode(),
                partition=partition % stack.settings.topic_partitions,
            )
    finally:
        await producer.stop()
    await stack.start("routing")

    async def all_routed() -> bool:
        rows = await stack.sql(
            "SELECT count(*) AS n FROM routing.inbox WHERE event_id = ANY($1)",
            [e.id for e in events],
        )
        applied: int = rows[0]["n"]
        return applied == len(events)

    await eventually(all_routed)
    [row] = await stack.sql(
        "SELECT count(DISTINCT processed_at) AS transactions FROM routing.inbox"
        " WHERE event_id = ANY($1)",
        [e.id for e in events],
    )
    partitions = min(len(events), stack.settings.topic_partitions)
    assert row["transactions"] < partitions, "a transaction per partition"
    for event in events:
        assert await _assignments(stack, event.partitionkey) == 1


async def test_same_event_delivered_twice_has_one_effect(stack: Stack) -> None:
    await stack.start("routing")
    await stack.wait_until_consuming()
    event = _submitted("case-dup-1")
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        for _ in range(2):
            await producer.send_and_wait(
                stack.topics(topics.CASE), event.to_json_bytes(), key=b"case-dup-1"
            )
    finally:
        await producer.stop()

    async def both_seen() -> bool:
        rows = await stack.sql(
            "SELECT count(*) AS n FROM routing.inbox WHERE event_id = $1", event.id
        )
        return rows[0]["n"] == 1 and await _assignments(stack, "case-dup-1") == 1

    await eventually(both_seen)
    await asyncio.sleep(1.0)
    assert await _assignments(stack, "case-dup-1") == 1
    load = await stack.sql("SELECT open_cases FROM routing.staff WHERE staff_id = 'go-001'")
    assert load[0]["open_cases"] == 1, "the officer's load counts the case once"


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_consumer_goes_on(
    stack: Stack,
) -> None:
    await stack.start("mediation")
    await stack.wait_until_consuming()
    case_topic = stack.topics(topics.CASE)
    broken_data = CloudEvent(
        source="/test",
        type=CaseSubmittedV1.event_type,
        partitionkey="case-poison",
        data={"case_id": "case-poison"},  # fails validation on every attempt
    )
    good = CloudEvent(
        source="/test",
        type=CaseSubmittedV1.event_type,
        partitionkey="case-poison",
        data=CaseSubmittedV1(
            case_id="case-good",
            case_number="GC202611220000042",
            kind="report",
            category="其他",
            title="好消息",
            description="正常事件",
            submitted_at="2026-11-22T08:00:00Z",  # type: ignore[arg-type]
        ).model_dump(mode="json"),
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.settings.kafka_servers())
    await producer.start()
    try:
        # Same key: one partition, so the good event waits behind both poison messages.
        await producer.send_and_wait(case_topic, b"\x00not json at all", key=b"case-poison")
        await producer.send_and_wait(case_topic, broken_data.to_json_bytes(), key=b"case-poison")
        await producer.send_and_wait(case_topic, good.to_json_bytes(), key=b"case-poison")
    finally:
        await producer.stop()

    view = await eventually(
        lambda: stack.sql("SELECT status FROM mediation.cases WHERE case_id = 'case-good'")
    )
    assert view[0]["status"] == "submitted"

    dead = await read_topic(
        stack.settings.kafka_servers(), topics.dead_letter(case_topic), at_least=2
    )
    assert [r.value for r in dead] == [b"\x00not json at all", broken_data.to_json_bytes()]
    headers = dict(dead[1].headers)
    assert headers["gridcase-attempts"] == str(stack.settings.consumer_max_attempts).encode()
    assert b"ValidationError" in headers["gridcase-error"]
    assert headers["gridcase-original-topic"] == case_topic.encode()
    applied = await stack.sql("SELECT event_id FROM mediation.inbox")
    assert [r["event_id"] for r in applied] == [good.id], "poison is never marked processed"
