"""Writes of case work: the case file locked for a step and saved after it, the
timeline, and the answers of idempotent writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import any_, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters import case_deadlines, case_file_codec
from services.mediation.adapters.case_work_access import may_work
from services.mediation.adapters.case_work_tables import case_files, case_timeline, idempotency_keys
from services.mediation.adapters.staff_directory import staff_directory
from services.mediation.adapters.tables import cases
from services.mediation.domain.agenda import next_action
from services.mediation.domain.dispute import Dispute
from services.mediation.domain.situation_report import SituationReport
from shared.auth.tokens import Principal
from shared.privacy.crypto import KeyRing


@dataclass
class CaseForWork:
    case_id: str
    kind: str | None
    unit_code: str | None
    assignee_id: str | None
    dispute: Dispute | None  # None until the first step opens the file
    reporter_id: str | None = None
    report: SituationReport | None = None  # a situation report's file, likewise


@dataclass(frozen=True)
class StoredAnswer:
    request_hash: str
    status: int
    body: Any
    headers: dict[str, str]


class CaseWorkRepository:
    def __init__(self, conn: AsyncConnection, keys: KeyRing):
        self.conn = conn
        self.keys = keys

    async def lock_key(self, caller: str, key: str) -> StoredAnswer | None:
        """Serialise requests that share a caller's key (a phone retrying while the first
        try still runs waits here) and answer what the first one stored, if any."""
        await self.conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"mediation-idem:{caller}:{key}"},
        )
        row = (
            await self.conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
                )
            )
        ).first()
        if row is None:
            return None
        return StoredAnswer(row.request_hash, row.status, row.body, dict(row.headers))

    async def remember(
        self,
        caller: str,
        key: str,
        request_hash: str,
        status: int,
        body: Any,
        headers: dict[str, str],
    ) -> None:
        await self.conn.execute(
            insert(idempotency_keys).values(
                caller=caller,
                key=key,
                request_hash=request_hash,
                status=status,
                body=body,
                headers=headers,
            )
        )

    async def case_for_work(self, case_id: str, principal: Principal) -> CaseForWork | None:
        """The case and its file, locked, if ``principal`` may work on it.

        Two statements on purpose: the case row is locked first, and the file is read
        after the lock is held. In one joined statement a request that waited for the
        lock would get the file as it was before the other request committed (only the
        locked table's row is re-read), and two edits of one version would both pass.
        """
        row = (
            await self.conn.execute(
                select(
                    cases.c.case_id,
                    cases.c.kind,
                    cases.c.unit_code,
                    cases.c.assignee_id,
                    cases.c.reporter_id,
                )
                .select_from(cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id))
                .where(
                    cases.c.case_id == case_id, cases.c.status == "assigned", may_work(principal)
                )
                .with_for_update(of=cases)
            )
        ).first()
        if row is None:
            return None
        document = (
            await self.conn.execute(
                select(case_files.c.document, case_files.c.excluded).where(
                    case_files.c.case_id == case_id
                )
            )
        ).first()
        if document is not None and principal.staff_id in document.excluded:
            return None  # refused while this request waited for the lock
        found = CaseForWork(
            row.case_id, row.kind, row.unit_code, row.assignee_id, None, row.reporter_id
        )
        if document is not None and row.kind == "report":
            found.report = case_file_codec.opened_report(document.document, self.keys)
        elif document is not None:
            found.dispute = case_file_codec.opened(document.document, self.keys)
        return found

    async def known_colleague(self, unit_code: str, staff_id: str) -> str | None:
        """The name of ``staff_id`` if mediation knows them as serving ``unit_code``: in
        its staff directory (routing's registry events), or routing assigned them a case
        there; None if not."""
        listed = (
            await self.conn.execute(
                select(staff_directory.c.name).where(
                    staff_directory.c.staff_id == staff_id,
                    staff_directory.c.active,
                    literal(unit_code) == any_(staff_directory.c.unit_codes),
                )
            )
        ).first()
        if listed is not None:
            return str(listed.name)
        row = (
            await self.conn.execute(
                select(cases.c.assignee_name)
                .where(cases.c.unit_code == unit_code, cases.c.assignee_id == staff_id)
                .limit(1)
            )
        ).first()
        return None if row is None else (row.assignee_name or staff_id)

    async def save(self, file: Dispute | SituationReport, *, kind: str) -> None:
        agenda = next_action(file)
        values = {
            "kind": kind,
            "state": file.state.value,
            "version": file.version,
            "document": case_file_codec.sealed(file, self.keys),
            "excluded": list(file.excluded),
            "participants": list(file.participants),
            "due_at": file.due_at,
            "next_action": agenda.action if agenda else None,
            "next_action_due": agenda.due_at if agenda else None,
            "updated_at": func.now(),
        }
        if file.version == 1:
            await self.conn.execute(pg_insert(case_files).values(case_id=file.case_id, **values))
        else:
            await self.conn.execute(
                update(case_files).where(case_files.c.case_id == file.case_id).values(values)
            )
        await case_deadlines.refresh(self.conn, [file.case_id])

    async def add_to_timeline(
        self,
        case_id: str,
        file_version: int,
        at: datetime,
        actor: Principal,
        step: str,
        what: str,
        why: str | None,
    ) -> None:
        await self.conn.execute(
            insert(case_timeline).values(
                case_id=case_id,
                file_version=file_version,
                at=at,
                actor_id=actor.staff_id,
                actor_role=actor.role,
                step=step,
                what=what,
                why=self.keys.encrypt("timeline.why", why) if why else None,
            )
        )


async def purge_idempotency_keys(conn: AsyncConnection, older_than: timedelta) -> int:
    """Forget answers older than ``older_than``: a phone retries within days, not months."""
    result = await conn.execute(
        delete(idempotency_keys).where(idempotency_keys.c.created_at < func.now() - older_than)
    )
    return int(result.rowcount or 0)
