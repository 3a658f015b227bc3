"""Events the mediation service produces: one per step of a dispute's procedure or a
situation report's handling (``kind`` says which).

All go on ``gridcase.case.v1`` keyed by case id, so they stay in order with the case's
``case.submitted`` and ``case.assigned``. Each carries the case's working state (kind,
unit, handler, step, state before and after, who, when, the time limit) so that
escalation and the governance centre keep their own views without calling mediation.
They carry codes, counts, dates and staff ids only: never the file's free text
(records, facts, reasons) nor parties' names or numbers, which stay in mediation's
encrypted case file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from shared.events.payload import Payload


class CaseWorkStepV1(Payload):
    """Fields every case-work event carries (not published on its own)."""

    producer: ClassVar[str] = "mediation"

    case_id: str
    kind: Literal["dispute", "report"] = "dispute"
    unit_code: str | None
    handler_id: str | None
    step: str
    state: str
    previous_state: str
    actor_id: str
    actor_role: str
    occurred_at: datetime
    due_at: datetime | None = None  # the procedure's time limit (MoJ 2002 art. 33)
    file_version: int


class DisputeAcceptedV1(CaseWorkStepV1):
    """The committee accepted the dispute (受理); the one-month limit starts."""

    event_type: ClassVar[str] = "cn.gridcase.case.dispute-accepted.v1"
    came_in: Literal["application", "own_initiative", "referral"]
    parties: int
    accepted_at: datetime


class DisputeDeclinedV1(CaseWorkStepV1):
    """The committee declined the dispute (不予受理), with the reason's code."""

    event_type: ClassVar[str] = "cn.gridcase.case.dispute-declined.v1"
    decline_reason: Literal[
        "party_refuses",
        "before_court",
        "before_arbitration",
        "before_public_security",
        "not_mediable",
    ]


class MediatorRefusedV1(CaseWorkStepV1):
    """A party refused a handler or the handler recused (arts. 19, 23): routing assigns
    another with this person excluded, and mediation no longer lets them in."""

    event_type: ClassVar[str] = "cn.gridcase.case.mediator-refused.v1"
    staff_id: str
    by: Literal["party", "self"]


class MediatorChosenV1(CaseWorkStepV1):
    """The parties chose a mediator of the committee (art. 19); they joined the case."""

    event_type: ClassVar[str] = "cn.gridcase.case.mediator-chosen.v1"
    staff_id: str


class MediationSessionScheduledV1(CaseWorkStepV1):
    """The next session was agreed with the parties (约定调解时间、地点), or moved: its
    start only; the place and note are free text and stay in the case file."""

    event_type: ClassVar[str] = "cn.gridcase.case.mediation-session-scheduled.v1"
    starts_at: datetime
    rescheduled: bool = False
    previous_starts_at: datetime | None = None


class MediationSessionRecordedV1(CaseWorkStepV1):
    """A mediation session was held and recorded (调解记录)."""

    event_type: ClassVar[str] = "cn.gridcase.case.mediation-session-recorded.v1"
    session_number: int
    started_at: datetime
    ended_at: datetime
    public: bool
    invited_kinds: list[str] = Field(default_factory=list)
    legal_adviser_invited: bool = False
    outcome: Literal["agreed", "continue", "failed"]


class InvestigationRecordedV1(CaseWorkStepV1):
    """An investigation was recorded (调查记录)."""

    event_type: ClassVar[str] = "cn.gridcase.case.investigation-recorded.v1"
    investigation_number: int
    at: datetime


class AgreementDraftedV1(CaseWorkStepV1):
    """A written agreement (调解协议书) was drafted and awaits signatures."""

    event_type: ClassVar[str] = "cn.gridcase.case.agreement-drafted.v1"
    form: Literal["written"] = "written"
    agreement_number: str
    copies: int
    terms: int
    performance_deadline: date | None = None


class AgreementReviewedV1(CaseWorkStepV1):
    """The legal adviser gave an opinion on the draft."""

    event_type: ClassVar[str] = "cn.gridcase.case.agreement-reviewed.v1"
    approves: bool


