"""Resident intake: public, rate-limited per client, with a tracking token.

A resident stays anonymous to the public (no name in any public view) but leaves a
phone number for follow-up; the answer carries a ``tracking_token`` (shown once, kept
only as a hash) with which ``GET /public/track/{token}`` shows the status and progress
(state, the handler's unit, the next deadline), and ``POST /public/track/{token}/rating``
rates the result (满意度) once the case has one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.intake.adapters import progress_queries, queries
from services.intake.adapters.progress_queries import ProgressSeen
from services.intake.domain.commands import Reporter
from services.intake.domain.progress import STATUS_LABELS, next_deadline, state_label
from services.intake.domain.ratings import RATING_LABELS, RatingRefused
from services.intake.entrypoints import key_owners
from services.intake.entrypoints.problems import RATING_REFUSED
from services.intake.entrypoints.schemas import RatingIn, ResidentSubmissionIn
from services.intake.entrypoints.submitting import (
    dump,
    personal_data_keys,
    refusals_as_problems,
    respond,
    submit,
)
from services.intake.entrypoints.support import (
    idempotency_claim,
    rate_limited,
    runtime_of,
    uow_for,
)
from services.intake.service_layer import progress
from services.intake.service_layer.accepting import tracking_hash
from shared.auth.policy import PUBLIC, Access
from shared.http.problems import not_found

router = APIRouter(prefix="/public", tags=["residents"])

# Residents carry no staff token; their submissions are audited as anonymous.
RESIDENT_SUBMISSION = Access(public=True, audit=True)


@router.post(
    "/reports",
    status_code=201,
    dependencies=[Depends(RESIDENT_SUBMISSION), Depends(rate_limited)],
)
async def submit_resident_report(body: ResidentSubmissionIn, request: Request) -> JSONResponse:
    """Submit a report or dispute as a resident; keep the ``tracking_token``."""
    # The key is the resident's who gives this phone (residents have no account).
    owner = key_owners.resident(runtime_of(request).settings.secret_key, body.contact.phone)
    claim = idempotency_claim(request, owner, dump(body))
    reporter = Reporter(
        channel="resident",
        name=body.contact.name,
        phone=body.contact.phone,
        anonymous=body.contact.anonymous,
    )
    cmd = body.to_command(reporter)
    return respond(await submit(request, cmd, claim))


def _checked(token: str) -> str:
    if not 16 <= len(token) <= 64:
        raise not_found("tracking token", "查询码")
    return token


def progress_json(primary: Any, seen: ProgressSeen) -> dict[str, Any]:
    """Where the case is, for the holder of its token: state, the handler's unit (never
    the handler), the next deadline, the last change, and the rating (not its comment)."""
    work = seen.progress
    label = state_label(work.kind, work.state) if work else None
    unit_code = (work.unit_code if work else None) or primary.unit_code
    updated = max(t for t in (seen.updated_at, primary.updated_at) if t is not None)
    deadline = next_deadline(work, primary.submitted_at, primary.response_hours)
    rated = seen.rating
    return {
        "state": work.state if work and work.state else primary.status,
        "state_label": label or STATUS_LABELS.get(primary.status, primary.status),
        "has_result": bool(work and work.has_result),
        "unit": {"code": unit_code, "name": seen.unit_name or unit_code} if unit_code else None,
        "next_deadline": deadline.isoformat() if deadline else None,
        "updated_at": updated.isoformat(),
        "rating": {
            "rating": rated.rating,
            "rating_label": RATING_LABELS[rated.rating],
            "has_comment": rated.has_comment,
            "rated_at": rated.rated_at.isoformat(),
        }
        if rated
        else None,
    }


@router.get("/track/{token}", dependencies=[Depends(PUBLIC), Depends(rate_limited)])
async def track(token: str, request: Request) -> dict[str, Any]:
    """Status of my report (and of the case it was linked to, if it was a duplicate),
    with the case's progress: state, the handler's unit, the next deadline, the rating."""
    async with uow_for(request) as uow:
        row = await queries.by_tracking_hash(uow.connection, tracking_hash(_checked(token)))
        if row is None:
            raise not_found("tracking token", "查询码")
        view = await queries.case_view(uow.connection, row)
        primary = await queries.primary_of(uow.connection, row)
        seen = await progress_queries.progress_of(uow.connection, primary.case_id)
    view["progress"] = progress_json(primary, seen)
    return view


RATED = {
    201: {"description": "The rating is kept and its event committed."},
    404: {"description": "Unknown tracking token."},
    409: {"description": "The case has no result yet, or was already rated."},
    422: {"description": "Invalid rating or comment, field by field."},
}


@router.post(
    "/track/{token}/rating",
    status_code=201,
    responses=RATED,  # type: ignore[arg-type]
    dependencies=[Depends(PUBLIC), Depends(rate_limited)],
)
async def rate(token: str, body: RatingIn, request: Request) -> JSONResponse:
    """Rate the result (满意 / 基本满意 / 不满意) with an optional comment: once the case
    has a result (a dispute closed, archived or terminated; a report closed), once per
    case. The comment is kept encrypted and never published or echoed."""
    secret = runtime_of(request).settings.secret_key
    # Under a fixed operation name: the path holds the token, which is kept only hashed.
    claim = idempotency_claim(
        request, key_owners.tracking(secret, token), dump(body), "/public/track/rating"
    )
    try:
        with refusals_as_problems():
            async with uow_for(request) as uow:
                answer = await progress.rate_case(
                    uow,
                    tracking_hash(_checked(token)),
                    body.command(),
                    personal_data_keys(request),
                    claim,
                )
    except progress.TokenUnknown:
        raise not_found("tracking token", "查询码") from None
    except RatingRefused as exc:
        raise RATING_REFUSED[exc.code](exc.en, exc.zh) from None
    return respond(answer)
