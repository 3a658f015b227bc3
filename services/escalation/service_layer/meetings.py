"""Regular meetings (月例会, seed 001): created once per unit and month, by the durable
scheduler ahead of time or on demand; the agenda generated from what escalation already
knows (the case stream's facts, the clocks and their cards, screening's missing
returns) and regenerated until the meeting starts; attendance, one decision per item
acting on the case through the ordinary events, and the minutes that close it.

Decisions act only through events: ``escalate`` publishes ``case-escalated`` (reason
``meeting_decision``), which routing applies; ``assign`` publishes
``meeting-decision-recorded`` naming the staff member, which routing applies
(trigger ``meeting_decision``, reason 例会决定). Closing publishes ``meeting-held``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.escalation.adapters.calendar_store import CalendarRepository
from services.escalation.adapters.meeting_repository import (
    MeetingRepository,
    MeetingRow,
    Unit,
)
from services.escalation.domain import meetings as rules
from services.escalation.domain.meetings import (
    CLOSED,
    IN_PROGRESS,
    SCHEDULED,
    Action,
    AgendaItem,
    MeetingInvalid,
    MeetingSchedule,
    Problem,
)
from services.escalation.service_layer.idempotent import (
    Answer,
    Idempotency,
    check_version,
    remember,
    replayed,
)
from shared.auth.scoping import covers_unit
from shared.auth.tokens import Principal
from shared.clock import Clock
from shared.db.unit_of_work import UnitOfWork
from shared.events import topics
from shared.events.escalation import CaseEscalatedV1, MeetingDecisionRecordedV1, MeetingHeldV1
from shared.scheduling import JobHandler, Recurrence, ScheduledJob, schedule_recurring
from shared.working_calendar import CalendarGap, WorkingCalendar

MEETING_DAY = "escalation.meeting.day"
SCHEDULER = "scheduler"
_DISTRICT_DIGITS = 6  # GB/T 2260
_NEXT_LEVEL = {"grid": "community", "community": "street", "street": "district"}
_ESCALATION_NAMESPACE = uuid.UUID("4b1f7e3a-9c2d-4e8f-a6b5-1d0c9e8f7a6b")


class MeetingNotFound(LookupError):
    """No such meeting within the caller's jurisdiction (or no such unit)."""


class MeetingRefused(Exception):
    """A write the meeting's state does not allow: ``code`` names the problem type."""

    def __init__(self, code: str, en: str, zh: str, problems: list[Problem] | None = None):
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh
        self.problems = problems or []


def series_key(district_code: str) -> str:
    return f"meetings:{district_code}"


def daily_rule(schedule: MeetingSchedule) -> Recurrence:
    """Every day at 07:00 in the district's zone: is an agenda due, or due again?"""
    return Recurrence("FREQ=DAILY", start=datetime(2020, 1, 1, 7, 0), timezone=schedule.timezone)


def _working(calendar: WorkingCalendar) -> Callable[[date], bool]:
    def is_working(day: date) -> bool:
        try:
            return calendar.is_working_day(day)
        except CalendarGap:
            return day.isoweekday() < 6  # a year not yet on record: weekdays

    return is_working


# --- the agenda -----------------------------------------------------------------------


def _facts(item: AgendaItem) -> dict[str, Any]:
    data = asdict(item)
    data["flags"] = [f.value for f in item.flags]
    data["risk_signals"] = list(item.risk_signals)
    data["due_at"] = item.due_at.isoformat() if item.due_at else None
    return data


async def _generate_agenda(
    repo: MeetingRepository, meeting: MeetingRow, schedule: MeetingSchedule, now: datetime
) -> int:
    """Replace the meeting's agenda with a snapshot as of ``now``; the number of items."""
    cases = await repo.candidate_cases(meeting.unit_code, meeting.window_start)
    missing = await repo.missing_returns(meeting.unit_code, meeting.window_start, now)
    items = rules.build_agenda(cases, missing, schedule, meeting.window_start, now)
    await repo.replace_agenda(
        meeting.meeting_id,
        [
            {
                "meeting_id": meeting.meeting_id,
                "item_id": item.item_id,
                "seq": seq,
                "kind": item.kind,
                "flags": [f.value for f in item.flags],
                "case_id": item.case_id,
                "facts": _facts(item),
            }
            for seq, item in enumerate(items, start=1)
        ],
    )
    return len(items)


