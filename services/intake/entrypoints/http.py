"""Desk intake, report status, the category dictionary and attachments.

``POST /reports`` is the desk channel (walk-in, 12345 hotline operators); grid
officers use ``/mobile/v1``, residents ``/public``, outside systems ``/open311/v2``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from services.intake.adapters import queries
from services.intake.adapters.storage import BlobStore
from services.intake.domain.commands import Reporter
from services.intake.domain.media import AttachmentRefused, check_attachment
from services.intake.entrypoints import key_owners
from services.intake.entrypoints.problems import ATTACHMENT_REFUSED
from services.intake.entrypoints.schemas import CategoryIn, SubmissionIn
from services.intake.entrypoints.submitting import dump, personal_data_keys, respond, submit
from services.intake.entrypoints.support import (
    idempotency_claim,
    rate_limited,
    reference_cache,
    runtime_of,
    uow_for,
)
from services.intake.service_layer import handlers, personal_data
from shared.auth import roles
from shared.auth.policy import PUBLIC, Access
from shared.auth.tokens import InvalidToken, Principal, bearer_token, verify_token
from shared.http.client_address import client_address
from shared.http.openapi import answers
from shared.http.problems import FORBIDDEN, VALIDATION, not_found

router = APIRouter(tags=["reports"])

# The desk: centre operators at walk-in counters and 12345 hotline systems (clients).
DESK = Access(*roles.OPERATORS, roles.ADMIN, scopes=(roles.SCOPE_REPORTS,))
# Anyone on staff, and the governance centre's systems, read cases in their jurisdiction.
READERS = Access(*roles.STAFF, scopes=(roles.SCOPE_CASES_READ,))
# The category dictionary is one list for the whole system, not a unit's: only
# administrators, whose jurisdiction is the whole system, change it.
EDITORS = Access(roles.ADMIN)
# Parties' full ID numbers, phones and addresses: the staff who contact and mediate
# between them, within their jurisdiction; every view is audited.
FULL_VIEWERS = Access(*roles.SEES_FULL_PERSONAL_DATA)

ACCEPTED = {
    201: {"description": "A new case was opened; the report and its event are committed."},
    200: {"description": "Linked to an open case of the same category nearby (duplicate)."},
    422: {"description": "Invalid input, or Idempotency-Key reused with another body."},
}


@router.post("/reports", status_code=201, responses=ACCEPTED)  # type: ignore[arg-type]
async def submit_desk_report(
    body: SubmissionIn, request: Request, principal: Principal = Depends(DESK)
) -> JSONResponse:
    """Accept a report or dispute at the desk. A 2xx means it and its event are committed.
    The operator is recorded as its reporter, so they can follow it before it is routed."""
    claim = idempotency_claim(request, key_owners.desk(principal), dump(body))
    reporter = Reporter(channel="desk", staff_id=principal.staff_id)
    answer = await submit(request, body.to_command(reporter), claim)
    return respond(answer)


@router.get("/reports/{case_id}")
async def get_report(
    case_id: str, request: Request, principal: Principal = Depends(READERS)
) -> dict[str, Any]:
    """Status of a report, with the case it was linked to and the reports linked to it,
    and a dispute's parties masked (张*, 110***********1234, 138****5678). A report
    outside the caller's jurisdiction is not found (404)."""
    async with uow_for(request) as uow:
        row = await queries.by_id(uow.connection, case_id, principal)
        if row is None:
            raise not_found("report", "报告")
        view = await queries.case_view(uow.connection, row)
    view["parties"] = personal_data.masked_parties(
        row.parties or [], personal_data_keys(request), case_id
    )
    return view


