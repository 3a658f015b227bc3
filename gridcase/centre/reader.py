"""Reading the centre's topics from the beginning with a plain Kafka consumer.

No consumer group and no committed offsets: every run assigns itself every partition
of the three masked topics and starts at offset 0, so the view is rebuilt from the
stream alone each time and two runs over the same stream give the same view. The view
lives in memory: the reference consumer shows what the stream suffices for, needs no
schema of its own and cannot disagree with the stream it was built from; a centre that
outgrows a rebuild per run would keep the same facts in its own tables with the
offsets beside them (the inbox pattern the services use).

The restricted topic (parties' full personal data) is never read: the centre sees the
masked topics only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from gridcase.centre.handlers import apply_event
from gridcase.centre.situation import Situation
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.topics import TopicNames

CENTRE_TOPICS = (topics.REGISTRY, topics.CASE, topics.CYCLE)
UNREADABLE = "(not a CloudEvent)"


class RestrictedTopicRefused(ValueError):
    """Someone asked the centre's reader to read the restricted topic."""


class CentreReader:
    def __init__(
        self,
        bootstrap: str,
        names: TopicNames,
        topic_bases: tuple[str, ...] = CENTRE_TOPICS,
        *,
        assign_timeout_s: float = 10.0,
    ):
        if topics.CASE_RESTRICTED in topic_bases:
            raise RestrictedTopicRefused(topics.CASE_RESTRICTED)
        self.bootstrap = bootstrap
        self.assign_timeout_s = assign_timeout_s
        self.topics = [names(base) for base in topic_bases]
        self._base = {names(base): base for base in topic_bases}
        self.assigned: list[TopicPartition] = []
        self._consumer: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> CentreReader:
        # Subscribed without a group: the consumer assigns itself every partition of
        # the topics (and commits nothing); offsets start at the beginning.
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
        )
        await consumer.start()
        self._consumer = consumer
        deadline = time.monotonic() + self.assign_timeout_s
        while time.monotonic() < deadline:
            assigned = consumer.assignment()
            if {tp.topic for tp in assigned} == set(self.topics):
                break
            await asyncio.sleep(0.05)
        self.assigned = sorted(consumer.assignment())
        if self.assigned:
            await consumer.seek_to_beginning(*self.assigned)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    @property
    def consumer(self) -> AIOKafkaConsumer:
        assert self._consumer is not None, "use `async with CentreReader(...)`"
        return self._consumer

    async def _read_batch(self, situation: Situation, timeout_ms: int) -> int:
        batches = await self.consumer.getmany(timeout_ms=timeout_ms, max_records=5000)
        count = 0
        for partition, records in batches.items():
            base = self._base.get(partition.topic, partition.topic)
            for record in records:
                count += 1
                situation.read[base] += 1
                try:
                    event = CloudEvent.read(orjson.loads(record.value))
                except (orjson.JSONDecodeError, ValidationError, TypeError):
                    situation.invalid[UNREADABLE] += 1
                    continue
                apply_event(situation, event)
        return count

    async def catch_up(self, situation: Situation, *, timeout_s: float = 120.0) -> None:
        """Read every event that was on the topics when this was called."""
        if not self.assigned:
            return
        ends = await self.consumer.end_offsets(self.assigned)
        deadline = time.monotonic() + timeout_s
        while True:
            behind = [tp for tp in self.assigned if await self.consumer.position(tp) < ends[tp]]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"not caught up within {timeout_s}s: {behind}")
            await self._read_batch(situation, timeout_ms=500)

    async def follow(
        self,
        situation: Situation,
        on_change: Callable[[], Awaitable[None]],
        *,
        quiet_s: float = 2.0,
    ) -> None:
        """Keep reading; call ``on_change`` once new events stopped arriving for
        ``quiet_s`` (until cancelled)."""
        pending = False
        quiet_since = time.monotonic()
        while True:
            if await self._read_batch(situation, timeout_ms=500):
                pending, quiet_since = True, time.monotonic()
            elif pending and time.monotonic() - quiet_since >= quiet_s:
                pending = False
                await on_change()
            await asyncio.sleep(0)


async def situation_from_stream(
    bootstrap: str, names: TopicNames, *, timeout_s: float = 120.0
) -> tuple[Situation, list[str]]:
    """Everything on the centre's topics now, folded; and the topics actually read."""
    situation = Situation()
    async with CentreReader(bootstrap, names) as reader:
        await reader.catch_up(situation, timeout_s=timeout_s)
        read = sorted({tp.topic for tp in reader.assigned})
    return situation, read
