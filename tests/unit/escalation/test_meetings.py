"""Meetings (月例会, seed 001): when a unit meets (data per district), what goes on the
agenda and why, and what a decision or attendance list must say."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.escalation.domain.meetings import (
    Action,
    CaseFacts,
    LevelSchedule,
    MeetingInvalid,
    MissingReturn,
    Rule,
    ScheduleError,
    build_agenda,
    load_schedules,
    meeting_id,
    parse_schedules,
    previous_period,
    validate_attendance,
    validate_decision,
)
from shared.working_calendar import WorkingCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEDULE = load_schedules()["451102"]
WINDOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
AT = datetime(2026, 12, 24, 7, 0, tzinfo=SHANGHAI)


def case(**overrides: Any) -> CaseFacts:
    fields: dict[str, Any] = {
        "case_id": "c",
        "case_number": "GC-1",
        "category": "邻里纠纷",
        "title": "漏水",
        "risk_signals": (),
        "people_involved": 2,
        "grid_code": "451102001001001",
        "unit_code": "451102001001",
        "handler_id": "md-1",
        "state": "in_mediation",
        "submitted_at": WINDOW - timedelta(days=20),
        "earliest_due_at": None,
        "yellow_fired": False,
        "red_fired": False,
    }
    return CaseFacts(**(fields | overrides))


def test_the_community_meets_on_its_day_and_the_street_on_the_first_working_tuesday() -> None:
    calendar = WorkingCalendar.load()
    assert SCHEDULE.starts("community", "2026-12") == datetime(2026, 12, 26, 9, tzinfo=SHANGHAI)
    assert SCHEDULE.starts("street", "2026-12", calendar.is_working_day).date() == date(2026, 12, 1)
    # 2027-02: the 2nd is a Tuesday; with the Spring Festival holidays data decides.
    tuesday = SCHEDULE.starts("street", "2027-02", calendar.is_working_day).date()
    assert tuesday.isoweekday() == 2 and calendar.is_working_day(tuesday)
    assert SCHEDULE.window_start("community", "2027-01") == datetime(
        2026, 12, 26, 9, tzinfo=SHANGHAI
    )
    assert SCHEDULE.agenda_at("community", "2026-12") == datetime(2026, 12, 24, 9, tzinfo=SHANGHAI)


def test_a_day_past_the_month_end_is_the_last_day_and_a_holiday_tuesday_is_skipped() -> None:
    late = LevelSchedule("例会", Rule.DAY_OF_MONTH, day=31)
    assert late.meeting_day(2027, 2) == date(2027, 2, 28)
    first_working_tuesday = LevelSchedule("例会", Rule.NTH_WEEKDAY, nth=1, weekday=2, working=True)
    holiday = date(2026, 12, 1)
    assert first_working_tuesday.meeting_day(2026, 12, lambda d: d != holiday) == date(2026, 12, 8)
    last_friday = LevelSchedule("例会", Rule.NTH_WEEKDAY, nth=-1, weekday=5)
    assert last_friday.meeting_day(2026, 12) == date(2026, 12, 25)
    assert previous_period("2027-01") == "2026-12"


def test_schedule_data_is_checked() -> None:
    with pytest.raises(ScheduleError):
        parse_schedules({"districts": {"1": {"levels": {"grid": {"rule": "day_of_month"}}}}})
    with pytest.raises(ScheduleError):
        parse_schedules({"districts": {"1": {"levels": {"street": {"rule": "weekly"}}}}})


def test_the_agenda_lists_new_unresolved_overdue_high_risk_major_and_missing_returns() -> None:
    items = build_agenda(
        [
            case(case_id="carded", earliest_due_at=AT - timedelta(days=3), red_fired=True),
            case(case_id="criminal", risk_signals=("民转刑",), submitted_at=AT - timedelta(days=1)),
            case(case_id="group", people_involved=60),
            case(case_id="settled-old", state="closed"),
            case(case_id="settled-new", state="closed", submitted_at=AT - timedelta(days=2)),
            case(case_id="repeat", risk_signals=("重复发生",)),
        ],
        [MissingReturn("t1", "451102001001003", "第3网格", "p", AT - timedelta(days=1), None)],
        SCHEDULE,
        WINDOW,
        AT,
    )
    flags = {i.item_id: [f.value for f in i.flags] for i in items}
    assert flags == {
        "case:carded": ["red_card", "overdue", "unresolved"],
        "case:criminal": ["high_risk", "new", "unresolved"],  # People's Mediation Law art. 25
        "case:group": ["major", "unresolved"],
        "case:settled-new": ["new"],
        "case:repeat": ["unresolved"],  # 重复发生 is not high-risk in the data
        "grid:t1": ["missing_return"],
    }
    assert [i.item_id for i in items][:2] == ["case:carded", "case:criminal"]
    assert meeting_id("451102001001", "2026-12") == meeting_id("451102001001", "2026-12")


def test_attendance_is_checked_field_by_field() -> None:
    with pytest.raises(MeetingInvalid) as caught:
        validate_attendance(
            [
                {"staff_id": "a", "name": ""},
                {"staff_id": "b", "name": "乙", "present": False},
                {"staff_id": "c", "name": "丙", "absence_reason": "病假"},
            ]
        )
    assert [(p.pointer, p.code) for p in caught.value.problems] == [
        ("#/attendees/0/name", "required"),
        ("#/attendees/1/absence_reason", "required"),
        ("#/attendees/2/absence_reason", "not_absent"),
    ]
    with pytest.raises(MeetingInvalid) as nobody:
        validate_attendance(
            [{"staff_id": "a", "name": "甲", "present": False, "absence_reason": "x"}]
        )
    assert nobody.value.problems[0].code == "nobody_present"


def test_a_decision_says_what_its_action_needs() -> None:
    kinds = {"case:c": "case", "grid:t": "missing_return"}
    today = date(2026, 12, 26)
    plan = validate_decision(
        {"item_id": "case:c", "action": "plan", "plan": "一事一策", "plan_due": "2027-01-05"},
        kinds,
        today,
    )
    assert (plan.action, plan.plan_due) == (Action.PLAN, date(2027, 1, 5))
    with pytest.raises(MeetingInvalid) as caught:
        validate_decision(
            {"item_id": "grid:t", "action": "assign", "plan": "x", "assignee_id": "md-2"},
            kinds,
            today,
        )
    assert {(p.pointer, p.code) for p in caught.value.problems} == {
        ("#/action", "not_for_item"),
        ("#/assignee_name", "required"),
        ("#/plan", "not_for_action"),
    }
    with pytest.raises(MeetingInvalid) as late:
        validate_decision(
            {"item_id": "case:c", "action": "plan", "plan": "x", "plan_due": "2026-12-01"},
            kinds,
            today,
        )
    assert late.value.problems[0].code == "past"
    with pytest.raises(MeetingInvalid) as unknown:
        validate_decision({"item_id": "case:x", "action": "shout"}, kinds, today)
    assert [p.pointer for p in unknown.value.problems] == ["#/item_id", "#/action"]
