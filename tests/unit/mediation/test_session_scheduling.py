"""Scheduling a mediation session (约定调解时间、地点) and what "my work" makes of it.

Rules: the session is agreed while mediating, by a mediator or the community police
officer working the case (as recording one, arts. 20, 23), in the future and before
the one-month limit ends unless it was extended (MoJ 2002 art. 33); scheduling again
reschedules; recording a session clears it (art. 27 keeps the record).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from services.mediation.adapters.case_file_codec import dump, opened, sealed
from services.mediation.domain import agenda
from services.mediation.domain import commands as c
from services.mediation.domain.case_file import Consent, SessionOutcome
from services.mediation.domain.dispute import Dispute, State
from services.mediation.domain.step_menu import dispute_steps
from services.mediation.entrypoints.case_work import SessionScheduleIn
from tests.unit.mediation.test_case_file_codec import KEYS
from tests.unit.mediation.test_dispute import (
    ADVISER,
    MEDIATOR,
    POLICE,
    accepted,
    at,
    draft_cmd,
    effective,
    refused,
    session_cmd,
)


def schedule(
    days: float = 2, hours: float = 0, place: str = "社区调解室", note: str = ""
) -> c.Command:
    return c.ScheduleSession(at(days, hours), place, note)


def test_a_mediator_schedules_a_session_within_the_month_moj_2002_art_33() -> None:
    dispute = accepted()
    step = dispute.take(schedule(2, note="请双方携带房产证"), MEDIATOR, at(1))
    assert step.name == "session-scheduled"
    assert dispute.scheduled_session is not None
    assert dispute.scheduled_session.starts_at == at(2)
    assert dispute.scheduled_session.place == "社区调解室"
    assert dispute.scheduled_session.scheduled_by == "med-1"
    assert step.what == "约定调解：2026-02-02 17:00"  # 09:00 UTC is 17:00 in China
    # Free text goes to the timeline's sealed reason, never to the event's facts.
    assert step.why == "地点：社区调解室；请双方携带房产证"
    assert step.facts == {"starts_at": at(2), "rescheduled": False, "previous_starts_at": None}
    assert dispute.state == State.IN_MEDIATION


def test_the_community_police_officer_may_schedule_but_a_legal_adviser_may_not_arts_20_23() -> None:
    dispute = accepted()
    dispute.take(schedule(), POLICE, at(1))
    assert dispute.scheduled_session is not None
    refused("role", accepted(), schedule(), ADVISER)
    assert c.ScheduleSession in dispute_steps(accepted(), MEDIATOR)
    assert c.ScheduleSession not in dispute_steps(accepted(), ADVISER)


def test_a_start_in_the_past_is_refused_on_its_field() -> None:
    error = refused("past", accepted(), schedule(1, hours=-1), now=at(1))
    assert error.field == "starts_at"
    assert error.zh == "调解时间不能早于当前时间。"
    assert error.en == "A session is scheduled in the future."
    # A start typed to the minute, a few seconds behind the clock, is taken.
    accepted().take(c.ScheduleSession(at(1), "调解室"), MEDIATOR, at(1) + timedelta(seconds=30))


def test_a_start_after_the_one_month_limit_is_refused_unless_extended_moj_2002_art_33() -> None:
    dispute = accepted()
    due = dispute.due_at
    assert due is not None  # 2026-02-28 09:00 UTC: the same day next month, or its last
    error = refused(
        "after-time-limit", dispute, c.ScheduleSession(due + timedelta(minutes=1), "调解室")
    )
    assert error.field == "starts_at"
    assert "2026-02-28 17:00" in error.zh and "第三十三条" in error.zh
    assert "MoJ 2002 art. 33" in error.en
    dispute.take(c.ScheduleSession(due, "调解室"), MEDIATOR, at(1))  # the limit itself is in
    consents = (Consent("张三", at(20)), Consent("李四", at(20)))
    dispute.take(c.ExtendTimeLimit(due + timedelta(days=15), consents, "需鉴定"), MEDIATOR, at(20))
    dispute.take(c.ScheduleSession(due + timedelta(days=10), "调解室"), MEDIATOR, at(21))
    assert dispute.scheduled_session is not None
    assert dispute.scheduled_session.starts_at == due + timedelta(days=10)


def test_nothing_is_scheduled_once_the_time_limit_has_passed_moj_2002_art_33() -> None:
    dispute = accepted()
    refused("time-limit-passed", dispute, schedule(40), now=at(30))


def test_an_empty_place_is_refused_on_its_field() -> None:
    assert refused("place", accepted(), schedule(place="  ")).field == "place"


def test_scheduling_only_while_mediating() -> None:
    refused("wrong-state", Dispute("case-9", handler_id="med-1"), schedule())
    refused("wrong-state", effective(), schedule(5), now=at(4))


def test_scheduling_again_reschedules_and_says_so() -> None:
    dispute = accepted()
    dispute.take(schedule(2), MEDIATOR, at(1))
    step = dispute.take(schedule(3, place="村委会"), MEDIATOR, at(1, 1))
    assert dispute.scheduled_session is not None
    assert (dispute.scheduled_session.starts_at, dispute.scheduled_session.place) == (
        at(3),
        "村委会",
    )
    assert step.what == "调解改期：原定 2026-02-02 17:00，改为 2026-02-03 17:00"
    assert step.facts["rescheduled"] is True and step.facts["previous_starts_at"] == at(2)


def test_recording_a_session_clears_the_scheduled_one_art_27() -> None:
    dispute = accepted()
    dispute.take(schedule(2), MEDIATOR, at(1))
    dispute.take(session_cmd(), MEDIATOR, at(2, 3))
    assert dispute.scheduled_session is None
    assert agenda.next_action(dispute) == agenda.Agenda(agenda.MEDIATE, dispute.due_at)


def test_leaving_mediation_drops_a_pending_session() -> None:
    dispute = accepted()
    dispute.take(schedule(5), MEDIATOR, at(1))
    dispute.take(draft_cmd(), MEDIATOR, at(2))
    assert dispute.state == State.AWAITING_SIGNATURES and dispute.scheduled_session is None


def test_the_agenda_waits_for_the_session_at_its_start() -> None:
    dispute = accepted()
    dispute.take(schedule(2, hours=5), MEDIATOR, at(1))
    assert agenda.next_action(dispute) == agenda.Agenda(agenda.SESSION, at(2, 5))


def test_a_session_whose_start_passed_unrecorded_is_overdue_and_asks_for_its_record() -> None:
    dispute = accepted()
    dispute.take(schedule(2), MEDIATOR, at(1))
    item = agenda.next_action(dispute)
    assert item is not None
    later = at(2, 1)
    code = agenda.bucket(item.due_at, later)
    assert code == agenda.OVERDUE
    assert agenda.as_seen(item.action, code) == agenda.RECORD_SESSION
    before = at(2, -1)
    code = agenda.bucket(item.due_at, before)
    assert code == agenda.TODAY
    assert agenda.as_seen(item.action, code) == agenda.SESSION
    assert agenda.as_seen(agenda.MEDIATE, agenda.OVERDUE) == agenda.MEDIATE


def test_the_scheduled_session_is_kept_in_the_file_and_older_files_still_open() -> None:
    dispute = accepted()
    dispute.take(schedule(2, note="备注"), MEDIATOR, at(1))
    assert opened(sealed(dispute, KEYS), KEYS) == dispute
    older = dump(replace(dispute, scheduled_session=None))
    del older["scheduled_session"]  # a file written before sessions were scheduled
    back = opened(older, KEYS)
    assert back.scheduled_session is None and back.state == State.IN_MEDIATION


def test_a_session_recorded_without_scheduling_changes_nothing_else() -> None:
    dispute = accepted()
    dispute.take(session_cmd(outcome=SessionOutcome.CONTINUE), MEDIATOR, at(2, 3))
    assert dispute.scheduled_session is None and len(dispute.sessions) == 1


def test_a_start_must_be_at_a_known_offset() -> None:
    """The HTTP body takes aware times only (``AwareDatetime``): the rules compare the
    start with the clock."""
    try:
        SessionScheduleIn.model_validate({"starts_at": "2026-12-03T10:00", "place": "调解室"})
    except ValidationError as exc:
        assert exc.errors()[0]["loc"] == ("starts_at",)
    else:  # pragma: no cover - the assertion is the test
        raise AssertionError("a naive time was taken")
    body = SessionScheduleIn.model_validate(
        {"starts_at": "2026-12-03T10:00+08:00", "place": "调解室"}
    )
    assert body.command() == c.ScheduleSession(
        datetime(2026, 12, 3, 2, 0, tzinfo=UTC), "调解室", ""
    )
