"""The disputes procedure as pure domain code: every step and every refusal.

Test names carry the rule's source (People's Mediation Law 2010 articles, "MoJ 2002"
for the Ministry of Justice's 2002 provisions).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.mediation.domain import commands as c
from services.mediation.domain.case_file import (
    VOLUNTARY_SENTENCE,
    AfterFollowUp,
    AgreementParty,
    CameIn,
    ConfirmationResult,
    Consent,
    DeclineReason,
    InvitedPerson,
    Invitee,
    Party,
    Performance,
    Result,
    Route,
    SessionOutcome,
    SignatureKind,
    Term,
)
from services.mediation.domain.dispute import Dispute, State, StepRefused, one_month_after

T0 = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
MEDIATOR = c.Actor("med-1", "mediator", "王调解")
OTHER_MEDIATOR = c.Actor("med-2", "mediator", "李调解")
POLICE = c.Actor("pol-1", "community_police", "赵民警")
ADVISER = c.Actor("law-1", "legal_adviser", "孙律师")
PARTIES = (Party("申请人", "张三"), Party("被申请人", "李四"))


def state_of(dispute: Dispute) -> State:
    """The state now (a call, so a type checker does not keep an earlier assertion's
    narrowing across a step)."""
    return dispute.state


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def refused(
    code: str,
    dispute: Dispute,
    command: c.Command,
    actor: c.Actor = MEDIATOR,
    now: datetime | None = None,
) -> StepRefused:
    before = dispute.version
    with pytest.raises(StepRefused) as info:
        dispute.take(command, actor, now or at(1))
    assert info.value.code == code, (info.value.code, info.value.en)
    assert dispute.version == before
    return info.value


def accept_cmd(**overrides: object) -> c.Accept:
    values: dict[str, object] = {
        "came_in": CameIn.APPLICATION,
        "parties": PARTIES,
        "summary": "相邻通行纠纷",
        "rules_explained": True,
        "applies_voluntarily": True,
    }
    values.update(overrides)
    return c.Accept(**values)  # type: ignore[arg-type]


def accepted() -> Dispute:
    dispute = Dispute("case-1", handler_id="med-1")
    dispute.take(accept_cmd(), MEDIATOR, T0)
    return dispute


def session_cmd(**overrides: object) -> c.RecordSession:
    values: dict[str, object] = {
        "started_at": at(2),
        "ended_at": at(2, 2),
        "place": "社区调解室",
        "host": "med-1",
        "note_taker": "陈记录",
        "parties_present": ("张三", "李四"),
        "invited": (),
        "public": False,
        "record": "双方陈述各自意见。",
        "outcome": SessionOutcome.CONTINUE,
    }
    values.update(overrides)
    return c.RecordSession(**values)  # type: ignore[arg-type]


TERMS = (Term("李四", "赔偿张三修缮费2000元", "现金", "社区调解室", date(2026, 2, 20)),)


def draft_cmd(**overrides: object) -> c.DraftWrittenAgreement:
    values: dict[str, object] = {
        "number": "东融调字〔2026〕第1号",
        "parties": (
            AgreementParty("申请人", "张三", "男", id_number="110105199001011234"),
            AgreementParty("被申请人", "李四", "女", phone="13812345678"),
        ),
        "facts": "李四装修时损坏张三院墙。",
        "disputed_matters": "修缮费用的承担。",
        "responsibilities": (("李四", "承担修缮费用"),),
        "terms": TERMS,
    }
    values.update(overrides)
    return c.DraftWrittenAgreement(**values)  # type: ignore[arg-type]


def drafted() -> Dispute:
    dispute = accepted()
    dispute.take(session_cmd(outcome=SessionOutcome.AGREED), MEDIATOR, at(2, 3))
    dispute.take(draft_cmd(), MEDIATOR, at(2, 4))
    return dispute


def effective() -> Dispute:
    dispute = drafted()
    dispute.take(c.SignAsParty("张三", SignatureKind.SIGNED, at(3)), MEDIATOR, at(3))
    dispute.take(c.SignAsParty("李四", SignatureKind.FINGERPRINT, at(3, 1)), MEDIATOR, at(3, 1))
    dispute.take(c.SignAsMediator(at(3, 2)), MEDIATOR, at(3, 2))
    dispute.take(c.SealAgreement("东融社区人民调解委员会", at(3, 3)), MEDIATOR, at(3, 3))
    return dispute


# ---- acceptance -----------------------------------------------------------------------


def test_accepting_an_application_registers_it_with_the_voluntary_sentence_art_17() -> None:
    dispute = Dispute("case-1", handler_id="med-1")
    step = dispute.take(accept_cmd(second_mediator="med-2"), MEDIATOR, T0)
    assert dispute.state == State.IN_MEDIATION
    assert dispute.version == 1
    assert step.name == "accepted"
    assert dispute.registration is not None
    assert dispute.registration.voluntary_sentence == VOLUNTARY_SENTENCE
    assert dispute.registration.first_mediator == "med-1"
    assert dispute.registration.second_mediator == "med-2"
    assert step.facts["due_at"] == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)


def test_an_application_without_the_rules_explained_is_not_voluntary_art_17() -> None:
    refused("not-voluntary", Dispute("c"), accept_cmd(rules_explained=False))
    refused("not-voluntary", Dispute("c"), accept_cmd(applies_voluntarily=False))


def test_own_initiative_needs_every_partys_consent_art_17() -> None:
    command = accept_cmd(came_in=CameIn.OWN_INITIATIVE, consents=(Consent("张三", T0),))
    error = refused("consent-missing", Dispute("c"), command)
    assert "李四" in error.zh
    dispute = Dispute("c")
    dispute.take(
        accept_cmd(
            came_in=CameIn.OWN_INITIATIVE, consents=(Consent("张三", T0), Consent("李四", T0))
        ),
        MEDIATOR,
        T0,
    )
    assert dispute.registration and len(dispute.registration.consents) == 2


def test_a_dispute_has_two_parties_and_acceptance_is_never_in_the_future() -> None:
    refused("parties", Dispute("c"), accept_cmd(parties=PARTIES[:1]))
    refused("future", Dispute("c"), accept_cmd(accepted_at=at(3)), now=at(1))


def test_only_a_mediator_accepts_and_only_once() -> None:
    refused("role", Dispute("c"), accept_cmd(), actor=POLICE)
    refused("wrong-state", accepted(), accept_cmd())


@pytest.mark.parametrize("reason", list(DeclineReason))
def test_declining_records_the_reason_art_17_and_moj_2002_art_22(reason: DeclineReason) -> None:
    dispute = Dispute("c")
    step = dispute.take(c.Decline(reason, "说明"), MEDIATOR, T0)
    assert dispute.state == State.DECLINED
    assert step.facts == {"decline_reason": reason.value}
    refused("wrong-state", dispute, accept_cmd())
    refused("wrong-state", dispute, session_cmd())


# ---- mediator refused or recused ---------------------------------------------------------


def test_a_party_refuses_the_mediator_who_is_then_excluded_arts_19_23() -> None:
    dispute = accepted()
    step = dispute.take(c.RefuseMediator("med-1", "李四", "与申请人系亲属"), OTHER_MEDIATOR, at(1))
    assert step.name == "mediator-refused"
    assert step.facts == {"staff_id": "med-1", "by": "party"}
    assert dispute.excluded == ["med-1"]
    assert dispute.state == State.IN_MEDIATION
    refused("excluded", dispute, session_cmd())


def test_a_mediator_recuses_only_themselves_art_23() -> None:
    dispute = accepted()
    refused("recusal-by-self", dispute, c.RefuseMediator("med-1", None, "x"), OTHER_MEDIATOR)
    dispute.take(c.RefuseMediator("med-1", None, "与当事人有利害关系"), MEDIATOR, at(1))
    assert dispute.excluded == ["med-1"]


def test_the_parties_choose_a_mediator_who_joins_at_once_art_19() -> None:
    dispute = accepted()
    refused("parties", dispute, c.ChooseMediator("med-2", ("张三",)))
    step = dispute.take(c.ChooseMediator("med-2", ("张三", "李四")), MEDIATOR, at(1))
    assert step.facts == {"staff_id": "med-2"}
    assert "med-2" in dispute.participants
    assert dispute.registration and dispute.registration.second_mediator == "med-2"
    dispute.take(session_cmd(host="med-2"), OTHER_MEDIATOR, at(2, 3))
    dispute.take(c.RefuseMediator("med-2", "李四", "不信任"), MEDIATOR, at(3))
    assert "med-2" not in dispute.participants
    refused("excluded", dispute, c.ChooseMediator("med-2", ("张三", "李四")), now=at(4))


def test_only_a_handler_of_the_case_can_be_refused_and_by_a_party_of_it() -> None:
    refused("not-a-handler", accepted(), c.RefuseMediator("med-9", "张三", "x"))
    refused("unknown-party", accepted(), c.RefuseMediator("med-1", "王五", "x"), OTHER_MEDIATOR)


# ---- sessions and investigations -----------------------------------------------------------


def test_sessions_are_numbered_and_an_invited_legal_adviser_joins_art_20() -> None:
    dispute = accepted()
    dispute.take(session_cmd(), MEDIATOR, at(2, 3))
    adviser = InvitedPerson("孙律师", Invitee.LEGAL_ADVISER, "law-1", ("张三", "李四"))
    step = dispute.take(session_cmd(invited=(adviser,), public=True), MEDIATOR, at(2, 3))
    assert [s.number for s in dispute.sessions] == [1, 2]
    assert step.facts["legal_adviser_invited"] is True
    assert step.facts["public"] is True
    assert "law-1" in dispute.participants


def test_an_invitee_without_every_partys_consent_is_refused_art_20() -> None:
    neighbour = InvitedPerson("周邻居", Invitee.NEIGHBOUR, None, ("张三",))
    error = refused("invitee-consent", accepted(), session_cmd(invited=(neighbour,)))
    assert error.field == "invited/0/consented_by"


def test_a_session_names_only_parties_present_and_ends_after_it_starts() -> None:
    refused("unknown-party", accepted(), session_cmd(parties_present=("王五",)))
    refused("times", accepted(), session_cmd(ended_at=at(1)))


def test_community_police_may_record_sessions_but_a_legal_adviser_may_not() -> None:
    dispute = accepted()
    dispute.take(session_cmd(), POLICE, at(2, 3))
    refused("role", dispute, session_cmd(), ADVISER)


def test_investigation_records_are_kept_moj_2002_art_29() -> None:
    dispute = accepted()
    step = dispute.take(
        c.RecordInvestigation(at(1), "现场", ("med-1",), ("周邻居",), "院墙裂缝约1米"),
        MEDIATOR,
        at(1, 1),
    )
    assert step.facts["investigation_number"] == 1
    assert dispute.investigations[0].persons_interviewed == ("周邻居",)


# ---- the one-month limit --------------------------------------------------------------------


def test_one_month_is_the_same_day_next_month_or_its_last_day() -> None:
    assert one_month_after(T0) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert one_month_after(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)


def test_past_one_month_sessions_are_refused_without_consent_moj_2002_art_33() -> None:
    dispute = accepted()
    late = at(40)
    refused(
        "time-limit-passed", dispute, session_cmd(started_at=at(39), ended_at=at(39, 1)), now=late
    )
    refused("time-limit-passed", dispute, draft_cmd(), now=late)
    refused(
        "consent-missing",
        dispute,
        c.ExtendTimeLimit(at(60), (Consent("张三", at(39)),), "需补充鉴定"),
        now=late,
    )
    # Termination stays open (art. 26).
    dispute.take(c.Terminate("超过期限且当事人不同意延长", (Route.COURT,)), MEDIATOR, late)
    assert dispute.state == State.TERMINATED


def test_with_both_parties_consent_mediation_goes_on_past_one_month_moj_2002_art_33() -> None:
    dispute = accepted()
    late = at(40)
    step = dispute.take(
        c.ExtendTimeLimit(at(60), (Consent("张三", at(39)), Consent("李四", at(39))), "需补充鉴定"),
        MEDIATOR,
        late,
    )
    assert step.facts["due_at"] == at(60)
    assert dispute.due_at == at(60)
    dispute.take(session_cmd(started_at=at(39), ended_at=at(39, 1)), MEDIATOR, late)
    refused(
        "until",
        dispute,
        c.ExtendTimeLimit(at(50), (Consent("张三", late), Consent("李四", late)), "x"),
        now=late,
    )


# ---- written agreement ----------------------------------------------------------------------


def test_a_written_agreement_has_one_copy_per_party_plus_one_art_29() -> None:
    dispute = drafted()
    assert dispute.state == State.AWAITING_SIGNATURES
    assert dispute.written_agreement is not None
    assert dispute.written_agreement.copies == 3
    assert dispute.written_agreement.performance_deadline == date(2026, 2, 20)


def test_an_agreement_names_every_party_and_states_terms_art_29() -> None:
    one_party = draft_cmd(parties=(AgreementParty("申请人", "张三"),))
    refused("parties", accepted(), one_party)
    refused("terms", accepted(), draft_cmd(terms=()))
    stranger = (Term("王五", "x", "现金", "社区", date(2026, 2, 20)),)
    assert (
        refused("unknown-party", accepted(), draft_cmd(terms=stranger)).field == "terms/0/obligor"
    )


def test_the_agreement_takes_effect_only_when_all_signed_and_sealed_art_29() -> None:
    dispute = drafted()
    dispute.take(c.SignAsParty("张三", SignatureKind.SIGNED, at(3)), MEDIATOR, at(3))
    dispute.take(c.SignAsMediator(at(3, 2)), MEDIATOR, at(3, 2))
    dispute.take(c.SealAgreement("东融社区人民调解委员会", at(3, 3)), MEDIATOR, at(3, 3))
    assert dispute.state == State.AWAITING_SIGNATURES
    step = dispute.take(
        c.SignAsParty("李四", SignatureKind.FINGERPRINT, at(3, 4)), MEDIATOR, at(3, 4)
    )
    assert state_of(dispute) == State.AGREEMENT_EFFECTIVE
    assert step.facts["effective_at"] == at(3, 4)
    assert step.facts["confirmation_window_ends"] == at(33, 4)


def test_signatures_once_each_and_never_for_strangers() -> None:
    dispute = drafted()
    dispute.take(c.SignAsParty("张三", SignatureKind.SIGNED, at(3)), MEDIATOR, at(3))
    sign_again = c.SignAsParty("张三", SignatureKind.SIGNED, at(3))
    refused("already-signed", dispute, sign_again, now=at(3))
    refused("unknown-party", dispute, c.SignAsParty("王五", SignatureKind.SIGNED, at(3)), now=at(3))
    refused("already-signed", dispute, draft_cmd(), now=at(3))  # signed drafts stay as they are
    refused("future", dispute, c.SignAsMediator(at(5)), now=at(3))


def test_an_unsigned_draft_may_be_replaced_and_the_earlier_one_is_kept() -> None:
    dispute = drafted()
    dispute.take(draft_cmd(number="东融调字〔2026〕第2号"), MEDIATOR, at(2, 5))
    assert dispute.written_agreement and dispute.written_agreement.number.endswith("第2号")
    assert len(dispute.earlier_agreements) == 1


def test_the_legal_adviser_reviews_the_draft_and_only_they_may() -> None:
    dispute = drafted()
    step = dispute.take(c.ReviewAgreement("条款合法，建议写明付款账户", True), ADVISER, at(2, 6))
    assert step.facts == {"approves": True}
    assert dispute.written_agreement and dispute.written_agreement.reviews[0].adviser_id == "law-1"
    refused("role", dispute, c.ReviewAgreement("x", True), MEDIATOR)
    refused("wrong-state", accepted(), c.ReviewAgreement("x", True), ADVISER)


# ---- oral agreement -------------------------------------------------------------------------


def test_an_oral_agreement_is_recorded_and_effective_when_reached_arts_28_30() -> None:
    dispute = accepted()
    step = dispute.take(
        c.RecordOralAgreement("李四当场赔礼道歉", (), ("张三", "李四"), at(1)), MEDIATOR, at(1, 1)
    )
    assert dispute.state == State.AGREEMENT_EFFECTIVE
    assert step.facts["form"] == "oral"
    assert dispute.agreement_effective_at == at(1)
    refused(
        "parties",
        accepted(),
        c.RecordOralAgreement("x", (), ("张三",), at(1)),
    )


# ---- judicial confirmation ------------------------------------------------------------------


def test_judicial_confirmation_within_30_days_of_effect_art_33() -> None:
    dispute = effective()
    late = c.ApplyForConfirmation("八步区人民法院", date(2026, 3, 10))
    refused("confirmation-window", dispute, late, now=at(40))
    refused(
        "not-applied",
        dispute,
        c.RecordConfirmation(ConfirmationResult.CONFIRMED, date(2026, 2, 10), ""),
    )
    dispute.take(c.ApplyForConfirmation("八步区人民法院", date(2026, 2, 5)), MEDIATOR, at(5))
    refused("already-applied", dispute, c.ApplyForConfirmation("x", date(2026, 2, 5)))
    refused(
        "dates", dispute, c.RecordConfirmation(ConfirmationResult.CONFIRMED, date(2026, 2, 1), "")
    )
    step = dispute.take(
        c.RecordConfirmation(ConfirmationResult.CONFIRMED, date(2026, 2, 12), "裁定有效"),
        MEDIATOR,
        at(12),
    )
    assert step.facts["result"] == "confirmed"


def test_an_oral_agreement_is_not_confirmed_by_a_court() -> None:
    dispute = accepted()
    dispute.take(c.RecordOralAgreement("x", (), ("张三", "李四"), at(1)), MEDIATOR, at(1))
    refused("written-only", dispute, c.ApplyForConfirmation("法院", date(2026, 2, 2)), now=at(2))


# ---- follow-ups -----------------------------------------------------------------------------


def test_follow_ups_are_scheduled_and_recorded_art_31() -> None:
    dispute = effective()
    dispute.take(c.ScheduleFollowUp(date(2026, 2, 21)), MEDIATOR, at(4))
    refused("past", dispute, c.ScheduleFollowUp(date(2026, 1, 1)), now=at(4))
    step = dispute.take(
        c.RecordFollowUp(
            at(21), "med-1", "张三", Performance.PERFORMED, "已付清", AfterFollowUp.NOTHING
        ),
        MEDIATOR,
        at(21),
    )
    assert step.facts["performance"] == "performed"
    assert dispute.follow_ups_due == []
    assert dispute.state == State.AGREEMENT_EFFECTIVE


def test_performance_is_recorded_per_party_art_31() -> None:
    dispute = effective()
    step = dispute.take(c.RecordPerformance("李四", "支付修缮费2000元", at(10)), MEDIATOR, at(10))
    assert step.facts == {"performance_records": 1, "performed_at": at(10)}
    refused("unknown-party", dispute, c.RecordPerformance("王五", "x", at(10)), now=at(10))
    refused("wrong-state", accepted(), c.RecordPerformance("李四", "x", at(1)))
    dispute.take(c.Close(Result.SUCCESS, ""), MEDIATOR, at(11))
    assert dispute.ledger(at(11))["performance_records"] == 1


def test_an_unperformed_agreement_goes_back_to_mediation_or_on_to_court_arts_31_32() -> None:
    dispute = effective()
    refused(
        "after",
        dispute,
        c.RecordFollowUp(at(21), "med-1", "张三", Performance.PERFORMED, "x", AfterFollowUp.COURT),
        now=at(21),
    )
    dispute.take(
        c.RecordFollowUp(
            at(21),
            "med-1",
            "张三",
            Performance.NOT_PERFORMED,
            "未付款",
            AfterFollowUp.BACK_TO_MEDIATION,
        ),
        MEDIATOR,
        at(21),
    )
    assert dispute.state == State.IN_MEDIATION
    assert dispute.written_agreement is None and len(dispute.earlier_agreements) == 1


# ---- termination, police, closing, archiving ------------------------------------------------


def test_termination_tells_the_parties_their_routes_art_26() -> None:
    refused("routes", accepted(), c.Terminate("双方分歧较大", ()))
    dispute = accepted()
    step = dispute.take(
        c.Terminate("双方分歧较大", (Route.ARBITRATION, Route.COURT)), MEDIATOR, at(2)
    )
    assert dispute.state == State.TERMINATED
    assert step.facts == {"routes_told": ["arbitration", "court"]}
    refused("wrong-state", dispute, session_cmd())


def test_a_referral_to_the_police_brings_the_community_officer_in_at_once_art_25() -> None:
    dispute = accepted()
    step = dispute.take(c.ReferToPolice("pol-1", "一方扬言报复"), MEDIATOR, at(1))
    assert step.facts == {"police_staff_id": "pol-1"}
    assert "pol-1" in dispute.participants
    dispute.take(session_cmd(), POLICE, at(2, 3))  # the officer works the case at once
    refused("role", accepted(), c.ReferToPolice("pol-1", "x"), POLICE)


def test_closing_results_follow_the_state_and_archiving_makes_it_read_only_art_27() -> None:
    dispute = effective()
    refused("result", dispute, c.Close(Result.FAILURE, "x"), now=at(30))
    refused("reason", dispute, c.Close(Result.PARTIAL, " "), now=at(30))
    step = dispute.take(c.Close(Result.SUCCESS, ""), MEDIATOR, at(30))
    assert step.facts["result"] == "success"
    assert step.facts["sessions"] == 1
    assert step.facts["days_taken"] == 30
    refused("year", dispute, c.Archive(2099, "1", "10年"), now=at(30))
    dispute.take(c.Archive(2026, "3", "10年"), MEDIATOR, at(31))
    assert dispute.state == State.ARCHIVED
    assert dispute.filing and dispute.filing.volume_number == "3"
    for command in (c.Close(Result.SUCCESS, ""), c.Archive(2026, "4", "10年"), session_cmd()):
        refused("archived", dispute, command, now=at(32))


def test_a_terminated_case_closes_as_failure_or_terminated_with_a_reason() -> None:
    dispute = accepted()
    dispute.take(c.Terminate("分歧大", (Route.COURT,)), MEDIATOR, at(2))
    refused("result", dispute, c.Close(Result.SUCCESS, ""), now=at(3))
    dispute.take(c.Close(Result.TERMINATED, "当事人起诉"), MEDIATOR, at(3))
    assert dispute.state == State.CLOSED
    refused("wrong-state", Dispute("c"), c.Archive(2026, "1", "10年"))


def test_a_future_time_is_refused_on_its_own_field() -> None:
    visit = c.RecordFollowUp(
        at(30), "med-1", "张三", Performance.PERFORMED, "x", AfterFollowUp.NOTHING
    )
    assert refused("future", effective(), visit, now=at(4)).field == "visited_at"
    oral = c.RecordOralAgreement("x", (), ("张三", "李四"), at(9))
    assert refused("future", accepted(), oral, now=at(1)).field == "reached_at"
