"""Case-work handlers: one step of a case file per unit of work.

``take_step`` is the one write path: it replays a caller's idempotency key, locks the
case if the caller may work on it, checks the version the caller last saw, lets the
domain take the step, saves the file, writes the timeline and publishes the step's
event (outbox), stores the answer under the key, and commits, all at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.mediation.adapters.case_work_queries import CaseFileRow, TimelineEntry
from services.mediation.adapters.case_work_queries import case_file as read_case_file
from services.mediation.adapters.case_work_queries import timeline as read_timeline
from services.mediation.adapters.case_work_repository import (
    CaseWorkRepository,
    purge_idempotency_keys,
)
from services.mediation.domain import commands, report_commands
from services.mediation.domain.dispute import LABELS_ZH, Dispute, State, StepRefused
from services.mediation.domain.situation_report import REPORT_LABELS_ZH, SituationReport
from shared import audit
from shared.audit import AuditEntry
from shared.auth.roles import SEES_FULL_PERSONAL_DATA
from shared.auth.tokens import Principal
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.mediation import BY_STEP
from shared.privacy.crypto import KeyRing

VIEW_ACTION = "view-personal-data"
# As long as intake keeps its keys: a phone's offline queue is replayed within days.
IDEMPOTENCY_TTL = timedelta(hours=96)


class CaseNotWorkable(Exception):
    """Not a case the caller may work on (or not there): answered as not found."""


class NotADispute(Exception):
    """The case is a situation report; the disputes procedure does not apply."""


class NotAReport(Exception):
    """The case is a dispute; a situation report's steps do not apply."""


class VersionRequired(Exception):
    """The file exists and the request did not say which version it changes."""


class VersionMismatch(Exception):
    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


class KeyReused(Exception):
    """The caller's idempotency key came with another request before."""


class MayNotSeeFull(Exception):
    """The caller's role may not see personal data in full."""


@dataclass(frozen=True)
class Idempotency:
    caller: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, principal: Principal, key: str, method: str, path: str, body: bytes) -> Idempotency:
        digest = hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()
        # A key belongs to its caller: the same key from someone else is another key.
        return cls(f"{principal.role}:{principal.staff_id}", key, digest)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def _etag(version: int) -> str:
    return f'"{version}"'


async def take_step(
    uow: UnitOfWork,
    keys: KeyRing,
    case_id: str,
    command: commands.Command | report_commands.ReportCommand,
    principal: Principal,
    *,
    if_match: int | None,
    idempotency: Idempotency,
    status: int = 200,
    now: datetime | None = None,
) -> Answer:
    repo = CaseWorkRepository(uow.connection, keys)
    stored = await repo.lock_key(idempotency.caller, idempotency.key)
    if stored is not None:
        if stored.request_hash != idempotency.request_hash:
            raise KeyReused(idempotency.key)
        return Answer(stored.status, stored.body, stored.headers, replayed=True)
    case = await repo.case_for_work(case_id, principal)
    if case is None:
        raise CaseNotWorkable(case_id)
    is_report = isinstance(command, report_commands.ReportCommand)
    if case.kind == "report" and not is_report:
        raise NotADispute(case_id)
    if case.kind != "report" and is_report:
        raise NotAReport(case_id)
    existing: Dispute | SituationReport | None = case.report if is_report else case.dispute
    if existing is not None and if_match is None:
        raise VersionRequired(case_id)
    file = existing or (
        SituationReport(case_id, reporter_id=case.reporter_id) if is_report else Dispute(case_id)
    )
    if if_match is not None and if_match != file.version:
        raise VersionMismatch(file.version)
    file.handler_id = case.assignee_id
    if isinstance(file, SituationReport):
        file.unit_code = case.unit_code
    previous = file.state
    now = now or datetime.now(UTC)
    actor = commands.Actor(principal.staff_id, principal.role)
    kind = "report" if is_report else "dispute"
    step = file.take(command, actor, now)  # type: ignore[arg-type]  # matched to its kind above
    await repo.save(file, kind=kind)
    await repo.add_to_timeline(
        case_id, file.version, now, principal, step.name, step.what, step.why
    )
    payload = BY_STEP[step.name].model_validate(
        {
            "case_id": case_id,
            "kind": kind,
            "unit_code": case.unit_code,
            "handler_id": case.assignee_id,
            "step": step.name,
            "state": file.state.value,
            "previous_state": previous.value,
            "actor_id": principal.staff_id,
            "actor_role": principal.role,
            "occurred_at": now,
            "due_at": file.due_at,
            "file_version": file.version,
            **step.facts,
        }
    )
    uow.publish(topics.CASE, case_id, payload)
    label = (
        REPORT_LABELS_ZH[file.state] if isinstance(file, SituationReport) else LABELS_ZH[file.state]
    )
    body = {
        "case_id": case_id,
        "step": step.name,
        "what": step.what,
        "state": file.state.value,
        "state_label": label,
        "version": file.version,
        "due_at": file.due_at.isoformat() if file.due_at else None,
    }
    headers = {"ETag": _etag(file.version)}
    await repo.remember(
        idempotency.caller, idempotency.key, idempotency.request_hash, status, body, headers
    )
    await uow.commit()
    return Answer(status, body, headers)


async def purge_keys(uow: UnitOfWork) -> int:
    """Drop idempotency answers past ``IDEMPOTENCY_TTL`` (run hourly)."""
    purged = await purge_idempotency_keys(uow.connection, IDEMPOTENCY_TTL)
    await uow.commit()
    return purged


async def case_file(
    uow: UnitOfWork, keys: KeyRing, case_id: str, principal: Principal
) -> CaseFileRow | None:
    return await read_case_file(uow.connection, case_id, principal, keys)


async def full_case_file(
    uow: UnitOfWork,
    keys: KeyRing,
    case_id: str,
    principal: Principal,
    *,
    audit_log: Any,
    audit_purges: Any,
    source: str,
) -> CaseFileRow | None:
    """The file with personal data in full, for the people who contact the parties;
    the audit row commits with the read, so nothing is shown without its record."""
    if principal.role not in SEES_FULL_PERSONAL_DATA:
        raise MayNotSeeFull(principal.role)
    row = await read_case_file(uow.connection, case_id, principal, keys)
    if row is None:
        return None
    await audit.append(
        uow.connection,
        audit_log,
        audit_purges,
        AuditEntry(
            actor=principal.staff_id,
            role=principal.role,
            action=VIEW_ACTION,
            object=case_id,
            source=source,
            result="case file in full",
        ),
    )
    await uow.commit()
    return row


async def timeline(
    uow: UnitOfWork, keys: KeyRing, case_id: str, principal: Principal
) -> list[TimelineEntry] | None:
    return await read_timeline(uow.connection, case_id, principal, keys)


__all__ = [
    "Answer",
    "CaseNotWorkable",
    "Idempotency",
    "KeyReused",
    "MayNotSeeFull",
    "NotADispute",
    "NotAReport",
    "State",
    "StepRefused",
    "VersionMismatch",
    "VersionRequired",
    "take_step",
]
