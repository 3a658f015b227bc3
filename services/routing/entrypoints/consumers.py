"""Routing's event consumers: they translate events and call handlers."""

from __future__ import annotations

from services.routing.service_layer import handlers
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.events.mediation import MediatorRefusedV1
from shared.runtime import ConsumerSpec, ServiceRuntime

# A case waits up to this long for others to be routed with it: under load, a
# transaction and an offset commit for many cases instead of one for every few.
ROUTING_GATHER_MS = 20


def routing_cache(runtime: ServiceRuntime) -> handlers.RoutingCache:
    """The process's registry/policy cache (one per runtime, shared by consumers and routes)."""
    cache = runtime.state.get("routing_cache")
    if cache is None:
        cache = runtime.state["routing_cache"] = handlers.RoutingCache()
    return cache


def case_consumer(runtime: ServiceRuntime) -> ConsumerSpec:
    async def on_submitted_batch(uow: UnitOfWork, events: list[CloudEvent]) -> None:
        await handlers.assign_submitted_cases(uow, events, routing_cache(runtime))

    async def on_handler_refused(uow: UnitOfWork, event: CloudEvent) -> None:
        # Read what this version knows: a field a newer mediation adds is not an error.
        known = {k: v for k, v in event.data.items() if k in MediatorRefusedV1.model_fields}
        refused = MediatorRefusedV1.model_validate(known)
        await handlers.replace_refused_handler(uow, routing_cache(runtime), refused)

    return ConsumerSpec(
        name="case-router",
        topics=[topics.CASE],
        handlers={MediatorRefusedV1.event_type: on_handler_refused},
        batch_handlers={CaseSubmittedV1.event_type: on_submitted_batch},
        gather_ms=ROUTING_GATHER_MS,
    )
