"""The audit line of a staff command on extensions, pauses and supervision, in the
command's transaction (the same chain as time-limit changes)."""

from __future__ import annotations

from services.escalation.adapters.tables import TABLES
from shared import audit
from shared.audit import AuditEntry
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork


async def audit_command(
    uow: UnitOfWork, principal: Principal, action: str, obj: str, result: str
) -> None:
    await audit.append(
        uow.connection,
        TABLES.audit_log,
        TABLES.audit_purges,
        AuditEntry(
            actor=principal.staff_id,
            role=principal.role,
            action=action,
            object=obj,
            source="escalation-api",
            result=result,
        ),
    )
