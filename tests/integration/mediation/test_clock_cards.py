"""Escalation's clock notices reach the dashboard (DOMAIN.md "Time limits and
supervision"): published the way escalation publishes them (its outbox, its relay, real
Kafka), mediation's one consumer of the cycle topic keeps each clock's card and puts
one timeline line per notice on the case; the case list filters by card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.mediation.adapters import dashboard_queries
from services.mediation.adapters.clock_queries import clocks_of
from services.mediation.adapters.my_work_queries import supervisions_to_answer
from services.mediation.domain import agenda
from services.mediation.domain.clocks import case_card
from shared.auth.tokens import Principal
from shared.events import topics
from shared.events.escalation import (
    CaseEscalatedV1,
    ClockWarnedV1,
    ExtensionDecidedV1,
    ExtensionRequestedV1,
    RedCardIssuedV1,
    SupervisionAnsweredV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
from shared.events.payload import Payload
from shared.working_calendar import WorkingCalendar
from tests.harness import Stack, eventually
from tests.integration.mediation.casework import COMMUNITY, Desk, acceptance, submit_dispute

pytestmark = pytest.mark.integration

DISTRICT_OPERATOR = Principal("op-451102-1", "district_operator", ("451102",))


async def publish_as_escalation(stack: Stack, case_id: str, *payloads: Payload) -> None:
    async with stack.runtime("escalation").uow() as uow:
        for payload in payloads:
            uow.publish(topics.CYCLE, case_id, payload)
        await uow.commit()


def notice(model: type[Any], case_id: str, clock_id: str, fired: datetime, **extra: Any) -> Any:
    started = fired - timedelta(days=5)
    return model(
        clock_id=clock_id,
        case_id=case_id,
        stage="accept",
        category="婚姻家庭邻里",
        unit_code=COMMUNITY,
        unit_level="community",
        handler_id="md-451102001001-1",
        started_at=started,
        due_at=started + timedelta(days=1),
        yellow_at=started + timedelta(days=2),
        red_at=started + timedelta(days=4),
        fired_at=fired,
        **extra,
    )


async def clock_lines(desk: Desk, case_id: str) -> list[Any]:
    timeline = await desk.client.get(f"/cases/{case_id}/timeline", headers=desk.headers)
    assert timeline.status_code == 200, timeline.text
    return [e for e in timeline.json() if e["actor_role"] == "system"]


async def test_warning_yellow_and_red_cards_fold_into_the_case_once_each(system: Stack) -> None:
    case_id, mediator_id = await submit_dispute(system)
    other_id, _ = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    clock_id = f"clock-{case_id}"
    now = datetime.now(UTC)
    warned = notice(
        ClockWarnedV1, case_id, clock_id, now - timedelta(days=4), warn_at=now - timedelta(days=4)
    )
    yellow = notice(YellowCardIssuedV1, case_id, clock_id, now - timedelta(days=3))
    red = notice(RedCardIssuedV1, case_id, clock_id, now - timedelta(hours=1))
    # The red card first, then the warning and the yellow card, and the yellow card
    # again (a second publication of the same notice, under a new event id).
    await publish_as_escalation(system, case_id, red)
    await publish_as_escalation(system, case_id, warned, yellow, yellow)
    await publish_as_escalation(
        system,
        other_id,
        notice(YellowCardIssuedV1, other_id, f"clock-{other_id}", now - timedelta(hours=2)),
    )

    async def all_heard() -> list[Any] | None:
        lines = await clock_lines(mediator, case_id)
        return lines if len(lines) == 3 else None

    lines = await eventually(all_heard)
    assert sorted(e["step"] for e in lines) == ["clock-warned", "red-card", "yellow-card"]
    red_line = next(e for e in lines if e["step"] == "red-card")
    assert red_line["what"].startswith("红牌：受理严重超期") and "督办" in red_line["what"]
    assert red_line["actor_id"] == "escalation"

    async with system.runtime("mediation").uow() as uow:
        conn = uow.connection
        await eventually(lambda: _has_clock(system, other_id))
        clocks = await clocks_of(conn, [case_id, other_id])
        card = case_card(clocks[case_id])
        assert card is not None and (card.card, card.stage) == ("red", "accept")
        assert card.at == red.fired_at
        assert set(clocks[case_id][0].notices) == {"warned", "yellow-card", "red-card"}
        other = case_card(clocks[other_id])
        assert other is not None and other.card == "yellow"

        async def listed(card_filter: str) -> set[str]:
            page = await dashboard_queries.list_cases(
                conn,
                DISTRICT_OPERATOR,
                dashboard_queries.CaseFilters(card=card_filter, category="婚姻家庭邻里"),
                page_size=100,
            )
            return {row.case_id for row in page.rows}

        reds, yellows = await listed("red"), await listed("yellow")
    assert case_id in reds and other_id not in reds
    assert other_id in yellows and case_id not in yellows

    # Nothing more arrives later: the replayed yellow card added no second line.
    assert len(await clock_lines(mediator, case_id)) == 3


async def _has_clock(stack: Stack, case_id: str) -> bool:
    rows = await stack.sql("SELECT 1 FROM mediation.case_clocks WHERE case_id = $1", case_id)
    return bool(rows)


async def test_extension_supervision_and_escalation_reach_the_timeline_and_my_work(
    system: Stack,
) -> None:
    case_id, mediator_id = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    clock_id = f"clock-{case_id}"
    now = datetime.now(UTC)
    red = notice(RedCardIssuedV1, case_id, clock_id, now - timedelta(hours=3))
    new_due = now + timedelta(days=2)
    await publish_as_escalation(
        system,
        case_id,
        red,
        ExtensionRequestedV1(
            extension_id="ext-1",
            case_id=case_id,
            clock_id=clock_id,
            stage="accept",
            unit_code=COMMUNITY,
            handler_id=mediator_id,
            requested_by=mediator_id,
            requested_days=3,
            reason="party_unavailable",
            current_due_at=red.due_at,
            requested_at=now - timedelta(hours=2),
        ),
        ExtensionDecidedV1(
            extension_id="ext-1",
            case_id=case_id,
            clock_id=clock_id,
            stage="accept",
            decision="approved",
            requested_days=3,
            granted_days=2,
            decided_by="op-451102001-1",
            decided_at=now - timedelta(hours=1),
            previous_due_at=red.due_at,
            due_at=new_due,
            yellow_at=new_due + timedelta(days=1),
            red_at=new_due + timedelta(days=3),
        ),
        SupervisionIssuedV1(
            supervision_id=f"sup-{case_id}",
            case_id=case_id,
            level="red_card",
            origin="red_card",
            issued_by=None,
            issuing_unit_code="451102001",
            unit_code=COMMUNITY,
            handler_id=mediator_id,
            answer_due_at=now + timedelta(days=1),
            issued_at=now - timedelta(minutes=50),
        ),
        CaseEscalatedV1(
            escalation_id="esc-1",
            case_id=case_id,
            reason="red_card",
            from_unit_code=COMMUNITY,
            from_level="community",
            to_unit_code="451102001",
            to_level="street",
            first_receiver_id=mediator_id,
            escalated_at=now - timedelta(minutes=40),
        ),
    )

    async def heard() -> list[Any] | None:
        lines = await clock_lines(mediator, case_id)
        return lines if len(lines) == 5 else None

    steps = [e["step"] for e in await eventually(heard)]
    assert steps == [
        "red-card",
        "extension-requested",
        "extension-decided",
        "supervision-issued",
        "case-escalated",
    ]
    principal = Principal(mediator_id, "mediator", (COMMUNITY,))
    async with system.runtime("mediation").uow() as uow:
        [clock] = (await clocks_of(uow.connection, [case_id]))[case_id]
        assert clock.due_at == new_due and clock.card == "red"  # moved; the card stays
        waiting = await supervisions_to_answer(uow.connection, principal)
    [item] = [w for w in waiting if w.case_id == case_id]
    assert (item.action, item.supervision_level) == ("answer-supervision", "red_card")

    # Answered: no longer waiting.
    await publish_as_escalation(
        system,
        case_id,
        SupervisionAnsweredV1(
            supervision_id=f"sup-{case_id}",
            case_id=case_id,
            answered_by=mediator_id,
            answered_at=now,
            on_time=True,
        ),
    )

    async def answered() -> bool:
        async with system.runtime("mediation").uow() as uow:
            left = await supervisions_to_answer(uow.connection, principal)
        return all(w.case_id != case_id for w in left)

    await eventually(answered)
    assert (await clock_lines(mediator, case_id))[-1]["what"] == "督办已回复（按时）"


async def test_the_lists_deadline_filter_sorts_cases_as_my_work_does(system: Stack) -> None:
    """The case list's deadline buckets (GridCase issue 13 item 3) in working days
    (国务院办公厅 holiday notice, ``shared/calendars/``): an accepted dispute by its
    one-month mediation limit (MoJ 2002 art. 33), an unopened case by escalation's
    acceptance clock when it has told of one, and a carded clock overdue whatever its
    due time, exactly as "my work" puts them."""
    accepted_id, mediator_id = await submit_dispute(system)
    warned_id, _ = await submit_dispute(system)
    carded_id, _ = await submit_dispute(system)
    mediator = Desk(system, mediator_id, "mediator")
    await mediator.step(accepted_id, "acceptance", acceptance(), expect=201)
    now = datetime.now(UTC)
    soon = now + timedelta(hours=30)
    warned = notice(ClockWarnedV1, warned_id, f"clock-{warned_id}", now, warn_at=now)
    warned = warned.model_copy(update={"due_at": soon, "yellow_at": soon, "red_at": soon})
    # A yellow card an hour ago on a clock an extension has since moved nine days on:
    # the card stays, and so does the step's place among the overdue.
    carded = notice(YellowCardIssuedV1, carded_id, f"clock-{carded_id}", now - timedelta(hours=1))
    carded = carded.model_copy(update={"due_at": now + timedelta(days=9)})
    await publish_as_escalation(system, warned_id, warned)
    await publish_as_escalation(system, carded_id, carded)
    await eventually(lambda: _has_clock(system, warned_id))
    await eventually(lambda: _has_clock(system, carded_id))

    calendar = WorkingCalendar.load()
    async with system.runtime("mediation").uow() as uow:
        conn = uow.connection
        file_due = (
            await system.sql(
                "SELECT next_action_due FROM mediation.case_files WHERE case_id = $1", accepted_id
            )
        )[0]["next_action_due"]

        async def listed(due: str) -> set[str]:
            window = agenda.bucket_window(due, now, calendar)
            filters = dashboard_queries.CaseFilters(due=due, due_window=window)
            page = await dashboard_queries.list_cases(
                conn, DISTRICT_OPERATOR, filters, page_size=100
            )
            return {row.case_id for row in page.rows} & {accepted_id, warned_id, carded_id}

        found = {due: await listed(due) for due in DEADLINE_BUCKETS}
    expected = {due: set[str]() for due in DEADLINE_BUCKETS}
    expected[agenda.bucket(file_due, now, calendar)].add(accepted_id)
    expected[agenda.bucket(soon, now, calendar)].add(warned_id)
    expected[agenda.OVERDUE].add(carded_id)
    assert found == expected
    assert agenda.bucket(file_due, now, calendar) == agenda.LATER  # a month away


DEADLINE_BUCKETS = (agenda.OVERDUE, agenda.TODAY, agenda.TOMORROW, agenda.THIS_WEEK, agenda.LATER)
