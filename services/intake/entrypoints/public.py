"""Resident intake: public, rate-limited per client, with a tracking token.

A resident stays anonymous to the public (no name in any public view) but leaves a
phone number for follow-up; the answer carries a ``tracking_token`` (shown once, kept
only as a hash) with which ``GET /public/track/{token}`` shows the status.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.intake.adapters import queries
from services.intake.domain.commands import Reporter
from services.intake.entrypoints import key_owners
from services.intake.entrypoints.schemas import ResidentSubmissionIn
from services.intake.entrypoints.submitting import dump, respond, submit
from services.intake.entrypoints.support import (
    idempotency_claim,
    rate_limited,
    runtime_of,
    uow_for,
)
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


@router.get("/track/{token}", dependencies=[Depends(PUBLIC), Depends(rate_limited)])
async def track(token: str, request: Request) -> dict[str, Any]:
    """Status of my report (and of the case it was linked to, if it was a duplicate)."""
    if not 16 <= len(token) <= 64:
        raise not_found("tracking token", "查询码")
    async with uow_for(request) as uow:
        row = await queries.by_tracking_hash(uow.connection, tracking_hash(token))
        if row is None:
            raise not_found("tracking token", "查询码")
        return await queries.case_view(uow.connection, row)
