"""Writes of intake's case progress and residents' ratings, and the reads a rating
needs (which case a tracking token rates, how far it is, whether it was rated).

Functions take the unit of work's connection and change rows inside its transaction;
none commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, any_, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.adapters.tables import (
    case_progress,
    case_ratings,
    submissions,
    this_transaction,
)
from services.intake.domain.progress import Progress

_FIELDS = tuple(Progress.__dataclass_fields__)

# Built once: the same SQL every batch, prepared once per connection.
_LOCK = (
    select(*(case_progress.c[f] for f in _FIELDS))
    .where(case_progress.c.case_id == any_(bindparam("ids", type_=ARRAY(Text))))
    .order_by(case_progress.c.case_id)
    .with_for_update()
)
_UPSERT = insert(case_progress).values(
    {f: bindparam(f) for f in _FIELDS} | {"updated_at": func.now()}
)
_UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=[case_progress.c.case_id],
    set_={f: _UPSERT.excluded[f] for f in _FIELDS if f != "case_id"} | {"updated_at": func.now()},
)
# Intake's own status follows: a case with a result is ``closed`` (to-do and done lists,
# Open311 ``status``, and no new duplicates linked to it).
_CLOSE = (
    update(submissions)
    .where(
        submissions.c.case_id == any_(bindparam("ids", type_=ARRAY(Text))),
        submissions.c.status != "closed",
    )
    .values(status="closed", change_xid=this_transaction(), updated_at=bindparam("now"))
)


async def lock_progress(conn: AsyncConnection, case_ids: Sequence[str]) -> dict[str, Progress]:
    """The stored progress of those cases that have some, locked in id order."""
    rows = await conn.execute(_LOCK, {"ids": sorted(set(case_ids))})
    return {row.case_id: Progress(**row._mapping) for row in rows}


async def save_progress(conn: AsyncConnection, progress: Sequence[Progress]) -> None:
    if progress:
        await conn.execute(_UPSERT, [asdict(p) for p in progress])


async def close_submissions(conn: AsyncConnection, case_ids: Sequence[str], now: datetime) -> None:
    if case_ids:
        await conn.execute(_CLOSE, {"ids": sorted(set(case_ids)), "now": now})


@dataclass(frozen=True)
class RatingTarget:
    """The case a tracking token rates (its own, or the one it was linked to)."""

    report_id: str
    case_id: str
    case_number: str
    kind: str
    progress: Progress | None
    rated: bool


async def rating_target(conn: AsyncConnection, token_hash: str) -> RatingTarget | None:
    mine = (
        await conn.execute(
            select(submissions.c.case_id, submissions.c.duplicate_of).where(
                submissions.c.tracking_hash == token_hash
            )
        )
    ).first()
    if mine is None:
        return None
    case_id = mine.duplicate_of or mine.case_id
    row = (
        await conn.execute(
            select(
                submissions.c.case_number,
                submissions.c.kind,
                *(case_progress.c[f].label(f"p_{f}") for f in _FIELDS),
                case_ratings.c.rating_id,
            )
            .select_from(
                submissions.outerjoin(
                    case_progress, case_progress.c.case_id == submissions.c.case_id
                ).outerjoin(case_ratings, case_ratings.c.case_id == submissions.c.case_id)
            )
            .where(submissions.c.case_id == case_id)
        )
    ).one()
    progress = (
        Progress(**{f: row._mapping[f"p_{f}"] for f in _FIELDS})
        if row._mapping["p_case_id"] is not None
        else None
    )
    return RatingTarget(
        mine.case_id, case_id, row.case_number, row.kind, progress, row.rating_id is not None
    )


async def insert_rating(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Keep a case's rating; False if the case was rated meanwhile (one per case)."""
    inserted = await conn.execute(
        insert(case_ratings)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[case_ratings.c.case_id])
        .returning(case_ratings.c.rating_id)
    )
    return inserted.first() is not None
