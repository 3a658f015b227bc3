"""Escalation up the tree on a red card (DOMAIN.md "Time limits and supervision"):
the district's policy (``domain/escalation_policy.json``) says which stages' red cards
send the case one level up, and how far at most. Decided inside the red card's own
unit of work (``cards.fire``), so ``case-escalated`` is in the outbox exactly when the
red card is: once across replicas, restarts and a kill -9. Routing assigns the
receiving unit's person; the first receiver stays responsible (首接负责).
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

from services.escalation.adapters.repository import ClockRow
from services.escalation.domain import escalation_policy
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import CaseEscalatedV1
from shared.logging import get_logger

log = get_logger(__name__)

# escalation_id = uuid5(namespace, clock id): one red card, one escalation, the same id
# however often it is computed.
_NAMESPACE = uuid.UUID("0f1d6c2a-5e3b-4b7a-9c8d-2e1f0a3b4c5d")


@functools.cache
def policies() -> dict[str, escalation_policy.DistrictPolicy]:
    return escalation_policy.load()


async def escalate_on_red_card(uow: UnitOfWork, clock: ClockRow, now: datetime) -> bool:
    """Publish ``case-escalated`` if the district's policy sends this red card up and
    the unit has a parent; whether it did."""
    policy = escalation_policy.policy_for(policies(), clock.unit_code)
    target = policy.on_red_card(clock.stage, clock.unit_code)
    if target is None:
        return False
    escalated = CaseEscalatedV1.model_validate(
        {
            "escalation_id": str(uuid.uuid5(_NAMESPACE, clock.clock_id)),
            "case_id": clock.case_id,
            "reason": "red_card",
            "from_unit_code": target.from_unit_code,
            "from_level": target.from_level,
            "to_unit_code": target.to_unit_code,
            "to_level": target.to_level,
            "first_receiver_id": clock.handler_id,
            "stage": clock.stage,
            "clock_id": clock.clock_id,
            "policy_version": policy.version,
            "escalated_at": now,
        }
    )
    uow.publish(topics.CYCLE, clock.case_id, escalated)
    log.info(
        "case_escalated",
        case_id=clock.case_id,
        stage=clock.stage,
        to_level=target.to_level,
        policy=policy.district,
    )
    return True
