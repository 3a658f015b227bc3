"""Intake handlers: one command in, one unit of work, one commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from services.intake.adapters.tables import case_number_seq, submissions
from services.intake.domain.case_numbers import case_number
from services.intake.domain.commands import SubmitReport
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.intake import CaseSubmittedV1
from shared.events.payload import GeoPoint


@dataclass(frozen=True)
class Accepted:
    case_id: str
    case_number: str
    submitted_at: datetime


async def submit_report(uow: UnitOfWork, cmd: SubmitReport) -> Accepted:
    """Store the submission and its ``case.submitted`` event in one transaction."""
    conn = uow.connection
    now = datetime.now(UTC)
    case_id = str(uuid.uuid4())
    seq = (await conn.execute(select(case_number_seq.next_value()))).scalar_one()
    number = case_number(now, int(seq))
    await conn.execute(
        insert(submissions).values(
            case_id=case_id,
            case_number=number,
            kind=cmd.kind,
            category=cmd.category,
            title=cmd.title,
            description=cmd.description,
            source=cmd.source,
            lng=cmd.location.lng if cmd.location else None,
            lat=cmd.location.lat if cmd.location else None,
            crs=cmd.crs,
            original_lng=cmd.original_location.lng if cmd.original_location else None,
            original_lat=cmd.original_location.lat if cmd.original_location else None,
            grid_code=cmd.grid_code,
            address=cmd.address,
            people_involved=cmd.people_involved,
            risk_signals=cmd.risk_signals,
            reporter=cmd.reporter,
            submitted_at=now,
        )
    )
    uow.publish(
        topics.CASE,
        case_id,
        CaseSubmittedV1(
            case_id=case_id,
            case_number=number,
            kind=cmd.kind,  # type: ignore[arg-type]
            category=cmd.category,
            title=cmd.title,
            description=cmd.description,
            source=cmd.source,
            location=GeoPoint(lng=cmd.location.lng, lat=cmd.location.lat) if cmd.location else None,
            grid_code=cmd.grid_code,
            address=cmd.address,
            risk_signals=cmd.risk_signals,
            people_involved=cmd.people_involved,
            submitted_at=now,
        ),
    )
    await uow.commit()
    return Accepted(case_id, number, now)
