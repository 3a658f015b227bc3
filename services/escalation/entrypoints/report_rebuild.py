"""Rebuilding the monthly report from the stream (issue 15 items 4 and 6): empty the
report tables and fold the case and cycle topics again from offset 0
(``gridcase report rebuild``).

Reading. A plain Kafka consumer (no group, nothing committed) assigns itself every
partition of both topics and reads them from the beginning in batches of up to
``REBUILD_BATCH`` records, up to the end each partition had when the reading began
(after the lock below was taken). A record's type is looked at before anything is
validated; the report uses four types of the case topic and the screening returns of
the cycle topic, the others are skipped. A record the report uses is validated once,
envelope and payload together (``read_data``), with the models the consumers read it
with, so the rebuild accepts exactly what they accepted: a record they dead-lettered is
counted as unreadable and left out here too.

Folding. Each batch is one transaction (``monthly_report.apply_case_events``, then the
batch's returns). With ``rate_facts`` (``--rates``) the rates' facts behind the report's
time-limit columns are emptied and folded too (every case-work step and rating, as the
case consumer folds them), and their due times and report areas copied once at the end
from the clocks and the rebuilt report. Folds run one at a time, in the order read,
and overlap with reading and parsing the next batch: while PostgreSQL works on one batch
(the other core) this process parses the next, which is most of what a rebuild costs in
Python.

The live consumers. The rebuild holds an advisory lock, in a transaction of its own,
from before it empties the tables until its last batch has committed; the live folds
into the report take it shared (``monthly_report.wait_for_rebuild``) and so wait
meanwhile. Events published during the rebuild are folded by them afterwards: those the
rebuild read too change nothing the second time (every fact counts once per case).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar, cast

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from services.escalation.adapters.rate_facts import RateFactsRepository
from services.escalation.adapters.report_repository import ReportRepository
from services.escalation.domain.monthly_report import ReportPolicy, load_policies
from services.escalation.entrypoints.consumers import STEP_TYPES
from services.escalation.service_layer import monthly_report
from services.escalation.service_layer.handlers import CaseEvent
from services.escalation.service_layer.monthly_report import ReportEvent
from services.escalation.service_layer.rates import merge_rate_facts, refresh_every_case
from services.escalation.service_layer.ratings import apply_ratings
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.intake import CaseRatedV1, CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.mediation import CaseWorkClosedV1, DisputeAcceptedV1
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1
from shared.events.topics import TopicNames
from shared.messaging.received import read_data

P = TypeVar("P", bound=Payload)

# The case events the report folds (monthly_report.apply_case_events).
REPORT_TYPES: dict[str, type[ReportEvent]] = {
    model.event_type: model
    for model in (CaseSubmittedV1, CaseAssignedV1, DisputeAcceptedV1, CaseWorkClosedV1)
}
# What a rebuild with the rates' facts folds from the case topic: the report's events,
# every case-work step and the ratings (behind the report's time-limit columns).
REBUILT_TYPES: dict[str, type[Payload]] = {
    CaseSubmittedV1.event_type: CaseSubmittedV1,
    CaseAssignedV1.event_type: CaseAssignedV1,
    **STEP_TYPES,
    CaseRatedV1.event_type: CaseRatedV1,
}
# Records per batch: 10 times what a live consumer fetches. Fewer, larger statements
# and commits; measured in bench/monthly_report_bench.py.
REBUILD_BATCH = 5000
# Records parsed between two chances for the fold in flight to go on (its answer from
# PostgreSQL, then its commit).
_PARSE_SLICE = 250
_ASSIGN_TIMEOUT_S = 30.0


def read_report_record(value: bytes) -> ReportEvent | None:
    """A case-topic record's payload if the report uses its type, else None. A record
    that is not a valid event of its type raises (``ValueError``, pydantic's
    ``ValidationError``) as it did in the consumer, which dead-lettered it."""
    return _read_if(REPORT_TYPES, value)


def read_case_record(value: bytes) -> Payload | None:
    """A case-topic record's payload if a rebuild with the rates' facts folds its type
    (``REBUILT_TYPES``), else None (raises as above)."""
    return _read_if(REBUILT_TYPES, value)


def _read_if(types: Mapping[str, type[P]], value: bytes) -> P | None:
    """The record's type looked at first; validated only if it is one of ``types``."""
    raw = orjson.loads(value)
    kind = raw.get("type") if isinstance(raw, dict) else None
    model = types.get(kind) if isinstance(kind, str) else None
    return None if model is None else read_data(model, raw)


def read_return_record(value: bytes) -> ScreeningReturnFiledV1 | None:
    """A cycle-topic record's screening return, else None (raises as above)."""
    raw = orjson.loads(value)
    if not isinstance(raw, dict) or raw.get("type") != ScreeningReturnFiledV1.event_type:
        return None
    return read_data(ScreeningReturnFiledV1, raw)


@dataclass
class RebuildCounts:
    """What a rebuild read and folded (``gridcase report rebuild`` prints it)."""

    records: int = 0  # read from both topics
    case_events: int = 0  # folded from the case topic
    returns: int = 0  # screening returns folded from the cycle topic
    unreadable: int = 0  # records the consumers dead-lettered: left out here too
    batches: int = 0
    seconds: float = 0.0
    by_topic: dict[str, int] = field(default_factory=dict)

    @property
    def records_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"records_per_s": round(self.records_per_s)}


