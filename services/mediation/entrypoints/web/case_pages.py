"""A case's page, where the case is worked: the file's sections (masked, or in full for
the roles that may, audited), the typed timeline, risk flags, a form for every step
the file's state allows the signed-in person, and the printed documents.

A form posts (through htmx, or as a plain form without script) to
``/case/{id}/steps/{step}``, which reads it into the same body the JSON route
validates and takes the step through the one write path, ``take_step``: the form
carries an Idempotency-Key made when it was rendered (a double submit is answered
once) and the file's version (a stale one shows the fresh file and says so). Errors
are shown next to their fields, in the page's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.mediation.adapters import dashboard_queries as queries
from services.mediation.adapters.clock_queries import clocks_of
from services.mediation.adapters.routing_client import RoutingUnavailable
from services.mediation.domain import agenda
from services.mediation.domain.clocks import case_card
from services.mediation.domain.commands import Actor
from services.mediation.domain.dispute import Dispute, StepRefused
from services.mediation.domain.masking import mask_name, mask_people, masked_document
from services.mediation.domain.situation_report import SituationReport
from services.mediation.domain.step_menu import dispute_steps, report_steps
from services.mediation.entrypoints import documents as printed
from services.mediation.entrypoints.case_work import file_document, report_document
from services.mediation.entrypoints.web import forms, labels
from services.mediation.entrypoints.web.pages import (
    local_time,
    routing_client,
    runtime_of,
    signed_in,
    signed_in_person,
    with_renewed_tokens,
    working_calendar,
)
from services.mediation.entrypoints.web.rendering import gettext_for, render, request_language
from services.mediation.entrypoints.web.session import Session, check_same_origin
from services.mediation.service_layer import case_work as handlers
from services.mediation.service_layer import documents as printing
from shared.auth.policy import PUBLIC
from shared.auth.roles import SEES_FULL_PERSONAL_DATA
from shared.http.problems import Problem

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

# Routing's group-dispute rule (practice: the monthly report's first band is < 50).
GROUP_PEOPLE = 50

CHOICES = {
    "came_in": dict(forms.CAME_IN),
    "decline": dict(forms.DECLINE_REASONS),
    "outcome": dict(forms.OUTCOMES),
    "invitee": dict(forms.INVITEES),
    "signature": dict(forms.SIGNATURE_KINDS),
    "confirmation": dict(forms.CONFIRMATION_RESULTS),
    "performance": dict(forms.PERFORMANCE),
    "after": dict(forms.AFTER_FOLLOW_UP),
    "route": dict(forms.ROUTES),
    "result": dict(forms.RESULTS),
    "report_result": dict(forms.REPORT_RESULTS),
}


@dataclass
class FormView:
    """One step's form as rendered: its key and version, the values to show back and
    the errors next to their fields."""

    spec: forms.StepForm
    key: str
    parties: list[tuple[int, str]]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    open: bool = False

    def value(self, name: str, default: str = "") -> Any:
        return self.values.get(name, default)

    def chosen(self, name: str) -> list[str]:
        found = self.values.get(name, [])
        return found if isinstance(found, list) else [found]


@dataclass
class Outcome:
    """What the last post did, for the message above the file."""

    kind: str  # done, replayed, stale, refused, invalid
    text: str


def _when(value: Any) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(moment, datetime):
        return local_time(moment)
    return str(moment)


def _party_choices(file: Dispute | SituationReport | None) -> list[tuple[str, str]]:
    if not isinstance(file, Dispute) or file.registration is None:
        return []
    return [(p.role, p.name) for p in file.registration.parties]


def _labelled(
    parties: list[tuple[str, str]], full: bool, only: list[str] | None = None
) -> list[tuple[int, str]]:
    """Choices by place in the file, names masked unless the page is the full view."""
    return [
        (i, f"{role} {name if full else mask_name(name)}")
        for i, (role, name) in enumerate(parties)
        if only is None or name in only
    ]


async def _context(
    request: Request,
    session: Session,
    case_id: str,
    *,
    full: bool,
    failed: tuple[str, dict[str, Any], dict[str, list[str]]] | None = None,
    outcome: Outcome | None = None,
) -> dict[str, Any] | None:
    """Everything the case page shows, or None when the case is not the caller's to see."""
    runtime = runtime_of(request)
    keys = runtime.state.pii_keys
    principal = session.principal
    full = full and principal.role in SEES_FULL_PERSONAL_DATA
    async with runtime.uow() as uow:
        header = await queries.case_header(uow.connection, principal, case_id)
        if header is None:
            return None
        if full:
            row = await handlers.full_case_file(
                uow,
                keys,
                case_id,
                principal,
                audit_log=runtime.tables.audit_log,
                audit_purges=runtime.tables.audit_purges,
                source=request.client.host if request.client else "",
            )
        else:
            row = await handlers.case_file(uow, keys, case_id, principal)
        entries = await handlers.timeline(uow, keys, case_id, principal) or []
        clocks = (await clocks_of(uow.connection, [case_id])).get(case_id, [])
        workable = await queries.may_work_case(uow.connection, principal, case_id)
        colleagues = (
            await queries.colleagues(uow.connection, [header.unit_code])
            if workable and header.unit_code
            else []
        )
    if row is None:
        return None
    dispute, report = row.dispute, row.report
    file: Dispute | SituationReport | None = dispute or report
    if dispute is not None:
        document: dict[str, Any] | None = file_document(dispute)
    elif report is not None:
        document = report_document(report)
    else:
        document = None
    if document is not None and not full:
        document = masked_document(document)
    is_report = header.kind == "report"
    named = dispute.people_named if dispute is not None else []
    state = file.state.value if file else "new"
    actor = Actor(principal.staff_id, principal.role)
    if is_report:
        menu_file: Dispute | SituationReport = report or SituationReport(
            case_id, handler_id=header.assignee_id, reporter_id=header.reporter_id
        )
        if isinstance(menu_file, SituationReport):
            menu_file.handler_id = header.assignee_id
            steps = report_steps(menu_file, actor)
        else:  # pragma: no cover - the kind decides the file
            steps = []
    else:
        menu_dispute = dispute or Dispute(case_id)
        menu_dispute.handler_id = header.assignee_id
        steps = dispute_steps(menu_dispute, actor)
    if header.status != "assigned":
        steps = []  # routing has not placed it yet: nobody may work it
    parties = _party_choices(file)
    unsigned = (
        dispute.written_agreement.unsigned_parties()
        if dispute is not None and dispute.written_agreement is not None
        else None
    )
    form_views = []
    for step in steps:
        spec = forms.BY_COMMAND[step]
        view = FormView(
            spec,
            uuid.uuid4().hex,
            _labelled(parties, full, unsigned if spec.slug == "party-signature" else None),
        )
        if failed is not None and failed[0] == spec.slug:
            view.values, view.errors, view.open = failed[1], failed[2], True
        form_views.append(view)
    now = datetime.now(UTC)
    flags = list(header.risk_signals)
    if dispute is not None and dispute.police_referral is not None:
        flags.append("报告公安机关")
    group = header.people_involved is not None and header.people_involved >= GROUP_PEOPLE
    # The mediation time limit runs while mediating (MoJ 2002 art. 33), not after.
    running = state in ("in_mediation", "awaiting_signatures")
    due_at = file.due_at if file is not None and running else None
    documents = principal.role in SEES_FULL_PERSONAL_DATA and dispute is not None and not is_report
    # The session agreed on (约定调解), its place as the reader may see it.
    next_session = (
        {
            "starts_at": dispute.scheduled_session.starts_at,
            "place": (document or {}).get("scheduled_session", {}).get("place", ""),
        }
        if dispute is not None and dispute.scheduled_session is not None and running
        else None
    )
    routing_unavailable = False
    try:
        decisions = await routing_client(request).case_routing(session.access_token, case_id)
    except RoutingUnavailable:
        decisions, routing_unavailable = [], True
    return {
        "me": await signed_in_person(request, session),
        "current": "cases",
        "case": header,
        "kind": "report" if is_report else "dispute",
        "state": state,
        "state_label": (labels.REPORT_STATES if is_report else labels.DISPUTE_STATES).get(
            state, state
        ),
        "version": file.version if file else 0,
        "file": document,
        "dispute": dispute,
        "full": full,
        "may_see_full": principal.role in SEES_FULL_PERSONAL_DATA and not is_report,
        "timeline": [
            {
                "at": e.at,
                "actor_id": e.actor_id,
                "actor_role": e.actor_role,
                "step": e.step,
                "what": e.what if full else mask_people(e.what, named),
                "why": (e.why if full else mask_people(e.why, named)) if e.why else None,
                "version": e.file_version,
                "decision": e.step in labels.DECISIONS,
            }
            for e in reversed(entries)
        ],
        "forms": form_views,
        "actions": {
            "workable": workable,
            "colleagues": [c for c in colleagues if c.staff_id != header.assignee_id],
            "key": uuid.uuid4().hex,
            "failed": failed[0] if failed and failed[0] in ("note", "handover") else None,
            "values": failed[1] if failed else {},
            "errors": failed[2] if failed else {},
        },
        "outcome": outcome,
        "flags": flags,
        "group": group,
        "due_at": due_at,
        "next_session": next_session,
        "due_bucket": agenda.bucket(due_at, now, working_calendar()) if due_at else None,
        "clocks": clocks,
        "case_card": case_card(clocks),
        "documents": documents,
        "decisions": decisions,
        "routing_unavailable": routing_unavailable,
        "local": local_time,
        "when": _when,
        "choices": CHOICES,
        "step_labels": labels.STEPS,
        "bucket_labels": labels.BUCKETS,
        "default_of": lambda f: forms.default_value(
            f, now=now, staff_id=principal.staff_id, committee=header.unit_name or ""
        ),
    }


