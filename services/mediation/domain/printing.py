"""The stored case file (``dispute.Dispute``) as the documents a committee prints.

Pure mapping from the procedure's record (``case_file``) to the printed shapes
(``documents``): the agreement (People's Mediation Law arts. 28–29), one session's
minutes (art. 27) and the whole 卷宗 in binding order (art. 27). The file keeps staff
ids and UTC times; paper shows names and the district's local time, so both come in
with :class:`PrintContext`. Personal data arrives already opened: who may print is the
caller's rule, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from services.mediation.domain import case_file as cf
from services.mediation.domain import documents as doc
from services.mediation.domain.dispute import LABELS_ZH, Dispute

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
COMMITTEE_SUFFIX = "人民调解委员会"


class NothingToPrint(Exception):
    """The file has no such document yet; ``en``/``zh`` say which and why."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en = en
        self.zh = zh


class NoWrittenAgreement(NothingToPrint):
    """No written agreement has been drafted (or it was set aside by a follow-up)."""


class NoSuchSession(NothingToPrint):
    """The file has no session with that number."""


class NotAccepted(NothingToPrint):
    """The dispute was never accepted: there is no registration to bind a file on."""


@dataclass(frozen=True)
class PrintContext:
    """What the file itself does not hold: the committee's name, the case's name and
    number, staff names by id, the district's time zone and way of writing dates."""

    unit_name: str = ""
    case_name: str = ""
    case_number: str = ""
    category: str = ""
    names: Mapping[str, str] = field(default_factory=dict)
    zone: tzinfo = LOCAL_TIME
    style: doc.DateStyle = doc.DateStyle.CHINESE_NUMERALS
    printed_on: date | None = None

    @property
    def committee(self) -> str:
        """The committee of the unit the case belongs to: 东融社区 → 东融社区人民调解委员会."""
        if not self.unit_name:
            return COMMITTEE_SUFFIX
        if self.unit_name.endswith(COMMITTEE_SUFFIX):
            return self.unit_name
        return self.unit_name + COMMITTEE_SUFFIX

    def name(self, staff_id: str | None) -> str:
        """A staff member's name, or their id when the service does not know it."""
        if not staff_id:
            return ""
        return self.names.get(staff_id) or staff_id

    def local(self, at: datetime) -> datetime:
        """``at`` on the district's clock, as paper shows it."""
        return at.astimezone(self.zone) if at.tzinfo is not None else at


# Printed words for the file's codes (the procedure's own labels, as committees write them).
CAME_IN_ZH = {
    cf.CameIn.APPLICATION: "当事人申请",
    cf.CameIn.OWN_INITIATIVE: "主动调解",
    cf.CameIn.REFERRAL: "移送调解",
}
INVITEE_ZH = {
    cf.Invitee.RELATIVE: "亲属",
    cf.Invitee.NEIGHBOUR: "邻居",
    cf.Invitee.COLLEAGUE: "同事",
    cf.Invitee.EXPERT: "专业人员",
    cf.Invitee.LEGAL_ADVISER: "法律顾问",
    cf.Invitee.OTHER: "其他人员",
}
OUTCOME_ZH = {
    cf.SessionOutcome.AGREED: "达成协议",
    cf.SessionOutcome.CONTINUE: "继续调解",
    cf.SessionOutcome.FAILED: "调解不成",
}
# The cover's result as ledgers write it (documents.CaseFileCover).
RESULT_ZH = {
    cf.Result.SUCCESS: "调解成功",
    cf.Result.PARTIAL: "部分成功",
    cf.Result.FAILURE: "调解不成",
    cf.Result.TERMINATED: "终止调解",
}
MARK = {
    cf.SignatureKind.SIGNED: doc.SigningMark.SIGNATURE,
    cf.SignatureKind.SEALED: doc.SigningMark.SEAL,
    cf.SignatureKind.FINGERPRINT: doc.SigningMark.FINGERPRINT,
}
FOLLOW_UP_WAY = "回访"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？", "；", ".")) else text + "。"


def _lines(record: str) -> tuple[doc.RecordLine, ...]:
    """A record typed as free text, one printed paragraph per line."""
    return tuple(doc.RecordLine("", line.strip()) for line in record.splitlines() if line.strip())


# ---- the agreement (arts. 28–29) ---------------------------------------------------------


def _party(p: cf.AgreementParty) -> doc.PartyDetails:
    return doc.PartyDetails(
        name=p.name,
        sex=p.gender or "",
        ethnicity=p.ethnicity or "",
        birth_date=p.birth_date,
        occupation=p.occupation or "",
        address=p.address or "",
        id_number=p.id_number or "",
        phone=p.phone or "",
    )


