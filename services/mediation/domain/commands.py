"""What a handler asks of a dispute's case file: one command per procedural step.

Commands are imperative and carry only what the person at the desk typed; who acts
and when comes with them (``Actor`` and the time) so that the rules can be checked
against both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.mediation.domain.case_file import (
    AfterFollowUp,
    AgreementParty,
    CameIn,
    ConfirmationResult,
    Consent,
    DeclineReason,
    InvitedPerson,
    Party,
    Performance,
    Result,
    Route,
    SessionOutcome,
    SignatureKind,
    Term,
)


@dataclass(frozen=True)
class Actor:
    """Who takes a step: their staff id, role and name as the file shows them."""

    staff_id: str
    role: str
    name: str = ""


@dataclass(frozen=True)
class Accept:
    """受理 (arts. 17, 18)."""

    came_in: CameIn
    parties: tuple[Party, ...]
    summary: str
    rules_explained: bool
    applies_voluntarily: bool
    consents: tuple[Consent, ...] = ()
    referred_by: str | None = None
    second_mediator: str | None = None
    accepted_at: datetime | None = None  # when the paper registration was made, if earlier


@dataclass(frozen=True)
class Decline:
    """不予受理."""

    reason: DeclineReason
    note: str


@dataclass(frozen=True)
class RefuseMediator:
    """A party refuses a mediator, or the mediator recuses (arts. 19, 23)."""

    staff_id: str
    by_party: str | None
    reason: str


@dataclass(frozen=True)
class ChooseMediator:
    """The parties choose a mediator of the committee (art. 19)."""

    staff_id: str
    chosen_by: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleSession:
    """约定调解时间、地点: when and where the next session is held."""

    starts_at: datetime
    place: str
    note: str = ""


@dataclass(frozen=True)
class RecordSession:
    started_at: datetime
    ended_at: datetime
    place: str
    host: str
    note_taker: str
    parties_present: tuple[str, ...]
    invited: tuple[InvitedPerson, ...]
    public: bool
    record: str
    outcome: SessionOutcome


@dataclass(frozen=True)
class RecordInvestigation:
    at: datetime
    place: str
    investigators: tuple[str, ...]
    persons_interviewed: tuple[str, ...]
    record: str


@dataclass(frozen=True)
class DraftWrittenAgreement:
    number: str
    parties: tuple[AgreementParty, ...]
    facts: str
    disputed_matters: str
    responsibilities: tuple[tuple[str, str], ...]
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class ReviewAgreement:
    opinion: str
    approves: bool


@dataclass(frozen=True)
class SignAsParty:
    party: str
    kind: SignatureKind
    at: datetime


@dataclass(frozen=True)
class SignAsMediator:
    at: datetime


@dataclass(frozen=True)
class SealAgreement:
    committee: str
    at: datetime


@dataclass(frozen=True)
class RecordOralAgreement:
    content: str
    terms: tuple[Term, ...]
    parties_agreeing: tuple[str, ...]
    reached_at: datetime


@dataclass(frozen=True)
class ApplyForConfirmation:
    court: str
    applied_on: date


@dataclass(frozen=True)
class RecordConfirmation:
    result: ConfirmationResult
    decided_on: date
    note: str


@dataclass(frozen=True)
class ScheduleFollowUp:
    due_on: date


@dataclass(frozen=True)
class RecordPerformance:
    party: str
    what: str
    at: datetime


@dataclass(frozen=True)
class RecordFollowUp:
    visited_at: datetime
    visitor: str
    person_visited: str
    performance: Performance
    situation: str
    after: AfterFollowUp


@dataclass(frozen=True)
class Terminate:
    reason: str
    routes_told: tuple[Route, ...]


@dataclass(frozen=True)
class ReferToPolice:
    police_staff_id: str
    reason: str


@dataclass(frozen=True)
class ExtendTimeLimit:
    until: datetime
    consents: tuple[Consent, ...]
    reason: str


@dataclass(frozen=True)
class Close:
    result: Result
    reason: str


@dataclass(frozen=True)
class Archive:
    year: int
    volume_number: str
    retention: str


Command = (
    Accept
    | Decline
    | RefuseMediator
    | ChooseMediator
    | ScheduleSession
    | RecordSession
    | RecordInvestigation
    | DraftWrittenAgreement
    | ReviewAgreement
    | SignAsParty
    | SignAsMediator
    | SealAgreement
    | RecordOralAgreement
    | ApplyForConfirmation
    | RecordConfirmation
    | ScheduleFollowUp
    | RecordPerformance
    | RecordFollowUp
    | Terminate
    | ReferToPolice
    | ExtendTimeLimit
    | Close
    | Archive
)
