"""A dispute's mediation procedure as a state machine over its case file (卷宗).

Sources: People's Mediation Law of the PRC (2010, 人民调解法) articles named on each
step; Ministry of Justice, Several Provisions on People's Mediation Work (2002, 人民调解
工作若干规定) art. 33 for the one-month limit. Every step either changes the file and
answers a ``Step`` (for the timeline and the event) or raises ``StepRefused`` with the
reason in English and Chinese; a refused step changes nothing.

States (the README draws the whole procedure)::

    new ─受理→ in_mediation ─书面协议→ awaiting_signatures ─全部签章→ agreement_effective
    new ─不予受理→ declined          in_mediation ─口头协议→ agreement_effective
    agreement_effective ─回访：再次调解→ in_mediation
    in_mediation | awaiting_signatures ─终止→ terminated
    agreement_effective | terminated ─结案→ closed ─归档→ archived (read-only)
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from services.mediation.domain import commands as c
from services.mediation.domain.case_file import (
    AfterFollowUp,
    CameIn,
    Closing,
    CommitteeSeal,
    ConfirmationApplication,
    ConfirmationDecision,
    ConfirmationResult,
    Declination,
    Extension,
    Filing,
    FollowUp,
    InvestigationRecord,
    Invitee,
    LegalReview,
    MediatorChange,
    MediatorChoice,
    OralAgreement,
    Performance,
    PerformanceRecord,
    PoliceReferral,
    Registration,
    Result,
    ScheduledSession,
    SessionOutcome,
    SessionRecord,
    Signature,
    StaffSignature,
    Termination,
    WrittenAgreement,
)

CONFIRMATION_WINDOW = timedelta(days=30)  # art. 33: within 30 days of taking effect
# A start typed to the minute may be that much behind the clock when it arrives.
SCHEDULE_GRACE = timedelta(minutes=1)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


class State(StrEnum):
    NEW = "new"
    DECLINED = "declined"
    IN_MEDIATION = "in_mediation"
    AWAITING_SIGNATURES = "awaiting_signatures"
    AGREEMENT_EFFECTIVE = "agreement_effective"
    TERMINATED = "terminated"
    CLOSED = "closed"
    ARCHIVED = "archived"


LABELS_ZH = {
    State.NEW: "待受理",
    State.DECLINED: "不予受理",
    State.IN_MEDIATION: "调解中",
    State.AWAITING_SIGNATURES: "协议待签",
    State.AGREEMENT_EFFECTIVE: "协议已生效",
    State.TERMINATED: "调解终止",
    State.CLOSED: "已结案",
    State.ARCHIVED: "已归档",
}

# Roles that work a dispute; a legal adviser reviews and advises (一社区一法律顾问).
MEDIATOR = "mediator"
POLICE = "community_police"
LEGAL_ADVISER = "legal_adviser"
WORKERS = frozenset({MEDIATOR, POLICE})


class StepRefused(Exception):
    """A step the rules do not allow now; ``code`` names the rule for clients."""

    def __init__(self, code: str, en: str, zh: str, *, field: str | None = None):
        super().__init__(en)
        self.code = code
        self.en = en
        self.zh = zh
        self.field = field


@dataclass(frozen=True)
class Step:
    """What a step did: its name, a line for the timeline, why, and the facts the event
    carries (structured values only: never free text that may hold personal data)."""

    name: str
    what: str  # Chinese, for the timeline
    why: str | None
    facts: dict[str, Any] = field(default_factory=dict)


def one_month_after(at: datetime) -> datetime:
    """The same day next month (the last day if it has none): MoJ 2002 art. 33
    "一般在一个月内调解结束"."""
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


@dataclass
class Dispute:
    """One dispute's case file and where its procedure stands."""

    case_id: str
    state: State = State.NEW
    version: int = 0
    handler_id: str | None = None  # the current lead, from routing's case.assigned
    registration: Registration | None = None
    declination: Declination | None = None
    mediator_changes: list[MediatorChange] = field(default_factory=list)
    mediator_choices: list[MediatorChoice] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)  # joined besides the lead
    investigations: list[InvestigationRecord] = field(default_factory=list)
    sessions: list[SessionRecord] = field(default_factory=list)
    scheduled_session: ScheduledSession | None = None  # the next one agreed, not yet held
    written_agreement: WrittenAgreement | None = None
    oral_agreement: OralAgreement | None = None
    earlier_agreements: list[WrittenAgreement] = field(default_factory=list)
    confirmation_application: ConfirmationApplication | None = None
    confirmation_decision: ConfirmationDecision | None = None
    follow_ups_due: list[date] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    performance: list[PerformanceRecord] = field(default_factory=list)
    termination: Termination | None = None
    police_referral: PoliceReferral | None = None
    extensions: list[Extension] = field(default_factory=list)
    closing: Closing | None = None
    filing: Filing | None = None

    # ---- derived facts ---------------------------------------------------------------

    @property
    def accepted_at(self) -> datetime | None:
        return self.registration.registered_at if self.registration else None

    @property
    def due_at(self) -> datetime | None:
        """End of the time limit: one month from acceptance, or the last extension."""
        if self.registration is None:
            return None
        if self.extensions:
            return self.extensions[-1].until
        return one_month_after(self.registration.registered_at)

    @property
    def agreement_effective_at(self) -> datetime | None:
        if self.written_agreement is not None and self.written_agreement.effective_at:
            return self.written_agreement.effective_at
        if self.oral_agreement is not None:
            return self.oral_agreement.reached_at
        return None

    @property
    def party_names(self) -> list[str]:
        return [p.name for p in self.registration.parties] if self.registration else []

    @property
    def people_named(self) -> list[str]:
        """Every party named anywhere in the file (registration and agreements), for
        masking them where a reader may not see them."""
        agreements = [self.written_agreement, *self.earlier_agreements]
        named = [p.name for a in agreements if a is not None for p in a.parties]
        return [*self.party_names, *named]

    def may_work(self, staff_id: str) -> bool:
        return staff_id not in self.excluded

    # ---- the one entry point ---------------------------------------------------------

    def take(self, command: c.Command, actor: Actor, now: datetime) -> Step:
        """Apply ``command`` as ``actor`` at ``now``; the version moves on success."""
        if self.state == State.ARCHIVED:
            raise StepRefused(
                "archived",
                "The file is archived and read-only (art. 27).",
                "卷宗已归档，不可修改（人民调解法第二十七条）。",
            )
        if actor.staff_id in self.excluded:
            raise StepRefused(
                "excluded",
                "You were refused or recused on this case (arts. 19, 23).",
                "您已被当事人拒绝或已回避，不能办理此案（第十九、二十三条）。",
            )
        method = _DISPATCH[type(command)]
        step = method(self, command, actor, now)
        if self.state != State.IN_MEDIATION:
            self.scheduled_session = None  # a session is scheduled for mediating only
        self.version += 1
        return step

    # ---- helpers -------------------------------------------------------------------

    def _require(self, *states: State) -> None:
        if self.state not in states:
            allowed = "、".join(LABELS_ZH[s] for s in states)
            raise StepRefused(
                "wrong-state",
                f"Not allowed while the case is {self.state.value} "
                f"(allowed: {', '.join(s.value for s in states)}).",
                f"案件当前为「{LABELS_ZH[self.state]}」，此操作仅限「{allowed}」。",
            )

    def _require_role(self, actor: Actor, roles: frozenset[str], zh: str) -> None:
        if actor.role not in roles:
            raise StepRefused(
                "role",
                f"Only {', '.join(sorted(roles))} may take this step.",
                f"此操作仅限{zh}。",
            )

    def _within_time_limit(self, now: datetime) -> None:
        """MoJ 2002 art. 33: mediation normally ends within a month; going on needs both
        parties' consent, recorded (``ExtendTimeLimit``)."""
        due = self.due_at
        if due is not None and now > due:
            raise StepRefused(
                "time-limit-passed",
                f"The time limit ended at {due.isoformat()}; going on needs every party's "
                "recorded consent (MoJ 2002 art. 33), otherwise terminate.",
                f"调解期限已于 {due:%Y-%m-%d %H:%M} 届满；继续调解须经双方当事人同意并记录"
                "（司法部2002年规定第三十三条），否则应终止调解。",
            )

    def _known_parties(self, names: tuple[str, ...] | list[str], field_name: str) -> None:
        unknown = [n for n in names if n not in self.party_names]
        if unknown:
            raise StepRefused(
                "unknown-party",
                f"Not a party of this dispute: {', '.join(unknown)}.",
                f"不是本案当事人：{'、'.join(unknown)}。",
                field=field_name,
            )

    # ---- steps ---------------------------------------------------------------------

    def accept(self, cmd: c.Accept, actor: Actor, now: datetime) -> Step:
        """受理. Mediation is voluntary (art. 3, 17): an application carries the rules
        explained and the voluntary sentence; a committee's own initiative (art. 17) and a
        referral (art. 18) carry every party's consent."""
        self._require(State.NEW)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if len(cmd.parties) < 2:
            raise StepRefused(
                "parties",
                "A dispute has at least two parties.",
                "纠纷至少有两方当事人。",
                field="parties",
            )
        if not (cmd.rules_explained and cmd.applies_voluntarily):
            raise StepRefused(
                "not-voluntary",
                "The rules must be explained and the party must apply voluntarily (art. 17).",
                "须告知调解规则且当事人自愿（人民调解法第十七条）。",
                field="rules_explained",
            )
        names = [p.name for p in cmd.parties]
        if cmd.came_in in (CameIn.OWN_INITIATIVE, CameIn.REFERRAL):
            consenting = {x.party for x in cmd.consents}
            missing = [n for n in names if n not in consenting]
            if missing:
                raise StepRefused(
                    "consent-missing",
                    "Mediation on the committee's initiative or on referral needs every "
                    f"party's consent (art. 17); missing: {', '.join(missing)}.",
                    f"主动调解或移送调解须经各方当事人同意（第十七条），缺少：{'、'.join(missing)}。",
                    field="consents",
                )
        accepted_at = cmd.accepted_at or now
        if accepted_at > now:
            raise StepRefused(
                "future",
                "Acceptance cannot be in the future.",
                "受理时间不能晚于当前时间。",
                field="accepted_at",
            )
        self.registration = Registration(
            came_in=cmd.came_in,
            parties=cmd.parties,
            summary=cmd.summary,
            registered_at=accepted_at,
            registered_by=actor.staff_id,
            rules_explained=cmd.rules_explained,
            applies_voluntarily=cmd.applies_voluntarily,
            consents=cmd.consents,
            referred_by=cmd.referred_by,
            first_mediator=actor.staff_id,
            second_mediator=cmd.second_mediator,
        )
        self.state = State.IN_MEDIATION
        return Step(
            "accepted",
            f"受理（{_CAME_IN_ZH[cmd.came_in]}），当事人 {len(cmd.parties)} 方",
            None,
            {
                "came_in": cmd.came_in.value,
                "parties": len(cmd.parties),
                "accepted_at": accepted_at,
                "due_at": self.due_at,
            },
        )

    def decline(self, cmd: c.Decline, actor: Actor, now: datetime) -> Step:
        """不予受理: a party clearly refuses (art. 17); already before a court, arbitration
        or public security, or not a civil dispute mediation may take (MoJ 2002 art. 22)."""
        self._require(State.NEW)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        self.declination = Declination(cmd.reason, cmd.note, now, actor.staff_id)
        self.state = State.DECLINED
        return Step(
            "declined",
            f"不予受理：{_DECLINE_ZH[cmd.reason]}",
            cmd.note,
            {"decline_reason": cmd.reason.value},
        )

    def refuse_mediator(self, cmd: c.RefuseMediator, actor: Actor, now: datetime) -> Step:
        """A party refuses a mediator (arts. 19, 23: 当事人有权选择或者接受人民调解员,
        要求回避) or the mediator withdraws: they are excluded from the case and routing
        is asked for another."""
        self._require(State.NEW, State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        handlers = {self.handler_id, *self.participants} - {None}
        if cmd.staff_id not in handlers:
            raise StepRefused(
                "not-a-handler",
                f"{cmd.staff_id} does not handle this case.",
                f"{cmd.staff_id} 未承办此案。",
                field="staff_id",
            )
        if cmd.by_party is None and cmd.staff_id != actor.staff_id:
            raise StepRefused(
                "recusal-by-self",
                "Only mediators may recuse themselves; a party's refusal names the party.",
                "回避须由调解员本人提出；当事人拒绝须写明当事人。",
                field="by_party",
            )
        if cmd.by_party is not None and self.registration is not None:
            self._known_parties((cmd.by_party,), "by_party")
        self.mediator_changes.append(
            MediatorChange(cmd.staff_id, cmd.by_party, cmd.reason, now, actor.staff_id)
        )
        self.excluded.append(cmd.staff_id)
        if cmd.staff_id in self.participants:
            self.participants.remove(cmd.staff_id)
        who = f"当事人{cmd.by_party}拒绝" if cmd.by_party else "调解员自行回避"
        return Step(
            "mediator-refused",
            f"{who}：{cmd.staff_id}，请求另行指派",
            cmd.reason,
            {"staff_id": cmd.staff_id, "by": "party" if cmd.by_party else "self"},
        )

    def choose_mediator(self, cmd: c.ChooseMediator, actor: Actor, now: datetime) -> Step:
        """The parties choose a mediator (art. 19); the chosen one joins the case at once.
        Someone a party refused cannot be chosen back without a new application."""
        self._require(State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if cmd.staff_id in self.excluded:
            raise StepRefused(
                "excluded",
                "That mediator was refused or recused on this case.",
                "该调解员已被拒绝或已回避。",
                field="staff_id",
            )
        if set(cmd.chosen_by) != set(self.party_names):
            raise StepRefused(
                "parties",
                "Every party must agree on the mediator they choose (art. 19).",
                "选择调解员须经各方当事人一致同意（第十九条）。",
                field="chosen_by",
            )
        self.mediator_choices.append(
            MediatorChoice(cmd.staff_id, cmd.chosen_by, now, actor.staff_id)
        )
        if cmd.staff_id != self.handler_id and cmd.staff_id not in self.participants:
            self.participants.append(cmd.staff_id)
        registration = self.registration
        if (
            registration is not None
            and registration.second_mediator is None
            and cmd.staff_id != registration.first_mediator
        ):
            self.registration = replace(registration, second_mediator=cmd.staff_id)
        return Step(
            "mediator-chosen",
            f"当事人选择调解员 {cmd.staff_id}",
            None,
            {"staff_id": cmd.staff_id},
        )

    def schedule_session(self, cmd: c.ScheduleSession, actor: Actor, now: datetime) -> Step:
        """约定调解时间、地点: the next session, agreed with the parties, within the time
        limit (MoJ 2002 art. 33: 一般在一个月内调解结束, unless extended). Scheduling
        again reschedules; recording a session (art. 27) clears it."""
        self._require(State.IN_MEDIATION)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        self._within_time_limit(now)
        if cmd.starts_at < now - SCHEDULE_GRACE:
            raise StepRefused(
                "past",
                "A session is scheduled in the future.",
                "调解时间不能早于当前时间。",
                field="starts_at",
            )
        due = self.due_at
        if due is not None and cmd.starts_at > due:
            raise StepRefused(
                "after-time-limit",
                f"The session must start by the end of the time limit, {_local(due)} "
                "(MoJ 2002 art. 33); extend it first with every party's consent.",
                f"调解时间须在调解期限 {_local(due)} 之前（司法部2002年规定第三十三条）；"
                "如需延后，须先经双方当事人同意延长期限。",
                field="starts_at",
            )
        if not cmd.place.strip():
            raise StepRefused(
                "place",
                "Say where the session is held.",
                "请填写调解地点。",
                field="place",
            )
        previous = self.scheduled_session
        self.scheduled_session = ScheduledSession(
            cmd.starts_at, cmd.place.strip(), cmd.note.strip(), now, actor.staff_id
        )
        what = (
            f"调解改期：原定 {_local(previous.starts_at)}，改为 {_local(cmd.starts_at)}"
            if previous is not None
            else f"约定调解：{_local(cmd.starts_at)}"
        )
        # The place and note are free text: the timeline's reason (sealed, masked for
        # readers without a full view), never the event.
        why = f"地点：{cmd.place.strip()}" + (f"；{cmd.note.strip()}" if cmd.note.strip() else "")
        return Step(
            "session-scheduled",
            what,
            why,
            {
                "starts_at": cmd.starts_at,
                "rescheduled": previous is not None,
                "previous_starts_at": previous.starts_at if previous else None,
            },
        )

    def record_session(self, cmd: c.RecordSession, actor: Actor, now: datetime) -> Step:
        """调解记录 (art. 27 keeps it). Invitees need the parties' consent (art. 20);
        a session is public only if the parties agree (art. 23: 当事人要求调解公开或不
        公开)."""
        self._require(State.IN_MEDIATION)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        self._within_time_limit(now)
        if cmd.ended_at < cmd.started_at:
            raise StepRefused(
                "times",
                "A session ends after it starts.",
                "结束时间须晚于开始时间。",
                field="ended_at",
            )
        self._known_parties(cmd.parties_present, "parties_present")
        for i, person in enumerate(cmd.invited):
            if set(person.consented_by) != set(self.party_names):
                raise StepRefused(
                    "invitee-consent",
                    f"{person.name} may attend only with every party's consent (art. 20).",
                    f"邀请{person.name}参与调解须经各方当事人同意（第二十条）。",
                    field=f"invited/{i}/consented_by",
                )
        session = SessionRecord(
            number=len(self.sessions) + 1,
            started_at=cmd.started_at,
            ended_at=cmd.ended_at,
            place=cmd.place,
            host=cmd.host,
            note_taker=cmd.note_taker,
            parties_present=cmd.parties_present,
            invited=cmd.invited,
            public=cmd.public,
            record=cmd.record,
            outcome=cmd.outcome,
            recorded_by=actor.staff_id,
        )
        self.sessions.append(session)
        self.scheduled_session = None  # the session agreed on was held (or another was)
        for person in cmd.invited:
            if person.staff_id and person.staff_id not in self.participants:
                self.participants.append(person.staff_id)
        return Step(
            "session-recorded",
            f"第{session.number}次调解（{'公开' if cmd.public else '不公开'}），"
            f"结果：{_OUTCOME_ZH[cmd.outcome]}",
            None,
            {
                "session_number": session.number,
                "started_at": cmd.started_at,
                "ended_at": cmd.ended_at,
                "public": cmd.public,
                "invited_kinds": [p.kind.value for p in cmd.invited],
                "legal_adviser_invited": any(p.kind == Invitee.LEGAL_ADVISER for p in cmd.invited),
                "outcome": cmd.outcome.value,
            },
        )

    def record_investigation(self, cmd: c.RecordInvestigation, actor: Actor, now: datetime) -> Step:
        """调查记录: a mediator may investigate the facts (MoJ 2002 art. 29)."""
        self._require(State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        self._within_time_limit(now)
        record = InvestigationRecord(
            len(self.investigations) + 1,
            cmd.at,
            cmd.place,
            cmd.investigators,
            cmd.persons_interviewed,
            cmd.record,
            actor.staff_id,
        )
        self.investigations.append(record)
        return Step(
            "investigation-recorded",
            f"第{record.number}次调查",
            None,
            {"investigation_number": record.number, "at": cmd.at},
        )

    def draft_agreement(self, cmd: c.DraftWrittenAgreement, actor: Actor, now: datetime) -> Step:
        """调解协议书 (arts. 28, 29): parties' details, facts, disputed matters, each
        party's responsibility, the terms with how, where and by when. A draft nobody
        has signed may be replaced."""
        self._require(State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        self._within_time_limit(now)
        if self.written_agreement is not None and (
            self.written_agreement.signatures
            or self.written_agreement.mediator_signature
            or self.written_agreement.seal
        ):
            raise StepRefused(
                "already-signed",
                "The draft has signatures; it can no longer be changed.",
                "协议书已有签章，不能再修改。",
            )
        names = [p.name for p in cmd.parties]
        self._known_parties(names, "parties")
        if set(names) != set(self.party_names):
            raise StepRefused(
                "parties",
                "The agreement names every party of the dispute (art. 29).",
                "协议书须载明全部当事人（第二十九条）。",
                field="parties",
            )
        if not cmd.terms:
            raise StepRefused(
                "terms",
                "An agreement states what was agreed (art. 29).",
                "协议书须载明达成协议的内容（第二十九条）。",
                field="terms",
            )
        for i, term in enumerate(cmd.terms):
            self._known_parties((term.obligor,), f"terms/{i}/obligor")
        self._known_parties(tuple(p for p, _ in cmd.responsibilities), "responsibilities")
        if self.written_agreement is not None:
            self.earlier_agreements.append(self.written_agreement)
        self.written_agreement = WrittenAgreement(
            number=cmd.number,
            parties=cmd.parties,
            facts=cmd.facts,
            disputed_matters=cmd.disputed_matters,
            responsibilities=cmd.responsibilities,
            terms=cmd.terms,
            drafted_at=now,
            drafted_by=actor.staff_id,
        )
        self.state = State.AWAITING_SIGNATURES
        agreement = self.written_agreement
        return Step(
            "agreement-drafted",
            f"制作调解协议书 {cmd.number}（一式{agreement.copies}份）",
            None,
            {
                "form": "written",
                "agreement_number": cmd.number,
                "copies": agreement.copies,
                "terms": len(cmd.terms),
                "performance_deadline": agreement.performance_deadline,
            },
        )

    def _draft(self) -> WrittenAgreement:
        self._require(State.AWAITING_SIGNATURES)
        assert self.written_agreement is not None
        return self.written_agreement

    def review_agreement(self, cmd: c.ReviewAgreement, actor: Actor, now: datetime) -> Step:
        """The community's legal adviser reviews the draft (一社区一法律顾问; practice)."""
        agreement = self._draft()
        self._require_role(actor, frozenset({LEGAL_ADVISER}), "法律顾问")
        agreement.reviews.append(LegalReview(actor.staff_id, cmd.opinion, cmd.approves, now))
        if actor.staff_id not in self.participants and actor.staff_id != self.handler_id:
            self.participants.append(actor.staff_id)
        return Step(
            "agreement-reviewed",
            f"法律顾问审查协议书：{'同意' if cmd.approves else '提出修改意见'}",
            None,
            {"approves": cmd.approves},
        )

    def sign_as_party(self, cmd: c.SignAsParty, actor: Actor, now: datetime) -> Step:
        """A party signs, seals or fingerprints the agreement (art. 29), recorded with
        its time."""
        agreement = self._draft()
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if cmd.party not in [p.name for p in agreement.parties]:
            raise StepRefused(
                "unknown-party",
                f"{cmd.party} is not a party to the agreement.",
                f"{cmd.party} 不是协议当事人。",
                field="party",
            )
        if cmd.party in {s.party for s in agreement.signatures}:
            raise StepRefused(
                "already-signed",
                f"{cmd.party} has already signed.",
                f"{cmd.party} 已签章。",
                field="party",
            )
        _not_future(cmd.at, now)
        agreement.signatures.append(Signature(cmd.party, cmd.kind, cmd.at))
        return self._signed("party", f"当事人{cmd.party}{_SIGN_ZH[cmd.kind.value]}", cmd.at)

    def sign_as_mediator(self, cmd: c.SignAsMediator, actor: Actor, now: datetime) -> Step:
        """The mediator signs (art. 29)."""
        agreement = self._draft()
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if agreement.mediator_signature is not None:
            raise StepRefused(
                "already-signed", "The mediator has already signed.", "调解员已签名。"
            )
        _not_future(cmd.at, now)
        agreement.mediator_signature = StaffSignature(actor.staff_id, actor.name, cmd.at)
        return self._signed("mediator", f"调解员{actor.name or actor.staff_id}签名", cmd.at)

    def seal(self, cmd: c.SealAgreement, actor: Actor, now: datetime) -> Step:
        """The committee seals (art. 29: 加盖人民调解委员会印章)."""
        agreement = self._draft()
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if agreement.seal is not None:
            raise StepRefused("already-sealed", "Already sealed.", "已盖章。")
        _not_future(cmd.at, now)
        agreement.seal = CommitteeSeal(cmd.committee, cmd.at, actor.staff_id)
        return self._signed("committee", f"{cmd.committee}盖章", cmd.at)

    def _signed(self, who: str, what: str, at: datetime) -> Step:
        """Art. 29: effective on the day the last of the parties' signatures, the
        mediator's signature and the committee's seal is made."""
        agreement = self.written_agreement
        assert agreement is not None
        facts: dict[str, Any] = {
            "signed_by": who,
            "signed_at": at,
            "parties_signed": len(agreement.signatures),
            "parties_unsigned": len(agreement.unsigned_parties()),
        }
        if (
            not agreement.unsigned_parties()
            and agreement.mediator_signature is not None
            and agreement.seal is not None
        ):
            agreement.effective_at = max(
                [s.at for s in agreement.signatures]
                + [agreement.mediator_signature.at, agreement.seal.at]
            )
            self.state = State.AGREEMENT_EFFECTIVE
            facts["effective_at"] = agreement.effective_at
            facts["confirmation_window_ends"] = agreement.effective_at + CONFIRMATION_WINDOW
            what += "；协议书生效"
        return Step("agreement-signed", what, None, facts)

    def record_oral_agreement(
        self, cmd: c.RecordOralAgreement, actor: Actor, now: datetime
    ) -> Step:
        """口头调解协议 (art. 28: 口头协议的，调解员应当记录协议内容; art. 30: effective
        when the parties reach it)."""
        self._require(State.IN_MEDIATION)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        self._within_time_limit(now)
        if set(cmd.parties_agreeing) != set(self.party_names):
            raise StepRefused(
                "parties",
                "Every party must agree to an oral agreement (art. 30).",
                "口头协议须各方当事人达成一致（第三十条）。",
                field="parties_agreeing",
            )
        _not_future(cmd.reached_at, now, "reached_at")
        self.oral_agreement = OralAgreement(
            cmd.content, cmd.terms, cmd.parties_agreeing, cmd.reached_at, actor.staff_id
        )
        self.state = State.AGREEMENT_EFFECTIVE
        return Step(
            "oral-agreement-recorded",
            "记录口头调解协议，自达成之日起生效",
            None,
            {"form": "oral", "effective_at": cmd.reached_at, "terms": len(cmd.terms)},
        )

    def apply_for_confirmation(
        self, cmd: c.ApplyForConfirmation, actor: Actor, now: datetime
    ) -> Step:
        """司法确认 (art. 33): the parties jointly apply to a court within 30 days of the
        agreement taking effect."""
        self._require(State.AGREEMENT_EFFECTIVE)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        agreement = self.written_agreement
        if agreement is None or agreement.effective_at is None:
            raise StepRefused(
                "written-only",
                "Judicial confirmation is recorded for an effective written agreement.",
                "司法确认须针对已生效的书面调解协议。",
            )
        if self.confirmation_application is not None:
            raise StepRefused("already-applied", "Already applied.", "已申请司法确认。")
        window_ends = (agreement.effective_at + CONFIRMATION_WINDOW).date()
        if cmd.applied_on > window_ends or cmd.applied_on < agreement.effective_at.date():
            raise StepRefused(
                "confirmation-window",
                f"The application must be made within 30 days of the agreement taking "
                f"effect (art. 33), by {window_ends.isoformat()}.",
                f"须自调解协议生效之日起三十日内申请司法确认（第三十三条），"
                f"即 {window_ends.isoformat()} 之前。",
                field="applied_on",
            )
        self.confirmation_application = ConfirmationApplication(
            cmd.court, cmd.applied_on, actor.staff_id
        )
        return Step(
            "confirmation-applied",
            f"双方当事人共同向{cmd.court}申请司法确认",
            None,
            {"applied_on": cmd.applied_on},
        )

    def record_confirmation(self, cmd: c.RecordConfirmation, actor: Actor, now: datetime) -> Step:
        """The court's ruling on the application (art. 33: confirmed → enforceable;
        refused → the parties may change it or sue)."""
        self._require(State.AGREEMENT_EFFECTIVE)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        if self.confirmation_application is None:
            raise StepRefused(
                "not-applied", "No application was recorded.", "尚未记录司法确认申请。"
            )
        if self.confirmation_decision is not None:
            raise StepRefused("already-decided", "Already recorded.", "已记录裁定结果。")
        if cmd.decided_on < self.confirmation_application.applied_on:
            raise StepRefused(
                "dates",
                "The ruling cannot precede the application.",
                "裁定日期不能早于申请日期。",
                field="decided_on",
            )
        self.confirmation_decision = ConfirmationDecision(
            cmd.result, cmd.decided_on, cmd.note, actor.staff_id
        )
        label = "确认有效" if cmd.result == ConfirmationResult.CONFIRMED else "驳回申请"
        return Step(
            "confirmation-decided",
            f"司法确认：{label}",
            cmd.note or None,
            {"result": cmd.result.value, "decided_on": cmd.decided_on},
        )

    def schedule_follow_up(self, cmd: c.ScheduleFollowUp, actor: Actor, now: datetime) -> Step:
        """Performance supervision (art. 31: 人民调解委员会应当对调解协议的履行情况进行
        监督): a follow-up visit is scheduled."""
        self._require(State.AGREEMENT_EFFECTIVE)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        if cmd.due_on < now.date():
            raise StepRefused(
                "past",
                "A follow-up is scheduled in the future.",
                "回访日期不能早于今天。",
                field="due_on",
            )
        self.follow_ups_due.append(cmd.due_on)
        return Step(
            "follow-up-scheduled",
            f"安排回访：{cmd.due_on.isoformat()}",
            None,
            {"due_on": cmd.due_on},
        )

    def record_performance(self, cmd: c.RecordPerformance, actor: Actor, now: datetime) -> Step:
        """Performance supervision (art. 31: 人民调解委员会应当对调解协议的履行情况进行监督，
        督促当事人履行约定的义务): who paid or did what, and when."""
        self._require(State.AGREEMENT_EFFECTIVE)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        self._known_parties((cmd.party,), "party")
        _not_future(cmd.at, now)
        self.performance.append(PerformanceRecord(cmd.party, cmd.what, cmd.at, actor.staff_id))
        return Step(
            "performance-recorded",
            f"记录履行情况（第{len(self.performance)}条）",
            None,
            {"performance_records": len(self.performance), "performed_at": cmd.at},
        )

    def record_follow_up(self, cmd: c.RecordFollowUp, actor: Actor, now: datetime) -> Step:
        """回访记录 (art. 31). Not performed: back to mediation, or the parties are told
        they may sue (art. 32)."""
        self._require(State.AGREEMENT_EFFECTIVE)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        _not_future(cmd.visited_at, now, "visited_at")
        if cmd.performance == Performance.PERFORMED and cmd.after != AfterFollowUp.NOTHING:
            raise StepRefused(
                "after",
                "A performed agreement needs no further route.",
                "协议已履行，无需再次调解或诉讼。",
                field="after",
            )
        visit = FollowUp(
            len(self.follow_ups) + 1,
            cmd.visited_at,
            cmd.visitor,
            cmd.person_visited,
            cmd.performance,
            cmd.situation,
            cmd.after,
            actor.staff_id,
        )
        self.follow_ups.append(visit)
        if self.follow_ups_due:
            self.follow_ups_due.pop(0)
        if cmd.after == AfterFollowUp.BACK_TO_MEDIATION:
            if self.written_agreement is not None:
                self.earlier_agreements.append(self.written_agreement)
            self.written_agreement = None
            self.oral_agreement = None
            self.confirmation_application = None
            self.confirmation_decision = None
            self.state = State.IN_MEDIATION
        return Step(
            "follow-up-recorded",
            f"第{visit.number}次回访：{_PERFORMANCE_ZH[cmd.performance.value]}"
            + {"nothing": "", "back_to_mediation": "，再次调解", "court": "，告知可向人民法院起诉"}[
                cmd.after.value
            ],
            None,
            {
                "follow_up_number": visit.number,
                "performance": cmd.performance.value,
                "after": cmd.after.value,
                "visited_at": cmd.visited_at,
            },
        )

    def terminate(self, cmd: c.Terminate, actor: Actor, now: datetime) -> Step:
        """调解终止 (art. 26: 人民调解员调解纠纷，调解不成的，应当终止调解，并依据有关
        法律、法规的规定，告知当事人可以依法通过仲裁、行政、司法等途径维护自己的权利)."""
        self._require(State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, WORKERS, "人民调解员或社区民警")
        if not cmd.routes_told:
            raise StepRefused(
                "routes",
                "The parties must be told their routes: arbitration, administrative, court "
                "(art. 26).",
                "终止调解须告知当事人仲裁、行政、司法等途径（第二十六条）。",
                field="routes_told",
            )
        self.termination = Termination(cmd.reason, cmd.routes_told, now, actor.staff_id)
        self.state = State.TERMINATED
        return Step(
            "terminated",
            "终止调解，已告知：" + "、".join(_ROUTE_ZH[r.value] for r in cmd.routes_told),
            cmd.reason,
            {"routes_told": [r.value for r in cmd.routes_told]},
        )

    def refer_to_police(self, cmd: c.ReferToPolice, actor: Actor, now: datetime) -> Step:
        """Art. 25: a dispute that may turn into a public-order or criminal case (民转刑) is
        reported to the police at once; the community police officer joins the case."""
        self._require(State.NEW, State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if cmd.police_staff_id in self.excluded:
            raise StepRefused(
                "excluded",
                "That officer was refused on this case.",
                "该民警已被回避。",
                field="police_staff_id",
            )
        self.police_referral = PoliceReferral(cmd.police_staff_id, cmd.reason, now, actor.staff_id)
        if cmd.police_staff_id not in self.participants:
            self.participants.append(cmd.police_staff_id)
        return Step(
            "referred-to-police",
            f"报告公安机关，社区民警 {cmd.police_staff_id} 介入",
            cmd.reason,
            {"police_staff_id": cmd.police_staff_id},
        )

    def extend(self, cmd: c.ExtendTimeLimit, actor: Actor, now: datetime) -> Step:
        """MoJ 2002 art. 33: beyond a month only with both parties' consent, recorded."""
        self._require(State.IN_MEDIATION, State.AWAITING_SIGNATURES)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        consenting = {x.party for x in cmd.consents}
        missing = [n for n in self.party_names if n not in consenting]
        if missing:
            raise StepRefused(
                "consent-missing",
                f"Going past the time limit needs every party's consent; missing: "
                f"{', '.join(missing)} (MoJ 2002 art. 33).",
                f"延长调解期限须经双方当事人同意，缺少：{'、'.join(missing)}（司法部2002年规定"
                "第三十三条）。",
                field="consents",
            )
        due = self.due_at
        assert due is not None
        if cmd.until <= max(due, now):
            raise StepRefused(
                "until",
                "The new limit must be later than the current one.",
                "新期限须晚于当前期限。",
                field="until",
            )
        self.extensions.append(Extension(cmd.until, cmd.consents, cmd.reason, now, actor.staff_id))
        return Step(
            "time-limit-extended",
            f"经双方当事人同意延长调解期限至 {cmd.until:%Y-%m-%d}",
            cmd.reason,
            {"previous_due_at": due, "due_at": cmd.until},
        )

    def close(self, cmd: c.Close, actor: Actor, now: datetime) -> Step:
        """结案 with the result a ledger keeps: success or partial after an effective
        agreement; failure or terminated after termination (art. 26)."""
        self._require(State.AGREEMENT_EFFECTIVE, State.TERMINATED)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        allowed = (
            {Result.SUCCESS, Result.PARTIAL}
            if self.state == State.AGREEMENT_EFFECTIVE
            else {Result.FAILURE, Result.TERMINATED}
        )
        if cmd.result not in allowed:
            raise StepRefused(
                "result",
                f"With the case {self.state.value}, the result is one of "
                f"{', '.join(sorted(allowed))}.",
                "结案结果与案件状态不符。",
                field="result",
            )
        if cmd.result != Result.SUCCESS and not cmd.reason.strip():
            raise StepRefused(
                "reason",
                "Give the reason.",
                "请填写原因。",
                field="reason",
            )
        self.closing = Closing(cmd.result, cmd.reason, now, actor.staff_id)
        self.state = State.CLOSED
        return Step(
            "closed",
            f"结案：{_RESULT_ZH[cmd.result.value]}",
            cmd.reason or None,
            self.ledger(now),
        )

    def archive(self, cmd: c.Archive, actor: Actor, now: datetime) -> Step:
        """立卷归档 (art. 27: 人民调解员应当记录调解情况。人民调解委员会应当建立调解工作
        档案，将调解登记、调解工作记录、调解协议书等材料立卷归档). Read-only afterwards."""
        self._require(State.CLOSED)
        self._require_role(actor, frozenset({MEDIATOR}), "人民调解员")
        if not 2000 <= cmd.year <= now.year:
            raise StepRefused(
                "year",
                "The filing year is this year or earlier.",
                "立卷年度有误。",
                field="year",
            )
        self.filing = Filing(cmd.year, cmd.volume_number, cmd.retention, now, actor.staff_id)
        self.state = State.ARCHIVED
        return Step(
            "archived",
            f"立卷归档：{cmd.year}年 第{cmd.volume_number}卷，保管期限{cmd.retention}",
            None,
            {"year": cmd.year, "volume_number": cmd.volume_number, "retention": cmd.retention},
        )

    def ledger(self, now: datetime) -> dict[str, Any]:
        """The outcome fields real ledgers (台账) keep, for closing events and reports."""
        accepted = self.accepted_at
        return {
            "result": self.closing.result.value if self.closing else None,
            "sessions": len(self.sessions),
            "judicially_confirmed": bool(
                self.confirmation_decision
                and self.confirmation_decision.result == ConfirmationResult.CONFIRMED
            ),
            "confirmed_on": self.confirmation_decision.decided_on
            if self.confirmation_decision
            else None,
            "invited_experts": sum(
                1 for s in self.sessions for p in s.invited if p.kind == Invitee.EXPERT
            ),
            "days_taken": (now - accepted).days if accepted else None,
            "performance_records": len(self.performance),
            "agreement_form": "written"
            if self.written_agreement
            else ("oral" if self.oral_agreement else None),
        }


def _local(at: datetime) -> str:
    """A time as the people at the desk read it (China's time)."""
    return at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def _not_future(at: datetime, now: datetime, field_name: str = "at") -> None:
    if at > now + timedelta(minutes=5):
        raise StepRefused(
            "future",
            "A recorded time cannot be in the future.",
            "记录时间不能晚于当前时间。",
            field=field_name,
        )


Actor = c.Actor

_DISPATCH: dict[type, Callable[[Dispute, Any, Actor, datetime], Step]] = {
    c.Accept: Dispute.accept,
    c.Decline: Dispute.decline,
    c.RefuseMediator: Dispute.refuse_mediator,
    c.ChooseMediator: Dispute.choose_mediator,
    c.ScheduleSession: Dispute.schedule_session,
    c.RecordSession: Dispute.record_session,
    c.RecordInvestigation: Dispute.record_investigation,
    c.DraftWrittenAgreement: Dispute.draft_agreement,
    c.ReviewAgreement: Dispute.review_agreement,
    c.SignAsParty: Dispute.sign_as_party,
    c.SignAsMediator: Dispute.sign_as_mediator,
    c.SealAgreement: Dispute.seal,
    c.RecordOralAgreement: Dispute.record_oral_agreement,
    c.ApplyForConfirmation: Dispute.apply_for_confirmation,
    c.RecordConfirmation: Dispute.record_confirmation,
    c.ScheduleFollowUp: Dispute.schedule_follow_up,
    c.RecordPerformance: Dispute.record_performance,
    c.RecordFollowUp: Dispute.record_follow_up,
    c.Terminate: Dispute.terminate,
    c.ReferToPolice: Dispute.refer_to_police,
    c.ExtendTimeLimit: Dispute.extend,
    c.Close: Dispute.close,
    c.Archive: Dispute.archive,
}

_CAME_IN_ZH = {
    CameIn.APPLICATION: "当事人申请",
    CameIn.OWN_INITIATIVE: "主动调解",
    CameIn.REFERRAL: "移送调解",
}
_DECLINE_ZH = {
    "party_refuses": "当事人一方明确拒绝调解",
    "before_court": "已经人民法院受理",
    "before_arbitration": "已申请仲裁",
    "before_public_security": "公安机关已受理",
    "not_mediable": "不属于人民调解范围",
}
_OUTCOME_ZH = {
    SessionOutcome.AGREED: "达成协议",
    SessionOutcome.CONTINUE: "继续调解",
    SessionOutcome.FAILED: "调解不成",
}
_SIGN_ZH = {"signed": "签名", "sealed": "盖章", "fingerprint": "按指印"}
_PERFORMANCE_ZH = {"performed": "已履行", "partly": "部分履行", "not_performed": "未履行"}
_ROUTE_ZH = {"arbitration": "仲裁", "administrative": "行政", "court": "司法（诉讼）"}
_RESULT_ZH = {
    "success": "调解成功",
    "partial": "部分成功",
    "failure": "调解失败",
    "terminated": "调解终止",
}

__all__ = ["Actor", "Dispute", "State", "Step", "StepRefused", "one_month_after"]
