"""The case file (卷宗) of a people's mediation committee: its sections as real
committees keep them, as plain values.

Sections (DOMAIN.md "Case work"): application and registration (申请书、登记表),
investigation records (调查记录), session records (调解记录/笔录), the agreement
(协议书), follow-up records (回访记录) and closing and filing (结案立卷). The state
machine that fills them is ``dispute.Dispute``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class CameIn(StrEnum):
    """How the dispute reached the committee."""

    APPLICATION = "application"  # 当事人申请 (art. 17)
    OWN_INITIATIVE = "own_initiative"  # 委员会主动调解 (art. 17)
    REFERRAL = "referral"  # 移送、委托 (courts, police, 12345; art. 18)


class DeclineReason(StrEnum):
    """Why a committee does not accept a dispute (不予受理)."""

    PARTY_REFUSES = "party_refuses"  # 当事人一方明确拒绝调解 (art. 17)
    BEFORE_COURT = "before_court"  # 已经人民法院受理 (MoJ 2002 art. 22)
    BEFORE_ARBITRATION = "before_arbitration"  # 已申请仲裁
    BEFORE_PUBLIC_SECURITY = "before_public_security"  # 公安机关已受理
    NOT_MEDIABLE = "not_mediable"  # 不属于人民调解范围 (art. 2; MoJ 2002 art. 22)


class Invitee(StrEnum):
    """Who may be invited into a session with the parties' consent (art. 20)."""

    RELATIVE = "relative"
    NEIGHBOUR = "neighbour"
    COLLEAGUE = "colleague"
    EXPERT = "expert"
    LEGAL_ADVISER = "legal_adviser"
    OTHER = "other"


class SessionOutcome(StrEnum):
    AGREED = "agreed"  # 达成协议
    CONTINUE = "continue"  # 继续调解
    FAILED = "failed"  # 调解不成


class SignatureKind(StrEnum):
    SIGNED = "signed"  # 签名
    SEALED = "sealed"  # 盖章
    FINGERPRINT = "fingerprint"  # 按指印 (art. 29)


class ConfirmationResult(StrEnum):
    CONFIRMED = "confirmed"  # 裁定有效
    REFUSED = "refused"  # 驳回申请


class Performance(StrEnum):
    PERFORMED = "performed"  # 已履行
    PARTLY = "partly"  # 部分履行
    NOT_PERFORMED = "not_performed"  # 未履行


class AfterFollowUp(StrEnum):
    """Where a follow-up leads (art. 31, 32)."""

    NOTHING = "nothing"
    BACK_TO_MEDIATION = "back_to_mediation"  # 再次调解
    COURT = "court"  # 告知向人民法院起诉 (art. 32)


class Route(StrEnum):
    """The routes parties are told of when mediation ends without agreement (art. 26)."""

    ARBITRATION = "arbitration"  # 仲裁
    ADMINISTRATIVE = "administrative"  # 行政
    COURT = "court"  # 司法


class Result(StrEnum):
    """The result a ledger (台账) keeps."""

    SUCCESS = "success"  # 成功
    PARTIAL = "partial"  # 部分成功
    FAILURE = "failure"  # 失败
    TERMINATED = "terminated"  # 终止


@dataclass(frozen=True)
class Party:
    """A party as the file names them. Personal numbers are optional here; the
    agreement carries the details art. 29 asks for (``AgreementParty``)."""

    role: str  # 申请人 / 被申请人 / 第三人
    name: str


@dataclass(frozen=True)
class Consent:
    """A party's recorded consent (to mediation, an invitee, going past the time limit)."""

    party: str  # the party's name as in the file
    at: datetime


# The sentence every application carries (申请书): the rules were explained and the
# party applies of their own free will (art. 17; MoJ 2002 art. 21).
VOLUNTARY_SENTENCE = (
    "调解员已告知当事人人民调解的性质、原则和效力，以及当事人在调解活动中享有的权利和"
    "承担的义务，当事人自愿申请人民调解。"
)


@dataclass(frozen=True)
class Registration:
    """申请书 and 登记表."""

    came_in: CameIn
    parties: tuple[Party, ...]
    summary: str  # 纠纷简要情况
    registered_at: datetime
    registered_by: str  # staff id
    rules_explained: bool
    applies_voluntarily: bool
    consents: tuple[Consent, ...] = ()  # own initiative: each party's consent
    referred_by: str | None = None  # referral: who sent it (court, 110, 12345 …)
    first_mediator: str | None = None
    second_mediator: str | None = None

    @property
    def voluntary_sentence(self) -> str:
        return VOLUNTARY_SENTENCE if self.rules_explained and self.applies_voluntarily else ""


@dataclass(frozen=True)
class Declination:
    reason: DeclineReason
    note: str
    at: datetime
    by: str


@dataclass(frozen=True)
class MediatorChange:
    """A party refused a mediator or the mediator withdrew (arts. 19, 23)."""

    staff_id: str
    by_party: str | None  # None: the mediator recused themselves
    reason: str
    at: datetime
    recorded_by: str


@dataclass(frozen=True)
class MediatorChoice:
    """The parties chose a mediator (art. 19: 由当事人选择一名或者数名人民调解员)."""

    staff_id: str
    chosen_by: tuple[str, ...]
    at: datetime
    recorded_by: str


