"""Durable scheduled work: deadlines and recurring jobs as rows in the owning service's
schema, fired exactly once by a sweeper in the same transaction as their effect.

- ``table``: the ``scheduled_jobs`` table factory; ``migration_ops`` for alembic.
- ``recurrence``: RRULE recurrences in a district's time zone, working-day shifts.
- ``jobs``: ``schedule`` / ``schedule_recurring`` / ``cancel`` / ``reschedule`` in a unit
  of work; ``schedule_all`` / ``cancel_all`` for many in one round trip.
- ``sweeper``: the ``Scheduler`` a service starts and stops like its outbox relay.
"""

from shared.scheduling.jobs import (
    OneOff,
    ScheduledJob,
    cancel,
    cancel_all,
    reschedule,
    schedule,
    schedule_all,
    schedule_recurring,
)
from shared.scheduling.recurrence import (
    DEFAULT_TIMEZONE,
    Recurrence,
    RecurrenceError,
    WorkingDays,
    WorkingDayShift,
)
from shared.scheduling.sweeper import JobHandler, Scheduler, SweepResult
from shared.scheduling.table import JobState, scheduled_jobs_table

__all__ = [
    "DEFAULT_TIMEZONE",
    "JobHandler",
    "JobState",
    "OneOff",
    "Recurrence",
    "RecurrenceError",
    "ScheduledJob",
    "Scheduler",
    "SweepResult",
    "WorkingDayShift",
    "WorkingDays",
    "cancel",
    "cancel_all",
    "reschedule",
    "schedule",
    "schedule_all",
    "schedule_recurring",
    "scheduled_jobs_table",
]
