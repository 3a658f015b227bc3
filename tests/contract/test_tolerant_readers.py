"""Every consumer applies events of a newer producer: unknown fields are ignored.

For each consumer every service really runs, and each event type it handles (read from
the running runtimes' consumer specs, not written out here), the type's published
example goes through real Kafka with an unknown field added to every object of its
payload and an unknown CloudEvents extension attribute. The consumer must apply it: the
event is in its inbox, a row of its service about the event's key changed, and nothing
reached a dead-letter topic.

Intake runs throughout, since it is where cases come from; each other service runs
alone beside it, so the events it receives are only the ones the test sends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from gridcase.services import SERVICES
from shared.events.catalog import all_payloads, topic_of
from shared.events.envelope import CloudEvent
from shared.events.payload import Payload
from shared.messaging.relay import build_producer
from shared.runtime import ServiceRuntime
from tests.harness import Stack, demo_point

pytestmark = pytest.mark.integration

UNKNOWN_FIELD = "x_added_by_a_newer_producer"
UNKNOWN_EXTENSION = "xnewerextension"  # CloudEvents: lower-case alphanumerics
PAYLOADS = {p.event_type: p for p in all_payloads()}
# Tables whose rows are not a consumer's effect: what it has seen, what it will send, and
# access records written in the background.
NOT_EFFECTS = ("inbox", "outbox", "audit_log", "audit_purges", "alembic_version")


def newer(node: Any) -> Any:
    """``node`` as a newer producer might send it: an unknown member in every object."""
    if isinstance(node, dict):
        return {**{k: newer(v) for k, v in node.items()}, UNKNOWN_FIELD: {"since": "v1.1"}}
    if isinstance(node, list):
        return [newer(item) for item in node]
    return node


@dataclass
class DeadLetters:
    """Everything that reaches any dead-letter topic while the test runs."""

    stack: Stack
    records: list[dict[str, Any]] = field(default_factory=list)

    async def watch(self) -> None:
        topics = [t for t in self.stack.topics.all_with_dead_letters() if t.endswith(".dlq")]
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=self.stack.settings.kafka_servers(),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=200)
                for record in (r for rs in batches.values() for r in rs):
                    headers = {k: v.decode() for k, v in record.headers}
                    self.records.append(
                        {
                            "id": orjson.loads(record.value).get("id"),
                            "consumer": headers.get("gridcase-consumer"),
                            "error": headers.get("gridcase-error", "")[:300],
                        }
                    )
        finally:
            await consumer.stop()

    def of(self, consumer: str, event_id: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["id"] == event_id and r["consumer"] == consumer]


@contextlib.asynccontextmanager
async def dead_letters(stack: Stack) -> AsyncIterator[DeadLetters]:
    watcher = DeadLetters(stack)
    task = asyncio.create_task(watcher.watch())
    try:
        yield watcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Sender:
    """Publishes events the way a producer's relay does (structured CloudEvents)."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.producer = build_producer(stack.settings.kafka_servers())

    async def send(self, payload: type[Payload], data: dict[str, Any], *, newer: bool) -> str:
        key = (
            data.get("case_id")
            or data.get("task_id")
            or data.get("code")
            or data.get("staff_id")
            or "policy"
        )
        envelope = CloudEvent(
            source=f"/gridcase/{payload.producer}",
            type=payload.event_type,
            partitionkey=key,
            correlationid=str(uuid.uuid4()),
            data=data,
        ).model_dump(mode="json", exclude_none=True)
        if newer:
            envelope[UNKNOWN_EXTENSION] = "an attribute this reader does not know"
        await self.producer.send_and_wait(
            self.stack.topics(topic_of(payload)),
            value=orjson.dumps(envelope),
            key=key.encode(),
            headers=[("content-type", b"application/cloudevents+json; charset=utf-8")],
        )
        return str(envelope["id"])


@dataclass
class Prepared:
    """The event to send, and the earlier events of its story the consumer must have
    applied first (so that its own effect is visible and not a no-op)."""

    data: dict[str, Any]
    earlier: list[tuple[str, str]] = field(default_factory=list)  # (event type, id)


