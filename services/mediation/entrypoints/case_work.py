"""Case work over HTTP: the disputes procedure, one route per step, the case file and
its timeline.

Every write needs an ``Idempotency-Key`` (bound to the caller: a replay answers the
first answer, with ``Idempotency-Replayed: true``) and, once the file exists, an
``If-Match`` with the ``ETag`` last read (stale → 412, missing → 428). Routes only
translate: the rules are in ``domain/dispute.py``, the transaction in
``service_layer/case_work.py``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.mediation.adapters.case_file_codec import dump
from services.mediation.domain import case_file as cf
from services.mediation.domain import commands as c
from services.mediation.domain.dispute import LABELS_ZH, Dispute, StepRefused
from services.mediation.domain.masking import mask_people, masked_document
from services.mediation.domain.report_commands import ReportCommand
from services.mediation.domain.situation_report import REPORT_LABELS_ZH, SituationReport
from services.mediation.entrypoints.problems import (
    BAD_IF_MATCH,
    IDEMPOTENCY_KEY_REQUIRED,
    IDEMPOTENCY_KEY_REUSED,
    NOT_A_DISPUTE,
    NOT_A_REPORT,
    STEP_INVALID,
    STEP_REFUSED,
    VERSION_REQUIRED,
    VERSION_STALE,
)
from services.mediation.service_layer import case_work as handlers
from services.mediation.state import MediationRuntime
from shared.auth import roles
from shared.auth.policy import Access
from shared.auth.tokens import Principal
from shared.http.problems import FieldError, Problem, not_found
from shared.privacy.crypto import KeyRing

router = APIRouter(tags=["case work"])

WORKERS = Access(roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER)
FILE_READERS = Access(roles.GRID_OFFICER, *roles.HANDLERS, *roles.OPERATORS, roles.ADMIN)
FULL_READERS = Access(roles.MEDIATOR, roles.COMMUNITY_POLICE, roles.LEGAL_ADVISER)

Text = Annotated[str, Field(min_length=1, max_length=20000)]
Short = Annotated[str, Field(min_length=1, max_length=200)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- request bodies ---------------------------------------------------------------------


class PartyIn(Body):
    role: Short
    name: Short


class ConsentIn(Body):
    party: Short
    at: datetime


class AcceptIn(Body):
    came_in: cf.CameIn
    parties: list[PartyIn] = Field(min_length=1, max_length=50)
    summary: Text
    rules_explained: bool
    applies_voluntarily: bool
    consents: list[ConsentIn] = Field(default_factory=list)
    referred_by: Short | None = None
    second_mediator: Short | None = None
    accepted_at: datetime | None = None

    def command(self) -> c.Accept:
        return c.Accept(
            self.came_in,
            tuple(cf.Party(p.role, p.name) for p in self.parties),
            self.summary,
            self.rules_explained,
            self.applies_voluntarily,
            tuple(cf.Consent(x.party, x.at) for x in self.consents),
            self.referred_by,
            self.second_mediator,
            self.accepted_at,
        )


class DeclineIn(Body):
    reason: cf.DeclineReason
    note: Text

    def command(self) -> c.Decline:
        return c.Decline(self.reason, self.note)


class RefuseIn(Body):
    staff_id: Short
    by_party: Short | None = None  # none: the mediator recuses themselves
    reason: Text

    def command(self) -> c.RefuseMediator:
        return c.RefuseMediator(self.staff_id, self.by_party, self.reason)


class ChooseIn(Body):
    staff_id: Short
    chosen_by: list[Short] = Field(min_length=1)

    def command(self) -> c.ChooseMediator:
        return c.ChooseMediator(self.staff_id, tuple(self.chosen_by))


class InvitedIn(Body):
    name: Short
    kind: cf.Invitee
    staff_id: Short | None = None
    consented_by: list[Short] = Field(default_factory=list)


class SessionScheduleIn(Body):
    starts_at: AwareDatetime  # with its offset: the rules compare it with the clock
    place: Short
    note: str = Field(default="", max_length=2000)

    def command(self) -> c.ScheduleSession:
        return c.ScheduleSession(self.starts_at, self.place, self.note)


class SessionIn(Body):
    started_at: datetime
    ended_at: datetime
    place: Short
    host: Short
    note_taker: Short
    parties_present: list[Short]
    invited: list[InvitedIn] = Field(default_factory=list)
    public: bool = False
    record: Text
    outcome: cf.SessionOutcome

    def command(self) -> c.RecordSession:
        return c.RecordSession(
            self.started_at,
            self.ended_at,
            self.place,
            self.host,
            self.note_taker,
            tuple(self.parties_present),
            tuple(
                cf.InvitedPerson(i.name, i.kind, i.staff_id, tuple(i.consented_by))
                for i in self.invited
            ),
            self.public,
            self.record,
            self.outcome,
        )


class InvestigationIn(Body):
    at: datetime
    place: Short
    investigators: list[Short] = Field(min_length=1)
    persons_interviewed: list[Short] = Field(default_factory=list)
    record: Text

    def command(self) -> c.RecordInvestigation:
        return c.RecordInvestigation(
            self.at,
            self.place,
            tuple(self.investigators),
            tuple(self.persons_interviewed),
            self.record,
        )


class AgreementPartyIn(Body):
    role: Short
    name: Short
    gender: Short | None = None
    ethnicity: Short | None = None
    birth_date: date | None = None
    id_number: Short | None = None
    phone: Short | None = None
    address: Short | None = None
    occupation: Short | None = None


class TermIn(Body):
    obligor: Short
    content: Text
    method: Short
    place: Short
    deadline: date

    def term(self) -> cf.Term:
        return cf.Term(self.obligor, self.content, self.method, self.place, self.deadline)


class ResponsibilityIn(Body):
    party: Short
    responsibility: Text


class AgreementIn(Body):
    number: Short
    parties: list[AgreementPartyIn] = Field(min_length=1, max_length=50)
    facts: Text
    disputed_matters: Text
    responsibilities: list[ResponsibilityIn] = Field(default_factory=list)
    terms: list[TermIn] = Field(default_factory=list, max_length=100)

    def command(self) -> c.DraftWrittenAgreement:
        return c.DraftWrittenAgreement(
            self.number,
            tuple(cf.AgreementParty(**p.model_dump()) for p in self.parties),
            self.facts,
            self.disputed_matters,
            tuple((r.party, r.responsibility) for r in self.responsibilities),
            tuple(t.term() for t in self.terms),
        )


class ReviewIn(Body):
    opinion: Text
    approves: bool

    def command(self) -> c.ReviewAgreement:
        return c.ReviewAgreement(self.opinion, self.approves)


class PartySignatureIn(Body):
    party: Short
    kind: cf.SignatureKind
    at: datetime

    def command(self) -> c.SignAsParty:
        return c.SignAsParty(self.party, self.kind, self.at)


class MediatorSignatureIn(Body):
    at: datetime

    def command(self) -> c.SignAsMediator:
        return c.SignAsMediator(self.at)


class SealIn(Body):
    committee: Short
    at: datetime

    def command(self) -> c.SealAgreement:
        return c.SealAgreement(self.committee, self.at)


class OralAgreementIn(Body):
    content: Text
    terms: list[TermIn] = Field(default_factory=list)
    parties_agreeing: list[Short]
    reached_at: datetime

    def command(self) -> c.RecordOralAgreement:
        return c.RecordOralAgreement(
            self.content,
            tuple(t.term() for t in self.terms),
            tuple(self.parties_agreeing),
            self.reached_at,
        )


class ConfirmationApplicationIn(Body):
    court: Short
    applied_on: date

    def command(self) -> c.ApplyForConfirmation:
        return c.ApplyForConfirmation(self.court, self.applied_on)


class ConfirmationDecisionIn(Body):
    result: cf.ConfirmationResult
    decided_on: date
    note: str = Field(default="", max_length=2000)

    def command(self) -> c.RecordConfirmation:
        return c.RecordConfirmation(self.result, self.decided_on, self.note)


class FollowUpScheduleIn(Body):
    due_on: date

    def command(self) -> c.ScheduleFollowUp:
        return c.ScheduleFollowUp(self.due_on)


class PerformanceIn(Body):
    party: Short
    what: Text
    at: datetime

    def command(self) -> c.RecordPerformance:
        return c.RecordPerformance(self.party, self.what, self.at)


class FollowUpIn(Body):
    visited_at: datetime
    visitor: Short
    person_visited: Short
    performance: cf.Performance
    situation: Text
    after: cf.AfterFollowUp = cf.AfterFollowUp.NOTHING

    def command(self) -> c.RecordFollowUp:
        return c.RecordFollowUp(
            self.visited_at,
            self.visitor,
            self.person_visited,
            self.performance,
            self.situation,
            self.after,
        )


class TerminateIn(Body):
    reason: Text
    routes_told: list[cf.Route]

    def command(self) -> c.Terminate:
        return c.Terminate(self.reason, tuple(self.routes_told))


class PoliceReferralIn(Body):
    police_staff_id: Short
    reason: Text

    def command(self) -> c.ReferToPolice:
        return c.ReferToPolice(self.police_staff_id, self.reason)


class ExtensionIn(Body):
    until: datetime
    consents: list[ConsentIn]
    reason: Text

    def command(self) -> c.ExtendTimeLimit:
        return c.ExtendTimeLimit(
            self.until, tuple(cf.Consent(x.party, x.at) for x in self.consents), self.reason
        )


class CloseIn(Body):
    result: cf.Result
    reason: str = Field(default="", max_length=2000)

    def command(self) -> c.Close:
        return c.Close(self.result, self.reason)


class ArchiveIn(Body):
    year: int = Field(ge=2000, le=2100)
    volume_number: Short
    retention: Short

    def command(self) -> c.Archive:
        return c.Archive(self.year, self.volume_number, self.retention)


def _problem(description: str) -> dict[str, Any]:
    """A documented problem answer; its ``application/problem+json`` schema is added for
    every operation by ``shared.http.openapi``."""
    return {"description": description}


STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Idempotency-Key or If-Match missing or malformed"),
    404: _problem("Not a case you may work on"),
    409: _problem("The procedure does not allow this step now (`rule` names why)"),
    412: _problem("If-Match is stale: the file changed since it was read"),
    422: _problem("A field is invalid or the rules refuse its value"),
    428: _problem("If-Match required: the file exists"),
}


class StepOut(BaseModel):
    case_id: str
    step: str
    what: str
    state: str
    state_label: str
    version: int
    due_at: datetime | None


# ---- translation ------------------------------------------------------------------------


def _runtime(request: Request) -> MediationRuntime:
    runtime: MediationRuntime = request.app.state.runtime
    return runtime


def _keys(request: Request) -> KeyRing:
    return _runtime(request).state.pii_keys


def _if_match(request: Request) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BAD_IF_MATCH(
            'If-Match carries the ETag of the file as read, e.g. "3".',
            'If-Match 应为读取卷宗时的 ETag，例如 "3"。',
            errors=[FieldError("#/header/If-Match", "etag", "Not an ETag.", "不是有效的 ETag。")],
        )
    return int(value)


def _refusal(exc: StepRefused) -> Problem:
    errors = []
    if exc.field:
        errors.append(FieldError(f"#/{exc.field}", exc.code, exc.en, exc.zh))
    return (STEP_INVALID if exc.field else STEP_REFUSED)(
        exc.en,
        exc.zh,
        errors=errors,
        extra={"rule": exc.code},
    )


async def take(
    request: Request,
    case_id: str,
    principal: Principal,
    command: c.Command | ReportCommand,
    status: int = 200,
) -> JSONResponse:
    """Take one step of a dispute's or a report's file and answer it (shared by the
    report routes in ``report_work``)."""
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 200:
        raise IDEMPOTENCY_KEY_REQUIRED(
            "Every write carries an Idempotency-Key (up to 200 characters) so that a retry is "
            "answered, not repeated.",
            "每个写操作须带 Idempotency-Key（不超过 200 字符），"
            "以便重试时返回首次结果而不重复执行。",
            errors=[
                FieldError("#/header/Idempotency-Key", "missing", "Required.", "此字段为必填项。")
            ],
        )
    idempotency = handlers.Idempotency.of(
        principal, key, request.method, request.url.path, await request.body()
    )
    runtime = _runtime(request)
    try:
        async with runtime.uow() as uow:
            answer = await handlers.take_step(
                uow,
                _keys(request),
                case_id,
                command,
                principal,
                if_match=_if_match(request),
                idempotency=idempotency,
                status=status,
                now=runtime.clock.now(),
            )
    except handlers.CaseNotWorkable as exc:
        raise not_found("case you may work on", "您可办理的案件") from exc
    except handlers.NotADispute as exc:
        raise NOT_A_DISPUTE(
            "The mediation procedure applies to disputes only.",
            "调解程序仅适用于矛盾纠纷。",
        ) from exc
    except handlers.NotAReport as exc:
        raise NOT_A_REPORT(
            "These steps are for situation reports; a dispute follows the mediation procedure.",
            "此操作仅适用于事件；矛盾纠纷应按调解程序办理。",
        ) from exc
    except handlers.VersionRequired as exc:
        raise VERSION_REQUIRED(
            "Send If-Match with the ETag of the case file you read.",
            "请在 If-Match 中带上所读取卷宗的 ETag。",
        ) from exc
    except handlers.VersionMismatch as exc:
        raise VERSION_STALE(
            f"The file is at version {exc.current}; read it again before changing it.",
            f"卷宗当前版本为 {exc.current}，请重新读取后再修改。",
            extra={"current_version": exc.current},
            headers={"ETag": f'"{exc.current}"'},
        ) from exc
    except handlers.KeyReused as exc:
        raise IDEMPOTENCY_KEY_REUSED(
            "This key was used with another request.",
            "该 Idempotency-Key 已用于另一个请求。",
        ) from exc
    except StepRefused as exc:
        raise _refusal(exc) from exc
    headers = dict(answer.headers)
    if answer.replayed:
        headers["Idempotency-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


# ---- steps ------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/acceptance", status_code=201, response_model=StepOut, responses=STEP_RESPONSES
)
async def accept(
    case_id: str, body: AcceptIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """受理 (arts. 17, 18): opens the case file; the one-month limit starts."""
    return await take(request, case_id, principal, body.command(), 201)


@router.post(
    "/cases/{case_id}/declination",
    status_code=201,
    response_model=StepOut,
    responses=STEP_RESPONSES,
)
async def decline(
    case_id: str, body: DeclineIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """不予受理 with the reason (art. 17; MoJ 2002 art. 22)."""
    return await take(request, case_id, principal, body.command(), 201)


@router.post("/cases/{case_id}/mediator-refusal", response_model=StepOut, responses=STEP_RESPONSES)
async def refuse_mediator(
    case_id: str, body: RefuseIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """A party refuses a handler, or the handler recuses (arts. 19, 23): routing assigns
    another; the refused person loses access at once."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/mediator-choice", response_model=StepOut, responses=STEP_RESPONSES)