@router.get(
    "/reports/{case_id}/parties/full",
    responses={
        403: {"description": "The caller's role may not see personal data in full."},
        404: {"description": "No such case in the caller's jurisdiction."},
    },
)
async def get_full_parties(
    case_id: str,
    request: Request,
    response: Response,
    principal: Principal = Depends(FULL_VIEWERS),
) -> dict[str, Any]:
    """A dispute's parties with full ID numbers, phones and addresses, for mediators,
    community police and legal advisers on cases in their jurisdiction. Each answer is
    recorded in the audit log (``view-personal-data``) in the same transaction as the
    read: no record, no answer."""
    settings = runtime_of(request).settings
    try:
        async with uow_for(request) as uow:
            view = await personal_data.view_full_parties(
                uow,
                case_id,
                principal,
                personal_data_keys(request),
                audit_log=runtime_of(request).tables.audit_log,
                audit_purges=runtime_of(request).tables.audit_purges,
                source=client_address(request.scope, settings.trusted_proxies),
            )
    except personal_data.MayNotSeeFull:
        raise FORBIDDEN(
            "Your role may not see personal data in full.",
            "您的角色无权查看完整个人信息。",
        ) from None
    if view is None:
        raise not_found("report", "报告")
    response.headers["Cache-Control"] = "no-store"  # no copies in shared caches
    return view


@router.get("/categories", tags=["dictionary"], dependencies=[Depends(PUBLIC)])
async def list_categories(
    request: Request, kind: Literal["report", "dispute"] | None = None
) -> list[dict[str, Any]]:
    """The active category dictionary: report classes with subtypes, dispute types."""
    async with uow_for(request) as uow:
        ref = await reference_cache(runtime_of(request)).get(uow)
    return [
        {
            "kind": c.kind,
            "code": c.code,
            "name_en": c.name_en,
            "slug": c.slug,
            "subtypes": list(c.subtypes),
            "response_hours": c.response_hours,
        }
        for c in ref.categories.active(kind)
    ]


@router.put("/categories/{kind}/{code}", tags=["dictionary"], status_code=204)
async def put_category(
    kind: Literal["report", "dispute"],
    code: str,
    body: CategoryIn,
    request: Request,
    _: Principal = Depends(EDITORS),
) -> Response:
    """Add or change a category (administrators: the list is system-wide).
    ``active: false`` retires one."""
    if not 1 <= len(code) <= 64 or not code.isprintable():
        raise VALIDATION(
            "Bad category code.",
            "类别编码无效。",
        )
    async with uow_for(request) as uow:
        await handlers.update_category(uow, kind, code, **body.model_dump())
    reference_cache(runtime_of(request)).invalidate()
    return Response(status_code=204)


def _store(request: Request) -> BlobStore:
    return runtime_of(request).state.blobs


@answers(429)
async def _officer_or_rate_limited(request: Request) -> None:
    """Staff with a valid token upload freely; anyone else (residents) is rate-limited."""
    token = bearer_token(request)
    if token:
        try:
            request.state.principal = verify_token(runtime_of(request).settings.secret_key, token)
            return
        except InvalidToken:
            pass
    await rate_limited(request)


@router.post(
    "/attachments",
    tags=["attachments"],
    status_code=201,
    responses={415: {"description": "Not an accepted photo or audio type, or empty"}},
)
async def upload_attachment(
    request: Request,
    file: UploadFile = File(description="A photo or an audio recording."),
    __: None = Depends(PUBLIC),
    _: None = Depends(_officer_or_rate_limited),
) -> dict[str, Any]:
    """Store a photo or recording; refer to it by ``attachment_id`` in a submission.

    The type is read from the content, not the file name; the same content uploaded
    twice gives the same id (content addressing), so retrying is safe.
    """
    content = await file.read()
    try:
        media = check_attachment(content)
    except AttachmentRefused as exc:
        raise ATTACHMENT_REFUSED[exc.code](exc.en, exc.zh) from None
    digest = await _store(request).put(content)
    async with uow_for(request) as uow:
        await handlers.register_attachment(uow, digest, media, len(content))
    return {"attachment_id": digest, "media_type": media.mime, "size": len(content)}


@router.get("/attachments/{digest}", tags=["attachments"])
async def get_attachment(
    digest: str, request: Request, principal: Principal = Depends(READERS)
) -> Response:
    """The stored bytes (staff only: scene photos may show people), for attachments of
    reports in the caller's jurisdiction."""
    async with uow_for(request) as uow:
        media = await queries.attachment_media_type(uow.connection, digest, principal)
    content = await _store(request).get(digest) if media else None
    if content is None or media is None:
        raise not_found("attachment", "附件")
    return Response(content, media_type=media)
