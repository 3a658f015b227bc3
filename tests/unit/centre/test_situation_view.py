"""The centre's view from events alone (pure: no Kafka here, the reader is covered by
tests/integration/test_centre_feed.py): roll-up by the registry's tree, status and
risk, cards stopped by the step that stops their stage whatever order the topics
deliver them in, escalations, missing returns, unknown types skipped and counted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from gridcase.centre import clock_stops
from gridcase.centre.handlers import HANDLERS, NOT_NEEDED, apply_event
from gridcase.centre.reader import CENTRE_TOPICS, CentreReader, RestrictedTopicRefused
from gridcase.centre.render import render
from gridcase.centre.situation import Situation
from gridcase.centre.view import build_view
from services.escalation.domain.stages import MOVES_LEVEL, RESTART_ON_MOVE, STEPS, Stop
from shared.events import topics
from shared.events.catalog import all_payloads, example_event, topic_of
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    CaseEscalatedV1,
    ExtensionDecidedV1,
    RedCardIssuedV1,
    ScreeningReturnMissingV1,
    ScreeningTaskOpenedV1,
    SupervisionAnsweredV1,
    SupervisionAnswerOverdueV1,
    SupervisionCancelledV1,
    SupervisionIssuedV1,
    YellowCardIssuedV1,
)
from shared.events.intake import CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.mediation import BY_STEP
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1, UnitUpsertedV1
from shared.events.topics import TopicNames

BJ = timezone(timedelta(hours=8))
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=BJ)
DISTRICT, STREET, COMMUNITY = "451102", "451102001", "451102001001"
GRID = COMMUNITY + "002"


def event(model: type[Payload], key: str, **fields: Any) -> CloudEvent:
    data = model.example_data() | fields
    payload = model.model_validate(data)
    return CloudEvent(
        source="/t", type=model.event_type, partitionkey=key, data=payload.model_dump(mode="json")
    )


def units() -> list[CloudEvent]:
    tree = [
        (DISTRICT, "八步区", "district", None),
        (STREET, "城东街道", "street", DISTRICT),
        (COMMUNITY, "东融社区", "community", STREET),
        (GRID, "东融社区第2网格", "grid", COMMUNITY),
    ]
    return [
        event(UnitUpsertedV1, code, code=code, name=name, level=level, parent_code=parent)
        for code, name, level, parent in tree
    ]


def submitted(case_id: str, risk: list[str] | None = None) -> CloudEvent:
    return event(
        CaseSubmittedV1, case_id, case_id=case_id, case_number=f"GC-{case_id}",
        risk_signals=risk or [], submitted_at=T0,
    )  # fmt: skip


def assigned(case_id: str, unit: str, level: str, **fields: Any) -> CloudEvent:
    return event(
        CaseAssignedV1, case_id, case_id=case_id, assignment_id=f"a-{case_id}-{unit}",
        unit_code=unit, unit_level=level, assigned_at=T0, **fields,
    )  # fmt: skip


def step(case_id: str, name: str, at: datetime, **fields: Any) -> CloudEvent:
    model = BY_STEP[name]
    return event(model, case_id, case_id=case_id, unit_code=COMMUNITY, occurred_at=at, **fields)


def card(
    model: type[Payload], case_id: str, clock_id: str, stage: str = "accept", unit: str = COMMUNITY
) -> CloudEvent:
    return event(
        model, case_id, clock_id=clock_id, case_id=case_id, stage=stage, unit_code=unit,
        started_at=T0, due_at=T0 + timedelta(days=1), yellow_at=T0 + timedelta(days=2),
        red_at=T0 + timedelta(days=3), fired_at=T0 + timedelta(days=3),
    )  # fmt: skip


def fold(events: list[CloudEvent]) -> Situation:
    situation = Situation()
    for e in events:
        apply_event(situation, e)
    return situation


def world() -> list[CloudEvent]:
    return [
        *units(),
        # c1: assigned to the grid, never accepted: yellow then red card.
        submitted("c1"),
        assigned("c1", GRID, "grid"),
        card(YellowCardIssuedV1, "c1", "k1", unit=GRID),
        card(RedCardIssuedV1, "c1", "k1", unit=GRID),
        # c2: 民转刑, accepted by the community after a yellow card: the card is lifted.
        submitted("c2", ["民转刑"]),
        assigned("c2", COMMUNITY, "community"),
        card(YellowCardIssuedV1, "c2", "k2"),
        step("c2", "accepted", T0 + timedelta(days=4)),
        # c3: closed.
        submitted("c3", ["群体性"]),
        assigned("c3", COMMUNITY, "community"),
        step("c3", "accepted", T0),
        step("c3", "closed", T0 + timedelta(days=1), state="closed"),
        # c4: escalated from the grid to the community by routing.
        submitted("c4"),
        assigned("c4", GRID, "grid"),
        assigned("c4", COMMUNITY, "community", trigger="escalation", trigger_reason="网格无法化解"),
        # c5: submitted, not yet routed.
        submitted("c5"),
        # Screening: one task filed nil, one missing, one missing then filed late.
        event(ScreeningTaskOpenedV1, "t1", task_id="t1", grid_code=GRID),
        event(ScreeningTaskOpenedV1, "t2", task_id="t2", grid_code=GRID),
        event(ScreeningTaskOpenedV1, "t3", task_id="t3", grid_code=GRID),
        event(
            ScreeningReturnFiledV1, "t1", task_id="t1", grid_code=GRID, nil_report=True, case_ids=[]
        ),
        event(ScreeningReturnMissingV1, "t2", task_id="t2", grid_code=GRID),
        event(ScreeningReturnMissingV1, "t3", task_id="t3", grid_code=GRID),
        event(
            ScreeningReturnFiledV1, "t3", task_id="t3", grid_code=GRID, nil_report=True, case_ids=[]
        ),
        # Something the centre does not know yet.
        CloudEvent(
            source="/t",
            type="cn.gridcase.cycle.not-yet-invented.v1",
            partitionkey="m",
            data={"meeting_id": "m"},
        ),
    ]


def test_open_cases_roll_up_the_registry_tree_with_status_and_risk() -> None:
    view = build_view(fold(world()))
    rows = {row.code: row for row in view.units}
    assert [r.code for r in view.units] == [DISTRICT, STREET, COMMUNITY, GRID]
    assert rows[GRID].open == 1 and rows[GRID].by_status == {"assigned": 1}
    assert rows[COMMUNITY].open == 3  # c1 under it, c2 and c4 at it; c3 is closed
    assert rows[DISTRICT].open == 3 and rows[DISTRICT].name == "八步区"
    assert rows[COMMUNITY].by_status == {"assigned": 2, "in_mediation": 1}
    assert rows[COMMUNITY].by_risk == {"normal": 2, "criminal": 1}
    assert view.unplaced_open == 1  # c5
    assert view.open_by_status == {"assigned": 2, "in_mediation": 1, "submitted": 1}
    # Every case by unit and routing's status, as mediation's case_counts keeps them.
    assert view.cases_by_unit == {
        "": {"submitted": 1},
        COMMUNITY: {"assigned": 3},
        GRID: {"assigned": 1},
    }


def test_a_card_counts_until_the_step_that_stops_its_stage_in_either_order() -> None:
    view = build_view(fold(world()))
    assert view.clocks == {"warned": 0, "yellow": 0, "red": 1}
    assert [(o.case_id, o.card, o.stage) for o in view.overdue] == [("c1", "red", "accept")]
    # The card arriving after the step that stopped its clock (another topic) is lifted too.
    late = fold(
        [step("c9", "accepted", T0 + timedelta(days=4)), card(YellowCardIssuedV1, "c9", "k9")]
    )
    assert build_view(late).clocks == {"warned": 0, "yellow": 0, "red": 0}
    # A step before the clock started does not stop it.
    early = fold(
        [step("c8", "accepted", T0 - timedelta(hours=1)), card(YellowCardIssuedV1, "c8", "k8")]
    )
    assert build_view(early).clocks["yellow"] == 1


def test_a_follow_up_record_stops_the_earliest_follow_up_clock_only() -> None:
    """People's Mediation Law art. 31: each follow-up visit answers one scheduled visit."""
    first = card(YellowCardIssuedV1, "f1", "early", stage="follow_up")
    second = card(YellowCardIssuedV1, "f1", "late", stage="follow_up")
    second.data["due_at"] = (T0 + timedelta(days=20)).isoformat()
    visit = step("f1", "follow-up-recorded", T0 + timedelta(days=5))
    view = build_view(fold([first, second, visit]))
    assert [o.clock_id for o in view.overdue] == ["late"]