@dataclass(frozen=True)
class InvitedPerson:
    name: str
    kind: Invitee
    staff_id: str | None = None  # a legal adviser or other staff member
    consented_by: tuple[str, ...] = ()  # the parties who agreed to the invitation


@dataclass(frozen=True)
class SessionRecord:
    """调解记录 / 笔录 (arts. 20, 23, 27)."""

    number: int
    started_at: datetime
    ended_at: datetime
    place: str
    host: str  # staff id of the host mediator
    note_taker: str
    parties_present: tuple[str, ...]
    invited: tuple[InvitedPerson, ...]
    public: bool
    record: str  # 笔录
    outcome: SessionOutcome
    recorded_by: str


@dataclass(frozen=True)
class ScheduledSession:
    """The next session as agreed with the parties (约定调解时间、地点): pending until a
    session is recorded; scheduling again replaces it (the timeline keeps both)."""

    starts_at: datetime
    place: str  # free text, like a recorded session's place
    note: str
    scheduled_at: datetime
    scheduled_by: str


@dataclass(frozen=True)
class InvestigationRecord:
    """调查记录."""

    number: int
    at: datetime
    place: str
    investigators: tuple[str, ...]
    persons_interviewed: tuple[str, ...]
    record: str
    recorded_by: str


@dataclass(frozen=True)
class AgreementParty:
    """A party's basic details on the agreement (art. 29)."""

    role: str
    name: str
    gender: str | None = None
    ethnicity: str | None = None
    birth_date: date | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    occupation: str | None = None


@dataclass(frozen=True)
class Term:
    """One thing agreed: who does what, how, where and by when (art. 29)."""

    obligor: str  # the party's name
    content: str
    method: str  # 履行方式
    place: str  # 履行地点
    deadline: date  # 履行期限


@dataclass(frozen=True)
class Signature:
    """A party's signature, seal or fingerprint, with its time (art. 29)."""

    party: str
    kind: SignatureKind
    at: datetime


@dataclass(frozen=True)
class StaffSignature:
    staff_id: str
    name: str
    at: datetime


@dataclass(frozen=True)
class CommitteeSeal:
    committee: str  # the committee's name on the seal
    at: datetime
    by: str


@dataclass(frozen=True)
class LegalReview:
    """A legal adviser's opinion on a draft (一社区一法律顾问)."""

    adviser_id: str
    opinion: str
    approves: bool
    at: datetime


@dataclass
class WrittenAgreement:
    """调解协议书 (arts. 28, 29). Takes effect when every party has signed, sealed or
    fingerprinted, the mediator signed and the committee sealed."""

    number: str  # 文号
    parties: tuple[AgreementParty, ...]
    facts: str  # 主要事实
    disputed_matters: str  # 争议事项
    responsibilities: tuple[tuple[str, str], ...]  # (party name, its responsibility)
    terms: tuple[Term, ...]
    drafted_at: datetime
    drafted_by: str
    signatures: list[Signature] = field(default_factory=list)
    mediator_signature: StaffSignature | None = None
    seal: CommitteeSeal | None = None
    reviews: list[LegalReview] = field(default_factory=list)
    effective_at: datetime | None = None

    @property
    def copies(self) -> int:
        """One copy per party and one for the committee (art. 29: 一式N份)."""
        return len(self.parties) + 1

    @property
    def performance_deadline(self) -> date | None:
        return max((t.deadline for t in self.terms), default=None)

    def unsigned_parties(self) -> list[str]:
        signed = {s.party for s in self.signatures}
        return [p.name for p in self.parties if p.name not in signed]


@dataclass(frozen=True)
class OralAgreement:
    """口头调解协议 (arts. 28, 30): its content recorded; effective when reached."""

    content: str
    terms: tuple[Term, ...]
    parties_agreeing: tuple[str, ...]
    reached_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class ConfirmationApplication:
    """The parties' joint application to a court (art. 33)."""

    court: str
    applied_on: date
    recorded_by: str


@dataclass(frozen=True)
class ConfirmationDecision:
    result: ConfirmationResult
    decided_on: date
    note: str
    recorded_by: str


@dataclass(frozen=True)
class PerformanceRecord:
    """What a party did to perform the agreement, and when (art. 31; 台账 履行情况)."""

    party: str
    what: str
    at: datetime
    recorded_by: str


@dataclass(frozen=True)
class FollowUp:
    """回访记录 (art. 31): time, person visited, situation, visitor."""

    number: int
    visited_at: datetime
    visitor: str
    person_visited: str
    performance: Performance
    situation: str
    after: AfterFollowUp
    recorded_by: str


@dataclass(frozen=True)
class Termination:
    """调解终止 (art. 26), with the routes the parties were told."""

    reason: str
    routes_told: tuple[Route, ...]
    at: datetime
    by: str


@dataclass(frozen=True)
class PoliceReferral:
    """Reported to the police (art. 25); the community police officer joins the case."""

    police_staff_id: str
    reason: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Extension:
    """Going past the one-month limit with both parties' consent (MoJ 2002 art. 33)."""

    until: datetime
    consents: tuple[Consent, ...]
    reason: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Closing:
    """结案 (art. 27): the result as the ledger keeps it."""

    result: Result
    reason: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Filing:
    """立卷归档 (art. 27): year, volume number and retention period."""

    year: int
    volume_number: str
    retention: str  # e.g. 10年, 30年, 永久: district practice, so data
    at: datetime
    by: str
