"""Relay guarantees: order per key across competing relays, and wake-up on NOTIFY."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from shared.events import topics
from shared.events.intake import CaseSubmittedV1
from shared.messaging.relay import OutboxRelay
from shared.runtime import ServiceRuntime
from tests.harness import Stack, eventually, read_topic

pytestmark = pytest.mark.integration


def _payload(case_id: str, seq: int) -> CaseSubmittedV1:
    return CaseSubmittedV1(
        case_id=case_id,
        case_number=f"GC20261122{seq:07d}",
        kind="report",
        category="其他",
        title=str(seq),
        description="顺序测试",
        submitted_at="2026-11-22T08:00:00Z",  # type: ignore[arg-type]
    )


def _relay(runtime: ServiceRuntime[Any], stack: Stack, **kwargs: object) -> OutboxRelay:
    assert runtime.engine is not None
    return OutboxRelay(
        service=runtime.name,
        engine=runtime.engine,
        database_url=runtime.database_url,
        outbox=runtime.tables.outbox,
        bootstrap=stack.settings.kafka_servers(),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_two_relays_keep_each_keys_events_in_commit_order(stack: Stack) -> None:
    intake = stack.runtime("intake")
    await intake.start(relay=False, consumers=False)
    keys = [f"order-{k}" for k in range(4)]
    seq = 0
    for _round in range(30):
        async with intake.uow() as uow:
            for key in keys:
                seq += 1
                uow.publish(topics.CASE, key, _payload(key, seq))
            await uow.commit()

    relays = [_relay(intake, stack, batch_size=7) for _ in range(2)]
    await asyncio.gather(*(r.start() for r in relays))
    try:
        records = await read_topic(
            stack.settings.kafka_servers(), stack.topics(topics.CASE), at_least=120, timeout=60
        )
    finally:
        await asyncio.gather(*(r.stop() for r in relays))

    by_key: dict[str, list[int]] = defaultdict(list)
    for record in records:
        event = orjson.loads(record.value)
        by_key[record.key.decode()].append(int(event["data"]["title"]))
    assert set(by_key) == set(keys)
    for key, sequence in by_key.items():
        assert sequence == sorted(sequence), f"{key} left out of order: {sequence}"
        assert len(sequence) == len(set(sequence)) == 30


async def test_relay_wakes_on_notify_long_before_its_poll_interval(stack: Stack) -> None:
    intake = stack.runtime("intake")
    await intake.start(relay=False, consumers=False)
    relay = _relay(intake, stack, poll_interval_s=120.0)
    await relay.start()
    try:
        await asyncio.sleep(1.0)  # the relay has polled once and is now waiting
        async with intake.uow() as uow:
            uow.publish(topics.CASE, "notify-1", _payload("notify-1", 1))
            await uow.commit()
        records = await read_topic(
            stack.settings.kafka_servers(), stack.topics(topics.CASE), at_least=1, timeout=20
        )
    finally:
        await relay.stop()
    # Reaching Kafka at all within 20 s proves the NOTIFY path: polling alone waits 120 s.
    assert [r.key for r in records] == [b"notify-1"]


async def test_outbox_backlog_gauge_counts_what_waits_while_kafka_is_unreachable(
    stack: Stack,
) -> None:
    """The gauge behind GridcaseOutboxBacklogGrowing: it was only ever set to 0, so the
    alert could not fire while Kafka was away."""
    from prometheus_client import REGISTRY

    from gridcase.devstack.ports import free_port

    intake = stack.runtime("intake")
    await intake.start(relay=False, consumers=False)
    async with intake.uow() as uow:
        for seq in range(12):
            uow.publish(topics.CASE, f"away-{seq}", _payload(f"away-{seq}", seq))
        await uow.commit()
    assert intake.engine is not None
    relay = OutboxRelay(
        service="backlog-probe",
        engine=intake.engine,
        database_url=intake.database_url,
        outbox=intake.tables.outbox,
        bootstrap=f"127.0.0.1:{free_port()}",  # nothing listens there
        poll_interval_s=0.2,
    )
    await relay.start()

    async def backlog() -> float:
        return float(
            REGISTRY.get_sample_value("gridcase_outbox_backlog", {"service": "backlog-probe"}) or 0
        )

    try:
        assert await eventually(lambda: _equals(backlog, 12.0), timeout=20)
    finally:
        await relay.stop()


async def _equals(probe: Callable[[], Awaitable[float]], expected: float) -> bool:
    return await probe() == expected