async def choose_mediator(
    case_id: str, body: ChooseIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """The parties choose a mediator (art. 19); the chosen one joins at once."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/sessions/schedule", response_model=StepOut, responses=STEP_RESPONSES)
async def schedule_session(
    case_id: str,
    body: SessionScheduleIn,
    request: Request,
    principal: Principal = Depends(WORKERS),
) -> JSONResponse:
    """约定调解时间、地点: the next session, before the time limit ends (MoJ 2002 art.
    33); again to reschedule. Recording a session clears it."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/sessions", response_model=StepOut, responses=STEP_RESPONSES)
async def record_session(
    case_id: str, body: SessionIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """调解记录 (arts. 20, 23)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/investigations", response_model=StepOut, responses=STEP_RESPONSES)
async def record_investigation(
    case_id: str, body: InvestigationIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """调查记录."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/agreement", response_model=StepOut, responses=STEP_RESPONSES)
async def draft_agreement(
    case_id: str, body: AgreementIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """调解协议书 (arts. 28, 29): a draft awaiting signatures."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/agreement/review", response_model=StepOut, responses=STEP_RESPONSES)
async def review_agreement(
    case_id: str, body: ReviewIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """The legal adviser's opinion on the draft."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/agreement/party-signatures", response_model=StepOut, responses=STEP_RESPONSES
)
async def sign_as_party(
    case_id: str, body: PartySignatureIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """A party signs, seals or fingerprints (art. 29)."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/agreement/mediator-signature",
    response_model=StepOut,
    responses=STEP_RESPONSES,
)
async def sign_as_mediator(
    case_id: str,
    body: MediatorSignatureIn,
    request: Request,
    principal: Principal = Depends(WORKERS),
) -> JSONResponse:
    """The mediator signs (art. 29)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/agreement/seal", response_model=StepOut, responses=STEP_RESPONSES)
async def seal(
    case_id: str, body: SealIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """The committee seals (art. 29); with every signature the agreement takes effect."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/oral-agreement", response_model=StepOut, responses=STEP_RESPONSES)
async def record_oral_agreement(
    case_id: str, body: OralAgreementIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """口头协议 (arts. 28, 30)."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/judicial-confirmation/application",
    response_model=StepOut,
    responses=STEP_RESPONSES,
)
async def apply_for_confirmation(
    case_id: str,
    body: ConfirmationApplicationIn,
    request: Request,
    principal: Principal = Depends(WORKERS),
) -> JSONResponse:
    """司法确认 application within 30 days of effect (art. 33)."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/judicial-confirmation/decision",
    response_model=StepOut,
    responses=STEP_RESPONSES,
)
async def record_confirmation(
    case_id: str,
    body: ConfirmationDecisionIn,
    request: Request,
    principal: Principal = Depends(WORKERS),
) -> JSONResponse:
    """The court's ruling (art. 33)."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/follow-ups/schedule", response_model=StepOut, responses=STEP_RESPONSES
)
async def schedule_follow_up(
    case_id: str,
    body: FollowUpScheduleIn,
    request: Request,
    principal: Principal = Depends(WORKERS),
) -> JSONResponse:
    """A follow-up visit to supervise performance (art. 31)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/performance", response_model=StepOut, responses=STEP_RESPONSES)
async def record_performance(
    case_id: str, body: PerformanceIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """履行情况: who paid or did what, when (art. 31)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/follow-ups", response_model=StepOut, responses=STEP_RESPONSES)
