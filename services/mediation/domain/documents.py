"""What a people's mediation committee prints: the agreement, the records, the whole file.

Plain data, no framework. The shapes follow what the law asks a document to contain
(People's Mediation Law 2010, arts. 27–29) and what committees keep in a case file
(卷宗: cover, registration, investigation and session records, agreement, follow-ups).
Everything is text as it is printed: a renderer lays it out, it does not interpret it.

The formatting rules here (Chinese dates, copies, party labels) are pure functions so the
PDF and the print page say exactly the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# ---------------------------------------------------------------------------------------
# Formatting rules


class DateStyle(StrEnum):
    """How a committee writes dates on its documents; practice varies by district.

    Many committees write the signing date in Chinese numerals (二〇二六年十二月二日), as
    documents did before GB/T 9704-2012; others follow that standard's Arabic numerals
    (2026年12月2日). Which one is data chosen by the caller, not a rule here.
    """

    CHINESE_NUMERALS = "chinese_numerals"
    ARABIC_NUMERALS = "arabic_numerals"


_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """0–99 as written in counts and dates: 一, 十, 十二, 二十, 三十一."""
    if not 0 <= n <= 99:
        raise ValueError(f"chinese_number covers 0–99, got {n}")
    if n < 10:
        return "零" if n == 0 else _DIGITS[n]
    tens, units = divmod(n, 10)
    head = "十" if tens == 1 else _DIGITS[tens] + "十"
    return head + (_DIGITS[units] if units else "")


def chinese_date(day: date, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> str:
    """A date as committees write it: 二〇二六年十二月二日 or 2026年12月2日.

    In Chinese numerals the year is read digit by digit with 〇 for zero, month and day
    as numbers (十二月, 二十一日); in Arabic numerals there are no leading zeros.
    """
    if style is DateStyle.ARABIC_NUMERALS:
        return f"{day.year}年{day.month}月{day.day}日"
    year = "".join(_DIGITS[int(d)] for d in f"{day.year:04d}")
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def chinese_datetime(moment: datetime, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> str:
    """A date and a clock time as records write them: 2026年12月2日 9时05分."""
    return f"{chinese_date(moment.date(), style)}{moment.hour}时{moment.minute:02d}分"


def copies_for(parties: int) -> int:
    """One copy for each party and one kept by the committee (People's Mediation Law, art. 29)."""
    if parties < 2:
        raise ValueError("an agreement settles a dispute between at least two parties")
    return parties + 1


def copies_sentence(parties: int) -> str:
    """The closing sentence of an agreement: 本协议书一式三份… (art. 29)."""
    return (
        f"本协议书一式{chinese_number(copies_for(parties))}份，"
        "当事人各执一份，人民调解委员会留存一份。"
    )


EFFECT_SENTENCE = (
    "本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
)
"""When a written agreement takes effect (People's Mediation Law, art. 29)."""

VOLUNTARY_SENTENCE = (
    "人民调解委员会已告知当事人人民调解的性质、原则、效力以及当事人在调解活动中享有的权利和承担的义务，"
    "当事人自愿申请人民调解。"
)
"""The sentence a registration carries: the rules were explained and the party applies
voluntarily (People's Mediation Law arts. 3, 17, 23–24; registration forms in practice)."""

INITIATIVE_CONSENT_SENTENCE = "人民调解委员会主动调解，已征得各方当事人同意。"
"""The registration's sentence when the committee starts mediation on its own initiative:
it may, but not against a party's clear refusal (People's Mediation Law art. 17)."""

_PARTY_LABELS = "甲乙丙丁戊己庚辛壬癸"


def party_label(index: int) -> str:
    """The label of the n-th party (from 0) in an agreement: 甲方, 乙方, 丙方 … 癸方, 当事人十一."""
    if index < 0:
        raise ValueError("party index starts at 0")
    if index < len(_PARTY_LABELS):
        return _PARTY_LABELS[index] + "方"
    return f"当事人{chinese_number(index + 1)}"


def age_on(birth_date: date, on: date) -> int:
    """Full years of age on a day (the 年龄 column of a party's details)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - (1 if before_birthday else 0)


# ---------------------------------------------------------------------------------------
# People


@dataclass(frozen=True)
class PartyDetails:
    """A party's basic details as an agreement states them (art. 29(1): 当事人的基本情况).

    ``age`` is given when the birth date is not known; with a birth date the age printed
    is the age on the document's date.
    """

    name: str
    sex: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    age: int | None = None
    occupation: str = ""
    address: str = ""
    id_number: str = ""
    phone: str = ""

    def age_text(self, on: date) -> str:
        """The 年龄 column: the age on ``on`` from the birth date, or the given age."""
        if self.birth_date is not None:
            return f"{age_on(self.birth_date, on)}岁"
        if self.age is not None:
            return f"{self.age}岁"
        return ""


@dataclass(frozen=True)
class Attendee:
    """Someone present besides the parties, and why (art. 20: relatives, neighbours,
    experts, the community's legal adviser, invited with the parties' consent)."""

    name: str
    capacity: str


@dataclass(frozen=True)
class Responsibility:
    """One party's responsibility as the agreement states it (art. 29(2): 各方当事人的责任)."""

    party: str
    text: str


@dataclass(frozen=True)
class Performance:
    """How and by when the agreement is performed (art. 29(3): 履行的方式、期限), and where,
    as committees' agreement forms also ask."""

    method: str
    place: str
    deadline: date | None = None


class SignerRole(StrEnum):
    """Who signs an agreement (art. 29): each party, the mediator, the committee."""

    PARTY = "party"
    MEDIATOR = "mediator"
    COMMITTEE = "committee"


class SigningMark(StrEnum):
    """How a signer marked the agreement (art. 29): a party signs, seals (an organisation)
    or presses a fingerprint; the mediator signs; the committee seals."""

    SIGNATURE = "签名"
    SEAL = "盖章"
    FINGERPRINT = "按指印"


@dataclass(frozen=True)
class Signature:
    """A recorded signing of the agreement; lines without one print blank."""

    role: SignerRole
    name: str
    signed_at: datetime
    mark: SigningMark = SigningMark.SIGNATURE


# ---------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class Agreement:
    """A written people's mediation agreement, 调解协议书 (arts. 28–29).

    ``signatures`` holds the recorded signing of each party, the mediator and the
    committee's seal; lines not yet signed print blank.
    """

    number: str
    committee: str
    parties: tuple[PartyDetails, ...]
    facts: str
    disputed_matters: str
    responsibilities: tuple[Responsibility, ...]
    terms: tuple[str, ...]
    performance: Performance
    mediators: tuple[str, ...]
    signed_on: date
    signatures: tuple[Signature, ...] = ()

    def __post_init__(self) -> None:
        copies_for(len(self.parties))  # at least two parties (art. 29)
        if not self.terms:
            raise ValueError("an agreement states what was agreed (art. 29)")
        names = {p.name for p in self.parties}
        for r in self.responsibilities:
            if r.party not in names:
                raise ValueError(f"responsibility names {r.party!r}, who is not a party")

    @property
    def copies(self) -> int:
        """一式N份: one per party and one for the committee (art. 29)."""
        return copies_for(len(self.parties))

    def signature_of(self, role: SignerRole, name: str) -> Signature | None:
        """The recorded signature of one signer, if any."""
        for s in self.signatures:
            if s.role is role and s.name == name:
                return s
        return None


@dataclass(frozen=True)
class RecordLine:
    """One line of a record: who spoke (问/答, a party's name) or empty for narration."""

    speaker: str
    text: str


@dataclass(frozen=True)
class SessionRecord:
    """A mediation session's record, 调解笔录 (art. 27; arts. 20 and 23 for who attends).

    ``public`` is whether the session was held in public (art. 23(3): a party may ask
    for a public or a private session); None when not recorded.
    """

    started_at: datetime
    ended_at: datetime | None
    place: str
    host: str
    note_taker: str
    parties_present: tuple[str, ...]
    others_present: tuple[Attendee, ...] = ()
    public: bool | None = None
    lines: tuple[RecordLine, ...] = ()
    outcome: str = ""
    case_name: str = ""


@dataclass(frozen=True)
class InvestigationRecord:
    """An investigation record, 调查笔录: who was asked, by whom, what was said."""

    started_at: datetime
    ended_at: datetime | None
    place: str
    investigators: tuple[str, ...]
    note_taker: str
    interviewee: str
    interviewee_details: str = ""
    others_present: tuple[Attendee, ...] = ()
    lines: tuple[RecordLine, ...] = ()


class PerformanceState(StrEnum):
    """What a follow-up visit found (art. 31: the committee supervises performance)."""

    PERFORMED = "performed"
    PARTLY = "partly"
    NOT_PERFORMED = "not_performed"


PERFORMANCE_LABELS_ZH = {
    PerformanceState.PERFORMED: "已履行",
    PerformanceState.PARTLY: "部分履行",
    PerformanceState.NOT_PERFORMED: "未履行",
}


@dataclass(frozen=True)
class FollowUpRecord:
    """A follow-up visit, 回访记录 (art. 31): time, who was visited, by whom, what was found."""

    visited_at: datetime
    person_visited: str
    visitor: str
    way: str
    performance: PerformanceState
    situation: str
    party_opinion: str = ""


@dataclass(frozen=True)
class Registration:
    """The registration form, 人民调解登记表: how the case came in and how it ended.

    ``source`` is how it came in (当事人申请, 主动调解, 移送/委托); ``voluntary`` carries the
    sentence that the rules were explained and the party applies voluntarily, or for a
    committee's own initiative that the parties consented (art. 17,
    :data:`INITIATIVE_CONSENT_SENTENCE`).
    """

    number: str
    committee: str
    registered_on: date
    source: str
    parties: tuple[PartyDetails, ...]
    dispute_type: str
    summary: str
    applicant_request: str
    first_mediator: str
    second_mediator: str = ""
    result: str = ""
    registrar: str = ""
    voluntary: str = VOLUNTARY_SENTENCE


@dataclass(frozen=True)
class CaseFileCover:
    """The printed cover of a case file (结案立卷: year, volume number, retention period).

    ``result`` is 调解成功 / 部分成功 / 调解不成 / 终止调解 as the ledger keeps it, and
    ``result_reason`` why, when it did not succeed (art. 26: termination).
    """

    committee: str
    case_name: str
    number: str
    year: int
    volume: str
    retention: str
    opened_on: date
    closed_on: date | None
    result: str
    mediators: tuple[str, ...]
    result_reason: str = ""
    filed_by: str = ""
    filed_on: date | None = None


@dataclass(frozen=True)
class CaseFile:
    """The whole case file, 人民调解卷宗 (art. 27), in the order committees bind it."""

    cover: CaseFileCover
    registration: Registration
    investigations: tuple[InvestigationRecord, ...] = ()
    sessions: tuple[SessionRecord, ...] = ()
    agreement: Agreement | None = None
    follow_ups: tuple[FollowUpRecord, ...] = ()