def _not_found(request: Request, session: Session, me: Any = None) -> Response:
    return with_renewed_tokens(
        request, session, render(request, "not_found.html", {"me": me}, status_code=404)
    )


@router.get("/case/{case_id}")
async def case_page(case_id: str, request: Request, full: str = "") -> Response:
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    context = await _context(request, session, case_id, full=full == "1")
    if context is None:
        return _not_found(request, session, await signed_in_person(request, session))
    return with_renewed_tokens(request, session, render(request, "case.html", context))


def _form_values(spec: forms.StepForm, data: Any) -> dict[str, Any]:
    """What was typed, to show back with the errors."""
    values: dict[str, Any] = {}
    for name in data:
        items = data.getlist(name)
        values[name] = items if len(items) > 1 or _multi(spec, name) else items[0]
    return values


def _multi(spec: forms.StepForm, name: str) -> bool:
    return any(f.name == name and f.kind in ("parties", "choices") for f in spec.fields)


@router.post("/case/{case_id}/steps/{slug}")
async def take_step(case_id: str, slug: str, request: Request) -> Response:
    check_same_origin(request)
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    spec = forms.BY_SLUG.get(slug)
    if spec is None:
        return _not_found(request, session)
    _ = gettext_for(request)
    chinese = request_language(request) == "zh_CN"
    data = await request.form()
    runtime = runtime_of(request)
    keys = runtime.state.pii_keys
    principal = session.principal
    async with runtime.uow() as uow:
        row = await handlers.case_file(uow, keys, case_id, principal)
    if row is None:
        return _not_found(request, session)
    parties = _party_choices(row.dispute)
    parsed = forms.parse(spec, data, parties, _)
    errors = dict(parsed.errors)
    body = None
    if not errors:
        try:
            body = spec.body.model_validate(parsed.body)
        except ValidationError as exc:
            errors = forms.validation_errors(spec, exc, parsed, _)
    values = _form_values(spec, data)

    async def answer(status: int, outcome: Outcome, failed: bool) -> Response:
        context = await _context(
            request,
            session,
            case_id,
            full=False,
            failed=(slug, values, errors) if failed else None,
            outcome=outcome,
        )
        if context is None:
            return _not_found(request, session)
        template = "_case_work.html" if request.headers.get("hx-request") else "case.html"
        return with_renewed_tokens(
            request, session, render(request, template, context, status_code=status)
        )

    if body is None:
        return await answer(
            422, Outcome("invalid", _("Some fields need attention; see below.")), True
        )
    key = str(data.get("_key") or "").strip()[:200] or uuid.uuid4().hex
    try:
        version = int(str(data.get("_version") or "0"))
    except ValueError:
        version = 0
    idempotency = handlers.Idempotency.of(
        principal, key, "POST", request.url.path, body.model_dump_json().encode()
    )
    try:
        async with runtime.uow() as uow:
            done = await handlers.take_step(
                uow,
                keys,
                case_id,
                body.command(),  # type: ignore[attr-defined]
                principal,
                if_match=version,
                idempotency=idempotency,
            )
    except handlers.CaseNotWorkable:
        return _not_found(request, session)
    except (handlers.NotADispute, handlers.NotAReport):
        return await answer(409, Outcome("refused", _("This step does not apply here.")), True)
    except handlers.VersionMismatch as exc:
        text = _(
            "Someone else changed this case while you were filling in the form (it is now "
            "at version %(version)s). Here is the file as it is now; check it and enter "
            "the step again."
        ) % {"version": exc.current}
        return await answer(412, Outcome("stale", text), False)
    except (handlers.KeyReused, handlers.VersionRequired):
        text = _("This form was already used for another entry; reload the page.")
        return await answer(409, Outcome("refused", text), False)
    except StepRefused as exc:
        message = exc.zh if chinese else exc.en
        if exc.field:
            errors = forms.refusal_errors(spec, exc.field, message)
            return await answer(422, Outcome("invalid", message), True)
        return await answer(409, Outcome("refused", message), True)
    if not request.headers.get("hx-request"):
        return with_renewed_tokens(
            request, session, RedirectResponse(f"/case/{case_id}#timeline", status_code=303)
        )
    if done.replayed:
        outcome = Outcome("replayed", _("This form was already sent; it was done once."))
    else:
        outcome = Outcome("done", _("Done: %(what)s") % {"what": done.body.get("what", "")})
    return await answer(200, outcome, False)