async def record_follow_up(
    case_id: str, body: FollowUpIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """回访记录 (arts. 31, 32)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/termination", response_model=StepOut, responses=STEP_RESPONSES)
async def terminate(
    case_id: str, body: TerminateIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """调解终止 with the routes told (art. 26)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/police-referral", response_model=StepOut, responses=STEP_RESPONSES)
async def refer_to_police(
    case_id: str, body: PoliceReferralIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """报告公安机关 (art. 25): the community police officer joins the case at once."""
    return await take(request, case_id, principal, body.command())


@router.post(
    "/cases/{case_id}/time-limit-extension", response_model=StepOut, responses=STEP_RESPONSES
)
async def extend(
    case_id: str, body: ExtensionIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """Past one month with both parties' consent (MoJ 2002 art. 33)."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/closing", response_model=StepOut, responses=STEP_RESPONSES)
async def close(
    case_id: str, body: CloseIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """结案 with the ledger's result."""
    return await take(request, case_id, principal, body.command())


@router.post("/cases/{case_id}/archive", response_model=StepOut, responses=STEP_RESPONSES)
async def archive(
    case_id: str, body: ArchiveIn, request: Request, principal: Principal = Depends(WORKERS)
) -> JSONResponse:
    """立卷归档 (art. 27); the file is read-only afterwards."""
    return await take(request, case_id, principal, body.command())


# ---- reads ------------------------------------------------------------------------------


def file_document(dispute: Dispute) -> dict[str, Any]:
    """The case file as JSON, with what the domain derives (copies, deadlines)."""
    document: dict[str, Any] = dump(dispute)
    document["state_label"] = LABELS_ZH[dispute.state]
    document["due_at"] = dispute.due_at.isoformat() if dispute.due_at else None
    if dispute.registration is not None:
        document["registration"]["voluntary_sentence"] = dispute.registration.voluntary_sentence
    agreement = dispute.written_agreement
    if agreement is not None:
        document["written_agreement"]["copies"] = agreement.copies
        deadline = agreement.performance_deadline
        document["written_agreement"]["performance_deadline"] = (
            deadline.isoformat() if deadline else None
        )
    return document


def report_document(report: SituationReport) -> dict[str, Any]:
    """A situation report's file as JSON, with its state's label and its counts."""
    document: dict[str, Any] = dump(report)
    document["state_label"] = REPORT_LABELS_ZH[report.state]
    document["ledger"] = report.ledger()
    return document


def _file_answer(row: Any, *, full: bool) -> JSONResponse:
    dispute: Dispute | None = row.dispute
    report: SituationReport | None = row.report
    file: Dispute | SituationReport | None = dispute or report
    if dispute is not None:
        document = file_document(dispute)
        label = LABELS_ZH[dispute.state]
    elif report is not None:
        document = report_document(report)
        label = REPORT_LABELS_ZH[report.state]
    else:
        document, label = None, "待受理"
    body = {
        **{
            f.name: getattr(row, f.name)
            for f in dataclasses.fields(row)
            if f.name not in ("dispute", "report")
        },
        "state": file.state.value if file else "new",
        "state_label": label,
        "version": file.version if file else 0,
        "file": document if full else masked_document(document),
    }
    headers = {"ETag": f'"{body["version"]}"', "Cache-Control": "no-store" if full else "private"}
    return JSONResponse(body, headers=headers)


@router.get("/cases/{case_id}/file")
async def get_case_file(
    case_id: str, request: Request, principal: Principal = Depends(FILE_READERS)
) -> JSONResponse:
    """The case file (卷宗), personal data masked; the ETag is its version."""
    async with _runtime(request).uow() as uow:
        row = await handlers.case_file(uow, _keys(request), case_id, principal)
    if row is None:
        raise not_found("case", "案件")
    return _file_answer(row, full=False)


@router.get("/cases/{case_id}/file/full")
async def get_full_case_file(
    case_id: str, request: Request, principal: Principal = Depends(FULL_READERS)
) -> JSONResponse:
    """The case file in full, for those who contact the parties; each view audited."""
    runtime = _runtime(request)
    async with runtime.uow() as uow:
        row = await handlers.full_case_file(
            uow,
            _keys(request),
            case_id,
            principal,
            audit_log=runtime.tables.audit_log,
            audit_purges=runtime.tables.audit_purges,
            source=request.client.host if request.client else "",
        )
    if row is None:
        raise not_found("case", "案件")
    return _file_answer(row, full=True)


class TimelineEntryOut(BaseModel):
    at: datetime
    actor_id: str
    actor_role: str
    step: str
    what: str
    why: str | None
    file_version: int


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineEntryOut])
async def get_timeline(
    case_id: str, request: Request, principal: Principal = Depends(FILE_READERS)
) -> list[TimelineEntryOut]:
    """Every step of the case: who, when, what, why (parties' names and numbers masked)."""
    async with _runtime(request).uow() as uow:
        entries = await handlers.timeline(uow, _keys(request), case_id, principal)
        row = await handlers.case_file(uow, _keys(request), case_id, principal)
    if entries is None or row is None:
        raise not_found("case", "案件")
    named = row.dispute.people_named if row.dispute is not None else []
    return [
        TimelineEntryOut(
            **{
                **dataclasses.asdict(e),
                "what": mask_people(e.what, named),
                "why": mask_people(e.why, named) if e.why else None,
            }
        )
        for e in entries
    ]


__all__: list[Literal["router"]] = ["router"]
