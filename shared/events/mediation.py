"""Events the mediation service produces: one per step of a dispute's procedure.

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


# The event each domain step publishes.
BY_STEP: dict[str, type[CaseWorkStepV1]] = {
    "accepted": DisputeAcceptedV1,
    "declined": DisputeDeclinedV1,
    "mediator-refused": MediatorRefusedV1,
    "mediator-chosen": MediatorChosenV1,
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
}

PAYLOADS: tuple[type[Payload], ...] = tuple(BY_STEP.values())
