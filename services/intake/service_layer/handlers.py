"""Intake handlers: one command in, one unit of work, one commit.

Every write handler takes an optional ``IdempotencyClaim``: the key is claimed first,
inside the same transaction, and the answer recorded before the commit.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.intake.adapters import queries, repository
from services.intake.domain.commands import (
    Location,
    Point,
    PromoteDiaryEntry,
    Reporter,
    SubmitReport,
    WriteDiaryEntry,
)
from services.intake.domain.duplicates import DuplicatePolicy, duplicate_cells, nearest
from services.intake.domain.idempotency import Answer, IdempotencyClaim
from services.intake.domain.media import MediaType
from services.intake.domain.refusals import Issue, SubmissionRefused
from services.intake.domain.validation import Reference, location_issues, submission_issues
from services.intake.service_layer import idempotency
from services.intake.service_layer.accepting import accept, attachment_issues, store
from shared.db.unit_of_work import UnitOfWork
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1
from shared.privacy.crypto import KeyRing


async def _claimed(uow: UnitOfWork, idem: IdempotencyClaim | None) -> Answer | None:
    return await idempotency.claim(uow, idem) if idem is not None else None


async def _finish(uow: UnitOfWork, idem: IdempotencyClaim | None, answer: Answer) -> Answer:
    if idem is not None:
        await idempotency.record_many(uow, [(idem, answer)])
    await uow.commit()
    return answer


async def _open_case(
    uow: UnitOfWork, cmd: SubmitReport, ref: Reference, policy: DuplicatePolicy, keys: KeyRing
) -> Answer:
    """Validate, store and announce one submission (no commit): a new case or a link."""
    conn = uow.connection
    missing = await queries.missing_attachments(conn, set(cmd.attachments))
    issues = submission_issues(cmd, ref) + attachment_issues(cmd, missing)
    if issues:
        raise SubmissionRefused(*issues)
    now = datetime.now(UTC)
    (sequence,) = await repository.next_sequences(conn, 1, duplicate_cells([cmd], policy))
    (candidates,) = await queries.stored_candidates(conn, [cmd], now, policy)
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


# Screening returns open each dispute found exactly as a submission is opened.
open_case = _open_case


async def submit_report(
    uow: UnitOfWork,
    cmd: SubmitReport,
    ref: Reference,
    policy: DuplicatePolicy,
    keys: KeyRing,
    idem: IdempotencyClaim | None = None,
) -> Answer:
    """Store the submission and its event (or its link to an open case) in one commit."""
    prior = await _claimed(uow, idem)
    if prior is not None:
        return prior
    return await _finish(uow, idem, await _open_case(uow, cmd, ref, policy, keys))


async def write_diary_entry(
    uow: UnitOfWork, cmd: WriteDiaryEntry, ref: Reference, idem: IdempotencyClaim | None = None
) -> Answer:
    """Keep a diary entry; it becomes a case only when promoted."""
    prior = await _claimed(uow, idem)
    if prior is not None:
        return prior
    issues = location_issues(cmd.location, ref.area) if _has_place(cmd.location) else []
    if issues:
        raise SubmissionRefused(*issues)
    entry_id = str(uuid.uuid4())
    point = cmd.location.point
    created_at = await repository.insert_diary_entry(
        uow.connection,
        {
            "entry_id": entry_id,
            "staff_id": cmd.staff_id,
            "content": cmd.content,
            "occurred_on": cmd.occurred_on,
            "lng": point.lng if point else None,
            "lat": point.lat if point else None,
            "crs": cmd.location.crs,
            "grid_code": cmd.location.grid_code,
            "address": cmd.location.address,
            "client_id": cmd.client_id,
        },
    )
    body = {
        "entry_id": entry_id,
        "created_at": created_at.isoformat(),
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
    """Open a report from a diary entry (its text and place); an entry is promoted once.

    The officer's place replaces the entry's; with neither, the report is refused with
    ``location-required`` at ``#/location``, as a report without a place is."""
    prior = await _claimed(uow, idem)
    if prior is not None:
        return prior
    entry = await repository.lock_diary_entry(uow.connection, cmd.entry_id, cmd.staff_id)
    if entry is None:
        raise LookupError(cmd.entry_id)
    if entry.promoted_case_id:
        raise SubmissionRefused(
            Issue("#", "already-promoted", "This entry was already promoted.", "该日记已转为事件。")
        )
    point = Point(entry.lng, entry.lat) if entry.lng is not None else None
    place = cmd.location or Location(point, point, entry.crs, entry.grid_code, entry.address)
    report = SubmitReport(
        kind=cmd.kind,
        category=cmd.category,
        subcategory=cmd.subcategory,
        title=cmd.title,
        description=entry.content,
        location=place,
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
    await repository.mark_promoted(uow.connection, cmd.entry_id, answer.body["case_id"])
    return await _finish(uow, idem, answer)


async def register_attachment(uow: UnitOfWork, digest: str, media: MediaType, size: int) -> None:
    """Record a stored blob (already on disk); the same content twice is one row."""
    await repository.insert_attachment(uow.connection, digest, media.mime, media.family, size)
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
    await repository.upsert_category(uow.connection, kind, code, values)
    await uow.commit()


# --- consumers ---------------------------------------------------------------------


async def apply_unit_upserted(uow: UnitOfWork, unit: UnitUpsertedV1) -> None:
    """Mirror one unit; an older change arriving late never overwrites a newer one."""
    values = {
        "name": unit.name,
        "level": unit.level,
        "parent_code": unit.parent_code,
        "boundary": unit.boundary,
        "changed_at": unit.changed_at,
    }
    await repository.upsert_unit(uow.connection, unit.code, values)


async def apply_unit_removed(uow: UnitOfWork, removed: UnitRemovedV1) -> None:
    await repository.delete_unit(uow.connection, removed.code, removed.changed_at)


async def apply_cases_assigned(uow: UnitOfWork, assignments: list[CaseAssignedV1]) -> None:
    """Keep each case's assignee for to-do lists and tracking, and remember the previous
    one: a run of events, in order, in one round trip."""
    now = datetime.now(UTC)
    rows = []
    for assigned in assignments:
        rows.append(
            {
                "b_case_id": assigned.case_id,
                "b_assignee_id": assigned.assignee_id,
                "b_unit_code": assigned.unit_code,
                "b_updated_at": now,
            }
        )
    await repository.assign_cases(uow.connection, rows)
