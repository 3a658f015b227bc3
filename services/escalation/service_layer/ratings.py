"""Residents' ratings (``case.rated``) kept per case with the unit and time, for 满意率;
the rates' facts keep the same first rating with the rated unit's level (the monthly
report's 满意率 per area × dispute type × level).

Consumer handler: never commits. The first rating of a case is kept; a replay changes
nothing.
"""

from __future__ import annotations

from services.escalation.adapters.rate_facts import RateFactsRepository
from services.escalation.adapters.ratings import RatingRepository
from services.escalation.domain.monthly_report import level_of
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
    first: dict[str, CaseRatedV1] = {}
    for r in ratings:
        first.setdefault(r.case_id, r)
    await RateFactsRepository(uow.connection).add_ratings(
        [
            {
                "case_id": r.case_id,
                "rating": r.rating,
                "rated_at": r.rated_at,
                "rated_level": level_of(r.unit_code or "") or "unknown",
            }
            for r in first.values()
        ]
    )
