"""What a case file waits for next, and by when: the rows of "my work".

Stored with the file (``case_files.next_action``, ``next_action_due``) each time a step
is taken, so that "what needs me now" is one indexed query rather than every file
opened. Deadlines are the file's own:

- the one-month mediation limit (MoJ 2002 art. 33), while mediating or awaiting
  signatures (past it, "my cases past their time limit");
- the 30-day window for applying for judicial confirmation from the day the written
  agreement takes effect (People's Mediation Law art. 33);
- the next follow-up visit scheduled (art. 31), at the start of that day in China;
- the next mediation session agreed with the parties (约定调解), at its start: scheduled
  within the month by validation, so it comes first while it is pending; once its
  start has passed unrecorded it is overdue, and shows as "record the session"
  (art. 27: 人民调解员应当记录调解情况).

Reports' time limits are escalation's clocks, not the file's: their steps carry none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.mediation.domain.dispute import CONFIRMATION_WINDOW, Dispute, State
from services.mediation.domain.situation_report import ReportState, SituationReport
from shared.working_calendar import CalendarGap, WorkingCalendar

LOCAL_TIME = ZoneInfo("Asia/Shanghai")

ACCEPT = "accept"
MEDIATE = "mediate"
SIGNATURES = "signatures"
CONFIRMATION_WINDOW_CLOSING = "confirmation-window"
FOLLOW_UP = "follow-up"
SESSION = "session"
# What a session whose start has passed waits for: its record (art. 27).
RECORD_SESSION = "record-session"
CLOSE = "close"
ARCHIVE = "archive"
HANDLE = "handle"
VERIFY = "verify"
# A draft agreement waiting for the community's legal adviser (一社区一法律顾问): theirs,
# not the handler's, so it is read for legal advisers rather than stored as next action.
REVIEW_AGREEMENT = "review-agreement"
# A supervision (督办) waiting for the handler's answer: escalation's, not the file's.
ANSWER_SUPERVISION = "answer-supervision"

ACTIONS = (
    ACCEPT,
    MEDIATE,
    SIGNATURES,
    CONFIRMATION_WINDOW_CLOSING,
    FOLLOW_UP,
    SESSION,
    CLOSE,
    ARCHIVE,
    HANDLE,
    VERIFY,
)


@dataclass(frozen=True)
class Agenda:
    action: str
    due_at: datetime | None


def next_action(file: Dispute | SituationReport) -> Agenda | None:
    """The one thing the file waits for (the earliest deadline when several run)."""
    if isinstance(file, SituationReport):
        return _report(file)
    return _dispute(file)


def _dispute(d: Dispute) -> Agenda | None:
    if d.state == State.NEW:
        return Agenda(ACCEPT, None)
    if d.state == State.IN_MEDIATION:
        if d.scheduled_session is not None:
            return Agenda(SESSION, d.scheduled_session.starts_at)
        return Agenda(MEDIATE, d.due_at)
    if d.state == State.AWAITING_SIGNATURES:
        return Agenda(SIGNATURES, d.due_at)
    if d.state == State.AGREEMENT_EFFECTIVE:
        candidates: list[Agenda] = []
        agreement = d.written_agreement
        if (
            agreement is not None
            and agreement.effective_at is not None
            and d.confirmation_application is None
        ):
            candidates.append(
                Agenda(CONFIRMATION_WINDOW_CLOSING, agreement.effective_at + CONFIRMATION_WINDOW)
            )
        if d.follow_ups_due:
            day = min(d.follow_ups_due)
            candidates.append(Agenda(FOLLOW_UP, datetime.combine(day, time.min, LOCAL_TIME)))
        dated = [a for a in candidates if a.due_at is not None]
        if dated:
            return min(dated, key=lambda a: a.due_at or datetime.max.replace(tzinfo=LOCAL_TIME))
        return Agenda(CLOSE, None)
    if d.state == State.TERMINATED:
        return Agenda(CLOSE, None)
    if d.state == State.CLOSED:
        return Agenda(ARCHIVE, None)
    return None  # declined, archived: nothing left to do


def _report(r: SituationReport) -> Agenda | None:
    return {
        ReportState.NEW: Agenda(ACCEPT, None),
        ReportState.HANDLING: Agenda(HANDLE, None),
        ReportState.AWAITING_VERIFICATION: Agenda(VERIFY, None),
        ReportState.VERIFIED: Agenda(CLOSE, None),
    }.get(r.state)


OVERDUE = "overdue"
TODAY = "today"
TOMORROW = "tomorrow"
THIS_WEEK = "this-week"
LATER = "later"
NO_DEADLINE = "no-deadline"
BUCKETS = (OVERDUE, TODAY, TOMORROW, THIS_WEEK, LATER, NO_DEADLINE)


def as_seen(action: str, bucket_code: str) -> str:
    """What an item asks of the person now: a session whose start has passed waits for
    its record, not for the session."""
    return RECORD_SESSION if action == SESSION and bucket_code == OVERDUE else action


def bucket(due_at: datetime | None, now: datetime, calendar: WorkingCalendar | None = None) -> str:
    """The deadline bucket of ``due_at`` seen at ``now``: overdue, today, tomorrow, this
    week, later, or none set.

    With a working calendar (China's holidays and make-up working days, the State
    Council's yearly notice; ``shared/calendars/``), the days are working days: a
    deadline counts on the last working day on or before its date (one falling on a
    Saturday must be met by Friday), "tomorrow" is the next working day (on a Friday,
    Monday; before 国庆, the day after the holiday), and "this week" runs to Sunday.
    Without one, or for a year it has no data for, the days are calendar days.
    """
    if due_at is None:
        return NO_DEADLINE
    if due_at < now:
        return OVERDUE
    today = now.astimezone(LOCAL_TIME).date()
    day = due_at.astimezone(LOCAL_TIME).date()
    sunday = today + timedelta(days=6 - today.weekday())
    if calendar is not None:
        try:
            return _working_bucket(calendar, today, day, sunday)
        except CalendarGap:
            pass  # a year without data: calendar days rather than a guessed schedule
    days = (day - today).days
    if days <= 0:
        return TODAY
    if days == 1:
        return TOMORROW
    if day <= sunday:
        return THIS_WEEK
    return LATER


def _working_bucket(calendar: WorkingCalendar, today: date, day: date, sunday: date) -> str:
    # The working day by which it must be done: the deadline's own, or the one before.
    act_by = day if calendar.is_working_day(day) else calendar.working_day_before(day, 1)
    if act_by <= today:
        return TODAY
    if act_by == calendar.add_working_days(today, 1):
        return TOMORROW
    if act_by <= sunday:
        return THIS_WEEK
    return LATER


def bucket_window(
    name: str, now: datetime, calendar: WorkingCalendar | None = None
) -> tuple[datetime | None, datetime | None]:
    """The deadlines that fall in bucket ``name`` seen at ``now``, as ``[start, end)``
    (``None``: unbounded), so that the case list filters on an indexed range: a
    deadline is in the window exactly when ``bucket`` puts it in ``name`` (the unit
    tests hold the two together). A day with nothing due after it before the next
    working day belongs to that working day, as in ``bucket``."""
    if name == OVERDUE:
        return None, now
    if name not in (TODAY, TOMORROW, THIS_WEEK, LATER):
        raise ValueError(name)
    today = now.astimezone(LOCAL_TIME).date()
    sunday = today + timedelta(days=6 - today.weekday())
    try:
        if calendar is None:
            raise CalendarGap("calendar days")
        first = calendar.add_working_days(today, 1)
        second = calendar.add_working_days(first, 1)
        after_sunday = calendar.add_working_days(sunday, 1)
    except CalendarGap:
        first, second = today + timedelta(days=1), today + timedelta(days=2)
        after_sunday = sunday + timedelta(days=1)
    week_end = max(second, after_sunday)
    window: dict[str, tuple[datetime | None, datetime | None]] = {
        TODAY: (now, _start(first)),
        TOMORROW: (_start(first), _start(second)),
        THIS_WEEK: (_start(second), _start(week_end)),
        LATER: (_start(week_end), None),
    }
    return window[name]


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TIME)


__all__ = ["ACTIONS", "BUCKETS", "Agenda", "as_seen", "bucket", "bucket_window", "next_action"]