class AgreementSignedV1(CaseWorkStepV1):
    """A party, the mediator or the committee signed; ``effective_at`` is set when
    that completed the agreement (art. 29)."""

    event_type: ClassVar[str] = "cn.gridcase.case.agreement-signed.v1"
    signed_by: Literal["party", "mediator", "committee"]
    signed_at: datetime
    parties_signed: int
    parties_unsigned: int
    effective_at: datetime | None = None
    confirmation_window_ends: datetime | None = None


class OralAgreementRecordedV1(CaseWorkStepV1):
    """An oral agreement was recorded; it is effective when reached (art. 30)."""

    event_type: ClassVar[str] = "cn.gridcase.case.oral-agreement-recorded.v1"
    form: Literal["oral"] = "oral"
    effective_at: datetime
    terms: int


class JudicialConfirmationAppliedV1(CaseWorkStepV1):
    """The parties jointly applied to a court for confirmation (art. 33)."""

    event_type: ClassVar[str] = "cn.gridcase.case.judicial-confirmation-applied.v1"
    applied_on: date


class JudicialConfirmationDecidedV1(CaseWorkStepV1):
    """The court confirmed the agreement or refused the application (art. 33)."""

    event_type: ClassVar[str] = "cn.gridcase.case.judicial-confirmation-decided.v1"
    result: Literal["confirmed", "refused"]
    decided_on: date


class FollowUpScheduledV1(CaseWorkStepV1):
    """A follow-up visit (回访) was scheduled to supervise performance (art. 31)."""

    event_type: ClassVar[str] = "cn.gridcase.case.follow-up-scheduled.v1"
    due_on: date


class PerformanceRecordedV1(CaseWorkStepV1):
    """Something done to perform the agreement was recorded (art. 31)."""

    event_type: ClassVar[str] = "cn.gridcase.case.performance-recorded.v1"
    performance_records: int
    performed_at: datetime


class FollowUpRecordedV1(CaseWorkStepV1):
    """A follow-up visit was recorded, with how far the agreement was performed."""

    event_type: ClassVar[str] = "cn.gridcase.case.follow-up-recorded.v1"
    follow_up_number: int
    performance: Literal["performed", "partly", "not_performed"]
    after: Literal["nothing", "back_to_mediation", "court"]
    visited_at: datetime


class MediationTerminatedV1(CaseWorkStepV1):
    """Mediation was terminated; the parties were told their routes (art. 26)."""

    event_type: ClassVar[str] = "cn.gridcase.case.mediation-terminated.v1"
    routes_told: list[Literal["arbitration", "administrative", "court"]]


class ReferredToPoliceV1(CaseWorkStepV1):
    """The dispute was reported to the police (art. 25); the officer joined the case."""

    event_type: ClassVar[str] = "cn.gridcase.case.referred-to-police.v1"
    police_staff_id: str


class TimeLimitExtendedV1(CaseWorkStepV1):
    """Every party consented to going past the time limit (MoJ 2002 art. 33)."""

    event_type: ClassVar[str] = "cn.gridcase.case.time-limit-extended.v1"
    previous_due_at: datetime


class CaseWorkClosedV1(CaseWorkStepV1):
    """The case was closed (结案) with the outcome a ledger (台账) keeps."""

    event_type: ClassVar[str] = "cn.gridcase.case.case-work-closed.v1"
    result: Literal["success", "partial", "failure", "terminated"]
    sessions: int
    judicially_confirmed: bool
    confirmed_on: date | None = None
    invited_experts: int = 0
    performance_records: int = 0
    days_taken: int | None = None
    agreement_form: Literal["written", "oral"] | None = None


class CaseFileArchivedV1(CaseWorkStepV1):
    """The case file was archived (立卷归档, art. 27) and is read-only from now on."""

    event_type: ClassVar[str] = "cn.gridcase.case.case-file-archived.v1"
    year: int
    volume_number: str
    retention: str


class ReportAcceptedV1(CaseWorkStepV1):
    """The handler accepted the situation report (受理)."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-accepted.v1"
    accepted_at: datetime


class ReportActionRecordedV1(CaseWorkStepV1):
    """An action on the report was recorded (办理), with how many photos."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-action-recorded.v1"
    action_number: int
    attachments: int
    at: datetime


