"""A specimen neighbours' dispute with every document, to look at the print by hand.

    .venv/bin/python -m services.mediation.adapters.documents.specimen OUT_DIR

writes OUT_DIR/agreement.pdf, session-record.pdf, case-file.pdf and agreement.html.
The people are invented; the ID numbers are valid GB 11643 numbers made up for the specimen.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from services.mediation.domain.documents import (
    Agreement,
    Attendee,
    CaseFile,
    CaseFileCover,
    FollowUpRecord,
    InvestigationRecord,
    PartyDetails,
    Performance,
    PerformanceState,
    RecordLine,
    Registration,
    Responsibility,
    SessionRecord,
    Signature,
    SignerRole,
    SigningMark,
)

COMMITTEE = "兴安街道青山社区人民调解委员会"


def specimen_parties() -> tuple[PartyDetails, ...]:
    return (
        PartyDetails(
            name="张建国",
            sex="男",
            ethnicity="汉族",
            birth_date=date(1968, 5, 14),
            occupation="退休职工",
            address="青山社区幸福路12号3单元402室",
            id_number="110105196805140036",
            phone="13800138000",
        ),
        PartyDetails(
            name="李秀英",
            sex="女",
            ethnicity="壮族",
            age=45,
            occupation="个体经营者",
            address="青山社区幸福路12号3单元302室",
            id_number="110105198103020047",
            phone="13900139000",
        ),
    )


def specimen_agreement(*, signed: bool = True) -> Agreement:
    parties = specimen_parties()
    signed_at = datetime(2026, 12, 2, 10, 5)
    signatures = (
        (
            Signature(SignerRole.PARTY, "张建国", signed_at),
            Signature(SignerRole.PARTY, "李秀英", signed_at, SigningMark.FINGERPRINT),
            Signature(SignerRole.MEDIATOR, "王淑芬", signed_at),
            Signature(
                SignerRole.COMMITTEE, COMMITTEE, datetime(2026, 12, 2, 10, 20), SigningMark.SEAL
            ),
        )
        if signed
        else ()
    )
    return Agreement(
        number="（2026）青调字第12号",
        committee=COMMITTEE,
        parties=parties,
        facts=(
            "2026年11月上旬，李秀英家卫生间防水层老化，楼下张建国家卫生间及客厅天花板多次渗水，"
            "造成吊顶发霉、墙面涂料脱落。\n张建国多次上门交涉未果，双方发生争吵，遂申请调解。"
        ),
        disputed_matters="渗水原因的认定、维修责任的承担以及张建国家装修损失的赔偿数额。",
        responsibilities=(
            Responsibility("李秀英", "对其卫生间防水层老化造成的渗水负主要责任。"),
            Responsibility("张建国", "发现渗水后未及时告知物业，致损失扩大，负次要责任。"),
        ),
        terms=(
            "李秀英于2026年12月15日前请有资质的施工单位重做卫生间防水层，费用自理。",
            "李秀英赔偿张建国吊顶及墙面修复费用人民币叁仟元整（¥3,000.00）。",
            "双方今后和睦相处，就本纠纷不再提出其他要求。",
        ),
        performance=Performance(
            method="赔偿款以银行转账方式一次付清；防水施工完成后由双方及物业共同验收。",
            place="青山社区人民调解委员会调解室",
            deadline=date(2026, 12, 20),
        ),
        mediators=("王淑芬",),
        signed_on=date(2026, 12, 2),
        signatures=signatures,
    )


def specimen_session(number: int = 1) -> SessionRecord:
    return SessionRecord(
        started_at=datetime(2026, 11, 20 + number, 9, 0),
        ended_at=datetime(2026, 11, 20 + number, 11, 30),
        place="青山社区人民调解委员会调解室",
        host="王淑芬",
        note_taker="陈晓明",
        parties_present=("张建国", "李秀英"),
        others_present=(
            Attendee("刘志强", "社区法律顾问"),
            Attendee("赵大海", "邻居"),
        ),
        public=False,
        lines=(
            RecordLine(
                "", "调解员告知双方当事人在调解活动中享有的权利和承担的义务，双方表示清楚。"
            ),
            RecordLine("王淑芬", "请张建国陈述纠纷经过和要求。"),
            RecordLine("张建国", "楼上漏水快一个月了，吊顶都发霉了，要求对方修好防水并赔偿损失。"),
            RecordLine("李秀英", "我同意修防水，但赔偿数额太高，希望再商量。"),
            RecordLine(
                "刘志强",
                "依照《民法典》第二百八十八条，相邻关系应当按照有利生产、方便生活、团结互助、公平合理的原则处理。",
            ),
        ),
        outcome="双方就维修达成一致，赔偿数额下次再议。",
        case_name="张建国与李秀英相邻渗水纠纷",
    )


def specimen_case_file() -> CaseFile:
    parties = specimen_parties()
    return CaseFile(
        cover=CaseFileCover(
            committee=COMMITTEE,
            case_name="张建国与李秀英相邻渗水纠纷",
            number="（2026）青调字第12号",
            year=2026,
            volume="2026-青山-012",
            retention="长期",
            opened_on=date(2026, 11, 18),
            closed_on=date(2026, 12, 28),
            result="调解成功",
            mediators=("王淑芬", "陈晓明"),
            filed_by="陈晓明",
            filed_on=date(2026, 12, 30),
        ),
        registration=Registration(
            number="（2026）青调字第12号",
            committee=COMMITTEE,
            registered_on=date(2026, 11, 18),
            source="当事人申请",
            parties=parties,
            dispute_type="邻里纠纷（相邻关系）",
            summary="楼上卫生间渗水致楼下吊顶发霉、墙面脱落，双方多次交涉未果。",
            applicant_request="请求调解委员会主持调解，由对方修复防水并赔偿损失。",
            first_mediator="王淑芬",
            second_mediator="陈晓明",
            result="成功",
            registrar="陈晓明",
        ),
        investigations=(
            InvestigationRecord(
                started_at=datetime(2026, 11, 19, 14, 0),
                ended_at=datetime(2026, 11, 19, 15, 0),
                place="幸福路12号3单元402室",
                investigators=("王淑芬", "陈晓明"),
                note_taker="陈晓明",
                interviewee="孙立（物业维修员）",
                lines=(
                    RecordLine("问", "渗水的原因查明了吗？"),
                    RecordLine("答", "查明是302室卫生间防水层老化，闭水试验一小时后楼下即见水迹。"),
                ),
            ),
        ),
        sessions=(specimen_session(1), replace(specimen_session(2), others_present=())),
        agreement=specimen_agreement(),
        follow_ups=(
            FollowUpRecord(
                visited_at=datetime(2026, 12, 21, 15, 0),
                person_visited="张建国",
                visitor="王淑芬",
                way="上门回访",
                performance=PerformanceState.PERFORMED,
                situation="防水已重做并经物业验收，赔偿款三千元已于12月18日转账到账。",
                party_opinion="满意，双方关系已恢复。",
            ),
        ),
    )


def main(argv: list[str]) -> None:
    from services.mediation.adapters.documents import (
        render_agreement_html,
        render_agreement_pdf,
        render_case_file_pdf,
        render_session_record_pdf,
    )

    if len(argv) != 1:
        raise SystemExit("usage: python -m services.mediation.adapters.documents.specimen OUT_DIR")
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    (out / "agreement.pdf").write_bytes(render_agreement_pdf(specimen_agreement()))
    (out / "session-record.pdf").write_bytes(render_session_record_pdf(specimen_session()))
    (out / "case-file.pdf").write_bytes(render_case_file_pdf(specimen_case_file()))
    (out / "agreement.html").write_text(render_agreement_html(specimen_agreement()))
    print(f"wrote agreement.pdf, session-record.pdf, case-file.pdf, agreement.html to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
