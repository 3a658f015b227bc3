"""The consumer loop: inbox-deduplicated handlers, offsets after commit, dead letters.

For every message:

1. Parse the CloudEvent. A message that is not one goes straight to the dead-letter
   topic: retrying cannot fix it.
2. Open a unit of work, insert ``(consumer, event id)`` into the inbox (a duplicate
   inserts nothing, and the handler is skipped), run the handler, commit. The effect,
   any events it publishes (outbox) and the inbox mark commit together. Normally a
   whole fetch (every partition's records, each partition in order) shares one
   transaction; if anything in it fails, the batch is rolled back and replayed one
   event at a time, so one bad event never blocks or taints the others. Events of
   types the consumer does not handle are only counted (``ignored``).
3. On a handler error, roll back and retry with back-off, ``max_attempts`` in all; then
   publish the original message with the error to ``<topic>.dlq`` and move on. A lost
   database connection is not the message's fault: it is retried until the database
   returns, never dead-lettered.
4. Commit the Kafka offset only after the database commit (or the dead-letter ack).
   After a crash or a rebalance the next owner re-reads from the last committed offset
   and the inbox turns the replays into no-ops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import ValidationError

from shared.case_log import case_fields, case_of
from shared.db.outage import is_database_unavailable
from shared.db.unit_of_work import UnitOfWork, correlation_of
from shared.events.envelope import CloudEvent
from shared.events.topics import dead_letter
from shared.logging import get_logger
from shared.messaging.errors import describe_error
from shared.messaging.relay import build_producer
from shared.metrics import (
    CONSUMER_BATCH_EVENTS,
    CONSUMER_LAG,
    EVENT_END_TO_END_LATENCY,
    EVENT_HANDLER_RETRIES,
    EVENT_HANDLING_LATENCY,
    EVENTS_CONSUMED,
)

log = get_logger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], Awaitable[None]]
# Applies consecutive events that map to it together, with the same effect as one by one
# in order; one batch handler may serve several event types (a projection's fold).
BatchHandler = Callable[[UnitOfWork, list[CloudEvent]], Awaitable[None]]
UowFactory = Callable[..., UnitOfWork]


# About a hundred case events: what a gathering consumer asks the broker to wait for.
GATHER_BYTES = 128 * 1024


@dataclass(frozen=True)
class Unhandled:
    """An event of a type this consumer has no handler for: only its type is read."""

    type: str


class PoisonMessage(Exception):
    """A message that can never be handled (unparseable); dead-lettered at once."""


def _case_in(value: bytes | None) -> str | None:
    """The case a dead-lettered message names, if it is JSON with ``data.case_id``."""
    try:
        data = orjson.loads(value or b"").get("data")
        case_id = data.get("case_id") if isinstance(data, dict) else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return case_id if isinstance(case_id, str) else None


class EventConsumer:
    """Runs ``handlers[event.type]`` for every event on ``topics`` in one consumer group.

    Types without a handler are recorded as seen and skipped, so a consumer never
    blocks on an event type added later by another service.
    """

    def __init__(
        self,
        *,
        service: str,
        name: str,
        group_id: str,
        topics: list[str],
        bootstrap: str,
        uow_factory: UowFactory,
        handlers: dict[str, Handler],
        batch_handlers: dict[str, BatchHandler] | None = None,
        gather_ms: int = 0,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.2,
        auto_offset_reset: str = "earliest",
    ):
        self.service = service
        self.name = name
        self.group_id = group_id
        self.topics = topics
        self._bootstrap = bootstrap
        self._uow_factory = uow_factory
        self._handlers = handlers
        self._batch_handlers = batch_handlers or {}
        # A type with only a batch handler is handled too: one event is a batch of one.
        self._handled = set(handlers) | set(self._batch_handlers)
        self._gather_ms = gather_ms
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._auto_offset_reset = auto_offset_reset
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.assigned = asyncio.Event()
        # Exposed at 0 from the start, so rates and alerts see the first retry.
        EVENT_HANDLER_RETRIES.labels(service, name)

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"{self.service}-{self.name}-consumer")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            consumer = AIOKafkaConsumer(
                *self.topics,
                bootstrap_servers=self._bootstrap,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset=self._auto_offset_reset,
                isolation_level="read_committed",
                max_poll_records=500,
                # With gather_ms the broker answers a fetch once it holds this much, or
                # after gather_ms: fewer fetches and larger batches for views.
                fetch_min_bytes=GATHER_BYTES if self._gather_ms else 1,
                fetch_max_wait_ms=self._gather_ms or 500,
                # A killed consumer's partitions move to the others after this long
                # (the broker's minimum), not the 10 s default.
                session_timeout_ms=6000,
                heartbeat_interval_ms=2000,
            )
            producer = build_producer(self._bootstrap)
            try:
                await consumer.start()
                await producer.start()
                self._consumer = consumer
                backoff = 0.5
                await self._consume(consumer, producer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer_restarting",
                    consumer=self.name,
                    error=describe_error(exc),
                    retry_in_s=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self._consumer = None
                self.assigned.clear()
                with contextlib.suppress(Exception):
                    await consumer.stop()
                with contextlib.suppress(Exception):
                    await producer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer, producer: Any) -> None:
        while not self._stopping.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            if consumer.assignment():
                self.assigned.set()
            if not batches:
                await self._record_lag(consumer)
                continue
            # Order matters per key, and a key lives in one partition: each partition's
            # records are applied strictly in order, partitions one after another, all
            # in one transaction. A transaction per partition cost a commit for every
            # few events, and running partitions concurrently held hot rows (an
            # officer's load) locked across batches; both measured slower.
            await self._process_fetched(list(batches.values()), producer)
            offsets = {tp: records[-1].offset + 1 for tp, records in batches.items()}
            try:
                await consumer.commit(offsets)
            except (CommitFailedError, IllegalStateError) as exc:
                # The group rebalanced under us; the new owner replays from the
                # last committed offset and the inbox absorbs what we applied.
                log.info(
                    "offset_commit_after_rebalance", consumer=self.name, error=describe_error(exc)
                )
            await self._record_lag(consumer)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        """``gridcase_consumer_lag`` per topic: what the broker holds beyond our position
        on the partitions this process owns (the group's lag is the sum over processes).
        Known from fetch answers, so it costs no request to the broker."""
        lag = dict.fromkeys(self.topics, 0)
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            with contextlib.suppress(IllegalStateError):
                lag[tp.topic] = lag.get(tp.topic, 0) + max(high - await consumer.position(tp), 0)
        for topic, behind in lag.items():
            CONSUMER_LAG.labels(self.service, self.name, topic).set(behind)

    async def _process_fetched(self, partitions: list[list[Any]], producer: Any) -> None:
        records = [record for batch in partitions for record in batch]
        CONSUMER_BATCH_EVENTS.labels(self.service, self.name).observe(len(records))
        if len(records) > 1 and await self._apply_batch(records):
            return
        for batch in partitions:
            for record in batch:
                await self._process(record, producer)

    async def _apply_batch(self, records: list[Any]) -> bool:
        """The usual case: a whole fetch in one transaction, one commit.

        Returns False, having changed nothing, if any record fails to parse or apply;
        the caller then goes one by one, with retries and dead letters.
        """
        try:
            events = [self._parse(record) for record in records]
        except PoisonMessage:
            return False
        started = time.perf_counter()
        outcomes = ["ignored"] * len(events)
        handled = [(i, e) for i, e in enumerate(events) if isinstance(e, CloudEvent)]
        try:
            if handled:
                async with self._uow_factory() as uow:
                    # One inbox statement for the batch; an event twice in it applies once.
                    fresh = await uow.mark_all_processed(self.name, [e for _, e in handled])
                    to_apply: list[CloudEvent] = []
                    for i, event in handled:
                        if event.id in fresh:
                            fresh.discard(event.id)
                            to_apply.append(event)
                            outcomes[i] = "applied"
                        else:
                            outcomes[i] = "duplicate"
                    for run in self._runs(to_apply):
                        batch_handler = self._batch_handlers.get(run[0].type)
                        if batch_handler is not None:
                            await batch_handler(uow, run)
                            continue
                        for event in run:
                            uow.context = correlation_of(event)
                            await self._handle(uow, event)
                    await uow.commit()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info(
                "batch_falls_back_to_single_events",
                consumer=self.name,
                size=len(records),
                error=describe_error(exc),
            )
            return False
        share = (time.perf_counter() - started) / len(events)
        for item, outcome in zip(events, outcomes, strict=True):
            self._observe(item, outcome, share)
        applied = [
            e
            for e, o in zip(events, outcomes, strict=True)
            if o == "applied" and isinstance(e, CloudEvent)
        ]
        if applied:
            log.info("events_applied", consumer=self.name, **case_fields(applied))
        return True

    def _runs(self, events: list[CloudEvent]) -> list[list[CloudEvent]]:
        """Consecutive events that go to the same batch handler (or to none), in order."""
        runs: list[list[CloudEvent]] = []
        for event in events:
            handler = self._batch_handlers.get(event.type)
            if (
                runs
                and handler is not None
                and self._batch_handlers.get(runs[-1][0].type) is handler
            ):
                runs[-1].append(event)
            else:
                runs.append([event])
        return runs

    async def _process(self, record: ConsumerRecord[Any, Any], producer: Any) -> None:
        try:
            event = self._parse(record)
        except PoisonMessage as exc:
            await self._dead_letter(record, producer, exc, attempts=1, event_type="unparseable")
            return
        if isinstance(event, Unhandled):
            self._observe(event, "ignored", 0.0)  # no effect, so no inbox row either
            return
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                outcome = await self._apply(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_database_unavailable(exc):
                    log.warning(
                        "consumer_database_unavailable",
                        consumer=self.name,
                        error=describe_error(exc),
                    )
                    await asyncio.sleep(min(self._retry_backoff_s * 2 ** min(attempt, 5), 5.0))
                    attempt -= 1  # the database's fault, not the message's
                    continue
                if attempt >= self._max_attempts:
                    await self._dead_letter(
                        record, producer, exc, attempts=attempt, event_type=event.type
                    )
                    return
                EVENT_HANDLER_RETRIES.labels(self.service, self.name).inc()
                log.warning(
                    "event_handler_failed",
                    consumer=self.name,
                    event_id=event.id,
                    event_type=event.type,
                    attempt=attempt,
                    error=describe_error(exc),
                )
                await asyncio.sleep(self._retry_backoff_s * 2 ** (attempt - 1))
                continue
            self._observe(event, outcome, time.perf_counter() - started)
            if outcome == "applied":
                log.info("events_applied", consumer=self.name, **case_fields([event]))
            return

    def _observe(self, event: CloudEvent | Unhandled, outcome: str, seconds: float) -> None:
        EVENT_HANDLING_LATENCY.labels(self.service, self.name).observe(seconds)
        EVENTS_CONSUMED.labels(self.service, self.name, event.type, outcome).inc()
        if isinstance(event, CloudEvent) and outcome == "applied":
            age = (datetime.now(UTC) - event.time).total_seconds()
            EVENT_END_TO_END_LATENCY.labels(self.service, self.name, event.type).observe(
                max(age, 0)
            )

    def _parse(self, record: ConsumerRecord[Any, Any]) -> CloudEvent | Unhandled:
        """The CloudEvent, validated, if this consumer handles its type; otherwise only
        the type (validating every event on a shared topic was a visible cost).
        Attributes it does not know are ignored, and so are unknown payload fields
        when the handler reads the payload (``Payload.read``)."""
        if record.value is None:
            raise PoisonMessage("empty message value")
        try:
            raw = orjson.loads(record.value)
            kind = raw.get("type") if isinstance(raw, dict) else None
            if isinstance(kind, str) and kind not in self._handled:
                return Unhandled(kind)
            return CloudEvent.read(raw)
        except (ValidationError, ValueError) as exc:
            raise PoisonMessage(f"not a CloudEvent: {exc}") from exc

    async def _apply(self, event: CloudEvent) -> str:
        async with self._uow_factory(context=correlation_of(event)) as uow:
            outcome = await self._apply_in(uow, event)
            await uow.commit()
        return outcome

    async def _apply_in(self, uow: UnitOfWork, event: CloudEvent) -> str:
        """Mark the event processed and run its handler inside ``uow`` (not committed)."""
        if not await uow.mark_processed(self.name, event):
            return "duplicate"
        await self._handle(uow, event)
        return "applied"

    async def _handle(self, uow: UnitOfWork, event: CloudEvent) -> None:
        # Log lines written while handling carry the chain's ids, like an HTTP request's.
        with structlog.contextvars.bound_contextvars(
            correlation_id=event.correlationid or event.id,
            causation_id=event.id,
            event_type=event.type,
            case_id=case_of(event),
        ):
            batch_handler = self._batch_handlers.get(event.type)
            if batch_handler is not None:
                await batch_handler(uow, [event])
            else:
                await self._handlers[event.type](uow, event)

    async def _dead_letter(
        self,
        record: ConsumerRecord[Any, Any],
        producer: Any,
        exc: BaseException,
        *,
        attempts: int,
        event_type: str,
    ) -> None:
        headers = [
            *list(record.headers or []),
            ("gridcase-error", f"{type(exc).__name__}: {exc}"[:4000].encode()),
            ("gridcase-attempts", str(attempts).encode()),
            ("gridcase-consumer", self.name.encode()),
            ("gridcase-original-topic", record.topic.encode()),
            ("gridcase-original-partition", str(record.partition).encode()),
            ("gridcase-original-offset", str(record.offset).encode()),
        ]
        while True:
            try:
                await producer.send_and_wait(
                    dead_letter(record.topic), value=record.value, key=record.key, headers=headers
                )
                break
            except KafkaError as kafka_exc:
                log.warning("dead_letter_publish_failed", error=repr(kafka_exc))
                await asyncio.sleep(1.0)
        EVENTS_CONSUMED.labels(self.service, self.name, event_type, "dead_lettered").inc()
        log.error(
            "event_dead_lettered",
            consumer=self.name,
            case_id=_case_in(record.value),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            attempts=attempts,
            error=describe_error(exc),
        )

    def partitions(self) -> set[TopicPartition]:
        return set(self._consumer.assignment()) if self._consumer else set()