class ReportFeedbackGivenV1(CaseWorkStepV1):
    """The handler fed back to the reporter (反馈); verification is due."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-feedback-given.v1"
    result: Literal["resolved", "not_resolvable"]
    given_at: datetime


class ReportVerifiedV1(CaseWorkStepV1):
    """The reporter or a supervisor confirmed the handling (验证)."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-verified.v1"
    verifier_id: str
    on_site: bool
    verified_at: datetime


class ReportReturnedV1(CaseWorkStepV1):
    """Verification sent the report back to its handler (回退); ``returns`` counts them."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-returned.v1"
    returned_by: str
    returned_at: datetime
    returns: int


class ReportHandedOverV1(CaseWorkStepV1):
    """The unit is not responsible and hands the report on (转办): routing assigns
    another handler, the one handing over excluded, at ``to_unit_code`` if named."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-handed-over.v1"
    from_unit_code: str | None
    from_handler_id: str
    to_unit_code: str | None = None


class ReportClosedV1(CaseWorkStepV1):
    """The report was closed (结案) after verification."""

    event_type: ClassVar[str] = "cn.gridcase.case.report-closed.v1"
    result: Literal["resolved", "not_resolvable"]
    returns: int
    days_taken: int


class CaseNoteAddedV1(Payload):
    """Someone working the case added a note (备注) to its timeline. Not a step of the
    procedure (the state does not change): the note's text stays in mediation's
    encrypted timeline; the event says only that one was added, by whom, when."""

    event_type: ClassVar[str] = "cn.gridcase.case.note-added.v1"
    producer: ClassVar[str] = "mediation"

    case_id: str
    kind: Literal["dispute", "report"] = "dispute"
    unit_code: str | None
    handler_id: str | None
    actor_id: str
    actor_role: str
    occurred_at: datetime


class CaseHandedToColleagueV1(Payload):
    """委员会内转交: someone working the case asked that it go to a named colleague of the
    same unit. Who handles a case is routing's decision: routing applies it (same unit,
    eligible role, active, not excluded from the case) and announces ``case.assigned``,
    or logs and leaves it."""

    event_type: ClassVar[str] = "cn.gridcase.case.handed-to-colleague.v1"
    producer: ClassVar[str] = "mediation"

    case_id: str
    kind: Literal["dispute", "report"] = "dispute"
    unit_code: str
    from_handler_id: str | None
    to_staff_id: str
    actor_id: str
    actor_role: str
    occurred_at: datetime


# The event each domain step publishes.
BY_STEP: dict[str, type[CaseWorkStepV1]] = {
    "accepted": DisputeAcceptedV1,
    "declined": DisputeDeclinedV1,
    "mediator-refused": MediatorRefusedV1,
    "mediator-chosen": MediatorChosenV1,
    "session-scheduled": MediationSessionScheduledV1,
    "session-recorded": MediationSessionRecordedV1,
    "investigation-recorded": InvestigationRecordedV1,
    "agreement-drafted": AgreementDraftedV1,
    "agreement-reviewed": AgreementReviewedV1,
    "agreement-signed": AgreementSignedV1,
    "oral-agreement-recorded": OralAgreementRecordedV1,
    "confirmation-applied": JudicialConfirmationAppliedV1,
    "confirmation-decided": JudicialConfirmationDecidedV1,
    "follow-up-scheduled": FollowUpScheduledV1,
    "performance-recorded": PerformanceRecordedV1,
    "follow-up-recorded": FollowUpRecordedV1,
    "terminated": MediationTerminatedV1,
    "referred-to-police": ReferredToPoliceV1,
    "time-limit-extended": TimeLimitExtendedV1,
    "closed": CaseWorkClosedV1,
    "archived": CaseFileArchivedV1,
    "report-accepted": ReportAcceptedV1,
    "report-action-recorded": ReportActionRecordedV1,
    "report-feedback-given": ReportFeedbackGivenV1,
    "report-verified": ReportVerifiedV1,
    "report-returned": ReportReturnedV1,
    "report-handed-over": ReportHandedOverV1,
    "report-closed": ReportClosedV1,
}


