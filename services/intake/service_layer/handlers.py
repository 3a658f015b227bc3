"""Intake handlers: one command in, one unit of work, one commit.

Every write handler takes an optional ``IdempotencyClaim``: the key is claimed first,
inside the same transaction, and the answer recorded before the commit.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import (
    attachments,
    case_number_seq,
    categories,
    change_seq,
    diary_entries,
    registry_units,
    submission_attachments,
    submissions,
)
from services.intake.domain.case_numbers import case_number
from services.intake.domain.commands import (
    Location,
    Party,
    Point,
    PromoteDiaryEntry,
    Reporter,
    SubmitReport,
    WriteDiaryEntry,
)
from services.intake.domain.coordinates import distance_m
from services.intake.domain.identity_numbers import mask_id_number
from services.intake.domain.masking import mask_name
from services.intake.domain.media import MediaType
from services.intake.domain.phones import mask_phone
from services.intake.domain.refusals import Issue, SubmissionRefused
from services.intake.domain.risk import detect_signals
from services.intake.domain.validation import Reference, location_issues, submission_issues
from services.intake.service_layer import idempotency
from services.intake.service_layer.idempotency import Answer, IdempotencyClaim
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.envelope import CloudEvent
from shared.events.intake import (
    CasePartiesV1,
    CaseSubmittedV1,
    PartyFullV1,
    PartyV1,
    ReportLinkedV1,
)
from shared.events.payload import GeoPoint
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1
from shared.privacy.crypto import KeyRing


@dataclass(frozen=True)
class DuplicatePolicy:
    radius_m: float = 100.0
    window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    case_number: str
    distance_m: float


def tracking_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _claimed(conn: AsyncConnection, idem: IdempotencyClaim | None) -> Answer | None:
    return await idempotency.claim(conn, idem) if idem is not None else None


async def _finish(uow: UnitOfWork, idem: IdempotencyClaim | None, answer: Answer) -> Answer:
    if idem is not None:
        await idempotency.record(uow.connection, idem, answer)
    await uow.commit()
    return answer


async def find_open_duplicate(
    conn: AsyncConnection, cmd: SubmitReport, now: datetime, policy: DuplicatePolicy
) -> OpenCase | None:
    """The nearest open case of the same category within the radius and time window."""
    point = cmd.location.point
    if cmd.kind != "report" or point is None or policy.radius_m <= 0:
        return None
    dlat = policy.radius_m / 111_000
    dlng = dlat / max(math.cos(math.radians(point.lat)), 0.01)
    rows = (
        await conn.execute(
            select(
                submissions.c.case_id,
                submissions.c.case_number,
                submissions.c.lng,
                submissions.c.lat,
            )
            .where(
                submissions.c.category == cmd.category,
                submissions.c.duplicate_of.is_(None),
                submissions.c.status != "closed",
                submissions.c.kind == "report",
                submissions.c.submitted_at >= now - policy.window,
                submissions.c.lng.between(point.lng - dlng, point.lng + dlng),
                submissions.c.lat.between(point.lat - dlat, point.lat + dlat),
            )
            .limit(50)
        )
    ).all()
    best: OpenCase | None = None
    for row in rows:
        d = distance_m((point.lng, point.lat), (row.lng, row.lat))
        if d <= policy.radius_m and (best is None or d < best.distance_m):
            best = OpenCase(row.case_id, row.case_number, round(d, 1))
    return best


async def _missing_attachments(conn: AsyncConnection, digests: tuple[str, ...]) -> list[Issue]:
    if not digests:
        return []
    found = set(
        (
            await conn.execute(
                select(attachments.c.sha256).where(attachments.c.sha256.in_(list(digests)))
            )
        ).scalars()
    )
    return [
        Issue(
            f"#/attachments/{i}",
            "unknown-attachment",
            "No attachment with this id was uploaded.",
            "未上传该附件。",
        )
        for i, d in enumerate(digests)
        if d not in found
    ]


def _sealed(keys: KeyRing, field: str, value: str | None) -> str | None:
    return keys.encrypt(field, value) if value else value


def _reporter_json(reporter: Reporter, keys: KeyRing) -> dict[str, Any]:
    """The reporter's contact, phone and e-mail encrypted (field names bind the values)."""
    return {
        k: v
        for k, v in {
            "name": reporter.name,
            "phone": _sealed(keys, "reporter.phone", reporter.phone),
            "email": _sealed(keys, "reporter.email", reporter.email),
            "anonymous": reporter.anonymous,
            "device_id": reporter.device_id,
        }.items()
        if v not in (None, "")
    }


