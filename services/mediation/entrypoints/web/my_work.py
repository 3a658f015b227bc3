""" "My work": what needs the signed-in person's action now, in deadline buckets
(overdue, today, tomorrow, this week, later, none set), each item saying what it waits
for. Handlers land here after signing in.

Buckets count China's working days (``domain/agenda.bucket``, holidays and make-up
working days from ``shared/calendars/``); the deadlines are the
files' own (the mediation time limit, the judicial-confirmation window, follow-up
visits, the next mediation session agreed with the parties, at its start), or else
escalation's clock for the stage when it has told of one (a report's
handling, acceptance, verification). A yellow or red card on that clock puts the item
among the overdue, marked with the card. A session whose start has passed unrecorded
is overdue and asks for its record.

The file's state is shown beside what it waits for only when it says more: a new case
waits "to accept" and is "awaiting acceptance", both 待受理 in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.mediation.adapters.clock_queries import clocks_of
from services.mediation.adapters.my_work_queries import (
    MAX_ITEMS,
    WorkItem,
    agreements_to_review,
    my_work,
    supervisions_to_answer,
)
from services.mediation.domain import agenda
from services.mediation.domain.clocks import card_for_action
from services.mediation.entrypoints.web import labels
from services.mediation.entrypoints.web.pages import (
    local_time,
    runtime_of,
    signed_in,
    signed_in_person,
    with_renewed_tokens,
    working_calendar,
)
from services.mediation.entrypoints.web.rendering import render
from shared.auth.policy import PUBLIC
from shared.auth.roles import LEGAL_ADVISER

router = APIRouter(include_in_schema=False, dependencies=[Depends(PUBLIC)])

# The four buckets are shown even when empty ("nothing due today" is news too).
ALWAYS_SHOWN = (agenda.OVERDUE, agenda.TODAY, agenda.TOMORROW, agenda.THIS_WEEK)
# Actions whose time is when something happens, not a deadline to beat.
TIMED_ACTIONS = frozenset({agenda.SESSION, agenda.RECORD_SESSION})


@dataclass(frozen=True)
class Bucket:
    code: str
    items: list[WorkItem]


@router.get("/my-work")
async def my_work_page(request: Request) -> Response:
    session = await signed_in(request)
    if isinstance(session, Response):
        return session
    async with runtime_of(request).uow() as uow:
        items = await my_work(uow.connection, session.principal)
        items += await supervisions_to_answer(uow.connection, session.principal)
        if session.principal.role == LEGAL_ADVISER:
            items += await agreements_to_review(uow.connection, session.principal)
        clocks = await clocks_of(uow.connection, [item.case_id for item in items])
    now = datetime.now(UTC)
    grouped: dict[str, list[WorkItem]] = {code: [] for code in agenda.BUCKETS}
    for item in items:
        # Escalation's clock for what the item waits for gives reports their deadline,
        # and its yellow or red card makes the item overdue.
        clock = card_for_action(clocks.get(item.case_id, []), item.action)
        if clock is not None:
            item = replace(item, due_at=item.due_at or clock.due_at, card=clock.card)
        code = agenda.OVERDUE if item.card else agenda.bucket(item.due_at, now, working_calendar())
        grouped[code].append(replace(item, action=agenda.as_seen(item.action, code)))
    buckets = [
        Bucket(code, grouped[code])
        for code in agenda.BUCKETS
        if grouped[code] or code in ALWAYS_SHOWN
    ]
    response = render(
        request,
        "my_work.html",
        {
            "me": await signed_in_person(request, session),
            "current": "my-work",
            "buckets": buckets,
            "total": len(items),
            "cut": len(items) >= MAX_ITEMS,
            "action_labels": labels.ACTIONS,
            "supervision_labels": labels.SUPERVISION_LEVELS,
            "bucket_labels": labels.BUCKETS,
            "state_labels": {"report": labels.REPORT_STATES, "dispute": labels.DISPUTE_STATES},
            "timed_actions": TIMED_ACTIONS,
            "local": local_time,
        },
    )
    return with_renewed_tokens(request, session, response)