def test_escalations_and_missing_returns() -> None:
    view = build_view(fold(world()))
    [escalation] = view.escalations
    assert (escalation.case_id, escalation.from_unit_code, escalation.to_unit_code) == (
        "c4", GRID, COMMUNITY,
    )  # fmt: skip
    assert (escalation.to_level, escalation.reason) == ("community", "网格无法化解")
    assert [m.task_id for m in view.missing_returns] == ["t2"]
    assert view.screening == {
        "opened": 3, "open": 0, "filed": 2, "nil_reports": 2, "filed_late": 1, "missing": 1,
    }  # fmt: skip
    assert {r.code: r.missing_returns for r in view.units}[GRID] == 1


def test_unknown_types_are_skipped_and_counted_and_bad_data_is_counted() -> None:
    broken = CloudEvent(source="/t", type=CaseSubmittedV1.event_type, partitionkey="x", data={})
    situation = fold([*world(), broken])
    view = build_view(situation)
    assert view.events["skipped_unknown_types"] == {"cn.gridcase.cycle.not-yet-invented.v1": 1}
    assert view.events["invalid"] == {CaseSubmittedV1.event_type: 1}


def test_a_unit_scope_keeps_that_unit_and_what_is_under_it() -> None:
    view = build_view(fold(world()), GRID)
    assert [r.code for r in view.units] == [GRID]
    assert view.open_by_status == {"assigned": 1}
    assert [o.case_id for o in view.overdue] == ["c1"]
    assert view.escalations[0].case_id == "c4"  # it left the grid
    assert view.unplaced_open == 0