def _terms_and_performance(
    terms: tuple[cf.Term, ...], ctx: PrintContext
) -> tuple[tuple[str, ...], doc.Performance]:
    """Art. 29(3) asks how and by when each thing is done. When every term is performed
    the same way, at the same place, by the same day, that is said once below the terms;
    otherwise each term says its own and the performance lines refer to them."""
    deadline = max(t.deadline for t in terms)
    uniform = len({(t.method, t.place, t.deadline) for t in terms}) == 1
    if uniform:
        first = terms[0]
        return (
            tuple(_sentence(f"{t.obligor}{t.content}") for t in terms),
            doc.Performance(first.method, first.place, deadline),
        )
    texts = tuple(
        _sentence(
            f"{t.obligor}{t.content}（履行方式：{t.method}；履行地点：{t.place}；"
            f"履行期限：{doc.chinese_date(t.deadline, ctx.style)}前）"
        )
        for t in terms
    )
    return texts, doc.Performance("见各项约定", "见各项约定", deadline)


def agreement(dispute: Dispute, ctx: PrintContext) -> doc.Agreement:
    """The written agreement as it prints: signed lines carry their recorded time and
    mark, unsigned ones print blank, so a draft prints ready for signing (art. 29)."""
    written = dispute.written_agreement
    if written is None:
        raise NoWrittenAgreement(
            "There is no written agreement on this case yet: draft one first "
            "(People's Mediation Law arts. 28–29).",
            "本案尚无书面调解协议，请先制作调解协议书（人民调解法第二十八、二十九条）。",
        )
    committee = written.seal.committee if written.seal is not None else ctx.committee
    if written.mediator_signature is not None:
        mediator = written.mediator_signature.name or ctx.name(written.mediator_signature.staff_id)
    else:
        mediator = ctx.name(written.drafted_by)
    signatures = [
        doc.Signature(doc.SignerRole.PARTY, s.party, ctx.local(s.at), MARK[s.kind])
        for s in written.signatures
    ]
    if written.mediator_signature is not None:
        signatures.append(
            doc.Signature(
                doc.SignerRole.MEDIATOR, mediator, ctx.local(written.mediator_signature.at)
            )
        )
    if written.seal is not None:
        signatures.append(
            doc.Signature(
                doc.SignerRole.COMMITTEE,
                committee,
                ctx.local(written.seal.at),
                doc.SigningMark.SEAL,
            )
        )
    if written.effective_at is not None:
        signed_on = ctx.local(written.effective_at).date()
    else:
        signed_on = ctx.printed_on or ctx.local(written.drafted_at).date()
    terms, performance = _terms_and_performance(written.terms, ctx)
    return doc.Agreement(
        number=written.number,
        committee=committee,
        parties=tuple(_party(p) for p in written.parties),
        facts=written.facts,
        disputed_matters=written.disputed_matters,
        responsibilities=tuple(doc.Responsibility(p, t) for p, t in written.responsibilities),
        terms=terms,
        performance=performance,
        mediators=(mediator,),
        signed_on=signed_on,
        signatures=tuple(signatures),
    )


# ---- records (art. 27) -------------------------------------------------------------------


def _session(record: cf.SessionRecord, ctx: PrintContext, case_name: str) -> doc.SessionRecord:
    return doc.SessionRecord(
        started_at=ctx.local(record.started_at),
        ended_at=ctx.local(record.ended_at),
        place=record.place,
        host=ctx.name(record.host),
        note_taker=ctx.name(record.note_taker),
        parties_present=record.parties_present,
        others_present=tuple(doc.Attendee(p.name, INVITEE_ZH[p.kind]) for p in record.invited),
        public=record.public,
        lines=_lines(record.record),
        outcome=OUTCOME_ZH[record.outcome],
        case_name=case_name,
    )


def case_name(dispute: Dispute, ctx: PrintContext) -> str:
    """The case's title, or 张三与李四纠纷 from the parties when it has none."""
    if ctx.case_name:
        return ctx.case_name
    names = dispute.party_names
    return f"{'与'.join(names)}纠纷" if names else dispute.case_id


def session_record(dispute: Dispute, number: int, ctx: PrintContext) -> doc.SessionRecord:
    """One session's minutes (调解笔录), by its number in the file (1, 2, …)."""
    for record in dispute.sessions:
        if record.number == number:
            return _session(record, ctx, case_name(dispute, ctx))
    raise NoSuchSession(
        f"The file has no session {number} (it has {len(dispute.sessions)}).",
        f"卷宗中没有第{number}次调解记录（共{len(dispute.sessions)}次）。",
    )


def _investigation(record: cf.InvestigationRecord, ctx: PrintContext) -> doc.InvestigationRecord:
    return doc.InvestigationRecord(
        started_at=ctx.local(record.at),
        ended_at=None,
        place=record.place,
        investigators=tuple(ctx.name(i) for i in record.investigators),
        note_taker=ctx.name(record.recorded_by),
        interviewee="、".join(record.persons_interviewed),
        lines=_lines(record.record),
    )


