"""The printed text of each document, as plain JSON-ready data.

Every word that appears on paper is decided here, once, so the PDF (typst) and the print
page (Jinja2) say the same thing. Templates only lay these strings out; they receive
them as data (typst ``sys.inputs``, Jinja2 autoescaped variables) and never as markup.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from services.mediation.domain.documents import (
    EFFECT_SENTENCE,
    PERFORMANCE_LABELS_ZH,
    Agreement,
    Attendee,
    CaseFile,
    DateStyle,
    FollowUpRecord,
    InvestigationRecord,
    PartyDetails,
    RecordLine,
    Registration,
    SessionRecord,
    SignerRole,
    chinese_date,
    chinese_datetime,
    chinese_number,
    copies_sentence,
    party_label,
)

View = dict[str, Any]

AGREEMENT_TITLE = "人民调解协议书"
SESSION_TITLE = "人民调解笔录"
INVESTIGATION_TITLE = "人民调解调查笔录"
FOLLOW_UP_TITLE = "人民调解回访记录"
REGISTRATION_TITLE = "人民调解登记表"
CASE_FILE_TITLE = "人民调解卷宗"


def to_json(view: View) -> str:
    """The view as the JSON string handed to a template."""
    return json.dumps(view, ensure_ascii=False)


def _date(day: date | None, style: DateStyle) -> str:
    return chinese_date(day, style) if day is not None else ""


def time_span(start: datetime, end: datetime | None, style: DateStyle) -> str:
    """Start and end of a session as records write it: …9时00分至11时30分."""
    if end is None:
        return f"{chinese_datetime(start, style)}起"
    if end.date() == start.date():
        return f"{chinese_datetime(start, style)}至{end.hour}时{end.minute:02d}分"
    return f"{chinese_datetime(start, style)}至{chinese_datetime(end, style)}"


def party_line(party: PartyDetails, on: date, style: DateStyle) -> str:
    """A party's basic details in one line, empty fields left out (art. 29(1))."""
    parts = [party.name, party.sex, party.ethnicity]
    age = party.age_text(on)
    if party.birth_date is not None:
        age = f"{age}（{chinese_date(party.birth_date, style)}出生）"
    parts += [age, party.occupation]
    if party.address:
        parts.append(f"住址：{party.address}")
    if party.id_number:
        parts.append(f"公民身份号码：{party.id_number}")
    if party.phone:
        parts.append(f"联系电话：{party.phone}")
    return "，".join(p for p in parts if p)


def _parties(parties: tuple[PartyDetails, ...], on: date, style: DateStyle) -> list[View]:
    return [
        {"label": party_label(i), "name": p.name, "details": party_line(p, on, style)}
        for i, p in enumerate(parties)
    ]


def _attendees(people: tuple[Attendee, ...]) -> str:
    return "、".join(f"{a.name}（{a.capacity}）" if a.capacity else a.name for a in people)


def _lines(lines: tuple[RecordLine, ...]) -> list[View]:
    return [{"speaker": line.speaker, "text": line.text} for line in lines]


