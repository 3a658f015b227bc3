"""Unit of work: one transaction, its outbox events and its inbox mark, committed together.

Modelled on cosmicpython's ``unit_of_work.py``: leaving the block without ``commit()``
rolls back. Events added with ``publish`` are written to the outbox inside the same
transaction, and a NOTIFY (delivered by PostgreSQL only at commit) wakes the relay.

The inbox and outbox statements take arrays (``unnest``), so each is one prepared
statement whatever the batch size, and one round trip: a multi-row ``VALUES`` list
is new SQL for every size, compiled and prepared again on every pooled connection.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Iterable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Table, Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import TextClause

from shared.case_log import case_fields
from shared.db.tables import outbox_channel
from shared.events.envelope import CloudEvent
from shared.events.payload import Payload
from shared.events.topics import TopicNames
from shared.logging import get_logger

_log = get_logger(__name__)


class EventContext:
    """Who and what caused the events written in a unit of work (for tracing ids)."""

    def __init__(self, correlation_id: str | None = None, causation_id: str | None = None):
        self.correlation_id = correlation_id
        self.causation_id = causation_id


def _texts(*names: str) -> list[Any]:
    return [bindparam(name, type_=ARRAY(Text)) for name in names]


@functools.cache
def _inbox_insert(inbox: Table) -> TextClause:
    """Mark events processed; returns the ids that were not marked before."""
    return text(
        f"""
        INSERT INTO {inbox.fullname} (consumer, event_id, event_type)
        SELECT :consumer, e.event_id, e.event_type
        FROM unnest(:event_ids, :event_types) AS e(event_id, event_type)
        ON CONFLICT DO NOTHING
        RETURNING event_id
        """
    ).bindparams(*_texts("event_ids", "event_types"))


@functools.cache
def _outbox_insert(outbox: Table, channel: str) -> TextClause:
    """Write events to the outbox in the order given, and NOTIFY the relay (delivered
    at commit), in one statement."""
    return text(
        f"""
        WITH written AS (
            INSERT INTO {outbox.fullname} (event_id, topic, key, type, envelope)
            SELECT e.event_id, e.topic, e.key, e.type, e.envelope::jsonb
            FROM unnest(:event_ids, :topics, :keys, :types, :envelopes)
                WITH ORDINALITY AS e(event_id, topic, key, type, envelope, n)
            ORDER BY e.n
            RETURNING 1
        )
        SELECT pg_notify('{channel}', '')
        """
    ).bindparams(*_texts("event_ids", "topics", "keys", "types", "envelopes"))


class UnitOfWork:
    """Base unit of work; services subclass it to add their repositories."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        schema: str,
        outbox: Table,
        inbox: Table,
        topics: TopicNames,
        source: str,
        context: EventContext | None = None,
    ):
        self._engine = engine
        self.schema = schema
        self._outbox = outbox
        self._inbox = inbox
        self.topics = topics
        self.source = source
        self.context = context or EventContext()
        self._conn: AsyncConnection | None = None
        self._pending: list[tuple[str, CloudEvent]] = []
        self.committed = False

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `async with` block")
        return self._conn

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        await self._conn.begin()
        self.committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        try:
            if not self.committed:
                await self._conn.rollback()
        finally:
            await self._conn.close()
            self._conn = None
            self._pending.clear()

    def publish(
        self,
        topic: str,
        key: str,
        payload: Payload,
        *,
        subject: str | None = None,
        context: EventContext | None = None,
    ) -> CloudEvent:
        """Queue an event; it is written to the outbox when the unit of work commits.
        ``context`` overrides the unit's own when one unit writes for several requests."""
        context = context or self.context
        event = CloudEvent(
            source=self.source,
            type=payload.event_type,
            subject=subject or key,
            partitionkey=key,
            correlationid=context.correlation_id,
            causationid=context.causation_id,
            dataschema=f"urn:gridcase:schema:{payload.event_type}",
            data=payload.model_dump(mode="json"),
        )
        self._pending.append((self.topics(topic), event))
        return event

    @property
    def pending_events(self) -> Iterable[CloudEvent]:
        return (event for _, event in self._pending)

    async def mark_processed(self, consumer: str, event: CloudEvent) -> bool:
        """Record that ``consumer`` applied ``event``; False if it already had (a duplicate)."""
        return bool(await self.mark_all_processed(consumer, [event]))

    async def mark_all_processed(self, consumer: str, events: list[CloudEvent]) -> set[str]:
        """``mark_processed`` for many events in one statement: the ids not seen before."""
        result = await self.connection.execute(
            _inbox_insert(self._inbox),
            {
                "consumer": consumer,
                "event_ids": [e.id for e in events],
                "event_types": [e.type for e in events],
            },
        )
        return {row.event_id for row in result}

    async def commit(self) -> None:
        conn = self.connection
        if self._pending:
            events = [event for _, event in self._pending]
            await conn.execute(
                _outbox_insert(self._outbox, outbox_channel(self.schema)),
                {
                    "event_ids": [e.id for e in events],
                    "topics": [topic for topic, _ in self._pending],
                    "keys": [e.partitionkey for e in events],
                    "types": [e.type for e in events],
                    "envelopes": [e.model_dump_json(exclude_none=True) for e in events],
                },
            )
            self._pending.clear()
            await conn.commit()
            self.committed = True
            _log.info("events_recorded", **case_fields(events))
            return
        await conn.commit()
        self.committed = True

    async def rollback(self) -> None:
        await self.connection.rollback()
        self._pending.clear()

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Work that may fail on its own: if the block raises, its statements and the
        events it queued with ``publish`` are undone, and the rest of the unit stands
        (the scheduler runs each due job in one, so a failing job spares its batch)."""
        queued = len(self._pending)
        nested = await self.connection.begin_nested()
        try:
            yield
        except BaseException:
            await nested.rollback()
            del self._pending[queued:]
            raise
        await nested.commit()


def correlation_of(event: CloudEvent) -> EventContext:
    """Context for events caused by ``event``: same correlation id, caused by it."""
    return EventContext(correlation_id=event.correlationid or event.id, causation_id=event.id)


__all__: list[Any] = ["EventContext", "UnitOfWork", "correlation_of"]