@dataclass
class RebuildBatch:
    """One batch's payloads, as the rebuild folds them (``fold_batch``)."""

    events: list[CaseEvent] = field(default_factory=list)
    ratings: list[CaseRatedV1] = field(default_factory=list)
    returns: list[ScreeningReturnFiledV1] = field(default_factory=list)

    def add_case_payload(self, payload: Payload | None) -> None:
        """A case-topic payload from ``read_case_record`` (None: a type not folded)."""
        if isinstance(payload, CaseRatedV1):
            self.ratings.append(payload)
        elif payload is not None:
            self.events.append(cast(CaseEvent, payload))


async def rebuild_report(
    new_uow: Callable[[], UnitOfWork],
    bootstrap: str,
    names: TopicNames,
    *,
    batch: int = REBUILD_BATCH,
    rate_facts: bool = False,
    policies: Mapping[str, ReportPolicy] | None = None,
) -> RebuildCounts:
    """Empty the report tables and fold both topics into them from offset 0 (see the
    module's docstring); with ``rate_facts`` the rates' facts too (the report's
    time-limit columns). ``new_uow`` opens a unit of work on escalation's database."""
    policies = load_policies() if policies is None else policies
    read_case = read_case_record if rate_facts else read_report_record
    counts = RebuildCounts()
    started = time.perf_counter()
    async with new_uow() as held:  # the lock's transaction, open until the end
        await ReportRepository(held.connection).lock_for_rebuild()
        async with new_uow() as uow:
            await ReportRepository(uow.connection).truncate_read_model()
            if rate_facts:
                await RateFactsRepository(uow.connection).truncate()
            await uow.commit()
        case_topic, cycle_topic = names(topics.CASE), names(topics.CYCLE)
        folding: asyncio.Task[None] | None = None
        async for records in _read_to_the_end(bootstrap, [case_topic, cycle_topic], batch):
            parsed = await _parse(records, case_topic, read_case, counts)
            if folding is not None:
                await folding
            folding = asyncio.create_task(fold_batch(new_uow, parsed, policies, rate_facts))
            await asyncio.sleep(0)  # let it send its statement before the next parse
        if folding is not None:
            await folding
        if rate_facts:
            async with new_uow() as uow:
                await refresh_every_case(uow)
                await uow.commit()
        await held.commit()
    counts.seconds = time.perf_counter() - started
    return counts


async def _parse(
    records: Sequence[ConsumerRecord[Any, Any]],
    case_topic: str,
    read_case: Callable[[bytes], Payload | None],
    counts: RebuildCounts,
) -> RebuildBatch:
    out = RebuildBatch()
    for i, record in enumerate(records):
        if i % _PARSE_SLICE == 0:
            await asyncio.sleep(0)  # the fold in flight may have its answer by now
        counts.records += 1
        counts.by_topic[record.topic] = counts.by_topic.get(record.topic, 0) + 1
        try:
            if record.topic == case_topic:
                out.add_case_payload(read_case(record.value))
            else:
                filed = read_return_record(record.value)
                if filed is not None:
                    out.returns.append(filed)
        except (ValueError, ValidationError):  # orjson's and pydantic's errors
            counts.unreadable += 1
    counts.case_events += len(out.events) + len(out.ratings)
    counts.returns += len(out.returns)
    counts.batches += 1
    return out


async def fold_batch(
    new_uow: Callable[[], UnitOfWork],
    parsed: RebuildBatch,
    policies: Mapping[str, ReportPolicy],
    rate_facts: bool = False,
) -> None:
    """One batch folded and committed: the report's cases and counts and the screening
    returns; with ``rate_facts`` the rates' facts and the ratings (their due times and
    areas are copied once, after the last batch: ``rates.refresh_every_case``)."""
    async with new_uow() as uow:
        if rate_facts:
            await merge_rate_facts(uow, parsed.events)
            await apply_ratings(uow, parsed.ratings)
        await monthly_report.apply_case_events(uow, parsed.events, policies)
        for filed in parsed.returns:
            await monthly_report.apply_return_filed(uow, filed, policies)
        await uow.commit()


async def _read_to_the_end(
    bootstrap: str, topic_names: list[str], batch: int
) -> AsyncIterator[list[ConsumerRecord[Any, Any]]]:
    """Every record of ``topic_names`` from offset 0, ``batch`` at most at a time (each
    partition's in order), up to the end each partition had when the reading started
    (the rebuild holds its lock by then: what comes later, the live folds take)."""
    consumer = AIOKafkaConsumer(
        *topic_names,
        bootstrap_servers=bootstrap,
        group_id=None,  # subscribed without a group: every partition is assigned here
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # seek_to_beginning alone can lose to "latest"
        isolation_level="read_committed",
        # Larger fetches than a live consumer's: a rebuild reads whole topics.
        max_partition_fetch_bytes=8 << 20,
        fetch_max_bytes=64 << 20,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + _ASSIGN_TIMEOUT_S
        while {tp.topic for tp in consumer.assignment()} != set(topic_names):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no partitions of {topic_names} within {_ASSIGN_TIMEOUT_S}s")
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while True:
            behind = [tp for tp in partitions if await consumer.position(tp) < ends[tp]]
            if not behind:
                return
            fetched = await consumer.getmany(*behind, timeout_ms=500, max_records=batch)
            records = [r for tp in behind for r in fetched.get(tp, ()) if r.offset < ends[tp]]
            if records:
                yield records
    finally:
        await consumer.stop()
