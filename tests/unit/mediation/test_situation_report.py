"""A situation report's handling as pure domain code: every step and every refusal.

The cycle is grid management practice (DOMAIN.md "Case work"): 受理 → 办理 → 反馈 →
验证 or 回退 → 结案, and 转办 through routing; checking is kept apart from doing
(处置与核查分离).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.mediation.adapters.case_file_codec import opened_report, sealed
from services.mediation.domain import report_commands as rc
from services.mediation.domain.commands import Actor
from services.mediation.domain.dispute import StepRefused
from services.mediation.domain.report_file import ReportResult, VerificationOutcome
from services.mediation.domain.situation_report import ReportState, SituationReport
from shared.privacy.crypto import KeyRing

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
HANDLER = Actor("go-1", "grid_officer")
REPORTER = Actor("go-2", "grid_officer")
NEIGHBOUR = Actor("go-3", "grid_officer")
SUPERVISOR = Actor("op-1", "community_operator")
PHOTO = "a" * 64


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def new_report(reporter: str | None = REPORTER.staff_id) -> SituationReport:
    return SituationReport(
        "case-1", handler_id=HANDLER.staff_id, unit_code="451102001001", reporter_id=reporter
    )


def state_of(report: SituationReport) -> ReportState:
    return report.state


def refused(code: str, report: SituationReport, command: rc.ReportCommand, actor: Actor) -> None:
    before = (report.version, report.state)
    with pytest.raises(StepRefused) as info:
        report.take(command, actor, at(10))
    assert info.value.code == code
    assert (report.version, report.state) == before, "a refused step changes nothing"


def handled(report: SituationReport) -> SituationReport:
    report.take(rc.AcceptReport("收到"), HANDLER, at(0))
    report.take(rc.RecordAction("清理占道摊位", at(1), (PHOTO,)), HANDLER, at(1))
    report.take(rc.GiveFeedback(ReportResult.RESOLVED, "已清理"), HANDLER, at(2))
    return report


def test_accept_handle_feedback_verify_close_the_practice_cycle() -> None:
    report = new_report()
    step = report.take(rc.AcceptReport(None), HANDLER, at(0))
    assert (step.name, state_of(report)) == ("report-accepted", ReportState.HANDLING)
    step = report.take(rc.RecordAction("清理占道摊位", at(1), (PHOTO, "b" * 64)), HANDLER, at(1))
    assert step.facts == {"action_number": 1, "attachments": 2, "at": at(1)}
    assert "照片2张" in step.what
    step = report.take(rc.GiveFeedback(ReportResult.RESOLVED, "已清理"), HANDLER, at(2))
    assert state_of(report) == ReportState.AWAITING_VERIFICATION
    step = report.take(rc.Verify(on_site=True, note="现场已整洁"), REPORTER, at(3))
    assert step.facts["verifier_id"] == REPORTER.staff_id
    assert state_of(report) == ReportState.VERIFIED
    step = report.take(rc.CloseReport(), HANDLER, at(26))
    assert step.facts == {"result": "resolved", "returns": 0, "days_taken": 1}
    assert state_of(report) == ReportState.CLOSED
    assert report.version == 5
    assert report.ledger() == {"actions": 1, "photos": 2, "returns": 0, "handovers": 0}


def test_verification_sends_it_back_to_handling_回退_and_counts_returns() -> None:
    report = handled(new_report())
    step = report.take(rc.SendBack("摊位又回来了", on_site=True), REPORTER, at(3))
    assert step.name == "report-returned"
    assert step.facts["returns"] == 1
    assert step.why == "摊位又回来了"
    assert state_of(report) == ReportState.HANDLING
    assert report.verifications[-1].outcome == VerificationOutcome.RETURNED
    report.take(rc.RecordAction("再次清理并约谈摊主", at(4)), HANDLER, at(4))
    report.take(rc.GiveFeedback(ReportResult.RESOLVED, "已再次清理"), HANDLER, at(5))
    report.take(rc.Verify(on_site=True), SUPERVISOR, at(6))
    step = report.take(rc.CloseReport(), SUPERVISOR, at(7))
    assert step.facts["returns"] == 1


def test_whoever_gave_the_feedback_may_not_verify_it_处置与核查分离() -> None:
    # The handler reported it themselves: a supervisor verifies.
    report = handled(new_report(reporter=HANDLER.staff_id))
    refused("verifies-own-work", report, rc.Verify(on_site=True), HANDLER)
    refused("verifies-own-work", report, rc.SendBack("x"), HANDLER)
    report.take(rc.Verify(on_site=False), SUPERVISOR, at(3))
    assert state_of(report) == ReportState.VERIFIED


def test_only_the_reporter_or_a_supervisor_verifies() -> None:
    report = handled(new_report())
    refused("not-a-verifier", report, rc.Verify(on_site=True), NEIGHBOUR)


def test_only_the_handler_or_a_centre_operator_works_the_report() -> None:
    report = new_report()
    refused("not-the-handler", report, rc.AcceptReport(None), NEIGHBOUR)
    report.take(rc.AcceptReport(None), SUPERVISOR, at(0))  # the centre acts for the unit
    refused("not-the-handler", report, rc.RecordAction("x", at(1)), REPORTER)


def test_feedback_needs_an_action_first() -> None:
    report = new_report()
    report.take(rc.AcceptReport(None), HANDLER, at(0))
    refused("no-action", report, rc.GiveFeedback(ReportResult.RESOLVED, "已办"), HANDLER)


def test_steps_out_of_order_are_refused() -> None:
    report = new_report()
    refused("wrong-state", report, rc.RecordAction("x", at(1)), HANDLER)
    refused("wrong-state", report, rc.Verify(on_site=True), REPORTER)
    refused("wrong-state", report, rc.CloseReport(), HANDLER)
    handled(report)
    refused("wrong-state", report, rc.CloseReport(), HANDLER)  # not verified yet
    refused("wrong-state", report, rc.HandOver("不归我管"), HANDLER)  # after feedback


def test_an_action_cannot_be_recorded_in_the_future() -> None:
    report = new_report()
    report.take(rc.AcceptReport(None), HANDLER, at(0))
    with pytest.raises(StepRefused) as info:
        report.take(rc.RecordAction("x", at(5)), HANDLER, at(1))
    assert (info.value.code, info.value.field) == ("future", "at")


def test_handover_转办_goes_back_to_new_and_the_one_handing_over_cannot_take_it_back() -> None:
    report = new_report()
    report.take(rc.AcceptReport(None), HANDLER, at(0))
    step = report.take(rc.HandOver("属城管职责", "451102001"), HANDLER, at(1))
    assert step.facts == {
        "from_unit_code": "451102001001",
        "from_handler_id": HANDLER.staff_id,
        "to_unit_code": "451102001",
    }
    assert state_of(report) == ReportState.NEW
    refused("handed-over", report, rc.AcceptReport(None), HANDLER)
    # Routing assigns another handler; they accept.
    report.handler_id, report.unit_code = "op-2", "451102001"
    report.take(rc.AcceptReport(None), Actor("op-2", "street_operator"), at(2))
    assert state_of(report) == ReportState.HANDLING


def test_an_operator_handing_over_for_the_unit_names_the_assigned_handler_for_exclusion() -> None:
    report = new_report()
    step = report.take(rc.HandOver("不属本网格"), SUPERVISOR, at(1))
    assert step.facts["from_handler_id"] == HANDLER.staff_id


def test_a_handover_goes_to_another_unit() -> None:
    report = new_report()
    with pytest.raises(StepRefused) as info:
        report.take(rc.HandOver("x", "451102001001"), HANDLER, at(1))
    assert info.value.field == "to_unit_code"


def test_a_closed_report_is_read_only() -> None:
    report = handled(new_report())
    report.take(rc.Verify(on_site=True), REPORTER, at(3))
    report.take(rc.CloseReport(), HANDLER, at(4))
    refused("closed", report, rc.AcceptReport(None), HANDLER)


def test_the_file_survives_its_stored_form() -> None:
    keys = KeyRing.parse("k1:" + base64.b64encode(b"k" * 32).decode())
    report = handled(new_report())
    report.take(rc.SendBack("未清理干净"), REPORTER, at(3))
    assert opened_report(sealed(report, keys), keys) == report