def test_the_table_is_chinese_first() -> None:
    text = render(build_view(fold(world())))
    assert "综治中心态势" in text and "在办案件" in text and "红牌" in text
    assert "东融社区第2网格 451102001001002" in text
    assert "跳过未知类型 1 条" in text
    assert build_view(fold(world())).as_json()["overdue"][0]["card"] == "red"


def test_the_centre_never_reads_the_restricted_topic() -> None:
    assert topics.CASE_RESTRICTED not in CENTRE_TOPICS
    assert set(CENTRE_TOPICS) == {topics.CASE, topics.CYCLE, topics.REGISTRY}
    with pytest.raises(RestrictedTopicRefused):
        CentreReader("127.0.0.1:1", TopicNames("p."), (topics.CASE, topics.CASE_RESTRICTED))
    # Nor does it handle a restricted type, should one ever reach a masked topic.
    restricted = {p.event_type for p in all_payloads() if topic_of(p) == topics.CASE_RESTRICTED}
    assert restricted and not restricted & set(HANDLERS)


def test_the_centres_clock_stops_are_escalations_own() -> None:
    """``clock_stops.py`` mirrors escalation's ``domain/stages.py``: which step stops
    which stage (the stream does not say when a clock stopped)."""
    for kind, steps in STEPS.items():
        for name, effects in steps.items():
            theirs = {(e.stage, e.earliest_only, e.when) for e in effects if isinstance(e, Stop)}
            ours = {(s.stage, s.earliest_only, s.when) for s in clock_stops.stops_of(kind, name)}
            assert ours == theirs, (kind, name)
    for kind, ours_by_step in clock_stops.STOPS.items():
        for name in ours_by_step:
            assert name in STEPS[kind], (kind, name)
    # A move up or down the tree restarts the same stages (escalation up the tree).
    assert clock_stops.MOVES_LEVEL == MOVES_LEVEL
    assert set(clock_stops.RESTART_ON_MOVE) == RESTART_ON_MOVE


