"""Writes of residents' ratings: the rating row and its timeline entry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.mediation.adapters.case_work_tables import case_files, case_timeline
from services.mediation.adapters.rating_tables import case_ratings


async def record_rating(
    conn: AsyncConnection,
    *,
    case_id: str,
    rating_id: str,
    rating: str,
    has_comment: bool,
    rated_at: datetime,
) -> bool:
    """Keep a case's rating; False if it already has one (a replay, or a second rating)."""
    inserted = await conn.execute(
        pg_insert(case_ratings)
        .values(
            case_id=case_id,
            rating_id=rating_id,
            rating=rating,
            has_comment=has_comment,
            rated_at=rated_at,
        )
        .on_conflict_do_nothing(index_elements=[case_ratings.c.case_id])
        .returning(case_ratings.c.case_id)
    )
    return inserted.first() is not None


async def add_rating_to_timeline(
    conn: AsyncConnection,
    *,
    case_id: str,
    at: datetime,
    actor_id: str,
    actor_role: str,
    step: str,
    what: str,
) -> None:
    """A timeline entry at the file's current version (0 if it has no file)."""
    version = func.coalesce(
        select(case_files.c.version).where(case_files.c.case_id == case_id).scalar_subquery(),
        0,
    )
    await conn.execute(
        insert(case_timeline).from_select(
            ["case_id", "file_version", "at", "actor_id", "actor_role", "step", "what"],
            select(
                literal(case_id),
                version,
                literal(at),
                literal(actor_id),
                literal(actor_role),
                literal(step),
                literal(what),
            ),
        )
    )
