"""Actions on a case beside its procedure's steps: a note (备注) on the timeline, and a
handover within the committee (委员会内转交) that routing applies.

Each is one unit of work like ``take_step``: the caller's idempotency key is replayed,
the case is locked if the caller may work on it (``may_work``: disputes and reports
alike), the timeline is written and the event queued in the outbox, and the answer is
stored under the key, all in one commit. The bulk form calls these same handlers once
per case, so a refusal of one case never stops the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.mediation.adapters.case_work_repository import CaseForWork, CaseWorkRepository
from services.mediation.domain.case_notes import (
    HANDOVER_STEP,
    NOTE_STEP,
    check_handover,
    note_text,
)
from services.mediation.service_layer.case_work import (
    Answer,
    CaseNotWorkable,
    Idempotency,
    KeyReused,
)
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.mediation import CaseHandedToColleagueV1, CaseNoteAddedV1
from shared.privacy.crypto import KeyRing


async def _begin(
    repo: CaseWorkRepository, case_id: str, principal: Principal, idempotency: Idempotency
) -> CaseForWork | Answer:
    stored = await repo.lock_key(idempotency.caller, idempotency.key)
    if stored is not None:
        if stored.request_hash != idempotency.request_hash:
            raise KeyReused(idempotency.key)
        return Answer(stored.status, stored.body, stored.headers, replayed=True)
    case = await repo.case_for_work(case_id, principal)
    if case is None:
        raise CaseNotWorkable(case_id)
    return case


def _version(case: CaseForWork) -> int:
    """The file's version the entry belongs to (0: the file is not opened yet)."""
    file = case.report or case.dispute
    return file.version if file is not None else 0


async def _finish(
    uow: UnitOfWork, repo: CaseWorkRepository, idempotency: Idempotency, body: dict[str, Any]
) -> Answer:
    await repo.remember(
        idempotency.caller, idempotency.key, idempotency.request_hash, 200, body, {}
    )
    await uow.commit()
    return Answer(200, dict(body))


async def add_note(
    uow: UnitOfWork,
    keys: KeyRing,
    case_id: str,
    text: str,
    principal: Principal,
    *,
    idempotency: Idempotency,
    now: datetime | None = None,
) -> Answer:
    """备注: the text is kept encrypted in the timeline (shown masked to readers without
    a full view, like every reason); the event carries no text."""
    kept = note_text(text)
    repo = CaseWorkRepository(uow.connection, keys)
    case = await _begin(repo, case_id, principal, idempotency)
    if isinstance(case, Answer):
        return case
    now = now or datetime.now(UTC)
    await repo.add_to_timeline(case_id, _version(case), now, principal, NOTE_STEP, "添加备注", kept)
    uow.publish(
        topics.CASE,
        case_id,
        CaseNoteAddedV1(
            case_id=case_id,
            kind="report" if case.kind == "report" else "dispute",
            unit_code=case.unit_code,
            handler_id=case.assignee_id,
            actor_id=principal.staff_id,
            actor_role=principal.role,
            occurred_at=now,
        ),
    )
    return await _finish(uow, repo, idempotency, {"case_id": case_id, "step": NOTE_STEP})


async def hand_to_colleague(
    uow: UnitOfWork,
    keys: KeyRing,
    case_id: str,
    to_staff_id: str,
    principal: Principal,
    *,
    idempotency: Idempotency,
    now: datetime | None = None,
) -> Answer:
    """委员会内转交: record the request and ask routing (an event, never a call) to give
    the case to the named colleague; the list and the page show the new handler when
    routing's ``case.assigned`` arrives."""
    repo = CaseWorkRepository(uow.connection, keys)
    case = await _begin(repo, case_id, principal, idempotency)
    if isinstance(case, Answer):
        return case
    file = case.report or case.dispute
    unit_code = case.unit_code or ""
    name = await repo.known_colleague(unit_code, to_staff_id) if unit_code else None
    check_handover(
        to_staff_id=to_staff_id,
        handler_id=case.assignee_id,
        known_colleague=name is not None,
        excluded=file is not None and to_staff_id in file.excluded,
    )
    now = now or datetime.now(UTC)
    what = f"委员会内转交给 {name}"
    await repo.add_to_timeline(case_id, _version(case), now, principal, HANDOVER_STEP, what, None)
    uow.publish(
        topics.CASE,
        case_id,
        CaseHandedToColleagueV1(
            case_id=case_id,
            kind="report" if case.kind == "report" else "dispute",
            unit_code=unit_code,
            from_handler_id=case.assignee_id,
            to_staff_id=to_staff_id,
            actor_id=principal.staff_id,
            actor_role=principal.role,
            occurred_at=now,
        ),
    )
    body = {"case_id": case_id, "step": HANDOVER_STEP, "what": what, "to_staff_id": to_staff_id}
    return await _finish(uow, repo, idempotency, body)