def _follow_up(visit: cf.FollowUp, ctx: PrintContext) -> doc.FollowUpRecord:
    return doc.FollowUpRecord(
        visited_at=ctx.local(visit.visited_at),
        person_visited=visit.person_visited,
        visitor=ctx.name(visit.visitor),
        way=FOLLOW_UP_WAY,
        performance=doc.PerformanceState(visit.performance.value),
        situation=visit.situation,
    )


# ---- the whole file (art. 27) ------------------------------------------------------------


def _voluntary(registration: cf.Registration) -> str:
    """Art. 17: an application or a referral carries the sentence that the rules were
    explained and the party applies voluntarily; the committee's own initiative the
    sentence that every party consented."""
    if not (registration.rules_explained and registration.applies_voluntarily):
        return ""
    if registration.came_in is cf.CameIn.OWN_INITIATIVE:
        return doc.INITIATIVE_CONSENT_SENTENCE
    return doc.VOLUNTARY_SENTENCE


def _result(dispute: Dispute) -> tuple[str, str]:
    """The cover's result and why it did not succeed (art. 26), or where it stands."""
    if dispute.closing is not None:
        reason = dispute.closing.reason
        if not reason and dispute.termination is not None:
            reason = dispute.termination.reason
        return RESULT_ZH[dispute.closing.result], reason
    return LABELS_ZH[dispute.state], ""


def _registration(
    dispute: Dispute, registration: cf.Registration, ctx: PrintContext, result: str
) -> doc.Registration:
    details = (
        {p.name: p for p in dispute.written_agreement.parties} if dispute.written_agreement else {}
    )
    parties = tuple(
        _party(details[p.name]) if p.name in details else doc.PartyDetails(name=p.name)
        for p in registration.parties
    )
    source = CAME_IN_ZH[registration.came_in]
    if registration.referred_by:
        source += f"（{registration.referred_by}）"
    return doc.Registration(
        number=ctx.case_number,
        committee=ctx.committee,
        registered_on=ctx.local(registration.registered_at).date(),
        source=source,
        parties=parties,
        dispute_type=ctx.category,
        summary=registration.summary,
        applicant_request="",
        first_mediator=ctx.name(registration.first_mediator),
        second_mediator=ctx.name(registration.second_mediator),
        result=result,
        registrar=ctx.name(registration.registered_by),
        voluntary=_voluntary(registration),
    )


def _mediators(dispute: Dispute, ctx: PrintContext) -> tuple[str, ...]:
    """Everyone who mediated, in the order they came: first, second, chosen later."""
    ids: list[str] = []
    registration = dispute.registration
    if registration is not None:
        ids += [m for m in (registration.first_mediator, registration.second_mediator) if m]
    ids += [choice.staff_id for choice in dispute.mediator_choices]
    seen: dict[str, None] = {}
    for staff_id in ids:
        seen.setdefault(ctx.name(staff_id), None)
    return tuple(seen)


def case_file(dispute: Dispute, ctx: PrintContext) -> doc.CaseFile:
    """The whole file in binding order (art. 27): cover (year, volume and retention once
    filed), registration, investigation and session records, the agreement, follow-ups."""
    registration = dispute.registration
    if registration is None:
        raise NotAccepted(
            "The dispute was not accepted, so there is no case file to print.",
            "该纠纷尚未受理（或不予受理），没有可打印的调解卷宗。",
        )
    result, reason = _result(dispute)
    opened_on = ctx.local(registration.registered_at).date()
    filing = dispute.filing
    name = case_name(dispute, ctx)
    cover = doc.CaseFileCover(
        committee=ctx.committee,
        case_name=name,
        number=ctx.case_number,
        year=filing.year if filing is not None else opened_on.year,
        volume=filing.volume_number if filing is not None else "",
        retention=filing.retention if filing is not None else "",
        opened_on=opened_on,
        closed_on=ctx.local(dispute.closing.at).date() if dispute.closing is not None else None,
        result=result,
        result_reason=reason,
        mediators=_mediators(dispute, ctx),
        filed_by=ctx.name(filing.by) if filing is not None else "",
        filed_on=ctx.local(filing.at).date() if filing is not None else None,
    )
    return doc.CaseFile(
        cover=cover,
        registration=_registration(dispute, registration, ctx, result),
        investigations=tuple(_investigation(r, ctx) for r in dispute.investigations),
        sessions=tuple(_session(r, ctx, name) for r in dispute.sessions),
        agreement=agreement(dispute, ctx) if dispute.written_agreement is not None else None,
        follow_ups=tuple(_follow_up(v, ctx) for v in dispute.follow_ups),
    )


__all__ = [
    "LOCAL_TIME",
    "NoSuchSession",
    "NoWrittenAgreement",
    "NotAccepted",
    "NothingToPrint",
    "PrintContext",
    "agreement",
    "case_file",
    "case_name",
    "session_record",
]
