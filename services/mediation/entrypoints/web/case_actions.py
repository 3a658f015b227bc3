"""A note (备注) and a handover within the committee (委员会内转交), on one case's page
and in bulk from the case list.

The bulk form sends the same command through the same handler once per case, each in
its own unit of work, so it checks exactly what the single action checks and one
refusal never stops the others; the answer reports every case: done, or refused with
the reason in the page's language. A batch is limited to ``MAX_BULK`` cases. Each case
gets its own idempotency key derived from the form's (a double submit is done once).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from services.mediation.adapters import dashboard_queries as queries
from services.mediation.domain.dispute import StepRefused
from services.mediation.entrypoints.web.case_pages import Outcome, _context, _not_found
from services.mediation.entrypoints.web.pages import (
    MAX_BULK,
    runtime_of,
    signed_in,
    signed_in_person,
    with_renewed_tokens,
)
from services.mediation.entrypoints.web.rendering import gettext_for, render, request_language
from services.mediation.entrypoints.web.session import Session, check_same_origin
from services.mediation.service_layer import case_actions
from services.mediation.service_layer.case_work import (
    Answer,
    CaseNotWorkable,
    Idempotency,
    KeyReused,
)
from shared.auth.policy import PUBLIC

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

ACTIONS = ("note", "handover")


async def _run(
    request: Request, session: Session, action: str, case_id: str, value: str, key: str
) -> Answer:
    """One case through the one handler of ``action``, in its own unit of work."""
    runtime = runtime_of(request)
    principal = session.principal
    idempotency = Idempotency.of(
        principal, key, "POST", f"/case/{case_id}/{action}", value.encode()
    )
    async with runtime.uow() as uow:
        if action == "note":
            return await case_actions.add_note(
                uow, runtime.state.pii_keys, case_id, value, principal, idempotency=idempotency
            )
        return await case_actions.hand_to_colleague(
            uow, runtime.state.pii_keys, case_id, value, principal, idempotency=idempotency
        )


def _refusal(request: Request, exc: Exception) -> tuple[str | None, str]:
    """The field a refusal is about (if any) and its reason in the page's language."""
    _ = gettext_for(request)
    if isinstance(exc, StepRefused):
        chinese = request_language(request) == "zh_CN"
        return exc.field, exc.zh if chinese else exc.en
    if isinstance(exc, KeyReused):
        return None, _("This form was already used for another entry; reload the page.")
    return None, _("You may not work on this case (it is not yours, or not assigned yet).")


REFUSED = (StepRefused, CaseNotWorkable, KeyReused)


async def _single(request: Request, case_id: str, action: str, field: str) -> Response:
    check_same_origin(request)
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    _ = gettext_for(request)
    data = await request.form()
    value = str(data.get(field) or "")
    key = str(data.get("_key") or "").strip()[:200] or uuid.uuid4().hex
    try:
        done = await _run(request, session, action, case_id, value, key)
    except CaseNotWorkable:
        return _not_found(request, session)
    except REFUSED as exc:
        at, reason = _refusal(request, exc)
        errors = {at: [reason]} if at else {}
        failed = (action, {field: value}, errors)
        context = await _context(
            request, session, case_id, full=False, failed=failed, outcome=Outcome("refused", reason)
        )
        if context is None:
            return _not_found(request, session)
        template = "_case_work.html" if request.headers.get("hx-request") else "case.html"
        return with_renewed_tokens(
            request, session, render(request, template, context, status_code=422)
        )
    if not request.headers.get("hx-request"):
        return with_renewed_tokens(
            request, session, RedirectResponse(f"/case/{case_id}#timeline", status_code=303)
        )
    if done.replayed:
        outcome = Outcome("replayed", _("This form was already sent; it was done once."))
    elif action == "note":
        outcome = Outcome("done", _("The note was added."))
    else:
        outcome = Outcome(
            "done", _("Handed over; the case shows its new handler once routing applies it.")
        )
    context = await _context(request, session, case_id, full=False, outcome=outcome)
    if context is None:
        return _not_found(request, session)
    return with_renewed_tokens(request, session, render(request, "_case_work.html", context))


@router.post("/case/{case_id}/note")
async def add_note(case_id: str, request: Request) -> Response:
    return await _single(request, case_id, "note", "text")


@router.post("/case/{case_id}/handover")
async def hand_over(case_id: str, request: Request) -> Response:
    return await _single(request, case_id, "handover", "to_staff_id")


@dataclass(frozen=True)
class BulkResult:
    case_id: str
    label: str  # the case number, or the id of a case the caller cannot see
    done: bool
    reason: str = ""


@router.post("/cases/bulk")
async def bulk(request: Request) -> Response:
    check_same_origin(request)
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    _ = gettext_for(request)
    data = await request.form()
    action = str(data.get("action") or "")
    case_ids = list(dict.fromkeys(str(v) for v in data.getlist("case") if str(v).strip()))
    field = "text" if action == "note" else "to_staff_id"
    value = str(data.get(field) or "")
    key = str(data.get("_key") or "").strip()[:200] or uuid.uuid4().hex
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        errors["action"] = _("Choose what to do with the selected cases.")
    if not case_ids:
        errors["case"] = _("Select at least one case.")
    elif len(case_ids) > MAX_BULK:
        errors["case"] = _("At most %(n)s cases at a time; %(m)s were selected.") % {
            "n": MAX_BULK,
            "m": len(case_ids),
        }
    if action == "note" and not value.strip():
        errors["text"] = _("Write the note.")
    if action == "handover" and not value:
        errors["to_staff_id"] = _("Choose the colleague.")
    results: list[BulkResult] = []
    if not errors:
        async with runtime_of(request).uow() as uow:
            views = {
                c: await queries.get_case(uow.connection, session.principal, c) for c in case_ids
            }
        for case_id in case_ids:
            view = views.get(case_id)
            label = (view.case_number or case_id) if view is not None else case_id
            try:
                await _run(request, session, action, case_id, value, f"{key}:{case_id}")
            except REFUSED as exc:
                results.append(BulkResult(case_id, label, False, _refusal(request, exc)[1]))
            else:
                results.append(BulkResult(case_id, label, True))
    context: dict[str, Any] = {
        "action": action,
        "errors": errors,
        "results": results,
        "done": sum(r.done for r in results),
        "refused": sum(not r.done for r in results),
    }
    status = 422 if errors else 200
    if request.headers.get("hx-request"):
        response = render(request, "_bulk_results.html", context, status_code=status)
    else:
        context["me"] = await signed_in_person(request, session)
        context["current"] = "cases"
        response = render(request, "bulk.html", context, status_code=status)
    return with_renewed_tokens(request, session, response)
