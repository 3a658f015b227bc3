"""Residents' ratings (``case.rated``) in the case file and on its timeline.

Consumer handler: never commits (the consumer commits with its inbox rows). The first
rating of a case is kept; a replayed event changes nothing.
"""

from __future__ import annotations

from services.mediation.adapters.rating_repository import add_rating_to_timeline, record_rating
from services.mediation.domain.ratings import RATED_STEP, RESIDENT, timeline_what
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseRatedV1


async def apply_ratings(uow: UnitOfWork, ratings: list[CaseRatedV1]) -> None:
    for rated in ratings:
        kept = await record_rating(
            uow.connection,
            case_id=rated.case_id,
            rating_id=rated.rating_id,
            rating=rated.rating,
            has_comment=rated.has_comment,
            rated_at=rated.rated_at,
        )
        if kept:
            await add_rating_to_timeline(
                uow.connection,
                case_id=rated.case_id,
                at=rated.rated_at,
                actor_id=RESIDENT,  # residents are anonymous to staff views
                actor_role=RESIDENT,
                step=RATED_STEP,
                what=timeline_what(rated.rating),
            )
