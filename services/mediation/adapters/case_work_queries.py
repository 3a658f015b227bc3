"""Reads of case work: a case file and its timeline as plain values, within the
caller's jurisdiction (in the query: outside it a case is simply not found)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters import case_file_codec
from services.mediation.adapters.case_work_access import may_read
from services.mediation.adapters.case_work_tables import case_files, case_timeline
from services.mediation.adapters.rating_tables import case_ratings
from services.mediation.adapters.tables import cases
from services.mediation.domain.dispute import Dispute
from services.mediation.domain.ratings import RATING_LABELS
from services.mediation.domain.situation_report import SituationReport
from shared.auth.tokens import Principal
from shared.privacy.crypto import KeyRing


@dataclass(frozen=True)
class CaseFileRow:
    case_id: str
    case_number: str | None
    kind: str | None
    category: str | None
    title: str | None
    unit_code: str | None
    unit_name: str | None
    assignee_id: str | None
    assignee_name: str | None
    dispute: Dispute | None
    report: SituationReport | None = None
    # The resident's rating of the result (满意度), once given: JSON-ready values.
    rating: dict[str, Any] | None = None


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor_id: str
    actor_role: str
    step: str
    what: str
    why: str | None
    file_version: int


_FROM = cases.outerjoin(case_files, case_files.c.case_id == cases.c.case_id)
_FILE_FROM = _FROM.outerjoin(case_ratings, case_ratings.c.case_id == cases.c.case_id)


async def case_file(
    conn: AsyncConnection, case_id: str, principal: Principal, keys: KeyRing
) -> CaseFileRow | None:
    row = (
        await conn.execute(
            select(
                cases.c.case_id,
                cases.c.case_number,
                cases.c.kind,
                cases.c.category,
                cases.c.title,
                cases.c.unit_code,
                cases.c.unit_name,
                cases.c.assignee_id,
                cases.c.assignee_name,
                case_files.c.document,
                case_ratings.c.rating,
                case_ratings.c.has_comment,
                case_ratings.c.rated_at,
            )
            .select_from(_FILE_FROM)
            .where(cases.c.case_id == case_id, may_read(principal))
        )
    ).first()
    if row is None:
        return None
    is_report = row.kind == "report"
    stored = row.document
    dispute = case_file_codec.opened(stored, keys) if stored and not is_report else None
    report = case_file_codec.opened_report(stored, keys) if stored and is_report else None
    return CaseFileRow(
        row.case_id,
        row.case_number,
        row.kind,
        row.category,
        row.title,
        row.unit_code,
        row.unit_name,
        row.assignee_id,
        row.assignee_name,
        dispute,
        report,
        _rating(row),
    )


def _rating(row: Any) -> dict[str, Any] | None:
    if row.rating is None:
        return None
    return {
        "rating": row.rating,
        "rating_label": RATING_LABELS.get(row.rating, row.rating),
        "has_comment": row.has_comment,
        "rated_at": row.rated_at.isoformat(),
    }


async def timeline(
    conn: AsyncConnection, case_id: str, principal: Principal, keys: KeyRing
) -> list[TimelineEntry] | None:
    """The case's steps in order, or None if the case is not visible to ``principal``."""
    visible = (
        await conn.execute(
            select(cases.c.case_id)
            .select_from(_FROM)
            .where(cases.c.case_id == case_id, may_read(principal))
        )
    ).first()
    if visible is None:
        return None
    rows = await conn.execute(
        select(case_timeline)
        .where(case_timeline.c.case_id == case_id)
        .order_by(case_timeline.c.entry_id)
    )
    return [
        TimelineEntry(
            r.at,
            r.actor_id,
            r.actor_role,
            r.step,
            r.what,
            keys.decrypt("timeline.why", r.why) if r.why else None,
            r.file_version,
        )
        for r in rows
    ]
