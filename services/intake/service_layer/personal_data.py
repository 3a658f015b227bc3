"""Dispute parties as staff see them: masked for every reader, in full for the roles
that contact the parties, and each full view audited in the transaction of the read.
The full view also carries the case's free text unmasked.

Stored parties hold their ID number, phone and address encrypted (``KeyRing``); the
masked view decrypts only to mask, so a masked answer never carries a full value.

A value that cannot be decrypted (its key id is no longer in ``GRIDCASE_PII_KEYS``, or
it fails authentication) does not fail the case: the field reads ``null``, the party
lists it under ``unavailable``, and an operational error is logged with the case id,
field and key id only. A mediator still sees the case, the other parties and the other
fields, and knows which values to ask the parties for again.
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
from shared.logging import get_logger
from shared.privacy.crypto import KeyRing, PersonalDataKeyError

log = get_logger(__name__)

VIEW_ACTION = "view-personal-data"
_SEALED = ("id_number", "phone", "address")
UNAVAILABLE = "unavailable"


def _opened(party: dict[str, Any], keys: KeyRing, case_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"role": party.get("role"), "name": party.get("name")}
    unavailable: list[str] = []
    for field in _SEALED:
        value = party.get(field)
        if not value:
            out[field] = None
            continue
        try:
            out[field] = keys.decrypt(f"party.{field}", value)
        except PersonalDataKeyError as exc:
            out[field] = None
            unavailable.append(field)
            # The error names the field and key id, never the value.
            log.error(
                "personal_data_unavailable",
                case_id=case_id,
                field=f"party.{field}",
                key_id=KeyRing.key_id(value),
                reason=str(exc),
            )
    if unavailable:
        out[UNAVAILABLE] = unavailable
    return out


def full_parties(
    stored: Iterable[dict[str, Any]], keys: KeyRing, case_id: str
) -> list[dict[str, Any]]:
    """The parties decrypted: role, name, ID number, phone, address (and the fields
    that could not be decrypted, if any, under ``unavailable``)."""
    return [_opened(p, keys, case_id) for p in stored]


def masked_parties(
    stored: Iterable[dict[str, Any]], keys: KeyRing, case_id: str
) -> list[dict[str, Any]]:
    """The parties as any reader of the case may see them."""
    masked = []
    for party in full_parties(stored, keys, case_id):
        view = {
            "role": party["role"],
            "name": mask_name(party["name"]) if party["name"] else None,
            "id_number": mask_id_number(party["id_number"]) if party["id_number"] else None,
            "phone": mask_phone(party["phone"]) if party["phone"] else None,
            "address": mask_address(party["address"]) if party["address"] else None,
        }
        if UNAVAILABLE in party:
            view[UNAVAILABLE] = party[UNAVAILABLE]
        masked.append(view)
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
    parties = full_parties(row.parties or [], keys, case_id)
    missing = sum(len(p.get(UNAVAILABLE, ())) for p in parties)
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
            result=f"shown {len(parties)} parties"
            + (f", {missing} values unavailable" if missing else ""),
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