# ---- printed documents, for the signed-in session --------------------------------------


async def _print(request: Request, case_id: str, work: Any, *args: Any) -> Any:
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    try:
        document = await printed.served_document(request, work, case_id, *args, session.principal)
    except Problem as exc:
        page = render(
            request,
            "not_found.html",
            {"me": await signed_in_person(request, session)},
            status_code=404 if exc.status in (403, 404) else exc.status,
        )
        return with_renewed_tokens(request, session, page)
    return session, document


@router.get("/case/{case_id}/agreement.pdf")
async def agreement_pdf(case_id: str, request: Request) -> Response:
    """The agreement as PDF: the same audited handler as ``GET /cases/{id}/agreement.pdf``."""
    result = await _print(request, case_id, printing.agreement_pdf)
    if isinstance(result, Response):
        return result
    session, document = result
    name = f"人民调解协议书{document.document.number}.pdf"
    disposition = printed.content_disposition("inline", name, f"agreement-{case_id}.pdf")
    return with_renewed_tokens(
        request, session, printed.pdf_response(document.content, disposition)
    )


@router.get("/case/{case_id}/agreement/print")
async def agreement_print(case_id: str, request: Request) -> Response:
    result = await _print(request, case_id, printing.agreement_page)
    if isinstance(result, Response):
        return result
    session, document = result
    page = HTMLResponse(
        document.content,
        headers={
            **printed.NO_STORE,
            "Content-Security-Policy": printed.print_page_policy(document.content),
        },
    )
    return with_renewed_tokens(request, session, page)


@router.get("/case/{case_id}/sessions/{n}/record.pdf")
async def session_record_pdf(
    case_id: str, request: Request, n: int = Path(ge=1, le=10_000)
) -> Response:
    result = await _print(request, case_id, printing.session_record_pdf, n)
    if isinstance(result, Response):
        return result
    session, document = result
    number = document.case.case_number or case_id
    disposition = printed.content_disposition(
        "inline", f"人民调解笔录{number}第{n}次.pdf", f"session-{n}-{case_id}.pdf"
    )
    return with_renewed_tokens(
        request, session, printed.pdf_response(document.content, disposition)
    )


@router.get("/case/{case_id}/file.pdf")
async def case_file_pdf(case_id: str, request: Request) -> Response:
    result = await _print(request, case_id, printing.case_file_pdf)
    if isinstance(result, Response):
        return result
    session, document = result
    number = document.case.case_number or case_id
    disposition = printed.content_disposition(
        "attachment", f"人民调解卷宗{number}.pdf", f"case-file-{case_id}.pdf"
    )
    return with_renewed_tokens(
        request, session, printed.pdf_response(document.content, disposition)
    )