async def _ensure_meeting(
    uow: UnitOfWork,
    repo: MeetingRepository,
    schedule: MeetingSchedule,
    unit: Unit,
    period: str,
    now: datetime,
    created_by: str,
    is_working: Callable[[date], bool],
) -> tuple[MeetingRow, bool]:
    """The unit's meeting of ``period``, created (with its agenda) if new."""
    mid = rules.meeting_id(unit.code, period)
    new = await repo.insert_meeting(
        {
            "meeting_id": mid,
            "unit_code": unit.code,
            "unit_name": unit.name,
            "unit_level": unit.level,
            "district_code": unit.code[:_DISTRICT_DIGITS],
            "period": period,
            "name": schedule.levels[unit.level].name,
            "starts_at": schedule.starts(unit.level, period, is_working),
            "window_start": schedule.window_start(unit.level, period, is_working),
            "status": SCHEDULED,
            "version": 1,
            "agenda_generated_at": now,
            "attendance": [],
            "created_by": created_by,
            "created_at": now,
        }
    )
    meeting = await repo.lock(mid)
    assert meeting is not None
    if new:
        await _generate_agenda(repo, meeting, schedule, now)
    return meeting, new


async def prepare_meetings_of_day(
    uow: UnitOfWork,
    job: ScheduledJob,
    schedules: Mapping[str, MeetingSchedule],
    now: datetime,
) -> int:
    """The daily job: for each level whose meeting (this month's or next month's) is
    within ``agenda_days_before`` of starting, every unit of that level gets its
    meeting (once: the unique unit and month) and every meeting still scheduled gets
    its agenda regenerated as of now. The number of meetings created."""
    schedule = schedules.get(str(job.payload.get("district_code")))
    if schedule is None:
        return 0
    repo = MeetingRepository(uow.connection)
    is_working = _working(await CalendarRepository(uow.connection).calendar())
    today = now.astimezone(schedule.zone).date()
    created = 0
    for level in schedule.levels:
        for period in (
            rules.period_of(today),
            rules.period_of(today.replace(day=28) + timedelta(days=7)),  # next month
        ):
            starts = schedule.starts(level, period, is_working)
            agenda_day = schedule.agenda_at(level, period, is_working).date()
            if not (agenda_day <= today and now < starts):
                continue
            for unit in await repo.units_at_level(schedule.district_code, level):
                _, new = await _ensure_meeting(
                    uow, repo, schedule, unit, period, now, SCHEDULER, is_working
                )
                created += new
            for mid in await repo.scheduled_for(schedule.district_code, period, level):
                meeting = await repo.lock(mid)
                if meeting is not None:
                    await _generate_agenda(repo, meeting, schedule, now)
                    await repo.change(mid, {"agenda_generated_at": now})
    return created


async def ensure_series(
    uow: UnitOfWork, schedules: Mapping[str, MeetingSchedule], now: datetime
) -> None:
    """Every district with a meeting schedule has its daily series (safe at every start)."""
    for code, schedule in sorted(schedules.items()):
        await schedule_recurring(
            uow,
            MEETING_DAY,
            daily_rule(schedule),
            series_key=series_key(code),
            after=now,
            payload={"district_code": code},
        )


# --- writes over HTTP ---------------------------------------------------------------------


def meeting_etag(meeting: MeetingRow) -> dict[str, str]:
    return {"ETag": f'"{meeting.version}"'}


async def _locked(repo: MeetingRepository, principal: Principal, meeting_id: str) -> MeetingRow:
    meeting = await repo.lock(meeting_id)
    if meeting is None or not covers_unit(principal, meeting.unit_code):
        raise MeetingNotFound(meeting_id)
    return meeting


def _not_closed(meeting: MeetingRow) -> None:
    if meeting.status == CLOSED:
        raise MeetingRefused(
            "meeting-closed",
            "The meeting's minutes are recorded: it is closed.",
            "会议纪要已记录，会议已结束。",
        )


