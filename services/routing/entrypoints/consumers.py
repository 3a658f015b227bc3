"""Routing's event consumers: they translate events and call handlers."""

from __future__ import annotations

from services.routing.service_layer import handlers
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmittedV1
from shared.runtime import ConsumerSpec, ServiceRuntime


def case_consumer(runtime: ServiceRuntime) -> ConsumerSpec:
    async def on_submitted(uow: UnitOfWork, event: CloudEvent) -> None:
        registry = runtime.state.get("registry")
        if registry is None:
            registry = await handlers.load_registry(uow)
            runtime.state["registry"] = registry
        await handlers.assign_submitted_case(uow, event, registry)

    return ConsumerSpec(
        name="case-router",
        topics=[topics.CASE],
        handlers={CaseSubmittedV1.event_type: on_submitted},
    )