def _example(step: str, previous: str, state: str, **fields: object) -> dict[str, object]:
    """A valid example of one step's event (the AsyncAPI document publishes it and the
    contract tests send it to every consumer of its type)."""
    return {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "kind": "dispute",
        "unit_code": "451102001001",
        "handler_id": "md-451102001001-1",
        "step": step,
        "state": state,
        "previous_state": previous,
        "actor_id": "md-451102001001-1",
        "actor_role": "mediator",
        "occurred_at": "2026-12-02T10:00:00+08:00",
        "due_at": "2027-01-02T00:00:00+08:00",
        "file_version": 3,
        **fields,
    }


_EXAMPLES: dict[type[Payload], dict[str, object]] = {
    DisputeAcceptedV1: _example(
        "accepted",
        "new",
        "in_mediation",
        came_in="application",
        parties=2,
        accepted_at="2026-12-02T10:00:00+08:00",
    ),
    DisputeDeclinedV1: _example("declined", "new", "declined", decline_reason="before_court"),
    MediatorRefusedV1: _example(
        "mediator-refused",
        "in_mediation",
        "in_mediation",
        staff_id="md-451102001001-1",
        by="party",
    ),
    MediatorChosenV1: _example(
        "mediator-chosen", "in_mediation", "in_mediation", staff_id="md-451102001001-2"
    ),
    MediationSessionScheduledV1: _example(
        "session-scheduled",
        "in_mediation",
        "in_mediation",
        starts_at="2026-12-04T09:30:00+08:00",
        rescheduled=True,
        previous_starts_at="2026-12-03T14:00:00+08:00",
    ),
    MediationSessionRecordedV1: _example(
        "session-recorded",
        "in_mediation",
        "in_mediation",
        session_number=1,
        started_at="2026-12-02T09:00:00+08:00",
        ended_at="2026-12-02T10:00:00+08:00",
        public=False,
        invited_kinds=["legal_adviser"],
        legal_adviser_invited=True,
        outcome="continue",
    ),
    InvestigationRecordedV1: _example(
        "investigation-recorded",
        "in_mediation",
        "in_mediation",
        investigation_number=1,
        at="2026-12-01T15:00:00+08:00",
    ),
    AgreementDraftedV1: _example(
        "agreement-drafted",
        "in_mediation",
        "awaiting_signatures",
        form="written",
        agreement_number="示调字〔2026〕第12号",
        copies=3,
        terms=2,
        performance_deadline="2026-12-31",
    ),
    AgreementReviewedV1: _example(
        "agreement-reviewed", "awaiting_signatures", "awaiting_signatures", approves=True
    ),
    AgreementSignedV1: _example(
        "agreement-signed",
        "awaiting_signatures",
        "agreement_effective",
        signed_by="committee",
        signed_at="2026-12-02T10:00:00+08:00",
        parties_signed=2,
        parties_unsigned=0,
        effective_at="2026-12-02T10:00:00+08:00",
        confirmation_window_ends="2027-01-02T00:00:00+08:00",
    ),
    OralAgreementRecordedV1: _example(
        "oral-agreement-recorded",
        "in_mediation",
        "agreement_effective",
        form="oral",
        effective_at="2026-12-02T10:00:00+08:00",
        terms=1,
    ),
    JudicialConfirmationAppliedV1: _example(
        "confirmation-applied",
        "agreement_effective",
        "agreement_effective",
        applied_on="2026-12-10",
    ),
    JudicialConfirmationDecidedV1: _example(
        "confirmation-decided",
        "agreement_effective",
        "agreement_effective",
        result="confirmed",
        decided_on="2026-12-20",
    ),
    FollowUpScheduledV1: _example(
        "follow-up-scheduled",
        "agreement_effective",
        "agreement_effective",
        due_on="2027-01-05",
    ),
    PerformanceRecordedV1: _example(
        "performance-recorded",
        "agreement_effective",
        "agreement_effective",
        performance_records=1,
        performed_at="2026-12-20T10:00:00+08:00",
    ),
    FollowUpRecordedV1: _example(
        "follow-up-recorded",
        "agreement_effective",
        "agreement_effective",
        follow_up_number=1,
        performance="performed",
        after="nothing",
        visited_at="2027-01-05T10:00:00+08:00",
    ),
    MediationTerminatedV1: _example(
        "terminated", "in_mediation", "terminated", routes_told=["arbitration", "court"]
    ),
    ReferredToPoliceV1: _example(
        "referred-to-police",
        "in_mediation",
        "in_mediation",
        police_staff_id="po-451102001001-1",
    ),
    TimeLimitExtendedV1: _example(
        "time-limit-extended",
        "in_mediation",
        "in_mediation",
        previous_due_at="2026-12-31T00:00:00+08:00",
    ),
    CaseWorkClosedV1: _example(
        "closed",
        "agreement_effective",
        "closed",
        result="success",
        sessions=2,
        judicially_confirmed=True,
        confirmed_on="2026-12-20",
        invited_experts=0,
        performance_records=1,
        days_taken=18,
        agreement_form="written",
    ),
    CaseFileArchivedV1: _example(
        "archived", "closed", "archived", year=2026, volume_number="2026-017", retention="长期"
    ),
}


