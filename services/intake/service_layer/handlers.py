"""Intake handlers: one command in, one unit of work, one commit.

Every write handler takes an optional ``IdempotencyClaim``: the key is claimed first,
inside the same transaction, and the answer recorded before the commit.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, case, delete, insert, null, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import (
    attachments,
    categories,
    change_seq,
    diary_entries,
    registry_units,
    submissions,
)
from services.intake.domain.commands import (
    Location,
    Point,
    PromoteDiaryEntry,
    Reporter,
    SubmitReport,
    WriteDiaryEntry,
)
from services.intake.domain.media import MediaType
from services.intake.domain.refusals import Issue, SubmissionRefused
from services.intake.domain.validation import Reference, location_issues, submission_issues
from services.intake.service_layer import idempotency
from services.intake.service_layer.accepting import (
    DuplicatePolicy,
    accept,
    attachment_issues,
    missing_attachments,
    nearest,
    next_sequences,
    store,
    stored_candidates,
)
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from shared.db.unit_of_work import UnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1
from shared.privacy.crypto import KeyRing


async def _claimed(conn: AsyncConnection, idem: IdempotencyClaim | None) -> Answer | None:
    return await idempotency.claim(conn, idem) if idem is not None else None


async def _finish(uow: UnitOfWork, idem: IdempotencyClaim | None, answer: Answer) -> Answer:
    if idem is not None:
        await idempotency.record(uow.connection, idem, answer)
    await uow.commit()
    return answer


async def _open_case(
    uow: UnitOfWork, cmd: SubmitReport, ref: Reference, policy: DuplicatePolicy, keys: KeyRing
) -> Answer:
    """Validate, store and announce one submission (no commit): a new case or a link."""
    conn = uow.connection
    missing = await missing_attachments(conn, set(cmd.attachments))
    issues = submission_issues(cmd, ref) + attachment_issues(cmd, missing)
    if issues:
        raise SubmissionRefused(*issues)
    now = datetime.now(UTC)
    (sequence,) = await next_sequences(conn, 1)
    (candidates,) = await stored_candidates(conn, [cmd], now, policy)
    acceptance = accept(
        cmd,
        ref,
        keys,
        report_id=str(uuid.uuid4()),
        sequence=sequence,
        now=now,
        duplicate=nearest(cmd, candidates, policy),
    )
    await store(uow, [acceptance], now)
    return acceptance.answer


async def submit_report(
    uow: UnitOfWork,
    cmd: SubmitReport,
    ref: Reference,
    policy: DuplicatePolicy,
    keys: KeyRing,
    idem: IdempotencyClaim | None = None,
) -> Answer:
    """Store the submission and its event (or its link to an open case) in one commit."""
    prior = await _claimed(uow.connection, idem)
    if prior is not None:
        return prior
    return await _finish(uow, idem, await _open_case(uow, cmd, ref, policy, keys))


async def write_diary_entry(
    uow: UnitOfWork, cmd: WriteDiaryEntry, ref: Reference, idem: IdempotencyClaim | None = None
) -> Answer:
    """Keep a diary entry; it becomes a case only when promoted."""
    conn = uow.connection
    prior = await _claimed(conn, idem)
    if prior is not None:
        return prior
    issues = location_issues(cmd.location, ref.area) if _has_place(cmd.location) else []
    if issues:
        raise SubmissionRefused(*issues)
    entry_id = str(uuid.uuid4())
    point = cmd.location.point
    row = (
        await conn.execute(
            insert(diary_entries)
            .values(
                entry_id=entry_id,
                staff_id=cmd.staff_id,
                content=cmd.content,
                occurred_on=cmd.occurred_on,
                lng=point.lng if point else None,
                lat=point.lat if point else None,
                crs=cmd.location.crs,
                grid_code=cmd.location.grid_code,
                address=cmd.location.address,
                client_id=cmd.client_id,
            )
            .returning(diary_entries.c.created_at)
        )
    ).one()
    body = {
        "entry_id": entry_id,
        "created_at": row.created_at.isoformat(),
        "promoted_case_id": None,
    }
    return await _finish(uow, idem, Answer(201, body))


def _has_place(location: Location) -> bool:
    return location.point is not None or bool(location.grid_code or location.address)


async def promote_diary_entry(
    uow: UnitOfWork,
    cmd: PromoteDiaryEntry,
    ref: Reference,
    policy: DuplicatePolicy,
    keys: KeyRing,
    idem: IdempotencyClaim | None = None,
) -> Answer:
    """Open a report from a diary entry (its text and place); an entry is promoted once."""
    conn = uow.connection
    prior = await _claimed(conn, idem)
    if prior is not None:
        return prior
    entry = (
        await conn.execute(
            select(diary_entries)
            .where(
                diary_entries.c.entry_id == cmd.entry_id, diary_entries.c.staff_id == cmd.staff_id
            )
            .with_for_update()
        )
    ).first()
    if entry is None:
        raise LookupError(cmd.entry_id)
    if entry.promoted_case_id:
        raise SubmissionRefused(
            Issue("#", "already-promoted", "This entry was already promoted.", "该日记已转为事件。")
        )
    point = Point(entry.lng, entry.lat) if entry.lng is not None else None
    report = SubmitReport(
        kind=cmd.kind,
        category=cmd.category,
        subcategory=cmd.subcategory,
        title=cmd.title,
        description=entry.content,
        location=Location(point, point, entry.crs, entry.grid_code, entry.address),
        reporter=Reporter(channel="officer", staff_id=cmd.staff_id),
        source="上报",
        parties=(),
    )
    if cmd.kind == "dispute":
        raise SubmissionRefused(
            Issue(
                "#/kind",
                "dispute-needs-parties",
                "Promote to a report; a dispute needs its parties, submit it directly.",
                "日记只能转为事件；纠纷需要当事人信息，请直接登记。",
            )
        )
    answer = await _open_case(uow, report, ref, policy, keys)
    await conn.execute(
        update(diary_entries)
        .where(diary_entries.c.entry_id == cmd.entry_id)
        .values(promoted_case_id=answer.body["case_id"], change_seq=change_seq.next_value())
    )
    return await _finish(uow, idem, answer)


async def register_attachment(uow: UnitOfWork, digest: str, media: MediaType, size: int) -> None:
    """Record a stored blob (already on disk); the same content twice is one row."""
    await uow.connection.execute(
        pg_insert(attachments)
        .values(sha256=digest, media_type=media.mime, family=media.family, size=size)
        .on_conflict_do_nothing()
    )
    await uow.commit()


async def update_category(
    uow: UnitOfWork,
    kind: str,
    code: str,
    *,
    name_en: str,
    slug: str | None,
    subtypes: list[str],
    response_hours: int | None,
    active: bool,
) -> None:
    """Add or change an entry of the dictionary (existing cases keep their category)."""
    values = {
        "name_en": name_en,
        "slug": slug,
        "subtypes": subtypes,
        "response_hours": response_hours,
        "active": active,
    }
    await uow.connection.execute(
        pg_insert(categories)
        .values(kind=kind, code=code, **values)
        .on_conflict_do_update(index_elements=["kind", "code"], set_=values)
    )
    await uow.commit()


# --- consumers ---------------------------------------------------------------------


async def apply_unit_upserted(uow: UnitOfWork, event: CloudEvent) -> None:
    """Mirror one unit; an older change arriving late never overwrites a newer one."""
    unit = UnitUpsertedV1.read(event.data)
    values = {
        "name": unit.name,
        "level": unit.level,
        "parent_code": unit.parent_code,
        "boundary": unit.boundary,
        "changed_at": unit.changed_at,
    }
    stmt = pg_insert(registry_units).values(code=unit.code, **values)
    await uow.connection.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_=values,
            where=registry_units.c.changed_at <= stmt.excluded.changed_at,
        )
    )


async def apply_unit_removed(uow: UnitOfWork, event: CloudEvent) -> None:
    removed = UnitRemovedV1.read(event.data)
    await uow.connection.execute(
        delete(registry_units).where(
            and_(
                registry_units.c.code == removed.code,
                registry_units.c.changed_at <= removed.changed_at,
            )
        )
    )


# SET sees the row's values before the update, so the previous assignee is the
# current one when it changes; rows of other services' cases do not match.
_ASSIGN = (
    update(submissions)
    .where(submissions.c.case_id == bindparam("b_case_id"))
    .values(
        assignee_id=bindparam("b_assignee_id"),
        previous_assignee_id=case(
            (
                submissions.c.assignee_id.is_distinct_from(bindparam("b_assignee_id")),
                submissions.c.assignee_id,
            ),
            else_=null(),
        ),
        unit_code=bindparam("b_unit_code"),
        status="assigned",
        change_seq=change_seq.next_value(),
        updated_at=bindparam("b_updated_at"),
    )
)


async def apply_cases_assigned(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Keep each case's assignee for to-do lists and tracking, and remember the previous
    one: a run of events, in order, in one round trip."""
    now = datetime.now(UTC)
    rows = []
    for event in events:
        assigned = CaseAssignedV1.read(event.data)
        rows.append(
            {
                "b_case_id": assigned.case_id,
                "b_assignee_id": assigned.assignee_id,
                "b_unit_code": assigned.unit_code,
                "b_updated_at": now,
            }
        )
    await uow.connection.execute(_ASSIGN, rows)
