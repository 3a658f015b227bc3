"""What the holder of a tracking token sees of a case's progress: state, the handler's
unit (its name from the assignment, else intake's registry mirror, else the code), the
next deadline, and whether and how the result was rated (never the comment, never a
person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import case_progress, case_ratings, registry_units
from services.intake.domain.progress import Progress


@dataclass(frozen=True)
class RatingSeen:
    rating: str
    rated_at: datetime
    has_comment: bool


@dataclass(frozen=True)
class ProgressSeen:
    progress: Progress | None
    unit_name: str | None
    updated_at: datetime | None
    rating: RatingSeen | None


_FROM = case_progress.outerjoin(registry_units, registry_units.c.code == case_progress.c.unit_code)


async def progress_of(conn: AsyncConnection, case_id: str) -> ProgressSeen:
    row = (
        await conn.execute(
            select(
                *(case_progress.c[f] for f in Progress.__dataclass_fields__),
                func.coalesce(case_progress.c.unit_name, registry_units.c.name).label("name"),
                case_progress.c.updated_at,
            )
            .select_from(_FROM)
            .where(case_progress.c.case_id == case_id)
        )
    ).first()
    rated = (
        await conn.execute(
            select(
                case_ratings.c.rating,
                case_ratings.c.rated_at,
                case_ratings.c.comment.is_not(None).label("has_comment"),
            ).where(case_ratings.c.case_id == case_id)
        )
    ).first()
    rating = RatingSeen(rated.rating, rated.rated_at, rated.has_comment) if rated else None
    if row is None:
        return ProgressSeen(None, None, None, rating)
    progress = Progress(**{f: row._mapping[f] for f in Progress.__dataclass_fields__})
    return ProgressSeen(progress, row.name, row.updated_at, rating)