def _report_example(step: str, previous: str, state: str, **fields: object) -> dict[str, object]:
    return {
        **_example(step, previous, state, **fields),
        "kind": "report",
        "handler_id": "go-451102001001-1",
        "actor_id": "go-451102001001-1",
        "actor_role": "grid_officer",
        "due_at": None,
    }


_EXAMPLES |= {
    ReportAcceptedV1: _report_example(
        "report-accepted", "new", "handling", accepted_at="2026-12-02T10:00:00+08:00"
    ),
    ReportActionRecordedV1: _report_example(
        "report-action-recorded",
        "handling",
        "handling",
        action_number=1,
        attachments=2,
        at="2026-12-02T11:00:00+08:00",
    ),
    ReportFeedbackGivenV1: _report_example(
        "report-feedback-given",
        "handling",
        "awaiting_verification",
        result="resolved",
        given_at="2026-12-02T15:00:00+08:00",
    ),
    ReportVerifiedV1: {
        **_report_example(
            "report-verified",
            "awaiting_verification",
            "verified",
            verifier_id="op-451102001-1",
            on_site=True,
            verified_at="2026-12-03T09:00:00+08:00",
        ),
        "actor_id": "op-451102001-1",
        "actor_role": "community_operator",
    },
    ReportReturnedV1: {
        **_report_example(
            "report-returned",
            "awaiting_verification",
            "handling",
            returned_by="op-451102001-1",
            returned_at="2026-12-03T09:00:00+08:00",
            returns=1,
        ),
        "actor_id": "op-451102001-1",
        "actor_role": "community_operator",
    },
    ReportHandedOverV1: _report_example(
        "report-handed-over",
        "handling",
        "new",
        from_unit_code="451102001001",
        from_handler_id="go-451102001001-1",
        to_unit_code="451102001",
    ),
    ReportClosedV1: _report_example(
        "report-closed", "verified", "closed", result="resolved", returns=0, days_taken=1
    ),
}
_EXAMPLES |= {
    CaseNoteAddedV1: {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "kind": "dispute",
        "unit_code": "451102001001",
        "handler_id": "md-451102001001-1",
        "actor_id": "md-451102001001-1",
        "actor_role": "mediator",
        "occurred_at": "2026-12-02T10:00:00+08:00",
    },
    CaseHandedToColleagueV1: {
        "case_id": "0b7f3c52-6a1e-4a8e-9d51-2f0c6f1e9a01",
        "kind": "dispute",
        "unit_code": "451102001001",
        "from_handler_id": "md-451102001001-1",
        "to_staff_id": "md-451102001001-2",
        "actor_id": "md-451102001001-1",
        "actor_role": "mediator",
        "occurred_at": "2026-12-02T10:00:00+08:00",
    },
}
for _payload, _data in _EXAMPLES.items():
    _payload.example = _data
del _payload, _data  # the catalogue reads the module's names: no second name for a payload