async def create_meeting(
    uow: UnitOfWork,
    schedules: Mapping[str, MeetingSchedule],
    principal: Principal,
    unit_code: str,
    period: str,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """Create the unit's meeting of ``period`` with its agenda (201), or regenerate the
    agenda of one not yet started (200, with If-Match)."""
    problems: list[Problem] = []
    try:
        rules.parse_period(period)
    except ValueError:
        problems.append(Problem("#/period", "period", "A month, YYYY-MM.", "应为月份（YYYY-MM）。"))
    schedule = schedules.get(unit_code[:_DISTRICT_DIGITS])
    if schedule is None:
        problems.append(
            Problem(
                "#/unit_code",
                "no_schedule",
                "The unit's district has no meeting schedule.",
                "该单位所在区县未设置例会安排。",
            )
        )
    if problems:
        raise MeetingInvalid(problems)
    assert schedule is not None
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = MeetingRepository(uow.connection)
    unit = await repo.unit(unit_code)
    if unit is None or not covers_unit(principal, unit_code):
        raise MeetingNotFound(unit_code)
    if unit.level not in schedule.levels:
        raise MeetingInvalid(
            [
                Problem(
                    "#/unit_code",
                    "not_meeting_level",
                    f"A {unit.level} holds no regular meeting (communities and streets do).",
                    "该单位不召开例会（社区、街道召开）。",
                )
            ]
        )
    is_working = _working(await CalendarRepository(uow.connection).calendar())
    existing = await repo.lock(rules.meeting_id(unit_code, period))
    check_version(existing.version if existing is not None else None, if_match)
    if existing is None:
        meeting, _ = await _ensure_meeting(
            uow, repo, schedule, unit, period, now, principal.staff_id, is_working
        )
        status = 201
    else:
        if existing.status != SCHEDULED or now >= existing.starts_at:
            raise MeetingRefused(
                "meeting-started",
                "The meeting has started: its agenda is frozen.",
                "会议已开始，议程不能再更新。",
            )
        await _generate_agenda(repo, existing, schedule, now)
        await repo.change(existing.meeting_id, {"agenda_generated_at": now})
        meeting = await repo.lock(existing.meeting_id)  # type: ignore[assignment]
        status = 200
    answer = Answer(
        status,
        {"meeting_id": meeting.meeting_id, "version": meeting.version, "status": meeting.status},
        {**meeting_etag(meeting), "Location": f"/meetings/{meeting.meeting_id}"},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def record_attendance(
    uow: UnitOfWork,
    principal: Principal,
    meeting_id: str,
    raw: object,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """Who attended and who was absent (with the reason); the meeting starts (its
    agenda is frozen). Recorded again, it replaces the list until the minutes close it."""
    attendees = rules.validate_attendance(raw)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = MeetingRepository(uow.connection)
    meeting = await _locked(repo, principal, meeting_id)
    check_version(meeting.version, if_match)
    _not_closed(meeting)
    version = await repo.change(
        meeting_id, {"attendance": [asdict(a) for a in attendees], "status": IN_PROGRESS}
    )
    answer = Answer(
        200,
        {
            "meeting_id": meeting_id,
            "version": version,
            "status": IN_PROGRESS,
            "present": sum(a.present for a in attendees),
            "absent": sum(not a.present for a in attendees),
        },
        {"ETag": f'"{version}"'},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def record_decision(
    uow: UnitOfWork,
    principal: Principal,
    meeting_id: str,
    raw: dict[str, Any],
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """One decision on one agenda item, acting on the case through the ordinary events."""
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = MeetingRepository(uow.connection)
    meeting = await _locked(repo, principal, meeting_id)
    items = {item.item_id: item for item in await repo.items(meeting_id)}
    decision = rules.validate_decision(
        raw,
        {i: item.kind for i, item in items.items()},
        now.astimezone(ZoneInfo("Asia/Shanghai")).date(),
    )
    check_version(meeting.version, if_match)
    _not_closed(meeting)
    item = items[decision.item_id]
    did = rules.decision_id(meeting_id, decision.item_id)
    escalation: CaseEscalatedV1 | None = None
    if decision.action is Action.ESCALATE:
        escalation = await _escalation(repo, item.case_id, did, now)
    inserted = await repo.add_decision(
        {
            "meeting_id": meeting_id,
            "item_id": decision.item_id,
            "decision_id": did,
            "action": decision.action.value,
            "case_id": item.case_id,
            "assignee_id": decision.assignee_id,
            "assignee_name": decision.assignee_name,
            "plan": decision.plan,
            "plan_due": decision.plan_due,
            "note": decision.note,
            "escalated_to": escalation.to_unit_code if escalation else None,
            "decided_by": principal.staff_id,
            "decided_at": now,
        }
    )
    if not inserted:
        raise MeetingRefused(
            "agenda-item-decided",
            "This item has its decision already.",
            "该议程事项已有决定。",
            [Problem("#/item_id", "decided", "Decided already.", "已作出决定。")],
        )
    version = await repo.change(meeting_id, {"status": IN_PROGRESS})
    if item.case_id is not None:
        if escalation is not None:
            uow.publish(topics.CYCLE, item.case_id, escalation)
        uow.publish(
            topics.CYCLE,
            item.case_id,
            MeetingDecisionRecordedV1(
                decision_id=did,
                meeting_id=meeting_id,
                case_id=item.case_id,
                action=decision.action.value,
                meeting_unit_code=meeting.unit_code,
                meeting_unit_level=meeting.unit_level,  # type: ignore[arg-type]
                period=meeting.period,
                assignee_id=decision.assignee_id,
                plan_due=decision.plan_due,
                escalation_id=escalation.escalation_id if escalation else None,
                decided_by=principal.staff_id,
                decided_at=now,
            ),
        )
    answer = Answer(
        201,
        {
            "meeting_id": meeting_id,
            "decision_id": did,
            "item_id": decision.item_id,
            "action": decision.action.value,
            "escalated_to": escalation.to_unit_code if escalation else None,
            "version": version,
        },
        {"ETag": f'"{version}"'},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


async def _escalation(
    repo: MeetingRepository, case_id: str | None, did: str, now: datetime
) -> CaseEscalatedV1:
    """One level up from where the case is now (grid → community → street → district)."""
    place = await repo.case_place(case_id) if case_id else None
    unit = await repo.unit(place.unit_code) if place and place.unit_code else None
    parent = await repo.unit(unit.parent_code) if unit and unit.parent_code else None
    if place is None or unit is None or parent is None or unit.level not in _NEXT_LEVEL:
        raise MeetingRefused(
            "cannot-escalate",
            "The case has no unit above the one holding it (or is not assigned yet).",
            "案件已在最高层级或尚未分派，无法上报。",
            [Problem("#/action", "cannot_escalate", "No level above.", "没有上一级。")],
        )
    return CaseEscalatedV1(
        escalation_id=str(uuid.uuid5(_ESCALATION_NAMESPACE, did)),
        case_id=place.case_id,
        reason="meeting_decision",
        from_unit_code=unit.code,
        from_level=unit.level,  # type: ignore[arg-type]
        to_unit_code=parent.code,
        to_level=parent.level,  # type: ignore[arg-type]
        first_receiver_id=place.handler_id,
        escalated_at=now,
    )


async def record_minutes(
    uow: UnitOfWork,
    principal: Principal,
    meeting_id: str,
    raw: object,
    now: datetime,
    *,
    if_match: int | None,
    idempotency: Idempotency,
) -> Answer:
    """The minutes close the meeting: attendance recorded and every item decided."""
    minutes = rules.validate_minutes(raw)
    answer = await replayed(uow, idempotency)
    if answer is not None:
        return answer
    repo = MeetingRepository(uow.connection)
    meeting = await _locked(repo, principal, meeting_id)
    check_version(meeting.version, if_match)
    _not_closed(meeting)
    items = await repo.items(meeting_id)
    decisions = await repo.decisions(meeting_id)
    decided = {d.item_id for d in decisions}
    problems = [
        Problem(
            f"#/items/{item.item_id}",
            "undecided",
            f"Item {item.seq} has no decision.",
            f"第 {item.seq} 项尚未作出决定。",
        )
        for item in items
        if item.item_id not in decided
    ]
    if not meeting.attendance:
        problems.insert(
            0,
            Problem("#/attendees", "missing", "Record attendance first.", "请先登记参会人员。"),
        )
    if problems:
        raise MeetingRefused(
            "meeting-incomplete",
            "Record attendance and a decision on every item before the minutes.",
            "记录纪要前，须登记参会人员并对每个议程事项作出决定。",
            problems,
        )
    version = await repo.change(
        meeting_id,
        {"minutes": minutes, "status": CLOSED, "closed_by": principal.staff_id, "closed_at": now},
    )
    attendees = [rules.Attendee(**a) for a in meeting.attendance]
    tally = rules.counts(attendees, len(items), [d.action for d in decisions])
    uow.publish(
        topics.CYCLE,
        meeting_id,
        MeetingHeldV1(
            meeting_id=meeting_id,
            unit_code=meeting.unit_code,
            unit_level=meeting.unit_level,  # type: ignore[arg-type]
            district_code=meeting.district_code,
            period=meeting.period,
            starts_at=meeting.starts_at,
            held_at=now,
            present=tally.present,
            absent=tally.absent,
            agenda_items=tally.items,
            case_items=sum(i.kind == "case" for i in items),
            missing_return_items=sum(i.kind == "missing_return" for i in items),
            decisions=tally.decisions,
            closed_by=principal.staff_id,
        ),
    )
    answer = Answer(
        200,
        {"meeting_id": meeting_id, "version": version, "status": CLOSED},
        {"ETag": f'"{version}"'},
    )
    await remember(uow, idempotency, answer)
    await uow.commit()
    return answer


# --- wiring helpers for bootstrap ---------------------------------------------------------


def job_handlers(
    schedules: Mapping[str, MeetingSchedule], now: Callable[[], datetime]
) -> dict[str, JobHandler[UnitOfWork]]:
    async def meeting_day(uow: UnitOfWork, job: ScheduledJob) -> None:
        await prepare_meetings_of_day(uow, job, schedules, now())

    return {MEETING_DAY: meeting_day}


async def ensure_series_at_start(
    runtime_uow: Callable[[], UnitOfWork], schedules: Mapping[str, MeetingSchedule], clock: Clock
) -> None:
    async with runtime_uow() as uow:
        await ensure_series(uow, schedules, clock.now())
        await uow.commit()
