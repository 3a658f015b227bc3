"""A district operator changes a time limit: validated, versioned, audited, idempotent.

A change applies to clocks opened afterwards: each clock keeps the numbers it opened
with (``domain/limits.py``), so no running clock moves when a limit does.
"""

from __future__ import annotations

from services.escalation.adapters.limits import LimitRepository, limit_data
from services.escalation.adapters.tables import TABLES
from services.escalation.domain.limits import LimitInvalid, LimitKey, check_key, validate_limit
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    check_version,
    remember,
    replayed,
)
from shared import audit
from shared.audit import AuditEntry
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork

CHANGE_ACTION = "time_limit.change"


def limit_body(key: LimitKey, data: dict[str, object], version: int) -> dict[str, object]:
    return {
        "category": key.category,
        "level": key.level,
        "risk": key.risk,
        "stage": key.stage,
        **data,
        "version": version,
    }


async def put_limit(
    uow: UnitOfWork,
    key: LimitKey,
    raw: dict[str, object],
    principal: Principal,
    *,
    if_match: int | None,
    idempotency: Idempotency,
    note: str | None = None,
) -> Answer:
    problems = check_key(key)
    try:
        limit = validate_limit(raw)
    except LimitInvalid as exc:
        problems += exc.problems
    if problems:
        raise LimitInvalid(problems)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = LimitRepository(uow.connection)
    before = await repo.lock(key)
    check_version(before.version if before is not None else None, if_match)
    version = await repo.put(
        key, limit, before=before, actor_id=principal.staff_id, actor_role=principal.role, note=note
    )
    await audit.append(
        uow.connection,
        TABLES.audit_log,
        TABLES.audit_purges,
        AuditEntry(
            actor=principal.staff_id,
            role=principal.role,
            action=CHANGE_ACTION,
            object=key.label(),
            source="escalation-api",
            result=f"version {version}",
        ),
    )
    answer = Answer(
        200 if before is not None else 201,
        limit_body(key, limit_data(limit), version),
        {"ETag": f'"{version}"'},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer
