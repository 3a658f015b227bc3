"""Folding the case stream into intake's case progress, and residents' ratings.

The consumer hands a run of ``case.assigned`` and case-work events in order; the
cases' rows are locked and read once, the events folded per case in memory (pure,
``domain.progress``), and the results written with one statement. Case-work events
are read through their common fields (``CaseWorkStepV1``) only, so a dispute's and a
situation report's steps fold the same way.

A rating (``rate_case``) is kept once per case, its comment encrypted, and announced
with ``case.rated`` in the same commit.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.intake.adapters import case_progress as store
from services.intake.domain import progress as rules
from services.intake.domain.idempotency import Answer, IdempotencyClaim
from services.intake.domain.progress import Progress
from services.intake.domain.ratings import RATING_LABELS, RateCase, check_rateable
from services.intake.service_layer import handlers, idempotency
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.intake import CaseRatedV1
from shared.events.mediation import CaseWorkStepV1
from shared.events.routing import CaseAssignedV1
from shared.privacy.crypto import KeyRing

CaseEvent = CaseAssignedV1 | CaseWorkStepV1
COMMENT_FIELD = "rating.comment"


def fold(current: dict[str, Progress], events: list[CaseEvent]) -> dict[str, Progress]:
    """The progress of every case the events touch, after them, in order."""
    folded: dict[str, Progress] = {}
    for event in events:
        before = folded.get(event.case_id) or current.get(event.case_id)
        if isinstance(event, CaseAssignedV1):
            after = rules.assigned(before, event.case_id, event.unit_code, event.unit_name)
        else:
            after = rules.stepped(
                before,
                event.case_id,
                kind=event.kind,
                state=event.state,
                unit_code=event.unit_code,
                due_at=event.due_at,
                occurred_at=event.occurred_at,
            )
        folded[event.case_id] = after
    return folded


async def apply_case_events(uow: UnitOfWork, events: list[CaseEvent]) -> None:
    """Assignments keep the assignee (to-do lists) as before; every event moves the
    case's progress; a case that reached a result is closed in intake's own status."""
    assignments = [e for e in events if isinstance(e, CaseAssignedV1)]
    if assignments:
        await handlers.apply_cases_assigned(uow, assignments)
    conn = uow.connection
    current = await store.lock_progress(conn, [e.case_id for e in events])
    folded = fold(current, events)
    await store.save_progress(conn, list(folded.values()))
    finished = [p.case_id for p in folded.values() if p.has_result]
    await store.close_submissions(conn, finished, datetime.now(UTC))


class TokenUnknown(Exception):
    """No report has this tracking token."""


async def rate_case(
    uow: UnitOfWork,
    token_hash: str,
    cmd: RateCase,
    keys: KeyRing,
    idem: IdempotencyClaim | None = None,
) -> Answer:
    """Keep the rating of the case the token follows, once it has a result, once."""
    if idem is not None:
        prior = await idempotency.claim(uow, idem)
        if prior is not None:
            return prior
    conn = uow.connection
    target = await store.rating_target(conn, token_hash)
    if target is None:
        raise TokenUnknown
    check_rateable(target.progress, target.rated)
    rating_id, now = str(uuid.uuid4()), datetime.now(UTC)
    progress = target.progress
    assert progress is not None  # check_rateable: a result was reached
    unit_code = progress.unit_code
    values = {
        "rating_id": rating_id,
        "case_id": target.case_id,
        "report_id": target.report_id,
        "rating": cmd.rating,
        "comment": keys.encrypt(COMMENT_FIELD, cmd.comment) if cmd.comment else None,
        "kind": target.kind,
        "unit_code": unit_code,
        "rated_at": now,
    }
    if not await store.insert_rating(conn, values):
        check_rateable(progress, already_rated=True)  # rated meanwhile: refused the same way
    uow.publish(
        topics.CASE,
        target.case_id,
        CaseRatedV1(
            case_id=target.case_id,
            rating_id=rating_id,
            rating=cmd.rating,  # type: ignore[arg-type]
            has_comment=cmd.comment is not None,
            rated_at=now,
            kind=target.kind,  # type: ignore[arg-type]
            unit_code=unit_code,
        ),
    )
    # The comment is not echoed: the answer is kept under the Idempotency-Key unencrypted.
    body = {
        "rating_id": rating_id,
        "case_id": target.case_id,
        "case_number": target.case_number,
        "rating": cmd.rating,
        "rating_label": RATING_LABELS[cmd.rating],
        "has_comment": cmd.comment is not None,
        "rated_at": now.isoformat(),
    }
    answer = Answer(201, body)
    if idem is not None:
        await idempotency.record_many(uow, [(idem, answer)])
    await uow.commit()
    return answer
