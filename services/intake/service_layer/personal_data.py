"""Dispute parties as staff see them: masked for every reader, in full for the roles
that contact the parties, and each full view audited in the transaction of the read.
The full view also carries the case's free text unmasked.

Stored parties hold their ID number, phone and address encrypted (``KeyRing``); the
masked view decrypts only to mask, so a masked answer never carries a full value.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.intake.adapters import queries
from services.intake.domain.identity_numbers import mask_id_number
from services.intake.domain.masking import mask_address, mask_name
from services.intake.domain.phones import mask_phone
from shared import audit
from shared.audit import AuditEntry
from shared.auth.roles import SEES_FULL_PERSONAL_DATA
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.privacy.crypto import KeyRing

VIEW_ACTION = "view-personal-data"
_SEALED = ("id_number", "phone", "address")


def _opened(party: dict[str, Any], keys: KeyRing) -> dict[str, Any]:
    out = {"role": party.get("role"), "name": party.get("name")}
    for field in _SEALED:
        value = party.get(field)
        out[field] = keys.decrypt(f"party.{field}", value) if value else None
    return out


def full_parties(stored: Iterable[dict[str, Any]], keys: KeyRing) -> list[dict[str, Any]]:
    """The parties decrypted: role, name, ID number, phone, address."""
    return [_opened(p, keys) for p in stored]


def masked_parties(stored: Iterable[dict[str, Any]], keys: KeyRing) -> list[dict[str, Any]]:
    """The parties as any reader of the case may see them."""
    masked = []
    for party in full_parties(stored, keys):
        masked.append(
            {
                "role": party["role"],
                "name": mask_name(party["name"]) if party["name"] else None,
                "id_number": mask_id_number(party["id_number"]) if party["id_number"] else None,
                "phone": mask_phone(party["phone"]) if party["phone"] else None,
                "address": mask_address(party["address"]) if party["address"] else None,
            }
        )
    return masked


class MayNotSeeFull(Exception):
    """The caller's role may not see personal data in full."""


async def view_full_parties(
    uow: UnitOfWork,
    case_id: str,
    principal: Principal,
    keys: KeyRing,
    *,
    audit_log: Any,  # the service's audit tables, handed through to ``shared.audit``
    audit_purges: Any,
    source: str,
) -> dict[str, Any] | None:
    """The case's parties in full, or None if the case is outside ``principal``'s
    jurisdiction. The audit row commits with the read: if it cannot be written, nothing
    is shown."""
    if principal.role not in SEES_FULL_PERSONAL_DATA:
        raise MayNotSeeFull(principal.role)
    conn = uow.connection
    row = await queries.parties_and_text(conn, case_id, principal)
    if row is None:
        return None
    parties = full_parties(row.parties or [], keys)
    await audit.append(
        conn,
        audit_log,
        audit_purges,
        AuditEntry(
            actor=principal.staff_id,
            role=principal.role,
            action=VIEW_ACTION,
            object=case_id,
            source=source,
            result=f"shown {len(parties)} parties",
        ),
    )
    await uow.commit()
    return {
        "case_id": row.case_id,
        "case_number": row.case_number,
        "parties": parties,
        # The free text unmasked: it may hold the phone and ID numbers masked elsewhere.
        "title": row.title,
        "description": row.description,
        "facts": row.facts,
    }
