"""Routing-policy handlers: read the rules in force, publish a new version."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.routing.adapters.repository import RoutingRepository
from services.routing.domain.policy import Policy, parse_rules
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.routing import RoutingPolicyChangedV1

POLICY_KEY = "routing-policy"


async def current_policy(uow: UnitOfWork) -> Policy:
    return await RoutingRepository(uow.connection).current_policy()


async def publish_policy(uow: UnitOfWork, rules: list[Any], note: str | None) -> Policy:
    """Store ``rules`` as the next version (``PolicyInvalid`` if they do not parse).

    Old versions stay: every stored decision names the version it was made under.
    """
    parse_rules(rules)  # raises PolicyInvalid naming every problem
    repo = RoutingRepository(uow.connection)
    version = await repo.add_policy(rules, note)
    uow.publish(
        topics.REGISTRY,
        POLICY_KEY,
        RoutingPolicyChangedV1(
            version=version, rules=rules, note=note, changed_at=datetime.now(UTC)
        ),
    )
    await uow.commit()
    return parse_rules(rules, version)
