"""Residents' ratings (``case.rated``) kept per case with the unit and time, for 满意率.

Consumer handler: never commits. The first rating of a case is kept; a replay changes
nothing.
"""

from __future__ import annotations

from services.escalation.adapters.ratings import RatingRepository
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseRatedV1


async def apply_ratings(uow: UnitOfWork, ratings: list[CaseRatedV1]) -> None:
    await RatingRepository(uow.connection).add(
        [
            {
                "case_id": r.case_id,
                "rating_id": r.rating_id,
                "rating": r.rating,
                "kind": r.kind,
                "unit_code": r.unit_code,
                "rated_at": r.rated_at,
            }
            for r in ratings
        ]
    )
