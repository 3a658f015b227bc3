"""The centre's event table: event type → payload model and what it changes in the
``Situation``. A new event type is one ``register`` line (or one entry found in the
catalogue, like the escalation decision); a type nobody registered is skipped and
counted, never fatal (a tolerant reader, as the AsyncAPI document asks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from gridcase.centre.clock_stops import MOVES_LEVEL, RESTART_ON_MOVE, stops_of
from gridcase.centre.situation import Clock, ClockStop, Situation, Supervision, Unit
from shared.events.envelope import CloudEvent
from shared.events.escalation import (
    CaseEscalatedV1,
    ClockNoticeV1,
    ClockWarnedV1,
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
from shared.events.mediation import BY_STEP, CaseWorkStepV1
from shared.events.payload import Payload
from shared.events.routing import CaseAssignedV1, UnitRemovedV1, UnitUpsertedV1

P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Handling:
    model: type[Payload]
    apply: Callable[[Situation, Any], None]


HANDLERS: dict[str, Handling] = {}

# Published types the situation view does not need: read past, counted as ``ignored``
# (not as unknown). A new type on a masked topic goes here or into ``HANDLERS``.
NOT_NEEDED: dict[str, str] = {
    "cn.gridcase.case.report-linked.v1": "a duplicate report joined an open case",
    "cn.gridcase.case.rated.v1": "satisfaction is the monthly report's, not the situation's",
    "cn.gridcase.case.note-added.v1": "a note changes neither state nor place",
    "cn.gridcase.case.handed-to-colleague.v1": "a request; the case.assigned that follows moves it",
    "cn.gridcase.registry.staff-upserted.v1": "the view is by unit, not by person",
    "cn.gridcase.registry.staff-removed.v1": "the view is by unit, not by person",
    "cn.gridcase.registry.routing-policy-changed.v1": "routing's rules, not a fact of a case",
    "cn.gridcase.cycle.extension-requested.v1": "a request moves no deadline until decided",
    "cn.gridcase.cycle.meeting-decision-recorded.v1": (
        "a meeting's decision acts through case-escalated and case.assigned"
    ),
    "cn.gridcase.cycle.meeting-held.v1": "the monthly cycle's record, not the situation",
    **{
        f"cn.gridcase.cycle.monthly-report-{step}.v1": "the monthly report's, not the situation's"
        for step in ("submitted", "returned", "accepted", "missing")
    },
}


def register(model: type[P], apply: Callable[[Situation, P], None]) -> None:
    HANDLERS[model.event_type] = Handling(model, apply)


def apply_event(situation: Situation, event: CloudEvent) -> None:
    """Fold one event in; unknown types are counted in ``skipped``, known types whose
    data does not read in ``invalid``."""
    handling = HANDLERS.get(event.type)
    if handling is None:
        if event.type in NOT_NEEDED:
            situation.ignored[event.type] += 1
        else:
            situation.skipped[event.type] += 1
        return
    try:
        payload = handling.model.read(event.data)
    except ValidationError:
        situation.invalid[event.type] += 1
        return
    handling.apply(situation, payload)


# --- the registry: the unit tree the view rolls up -----------------------------------


def _unit_upserted(s: Situation, p: UnitUpsertedV1) -> None:
    s.units[p.code] = Unit(p.code, p.name, p.level, p.parent_code)


def _unit_removed(s: Situation, p: UnitRemovedV1) -> None:
    s.units.pop(p.code, None)


register(UnitUpsertedV1, _unit_upserted)
register(UnitRemovedV1, _unit_removed)


# --- cases: submitted, assigned, worked ----------------------------------------------


def _submitted(s: Situation, p: CaseSubmittedV1) -> None:
    case = s.case(p.case_id)
    case.case_number = p.case_number
    case.kind = p.kind
    case.category = p.category
    case.risk_signals = tuple(p.risk_signals)
    case.people_involved = p.people_involved
    case.submitted_at = p.submitted_at


def _assigned(s: Situation, p: CaseAssignedV1) -> None:
    case = s.case(p.case_id)
    if p.trigger == "escalation":
        escalation = s.escalation(p.case_id, p.unit_code)
        escalation.from_unit_code = escalation.from_unit_code or case.unit_code
        escalation.to_level = escalation.to_level or p.unit_level
        escalation.reason = escalation.reason or p.trigger_reason
        escalation.at = escalation.at or p.assigned_at
    if p.trigger in MOVES_LEVEL:
        # Escalation restarts these stages at the new unit (its ``RESTART_ON_MOVE``).
        for stage in RESTART_ON_MOVE:
            s.stops.append(ClockStop(p.case_id, stage, p.assigned_at, False, True))
    case.unit_code, case.unit_name, case.assigned = p.unit_code, p.unit_name, True


def _step(s: Situation, p: CaseWorkStepV1) -> None:
    case = s.case(p.case_id)
    case.kind = case.kind or p.kind
    case.state = p.state
    if case.unit_code is None:
        case.unit_code = p.unit_code
    for stop in stops_of(p.kind, p.step):
        if stop.when is None or getattr(p, stop.when, None) is not None:
            s.stops.append(ClockStop(p.case_id, stop.stage, p.occurred_at, stop.earliest_only))


register(CaseSubmittedV1, _submitted)
register(CaseAssignedV1, _assigned)
for _model in BY_STEP.values():
    register(_model, _step)


# --- clocks: warnings and cards ------------------------------------------------------


def _card(name: str) -> Callable[[Situation, ClockNoticeV1], None]:
    def apply(s: Situation, p: ClockNoticeV1) -> None:
        clock = s.clocks.get(p.clock_id)
        if clock is None:
            clock = s.clocks[p.clock_id] = Clock(
                p.clock_id,
                p.case_id,
                p.stage,
                p.unit_code,
                p.started_at,
                p.due_at,
                p.yellow_at,
                p.red_at,
            )
        clock.cards.add(name)
        clock.unit_code = p.unit_code  # clocks follow the case to its new unit
        if clock.last_fired_at is None or p.fired_at > clock.last_fired_at:
            clock.last_fired_at = p.fired_at

    return apply


register(ClockWarnedV1, _card("warning"))
register(YellowCardIssuedV1, _card("yellow"))
register(RedCardIssuedV1, _card("red"))


# --- screening (排查): tasks, returns, missing returns -------------------------------


def _task_opened(s: Situation, p: ScreeningTaskOpenedV1) -> None:
    task = s.task(p.task_id, p.grid_code)
    task.opened, task.grid_name = True, p.grid_name
    task.period_key, task.due_at = p.period_key, p.due_at


def _return_missing(s: Situation, p: ScreeningReturnMissingV1) -> None:
    task = s.task(p.task_id, p.grid_code)
    task.missing_flagged_at = p.flagged_at
    task.escalated_to = p.escalated_to_unit_code
    task.period_key, task.due_at = task.period_key or p.period_key, task.due_at or p.due_at


def _return_filed(s: Situation, p: ScreeningReturnFiledV1) -> None:
    task = s.task(p.task_id, p.grid_code)
    task.filed_at, task.nil_report = p.filed_at, p.nil_report
    task.period_key = task.period_key or p.period_key


register(ScreeningTaskOpenedV1, _task_opened)
register(ScreeningReturnMissingV1, _return_missing)
register(ScreeningReturnFiledV1, _return_filed)


# --- extensions (延期): an approval moves a clock's deadlines (fired cards stay) --------


def _extension_decided(s: Situation, p: ExtensionDecidedV1) -> None:
    clock = s.clocks.get(p.clock_id)
    if clock is not None and p.decision == "approved":
        clock.due_at, clock.yellow_at, clock.red_at = p.due_at, p.yellow_at, p.red_at


register(ExtensionDecidedV1, _extension_decided)


# --- supervision (督办): open until answered or cancelled ----------------------------
# The answer owed is a clock of its own (stage ``answer``): the answer or the
# cancellation stops it, as a case-work step stops the stages of ``clock_stops.py``.


def _supervision_issued(s: Situation, p: SupervisionIssuedV1) -> None:
    s.supervisions[p.supervision_id] = Supervision(
        p.supervision_id, p.case_id, p.level, p.unit_code, p.issued_at, p.answer_due_at
    )


def _supervision_answered(s: Situation, p: SupervisionAnsweredV1) -> None:
    if (supervision := s.supervisions.get(p.supervision_id)) is not None:
        supervision.answered_at = p.answered_at
    s.stops.append(ClockStop(p.case_id, "answer", p.answered_at, earliest_only=False))


def _supervision_cancelled(s: Situation, p: SupervisionCancelledV1) -> None:
    if (supervision := s.supervisions.get(p.supervision_id)) is not None:
        supervision.cancelled_at = p.cancelled_at
    s.stops.append(ClockStop(p.case_id, "answer", p.cancelled_at, earliest_only=False))


def _supervision_answer_overdue(s: Situation, p: SupervisionAnswerOverdueV1) -> None:
    if (supervision := s.supervisions.get(p.supervision_id)) is not None:
        supervision.answer_overdue_at = p.flagged_at


register(SupervisionIssuedV1, _supervision_issued)
register(SupervisionAnsweredV1, _supervision_answered)
register(SupervisionCancelledV1, _supervision_cancelled)
register(SupervisionAnswerOverdueV1, _supervision_answer_overdue)


# --- escalation up the tree: escalation's own decision (a red card, a meeting) -------


def _escalated(s: Situation, p: CaseEscalatedV1) -> None:
    """One entry with routing's assignment for the same move (``trigger = escalation``)."""
    escalation = s.escalation(p.case_id, p.to_unit_code)
    escalation.from_unit_code = p.from_unit_code
    escalation.to_level, escalation.reason = p.to_level, p.reason
    escalation.at = p.escalated_at


register(CaseEscalatedV1, _escalated)
