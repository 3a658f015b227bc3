"""The stored case file mapped to the printed documents (pure: no renderer, no database).

Names carry the rule each printed part answers (People's Mediation Law 2010 articles).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.mediation.domain import commands as c
from services.mediation.domain import documents as doc
from services.mediation.domain import printing
from services.mediation.domain.case_file import (
    AfterFollowUp,
    CameIn,
    Consent,
    InvitedPerson,
    Invitee,
    Performance,
    Result,
    Route,
    SessionOutcome,
    SignatureKind,
    Term,
)
from services.mediation.domain.dispute import Dispute
from tests.unit.mediation.test_dispute import (
    MEDIATOR,
    PARTIES,
    T0,
    accept_cmd,
    at,
    draft_cmd,
    drafted,
    effective,
    session_cmd,
)

CTX = printing.PrintContext(
    unit_name="东融社区",
    case_name="张三与李四相邻纠纷",
    case_number="GC-2026-000123",
    category="婚姻家庭邻里",
    names={"med-1": "王调解", "med-2": "李调解", "law-1": "孙律师"},
    printed_on=date(2026, 2, 5),
)


def test_the_agreement_prints_parties_terms_number_and_each_recorded_signing_art_29() -> None:
    dispute = effective()
    printed = printing.agreement(dispute, CTX)
    written = dispute.written_agreement
    assert written is not None
    assert printed.number == "东融调字〔2026〕第1号"
    assert printed.committee == "东融社区人民调解委员会"  # the seal's name
    assert [p.name for p in printed.parties] == ["张三", "李四"]
    assert printed.parties[0].id_number == "110105199001011234"
    assert printed.parties[0].sex == "男"
    assert printed.parties[1].phone == "13812345678"
    assert printed.copies == 3
    assert printed.terms == ("李四赔偿张三修缮费2000元。",)
    assert printed.performance == doc.Performance("现金", "社区调解室", date(2026, 2, 20))
    assert printed.responsibilities == (doc.Responsibility("李四", "承担修缮费用"),)
    assert printed.mediators == ("王调解",)
    # Effective on the last signing's day, on Beijing's clock (T0 + 3 days 3 h UTC).
    assert printed.signed_on == date(2026, 2, 3)
    marks = {(s.role, s.name): s for s in printed.signatures}
    assert marks[(doc.SignerRole.PARTY, "李四")].mark is doc.SigningMark.FINGERPRINT
    assert marks[(doc.SignerRole.PARTY, "张三")].signed_at == datetime(
        2026, 2, 3, 17, 0, tzinfo=printing.LOCAL_TIME
    )
    assert marks[(doc.SignerRole.MEDIATOR, "王调解")].mark is doc.SigningMark.SIGNATURE
    assert marks[(doc.SignerRole.COMMITTEE, "东融社区人民调解委员会")].mark is doc.SigningMark.SEAL


def test_a_draft_prints_for_signing_with_blank_lines_dated_the_day_it_is_printed_art_29() -> None:
    printed = printing.agreement(drafted(), CTX)
    assert printed.signatures == ()
    assert printed.signed_on == CTX.printed_on
    assert printed.committee == "东融社区人民调解委员会"  # from the unit until sealed


def test_terms_performed_differently_each_say_how_where_and_by_when_art_29_3() -> None:
    dispute = drafted()
    terms = (
        Term("李四", "拆除围墙", "自行拆除", "3栋北侧", date(2026, 2, 20)),
        Term("张三", "补偿李四砌墙材料费500元", "银行转账", "调解室", date(2026, 2, 25)),
    )
    dispute.take(draft_cmd(terms=terms), MEDIATOR, at(2, 5))
    printed = printing.agreement(dispute, CTX)
    assert printed.terms == (
        "李四拆除围墙（履行方式：自行拆除；履行地点：3栋北侧；履行期限：二〇二六年二月二十日前）。",
        "张三补偿李四砌墙材料费500元（履行方式：银行转账；履行地点：调解室；"
        "履行期限：二〇二六年二月二十五日前）。",
    )
    assert printed.performance.deadline == date(2026, 2, 25)


def test_without_a_written_agreement_there_is_nothing_to_print_art_28() -> None:
    dispute = Dispute("case-1", handler_id="med-1")
    dispute.take(accept_cmd(), MEDIATOR, T0)
    with pytest.raises(printing.NoWrittenAgreement) as info:
        printing.agreement(dispute, CTX)
    assert "书面调解协议" in info.value.zh and "written agreement" in info.value.en


def test_a_session_record_prints_names_local_times_invitees_and_outcome_art_27() -> None:
    dispute = Dispute("case-1", handler_id="med-1")
    dispute.take(accept_cmd(), MEDIATOR, T0)
    adviser = InvitedPerson("孙律师", Invitee.LEGAL_ADVISER, "law-1", ("张三", "李四"))
    dispute.take(
        session_cmd(invited=(adviser,), record="张三：通道被堵。\n\n李四：愿意拆墙。"),
        MEDIATOR,
        at(2, 3),
    )
    dispute.take(session_cmd(outcome=SessionOutcome.AGREED), MEDIATOR, at(3))
    record = printing.session_record(dispute, 1, CTX)
    assert record.host == "王调解"
    assert record.note_taker == "陈记录"  # not a staff id: printed as written
    assert record.started_at == datetime(2026, 2, 2, 17, 0, tzinfo=printing.LOCAL_TIME)
    assert record.others_present == (doc.Attendee("孙律师", "法律顾问"),)
    assert record.lines == (
        doc.RecordLine("", "张三：通道被堵。"),
        doc.RecordLine("", "李四：愿意拆墙。"),
    )
    assert record.outcome == "继续调解" and record.public is False
    assert record.case_name == "张三与李四相邻纠纷"
    assert printing.session_record(dispute, 2, CTX).outcome == "达成协议"
    with pytest.raises(printing.NoSuchSession):
        printing.session_record(dispute, 3, CTX)


def test_the_whole_file_binds_cover_registration_records_agreement_follow_ups_art_27() -> None:
    dispute = Dispute("case-1", handler_id="med-1")
    dispute.take(accept_cmd(), MEDIATOR, T0)
    dispute.take(
        c.RecordInvestigation(at(1), "现场", ("med-1",), ("周邻居",), "围墙约2米高。"),
        MEDIATOR,
        at(1, 1),
    )
    dispute.take(session_cmd(outcome=SessionOutcome.AGREED), MEDIATOR, at(2, 3))
    dispute.take(draft_cmd(), MEDIATOR, at(2, 4))
    dispute.take(c.SignAsParty("张三", SignatureKind.SIGNED, at(3)), MEDIATOR, at(3))
    dispute.take(c.SignAsParty("李四", SignatureKind.SIGNED, at(3)), MEDIATOR, at(3))
    dispute.take(c.SignAsMediator(at(3)), MEDIATOR, at(3))
    dispute.take(c.SealAgreement("东融社区人民调解委员会", at(3)), MEDIATOR, at(3))
    dispute.take(
        c.RecordFollowUp(
            at(10), "med-1", "张三", Performance.PERFORMED, "已付清。", AfterFollowUp.NOTHING
        ),
        MEDIATOR,
        at(10, 1),
    )
    dispute.take(c.Close(Result.SUCCESS, ""), MEDIATOR, at(11))
    dispute.take(c.Archive(2026, "12", "10年"), MEDIATOR, at(12))
    printed = printing.case_file(dispute, CTX)
    cover = printed.cover
    assert (cover.year, cover.volume, cover.retention) == (2026, "12", "10年")
    assert cover.number == "GC-2026-000123" and cover.case_name == "张三与李四相邻纠纷"
    assert cover.result == "调解成功" and cover.result_reason == ""
    assert cover.opened_on == date(2026, 1, 31) and cover.closed_on == date(2026, 2, 11)
    assert cover.filed_by == "王调解" and cover.filed_on == date(2026, 2, 12)
    assert cover.mediators == ("王调解",)
    registration = printed.registration
    assert registration.source == "当事人申请"
    assert registration.voluntary == doc.VOLUNTARY_SENTENCE
    assert registration.dispute_type == "婚姻家庭邻里"
    assert registration.first_mediator == "王调解" and registration.registrar == "王调解"
    # The parties' details come from the agreement, which art. 29 makes state them.
    assert registration.parties[0].id_number == "110105199001011234"
    assert [i.interviewee for i in printed.investigations] == ["周邻居"]
    assert printed.investigations[0].investigators == ("王调解",)
    assert len(printed.sessions) == 1
    assert printed.agreement == printing.agreement(dispute, CTX)
    [visit] = printed.follow_ups
    assert visit.performance is doc.PerformanceState.PERFORMED and visit.visitor == "王调解"


def test_a_terminated_file_prints_why_and_own_initiative_prints_consent_arts_17_26() -> None:
    dispute = Dispute("case-2", handler_id="med-1")
    consents = tuple(Consent(p.name, T0 - timedelta(hours=1)) for p in PARTIES)
    dispute.take(accept_cmd(came_in=CameIn.OWN_INITIATIVE, consents=consents), MEDIATOR, T0)
    dispute.take(c.Terminate("双方分歧大", (Route.COURT,)), MEDIATOR, at(1))
    dispute.take(c.Close(Result.TERMINATED, "调解不成"), MEDIATOR, at(2))
    printed = printing.case_file(dispute, CTX)
    assert printed.cover.result == "终止调解"
    assert printed.cover.result_reason == "调解不成"
    assert printed.cover.volume == "" and printed.cover.filed_on is None
    assert printed.registration.source == "主动调解"
    assert printed.registration.voluntary == doc.INITIATIVE_CONSENT_SENTENCE
    assert printed.agreement is None


def test_a_file_never_accepted_has_nothing_to_bind_art_17() -> None:
    with pytest.raises(printing.NotAccepted):
        printing.case_file(Dispute("case-3"), CTX)


def test_unknown_staff_print_as_their_id_and_a_titleless_case_is_named_by_its_parties() -> None:
    ctx = printing.PrintContext()
    dispute = drafted()
    assert printing.agreement(dispute, ctx).mediators == ("med-1",)
    # The name recorded with a signature wins over the directory.
    assert printing.agreement(effective(), ctx).mediators == ("王调解",)
    assert printing.case_name(dispute, ctx) == "张三与李四纠纷"
    assert ctx.committee == "人民调解委员会"
    assert printing.PrintContext(unit_name="东融社区人民调解委员会").committee == (
        "东融社区人民调解委员会"
    )