def fresh(payload: type[Payload]) -> dict[str, Any]:
    """The type's example about a new case, unit or person."""
    data = payload.example_data()
    for name in ("case_id", "assignment_id", "report_id", "task_id"):
        if name in data:
            data[name] = str(uuid.uuid4())
    if "case_number" in data:
        data["case_number"] = f"GC20261202{uuid.uuid4().int % 10**7:07d}"
    if "code" in data:
        data["code"] = f"451102001{uuid.uuid4().int % 10**6:06d}"
    if "staff_id" in data:
        data["staff_id"] = f"go-{uuid.uuid4().hex[:8]}"
    if "location" in data:
        data["location"] = data["original_location"] = demo_point(uuid.uuid4().int)
    if payload.event_type.startswith("cn.gridcase.cycle.monthly-report-"):
        # A report is keyed by its unit and month: a new community's, heard first.
        data["unit_code"] = f"451102{uuid.uuid4().int % 10**6:06d}"
    return data


async def case_accepted_by_intake(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``case.assigned`` follows a case intake accepted (intake keeps the assignee)."""
    response = await stack.client("intake", "district_operator").post(
        "/reports",
        json={
            "category": "市容环境",
            "title": "垃圾堆放",
            "description": "小区门口垃圾三天未清运",
            # An address, not a point: the registry events sent before may have changed
            # intake's serving area.
            "address": "八步区示范社区 3 栋门口",
        },
    )
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    rows = await stack.sql(
        "SELECT event_id, type FROM intake.outbox WHERE key = $1 ORDER BY id", case_id
    )
    return Prepared({**data, "case_id": case_id}, [(r["type"], r["event_id"]) for r in rows])


async def unit_known(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``unit-removed`` removes a unit the reader has."""
    upserted = PAYLOADS["cn.gridcase.registry.unit-upserted.v1"]
    unit = {**upserted.example_data(), "code": data["code"]}
    event_id = await sender.send(upserted, unit, newer=False)
    return Prepared(data, [(upserted.event_type, event_id)])


async def staff_known(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``staff-removed`` removes a person the reader has (mediation's staff directory)."""
    upserted = PAYLOADS["cn.gridcase.registry.staff-upserted.v1"]
    member = {**upserted.example_data(), "staff_id": data["staff_id"]}
    event_id = await sender.send(upserted, member, newer=False)
    return Prepared(data, [(upserted.event_type, event_id)])


async def case_routed_to_someone(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``mediator-refused`` names the person routing assigned the case to."""
    accepted = await case_accepted_by_intake(stack, sender, data)
    case_id = accepted.data["case_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = await stack.sql(
            "SELECT assignee_id FROM routing.assignments "
            "WHERE case_id = $1 AND assignee_id IS NOT NULL ORDER BY assigned_at DESC LIMIT 1",
            case_id,
        )
        if rows:
            return Prepared({**accepted.data, "staff_id": rows[0]["assignee_id"]}, [])
        await asyncio.sleep(0.1)
    raise AssertionError(f"routing did not assign {case_id} in 30 s")


async def report_held_by_someone(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``report-handed-over`` names the person holding the report and a unit that
    exists (none: routing chooses)."""
    routed = await case_routed_to_someone(stack, sender, data)
    holder = routed.data.pop("staff_id")
    return Prepared(
        {**routed.data, "from_handler_id": holder, "to_unit_code": None}, routed.earlier
    )


async def case_assigned_by_a_meeting(
    stack: Stack, sender: Sender, data: dict[str, Any]
) -> Prepared:
    """A street meeting's ``assign`` names someone of the street other than the holder."""
    routed = await case_routed_to_someone(stack, sender, data)
    holder = routed.data.pop("staff_id")
    other = next(s for s in ("go-001", "go-002") if s != holder)
    return Prepared(
        {**routed.data, "action": "assign", "assignee_id": other, "meeting_unit_code": "451102001"},
        routed.earlier,
    )


async def case_held_below_the_top(stack: Stack, sender: Sender, data: dict[str, Any]) -> Prepared:
    """A ``case-escalated`` moves a case routing holds at a grid up to its community:
    the case (routed by its address to the district) is handed down (交办) to a grid."""
    routed = await case_routed_to_someone(stack, sender, data)
    case_id = routed.data["case_id"]
    grid = "451102001001002"  # the seeded demo's grid of go-002
    response = await stack.client("routing", "admin").post(
        f"/cases/{case_id}/routing/hand-down",
        json={"to_unit_code": grid, "reason": "交办"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    return Prepared(
        {
            **data,
            "case_id": case_id,
            "from_unit_code": grid,
            "from_level": "grid",
            "to_unit_code": grid[:-3],
            "to_level": "community",
        },
        routed.earlier,
    )


async def case_held_with_a_colleague_at_hand(
    stack: Stack, sender: Sender, data: dict[str, Any]
) -> Prepared:
    """A ``handed-to-colleague`` names the holder of a report at a grid and another
    grid officer of the same grid (委员会内转交 stays in the unit)."""
    routed = await case_routed_to_someone(stack, sender, data)
    case_id = routed.data["case_id"]
    grid = "451102001001002"  # the seeded demo's grid of go-002
    response = await stack.client("routing", "admin").post(
        f"/cases/{case_id}/routing/hand-down",
        json={"to_unit_code": grid, "reason": "交办"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    colleague = f"go-{uuid.uuid4().hex[:8]}"
    response = await stack.client("routing", "admin").put(
        f"/admin/registry/staff/{colleague}",
        json={"name": "钱网格", "role": "grid_officer", "unit_code": grid, "capacity": 10},
    )
    assert response.status_code == 200, response.text
    [held] = await stack.sql(
        "SELECT assignee_id FROM routing.assignments WHERE case_id = $1 AND active", case_id
    )
    return Prepared(
        {
            **data,
            "case_id": case_id,
            "kind": "report",
            "unit_code": grid,
            "from_handler_id": held["assignee_id"],
            "to_staff_id": colleague,
        },
        routed.earlier,
    )


Story = Callable[[Stack, Sender, dict[str, Any]], Awaitable[Prepared]]
STORIES: dict[str, Story] = {
    "cn.gridcase.case.assigned.v1": case_accepted_by_intake,
    "cn.gridcase.case.mediator-refused.v1": case_routed_to_someone,
    "cn.gridcase.case.report-handed-over.v1": report_held_by_someone,
    "cn.gridcase.registry.unit-removed.v1": unit_known,
    "cn.gridcase.registry.staff-removed.v1": staff_known,
    "cn.gridcase.cycle.meeting-decision-recorded.v1": case_assigned_by_a_meeting,
    "cn.gridcase.cycle.case-escalated.v1": case_held_below_the_top,
    "cn.gridcase.case.handed-to-colleague.v1": case_held_with_a_colleague_at_hand,
}
# These stories need routing running (it assigns the case first): they are told to
# routing's consumers; any other reader (intake's case progress) takes the example as
# it is, since it keeps progress for any case id.
NEEDS_ROUTING = {
    case_routed_to_someone,
    report_held_by_someone,
    case_assigned_by_a_meeting,
    case_held_below_the_top,
    case_held_with_a_colleague_at_hand,
}


async def _in_inbox(
    stack: Stack, runtime: ServiceRuntime[Any], consumer: str, event_id: str
) -> bool:
    rows = await stack.sql(
        f"SELECT 1 FROM {runtime.tables.schema}.inbox WHERE consumer = $1 AND event_id = $2",  # noqa: S608 - a schema name from code
        consumer,
        event_id,
    )
    return bool(rows)


async def applied(
    stack: Stack,
    runtime: ServiceRuntime[Any],
    consumer: str,
    event_id: str,
    watcher: DeadLetters,
    timeout: float = 30.0,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await _in_inbox(stack, runtime, consumer, event_id):
            return
        refused = watcher.of(consumer, event_id)
        if refused:
            raise AssertionError(f"{runtime.name}/{consumer} dead-lettered it: {refused}")
        await asyncio.sleep(0.1)
    raise AssertionError(f"{runtime.name}/{consumer} did not apply {event_id} in {timeout}s")


async def rows_about(stack: Stack, runtime: ServiceRuntime[Any], key: str) -> list[str]:
    """Every row of the service's own tables that mentions ``key``, as text."""
    schema = runtime.tables.schema
    tables = await stack.sql(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = $1 AND table_type = 'BASE TABLE' "
        "AND NOT (table_name = ANY($2::text[]))",
        schema,
        list(NOT_EFFECTS),
    )
    found: list[str] = []
    for table in tables:
        name = table["table_name"]
        rows = await stack.sql(
            f'SELECT t::text AS row FROM {schema}."{name}" t WHERE strpos(t::text, $1) > 0',  # noqa: S608 - names from the catalog
            key,
        )
        found.extend(f"{name}: {r['row']}" for r in rows)
    return sorted(found)


async def check_applied(
    stack: Stack,
    sender: Sender,
    watcher: DeadLetters,
    runtime: ServiceRuntime[Any],
    consumer: str,
    event_type: str,
) -> None:
    """Send ``event_type`` as a newer producer would; ``consumer`` must apply it."""
    assert event_type in PAYLOADS, f"{event_type} is not a published event"
    payload = PAYLOADS[event_type]
    story = STORIES.get(event_type)
    if story in NEEDS_ROUTING and runtime.name != "routing":
        story = None
    data = fresh(payload)
    prepared = await story(stack, sender, data) if story else Prepared(data)
    for earlier_type, earlier_id in prepared.earlier:
        for reader, handled in handled_types(runtime):
            if handled == earlier_type:
                await applied(stack, runtime, reader, earlier_id, watcher)
    key = (
        prepared.data.get("case_id")
        or prepared.data.get("task_id")
        or prepared.data.get("code")
        or prepared.data.get("staff_id")
        or prepared.data.get("unit_code")
    )
    assert isinstance(key, str)
    before = await rows_about(stack, runtime, key)
    event_id = await sender.send(payload, newer(prepared.data), newer=True)
    await applied(stack, runtime, consumer, event_id, watcher)
    assert await rows_about(stack, runtime, key) != before, "applied, but nothing changed"


def handled_types(runtime: ServiceRuntime[Any]) -> list[tuple[str, str]]:
    """(consumer, event type) for every consumer the running service has."""
    running = {consumer.name for consumer in runtime.consumers}
    pairs: list[tuple[str, str]] = []
    for spec in runtime.consumer_specs:
        assert spec.name in running, f"{runtime.name}/{spec.name} is not running"
        pairs.extend((spec.name, t) for t in sorted({*spec.handlers, *spec.batch_handlers}))
    return pairs


async def test_every_consumer_applies_events_with_fields_it_does_not_know(stack: Stack) -> None:
    sender = Sender(stack)
    await sender.producer.start()
    checked: list[str] = []
    failures: list[str] = []
    try:
        async with dead_letters(stack) as watcher:
            await stack.start("intake")
            for service in SERVICES:
                if service.name != "intake":
                    await stack.start(service.name)
                runtime = stack.runtime(service.name)
                await stack.wait_until_consuming()
                for consumer, event_type in handled_types(runtime):
                    label = f"{service.name}/{consumer} {event_type}"
                    try:
                        await check_applied(stack, sender, watcher, runtime, consumer, event_type)
                    except AssertionError as exc:
                        failures.append(f"{label}: {exc}")
                    else:
                        checked.append(label)
                if service.name != "intake":
                    await stack.stop(service.name)
            await asyncio.sleep(1.0)  # a late dead letter would still show
            dead = list(watcher.records)
    finally:
        await sender.producer.stop()
    print("applied with unknown fields:", *checked, sep="\n  ")
    assert failures == [], "\n".join(failures)
    assert dead == []
    assert len(checked) >= 8  # every consumer of intake, routing, mediation, escalation
