"""The case page's step menu and "my work"'s agenda, against the state machines they
read: each step offered is one the rules take (People's Mediation Law arts. 17–33;
grid practice 受理 → 办理 → 反馈 → 验证/回退 → 结案), and the deadlines are the file's
(MoJ 2002 art. 33 one month; art. 33 thirty-day confirmation window; art. 31 visits)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.mediation.domain import agenda
from services.mediation.domain import commands as c
from services.mediation.domain import report_commands as rc
from services.mediation.domain.case_file import AgreementParty, CameIn, Party, SignatureKind, Term
from services.mediation.domain.commands import Actor
from services.mediation.domain.dispute import Dispute, State
from services.mediation.domain.report_file import ReportResult
from services.mediation.domain.situation_report import SituationReport
from services.mediation.domain.step_menu import dispute_steps, report_steps
from shared.working_calendar import WorkingCalendar

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in China, a Thursday
MEDIATOR = Actor("med-1", "mediator")
POLICE = Actor("pol-1", "community_police")
ADVISER = Actor("law-1", "legal_adviser")


def _accepted() -> Dispute:
    d = Dispute("case-1", handler_id="med-1")
    d.take(
        c.Accept(
            CameIn.APPLICATION,
            (Party("申请人", "张三"), Party("被申请人", "李四")),
            "纠纷",
            True,
            True,
        ),
        MEDIATOR,
        NOW,
    )
    return d


def _effective() -> Dispute:
    d = _accepted()
    parties = (AgreementParty("申请人", "张三"), AgreementParty("被申请人", "李四"))
    term = Term("李四", "拆墙", "自行", "现场", date(2026, 12, 31))
    d.take(c.DraftWrittenAgreement("7号", parties, "事实", "争议", (), (term,)), MEDIATOR, NOW)
    for name in ("张三", "李四"):
        d.take(c.SignAsParty(name, SignatureKind.SIGNED, NOW), MEDIATOR, NOW)
    d.take(c.SignAsMediator(NOW), MEDIATOR, NOW)
    d.take(c.SealAgreement("东融社区人民调解委员会", NOW), MEDIATOR, NOW)
    return d


def test_a_new_dispute_offers_the_mediator_acceptance_and_nothing_to_the_grid_officer() -> None:
    d = Dispute("case-1", handler_id="med-1")
    offered = dispute_steps(d, MEDIATOR)
    assert c.Accept in offered and c.Decline in offered and c.RecordSession not in offered
    assert dispute_steps(d, Actor("go-1", "grid_officer")) == []
    assert c.Accept not in dispute_steps(d, POLICE)  # art. 17: the mediator accepts


def test_signing_offers_shrink_as_signatures_are_made_art_29() -> None:
    d = _accepted()
    assert c.ReviewAgreement not in dispute_steps(d, ADVISER)
    parties = (AgreementParty("申请人", "张三"), AgreementParty("被申请人", "李四"))
    term = Term("李四", "拆墙", "自行", "现场", date(2026, 12, 31))
    d.take(c.DraftWrittenAgreement("7号", parties, "事实", "争议", (), (term,)), MEDIATOR, NOW)
    assert c.ReviewAgreement in dispute_steps(d, ADVISER)
    assert {c.SignAsParty, c.SignAsMediator, c.SealAgreement} <= set(dispute_steps(d, MEDIATOR))
    d.take(c.SignAsParty("张三", SignatureKind.SIGNED, NOW), MEDIATOR, NOW)
    assert c.DraftWrittenAgreement not in dispute_steps(d, MEDIATOR)  # signed: no redraft
    d.take(c.SignAsMediator(NOW), MEDIATOR, NOW)
    assert c.SignAsMediator not in dispute_steps(d, MEDIATOR)


def test_every_step_offered_after_effect_is_taken_by_the_rules() -> None:
    d = _effective()
    assert d.state == State.AGREEMENT_EFFECTIVE
    offered = dispute_steps(d, MEDIATOR)
    assert c.ApplyForConfirmation in offered and c.RecordConfirmation not in offered
    d.take(c.ScheduleFollowUp(date(2026, 12, 10)), MEDIATOR, NOW)
    d.take(c.ApplyForConfirmation("八步区人民法院", date(2026, 12, 3)), MEDIATOR, NOW)
    offered = dispute_steps(d, MEDIATOR)
    assert c.ApplyForConfirmation not in offered and c.RecordConfirmation in offered
    assert dispute_steps(d, Actor("med-9", "mediator")) != []
    d.excluded.append("med-9")
    assert dispute_steps(d, Actor("med-9", "mediator")) == []


def test_report_verification_is_offered_to_the_reporter_never_to_whoever_gave_feedback() -> None:
    r = SituationReport("case-2", handler_id="go-1", reporter_id="go-2")
    assert report_steps(r, Actor("go-1", "grid_officer")) == [rc.AcceptReport, rc.HandOver]
    assert report_steps(r, Actor("go-2", "grid_officer")) == []
    handler = Actor("go-1", "grid_officer")
    r.take(rc.AcceptReport(), handler, NOW)
    assert rc.GiveFeedback not in report_steps(r, handler)  # an action first
    r.take(rc.RecordAction("清理", NOW), handler, NOW)
    r.take(rc.GiveFeedback(ReportResult.RESOLVED, "已清理"), handler, NOW)
    assert report_steps(r, Actor("go-2", "grid_officer")) == [rc.Verify, rc.SendBack]
    assert report_steps(r, handler) == []
    assert report_steps(r, Actor("op-1", "street_operator")) == [rc.Verify, rc.SendBack]


def test_the_agenda_takes_the_files_own_deadlines() -> None:
    d = Dispute("case-1")
    assert agenda.next_action(d) == agenda.Agenda(agenda.ACCEPT, None)
    d = _accepted()
    assert agenda.next_action(d) == agenda.Agenda(agenda.MEDIATE, NOW.replace(month=1, year=2027))
    d = _effective()
    window = agenda.next_action(d)
    assert window == agenda.Agenda(agenda.CONFIRMATION_WINDOW_CLOSING, NOW + timedelta(days=30))
    d.take(c.ScheduleFollowUp(date(2026, 12, 10)), MEDIATOR, NOW)
    visit = agenda.next_action(d)
    assert visit is not None and visit.action == agenda.FOLLOW_UP
    assert visit.due_at == datetime(2026, 12, 10, tzinfo=agenda.LOCAL_TIME)


def test_without_a_working_calendar_buckets_are_days_of_chinas_calendar() -> None:
    china = agenda.LOCAL_TIME
    assert agenda.bucket(None, NOW) == agenda.NO_DEADLINE
    assert agenda.bucket(NOW - timedelta(minutes=1), NOW) == agenda.OVERDUE
    assert agenda.bucket(datetime(2026, 12, 3, 23, 59, tzinfo=china), NOW) == agenda.TODAY
    assert agenda.bucket(datetime(2026, 12, 4, 0, 0, tzinfo=china), NOW) == agenda.TOMORROW
    assert agenda.bucket(datetime(2026, 12, 6, 23, 0, tzinfo=china), NOW) == agenda.THIS_WEEK
    assert agenda.bucket(datetime(2026, 12, 7, 0, 0, tzinfo=china), NOW) == agenda.LATER


WORKING_DAYS = WorkingCalendar.load()


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), agenda.LOCAL_TIME)


def _bucket(due: date, now: date) -> str:
    return agenda.bucket(_at(due, 17), _at(now, 9), WORKING_DAYS)


def test_buckets_count_working_days_of_the_state_councils_holiday_notice() -> None:
    """国务院办公厅关于2026年部分节假日安排的通知 (``shared/calendars/2026.json``)."""
    thursday, friday = date(2026, 12, 3), date(2026, 12, 4)
    assert _bucket(thursday, thursday) == agenda.TODAY
    assert _bucket(friday, thursday) == agenda.TOMORROW
    # Due on Sunday: to be met by Friday, the next working day.
    assert _bucket(date(2026, 12, 6), thursday) == agenda.TOMORROW
    # On a Friday, Monday is the next working day; a Saturday deadline is today's.
    assert _bucket(date(2026, 12, 7), friday) == agenda.TOMORROW
    assert _bucket(date(2026, 12, 5), friday) == agenda.TODAY
    assert _bucket(date(2026, 12, 8), friday) == agenda.LATER
    # Monday: Wednesday is this week, next Monday later.
    monday = date(2026, 11, 30)
    assert _bucket(date(2026, 12, 2), monday) == agenda.THIS_WEEK
    assert _bucket(date(2026, 12, 7), monday) == agenda.LATER
    # 国庆 2026: 1–7 October off, Saturday 10 October a make-up working day.
    assert _bucket(date(2026, 10, 8), date(2026, 9, 30)) == agenda.TOMORROW
    assert _bucket(date(2026, 10, 5), date(2026, 9, 30)) == agenda.TODAY
    assert _bucket(date(2026, 10, 10), date(2026, 10, 9)) == agenda.TOMORROW


def test_a_year_the_calendar_has_no_data_for_counts_calendar_days() -> None:
    assert _bucket(date(2031, 1, 4), date(2031, 1, 2)) == agenda.THIS_WEEK


def _window_holds(
    name: str, due: datetime, now: datetime, calendar: WorkingCalendar | None
) -> bool:
    start, end = agenda.bucket_window(name, now, calendar)
    return (start is None or start <= due) and (end is None or due < end)


def test_the_lists_deadline_window_holds_exactly_what_my_work_buckets_so_with_holidays() -> None:
    """The case list's deadline filter (a range on the indexed deadline) and "my work"'s
    buckets agree for every day of 2026, 国庆 and 春节 included (国务院办公厅 holiday
    notice, ``shared/calendars/``), and on calendar days without a calendar."""
    named = (agenda.OVERDUE, agenda.TODAY, agenda.TOMORROW, agenda.THIS_WEEK, agenda.LATER)
    for calendar in (WORKING_DAYS, None):
        for offset in range(365):
            now = _at(date(2026, 1, 1) + timedelta(days=offset), 9 + offset % 12)
            for step in range(-2, 60):
                due = now + timedelta(hours=7 * step)
                found = agenda.bucket(due, now, calendar)
                holding = [n for n in named if _window_holds(n, due, now, calendar)]
                assert holding == [found], (now, due)