def _party_json(party: Party, keys: KeyRing) -> dict[str, Any]:
    """A party as stored: ID number, phone and address encrypted, each with its key id."""
    return {
        "role": party.role,
        "name": party.name,
        "id_number": _sealed(keys, "party.id_number", party.id_number),
        "phone": _sealed(keys, "party.phone", party.phone),
        "address": _sealed(keys, "party.address", party.address),
    }


def _party_event(party: Party) -> PartyV1:
    return PartyV1(
        role=party.role,
        name_masked=mask_name(party.name),
        id_number_masked=mask_id_number(party.id_number) if party.id_number else None,
        phone_masked=mask_phone(party.phone) if party.phone else None,
    )


def _party_full(party: Party) -> PartyFullV1:
    return PartyFullV1(
        role=party.role,
        name=party.name,
        id_number=party.id_number,
        phone=party.phone,
        address=party.address,
    )


async def _open_case(
    uow: UnitOfWork, cmd: SubmitReport, ref: Reference, policy: DuplicatePolicy, keys: KeyRing
) -> Answer:
    """Validate, store and announce one submission (no commit): a new case or a link."""
    conn = uow.connection
    issues = submission_issues(cmd, ref) + await _missing_attachments(conn, cmd.attachments)
    if issues:
        raise SubmissionRefused(*issues)
    now = datetime.now(UTC)
    report_id = str(uuid.uuid4())
    seq = (await conn.execute(select(case_number_seq.next_value()))).scalar_one()
    number = case_number(now, int(seq))
    signals = (
        detect_signals(
            f"{cmd.title}\n{cmd.description}\n{cmd.facts or ''}",
            dispute_type=cmd.category,
            people_involved=cmd.people_involved,
            declared=list(cmd.risk_signals),
        )
        if cmd.kind == "dispute"
        else sorted(set(cmd.risk_signals))
    )
    category = ref.categories.find(cmd.kind, cmd.category)
    duplicate = await find_open_duplicate(conn, cmd, now, policy)
    token = secrets.token_urlsafe(24) if cmd.reporter.channel in ("resident", "open311") else None
    point, original = cmd.location.point, cmd.location.original
    await conn.execute(
        insert(submissions).values(
            case_id=report_id,
            case_number=number,
            kind=cmd.kind,
            category=cmd.category,
            subcategory=cmd.subcategory,
            title=cmd.title,
            description=cmd.description,
            source=cmd.source,
            lng=point.lng if point else None,
            lat=point.lat if point else None,
            crs=cmd.location.crs,
            original_lng=original.lng if original else None,
            original_lat=original.lat if original else None,
            grid_code=cmd.location.grid_code,
            address=cmd.location.address,
            jurisdiction_checked=ref.area.known,
            people_involved=cmd.people_involved,
            risk_signals=signals,
            reporter=_reporter_json(cmd.reporter, keys),
            channel=cmd.reporter.channel,
            reporter_id=cmd.reporter.staff_id,
            client_id=cmd.client_id,
            facts=cmd.facts,
            amount_involved=cmd.amount_involved,
            parties=[_party_json(p, keys) for p in cmd.parties],
            attributes=cmd.attributes,
            duplicate_of=duplicate.case_id if duplicate else None,
            tracking_hash=tracking_hash(token) if token else None,
            response_hours=category.response_hours if category else None,
            submitted_at=now,
            updated_at=now,
        )
    )
    if cmd.attachments:
        await conn.execute(
            insert(submission_attachments),
            [{"case_id": report_id, "sha256": d} for d in dict.fromkeys(cmd.attachments)],
        )
    body: dict[str, Any] = {
        "outcome": "linked" if duplicate else "created",
        "case_id": duplicate.case_id if duplicate else report_id,
        "case_number": duplicate.case_number if duplicate else number,
        "report_id": report_id,
        "report_number": number,
        "submitted_at": now.isoformat(),
        "status": "submitted",
        "risk_signals": signals,
        "jurisdiction_checked": ref.area.known,
    }
    if token:
        body["tracking_token"] = token
    if duplicate:
        body["distance_m"] = duplicate.distance_m
        # Bump the open case so its reporter's next sync shows the new link.
        await conn.execute(
            update(submissions)
            .where(submissions.c.case_id == duplicate.case_id)
            .values(change_seq=change_seq.next_value(), updated_at=now)
        )
        uow.publish(
            topics.CASE,
            duplicate.case_id,
            ReportLinkedV1(
                case_id=duplicate.case_id,
                report_id=report_id,
                report_number=number,
                channel=cmd.reporter.channel,
                distance_m=duplicate.distance_m,
                linked_at=now,
            ),
        )
        return Answer(200, body)
    uow.publish(
        topics.CASE,
        report_id,
        CaseSubmittedV1(
            case_id=report_id,
            case_number=number,
            kind=cmd.kind,  # type: ignore[arg-type]
            category=cmd.category,
            subcategory=cmd.subcategory,
            title=cmd.title,
            description=cmd.description,
            source=cmd.source,
            location=GeoPoint(lng=point.lng, lat=point.lat) if point else None,
            original_location=GeoPoint(lng=original.lng, lat=original.lat) if original else None,
            original_crs=cmd.location.crs,
            grid_code=cmd.location.grid_code,
            address=cmd.location.address,
            jurisdiction_checked=ref.area.known,
            risk_signals=signals,
            people_involved=cmd.people_involved,
            facts=cmd.facts,
            amount_involved=cmd.amount_involved,
            parties=[_party_event(p) for p in cmd.parties],
            attachments=list(dict.fromkeys(cmd.attachments)),
            channel=cmd.reporter.channel,  # type: ignore[arg-type]
            reporter_staff_id=cmd.reporter.staff_id,
            submitted_at=now,
        ),
    )
    if cmd.parties:
        # The full values, for consumers entitled to them, on the restricted topic only;
        # same key and unit of work, so it leaves after the case event and never without it.
        uow.publish(
            topics.CASE_RESTRICTED,
            report_id,
            CasePartiesV1(
                case_id=report_id,
                case_number=number,
                parties=[_party_full(p) for p in cmd.parties],
                submitted_at=now,
            ),
        )
    return Answer(201, body)


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
    unit = UnitUpsertedV1.model_validate(event.data)
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
    removed = UnitRemovedV1.model_validate(event.data)
    await uow.connection.execute(
        delete(registry_units).where(
            and_(
                registry_units.c.code == removed.code,
                registry_units.c.changed_at <= removed.changed_at,
            )
        )
    )


async def apply_case_assigned(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the case's assignee for to-do lists and tracking; remember the previous one."""
    assigned = CaseAssignedV1.model_validate(event.data)
    conn = uow.connection
    current = (
        await conn.execute(
            select(submissions.c.assignee_id)
            .where(submissions.c.case_id == assigned.case_id)
            .with_for_update()
        )
    ).first()
    if current is None:
        return  # not a case intake opened
    previous = current.assignee_id if current.assignee_id != assigned.assignee_id else None
    await conn.execute(
        update(submissions)
        .where(submissions.c.case_id == assigned.case_id)
        .values(
            assignee_id=assigned.assignee_id,
            previous_assignee_id=previous,
            unit_code=assigned.unit_code,
            status="assigned",
            change_seq=change_seq.next_value(),
            updated_at=datetime.now(UTC),
        )
    )