def test_every_published_type_on_the_masked_topics_is_handled_or_listed_as_ignored() -> None:
    """A new type on a masked topic is a decision: handle it in ``handlers.py`` or say
    there (``NOT_NEEDED``) that the situation view does not need it."""
    masked = {p.event_type for p in all_payloads() if topic_of(p) in CENTRE_TOPICS}
    assert masked - set(HANDLERS) - set(NOT_NEEDED) == set()
    assert not set(HANDLERS) & set(NOT_NEEDED)


@pytest.mark.parametrize(
    "model",
    [p for p in all_payloads() if p.event_type in HANDLERS],
    ids=lambda p: p.__name__,
)
def test_every_handled_type_reads_its_published_example_with_fields_added_later(
    model: type[Payload],
) -> None:
    """The AsyncAPI document's example, with a field a newer producer added: read, not
    counted as invalid (a tolerant reader)."""
    published = example_event(model)
    newer = published.model_copy(update={"data": {**published.data, "x_added_later": 1}})
    situation = fold([newer])
    assert not situation.invalid and not situation.skipped


def test_an_escalation_decision_and_routings_assignment_are_one_escalation() -> None:
    """``case-escalated`` (escalation's decision on a red card) and the assignment routing
    makes for it (``trigger = escalation``) describe one move up the tree."""
    decided = event(
        CaseEscalatedV1,
        "e1",
        case_id="e1",
        from_unit_code=GRID,
        from_level="grid",
        to_unit_code=COMMUNITY,
        to_level="community",
        escalated_at=T0 + timedelta(days=3),
    )
    situation = fold([submitted("e1"), assigned("e1", GRID, "grid"), decided])
    apply_event(
        situation,
        assigned("e1", COMMUNITY, "community", trigger="escalation", trigger_reason="上报"),
    )
    [escalation] = build_view(situation).escalations
    assert (escalation.from_unit_code, escalation.to_unit_code) == (GRID, COMMUNITY)
    assert (escalation.reason, escalation.at) == ("red_card", T0 + timedelta(days=3))
    assert "红牌自动上报" in render(build_view(situation))


def test_a_supervision_is_open_until_answered_and_the_answer_stops_its_clock() -> None:
    """督办 (DOMAIN.md "Time limits and supervision"): the answer owed is a clock of its own."""
    issued = event(
        SupervisionIssuedV1, "s1", supervision_id="v1", case_id="s1", unit_code=COMMUNITY
    )
    other = event(SupervisionIssuedV1, "s2", supervision_id="v2", case_id="s2", unit_code=GRID)
    owed = card(YellowCardIssuedV1, "s1", "answer-1", stage="answer")
    overdue = event(SupervisionAnswerOverdueV1, "s2", supervision_id="v2", case_id="s2")
    view = build_view(fold([*units(), issued, other, owed, overdue]))
    assert view.supervision == {"open": 2, "answer_overdue": 1}
    assert {r.code: r.supervised for r in view.units}[COMMUNITY] == 2
    assert [o.clock_id for o in view.overdue] == ["answer-1"]
    answered = event(
        SupervisionAnsweredV1, "s1", supervision_id="v1", case_id="s1",
        answered_at=T0 + timedelta(days=4),
    )  # fmt: skip
    cancelled = event(SupervisionCancelledV1, "s2", supervision_id="v2", case_id="s2")
    view = build_view(fold([*units(), issued, other, owed, overdue, answered, cancelled]))
    assert view.supervision == {"open": 0, "answer_overdue": 0}
    assert view.overdue == []


def test_an_approved_extension_moves_the_clocks_deadlines_and_keeps_its_cards() -> None:
    """延期: the level above approved more days; a card already issued stays issued."""
    yellow = card(YellowCardIssuedV1, "x1", "kx")
    later = T0 + timedelta(days=10)
    decided = event(
        ExtensionDecidedV1, "x1", case_id="x1", clock_id="kx", stage="accept",
        decision="approved", due_at=later, yellow_at=later, red_at=later + timedelta(days=1),
    )  # fmt: skip
    [item] = build_view(fold([yellow, decided])).overdue
    assert (item.card, item.due_at, item.red_at) == ("yellow", later, later + timedelta(days=1))