def agreement_view(agreement: Agreement, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> View:
    """What an agreement prints (arts. 28–29), in order."""
    labels = {p.name: party_label(i) for i, p in enumerate(agreement.parties)}

    def signed(role: SignerRole, name: str) -> str:
        s = agreement.signature_of(role, name)
        return "" if s is None else f"已于{chinese_datetime(s.signed_at, style)}{s.mark}"

    performance = agreement.performance
    return {
        "title": AGREEMENT_TITLE,
        "number": agreement.number,
        "committee": agreement.committee,
        "parties": _parties(agreement.parties, agreement.signed_on, style),
        "facts": agreement.facts,
        "disputed_matters": agreement.disputed_matters,
        "responsibilities": [
            {"label": labels[r.party], "party": r.party, "text": r.text}
            for r in agreement.responsibilities
        ],
        "terms": list(agreement.terms),
        "performance": {
            "method": performance.method,
            "place": performance.place,
            "deadline": _date(performance.deadline, style),
        },
        "copies": agreement.copies,
        "copies_sentence": copies_sentence(len(agreement.parties)),
        "effect_sentence": EFFECT_SENTENCE,
        "party_signatures": [
            {
                "label": party_label(i),
                "name": p.name,
                "signed": signed(SignerRole.PARTY, p.name),
            }
            for i, p in enumerate(agreement.parties)
        ],
        "mediator_signatures": [
            {"name": m, "signed": signed(SignerRole.MEDIATOR, m)} for m in agreement.mediators
        ],
        "committee_seal": signed(SignerRole.COMMITTEE, agreement.committee),
        "date": chinese_date(agreement.signed_on, style),
    }


def session_view(record: SessionRecord, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> View:
    """What a session record (调解笔录) prints: the heading fields, then the minutes."""
    public = {True: "公开", False: "不公开", None: ""}[record.public]
    return {
        "title": SESSION_TITLE,
        "case_name": record.case_name,
        "time": time_span(record.started_at, record.ended_at, style),
        "place": record.place,
        "host": record.host,
        "note_taker": record.note_taker,
        "parties_present": "、".join(record.parties_present),
        "others_present": _attendees(record.others_present),
        "public": public,
        "lines": _lines(record.lines),
        "outcome": record.outcome,
        "signers": list(record.parties_present),
    }


def investigation_view(
    record: InvestigationRecord, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> View:
    """What an investigation record (调查笔录) prints."""
    return {
        "title": INVESTIGATION_TITLE,
        "time": time_span(record.started_at, record.ended_at, style),
        "place": record.place,
        "investigators": "、".join(record.investigators),
        "note_taker": record.note_taker,
        "interviewee": record.interviewee,
        "interviewee_details": record.interviewee_details,
        "others_present": _attendees(record.others_present),
        "lines": _lines(record.lines),
    }


def follow_up_view(record: FollowUpRecord, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> View:
    """What a follow-up record (回访记录) prints (art. 31)."""
    return {
        "title": FOLLOW_UP_TITLE,
        "time": chinese_datetime(record.visited_at, style),
        "person_visited": record.person_visited,
        "visitor": record.visitor,
        "way": record.way,
        "performance": PERFORMANCE_LABELS_ZH[record.performance],
        "situation": record.situation,
        "party_opinion": record.party_opinion,
    }


def registration_view(
    registration: Registration, style: DateStyle = DateStyle.CHINESE_NUMERALS
) -> View:
    """What a registration form (登记表) prints."""
    return {
        "title": REGISTRATION_TITLE,
        "number": registration.number,
        "committee": registration.committee,
        "registered_on": chinese_date(registration.registered_on, style),
        "source": registration.source,
        "parties": _parties(registration.parties, registration.registered_on, style),
        "dispute_type": registration.dispute_type,
        "summary": registration.summary,
        "applicant_request": registration.applicant_request,
        "voluntary": registration.voluntary,
        "first_mediator": registration.first_mediator,
        "second_mediator": registration.second_mediator,
        "result": registration.result,
        "registrar": registration.registrar,
    }


def numbered_entry(title: str, index: int, count: int) -> str:
    """A document's name in the file's contents: 人民调解笔录（第二次） when there are several."""
    return f"{title}（第{chinese_number(index + 1)}次）" if count > 1 else title


def case_file_view(case_file: CaseFile, style: DateStyle = DateStyle.CHINESE_NUMERALS) -> View:
    """The whole file in binding order (art. 27): the cover, then each document as a
    section with its name and date for the contents (卷内目录)."""
    cover = case_file.cover
    sections: list[View] = [
        {
            "kind": "registration",
            "entry": REGISTRATION_TITLE,
            "date": chinese_date(case_file.registration.registered_on, style),
            "view": registration_view(case_file.registration, style),
        }
    ]
    for i, inv in enumerate(case_file.investigations):
        sections.append(
            {
                "kind": "investigation",
                "entry": numbered_entry(INVESTIGATION_TITLE, i, len(case_file.investigations)),
                "date": chinese_date(inv.started_at.date(), style),
                "view": investigation_view(inv, style),
            }
        )
    for i, session in enumerate(case_file.sessions):
        sections.append(
            {
                "kind": "session",
                "entry": numbered_entry(SESSION_TITLE, i, len(case_file.sessions)),
                "date": chinese_date(session.started_at.date(), style),
                "view": session_view(session, style),
            }
        )
    if case_file.agreement is not None:
        sections.append(
            {
                "kind": "agreement",
                "entry": AGREEMENT_TITLE,
                "date": chinese_date(case_file.agreement.signed_on, style),
                "view": agreement_view(case_file.agreement, style),
            }
        )
    for i, visit in enumerate(case_file.follow_ups):
        sections.append(
            {
                "kind": "follow_up",
                "entry": numbered_entry(FOLLOW_UP_TITLE, i, len(case_file.follow_ups)),
                "date": chinese_date(visit.visited_at.date(), style),
                "view": follow_up_view(visit, style),
            }
        )
    return {
        "title": CASE_FILE_TITLE,
        "cover": {
            "committee": cover.committee,
            "case_name": cover.case_name,
            "number": cover.number,
            "year": f"{cover.year}年",
            "volume": cover.volume,
            "retention": cover.retention,
            "opened_on": chinese_date(cover.opened_on, style),
            "closed_on": _date(cover.closed_on, style),
            "result": f"{cover.result}（{cover.result_reason}）"
            if cover.result_reason
            else cover.result,
            "mediators": "、".join(cover.mediators),
            "filed_by": cover.filed_by,
            "filed_on": _date(cover.filed_on, style),
        },
        "sections": sections,
    }


__all__ = [
    "AGREEMENT_TITLE",
    "CASE_FILE_TITLE",
    "View",
    "agreement_view",
    "case_file_view",
    "follow_up_view",
    "investigation_view",
    "numbered_entry",
    "party_line",
    "registration_view",
    "session_view",
    "time_span",
    "to_json",
]
