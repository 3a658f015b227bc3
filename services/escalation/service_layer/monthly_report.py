"""The monthly report's read model, fed strictly by events (issue 15 "From events only").

From the case topic (escalation's one case consumer): a dispute's submission (its area,
category, people band, major, and whether screening found it), its first assignment
(the area of a case filed without a grid), the committee's acceptance (受理), and the
close (调处, 成功 when the result is success). From the cycle topic: each screening
return (零报告 or the disputes found). Each fact is counted once per case, so a replay
from the beginning of the topics gives the same numbers; a batch is applied in phases
(submissions, assignments, acceptances, closes), which keeps each case's own order:
a case submitted in the batch is inserted with the batch's later facts already on it.
Handlers never commit: the consumer commits with its inbox rows.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from services.escalation.adapters.report_repository import CountKey, ReportRepository
from services.escalation.domain.monthly_report import (
    ReportPolicy,
    band_of,
    level_of,
    load_policies,
    month_of,
    month_of_period_key,
    policy_for,
)
from shared.db.unit_of_work import UnitOfWork
from shared.events.intake import CaseSubmittedV1, ScreeningReturnFiledV1
from shared.events.mediation import CaseWorkClosedV1, CaseWorkStepV1, DisputeAcceptedV1
from shared.events.routing import CaseAssignedV1

ReportEvent = CaseSubmittedV1 | CaseAssignedV1 | CaseWorkStepV1
T = TypeVar("T")


def _level(area_code: str) -> str:
    return level_of(area_code) or "grid"


# A once-per-case fact: its name in the counts, and its month and level columns.
_FACTS = (
    ("accepted", "accepted_month", "accepted_level"),
    ("mediated", "mediated_month", "closed_level"),
    ("succeeded", "succeeded_month", "closed_level"),
)
# How the fold sends them: the level a fact counts at (a case keeps the level of its
# first close; its success counts at the level of the close that succeeded).
_FACT_FIELDS = (
    ("accepted", "accepted_month", "accepted_level"),
    ("mediated", "mediated_month", "closed_level"),
    ("succeeded", "succeeded_month", "succeeded_level"),
)


class _Counts:
    def __init__(self) -> None:
        self.by_key: dict[CountKey, dict[str, int]] = {}

    def add(self, key: CountKey, name: str, n: int = 1) -> None:
        bucket = self.by_key.get(key)
        if bucket is None:
            self.by_key[key] = {name: n}
        else:
            bucket[name] = bucket.get(name, 0) + n

    def found(self, row: Mapping[str, Any]) -> None:
        """What is counted when the case is found: screened, major, its band."""
        area = row["area_code"]
        key = (area, row["found_month"], row["category"], _level(area))
        self.add(key, "screened", int(bool(row["screened"])))
        self.add(key, "major", int(bool(row["major"])))
        if row["band"]:
            self.add(key, row["band"])

    def placed(self, row: Mapping[str, Any]) -> None:
        """A case whose area became known: its found facts, and any fact recorded
        while the area was not known yet."""
        self.found(row)
        area, category = row["area_code"], row["category"]
        for name, month, level in _FACTS:
            if row.get(month):
                self.add((area, row[month], category, row[level]), name)

    async def write(self, repo: ReportRepository) -> None:
        await repo.add_counts(self.by_key)


async def wait_for_rebuild(uow: UnitOfWork) -> None:
    """First thing in a live consumer's transaction that folds into the report: waits
    while a rebuild (``entrypoints/report_rebuild.py``) holds the report tables, so that
    no fact reaches a case before the rebuild has inserted it again."""
    await ReportRepository(uow.connection).wait_for_rebuild()


async def apply_case_events(
    uow: UnitOfWork,
    events: Sequence[ReportEvent],
    policies: Mapping[str, ReportPolicy] | None = None,
) -> None:
    """Fold a batch of case events into the report's counts (no commit).

    One statement whatever the batch holds: the new cases, with the batch's own facts
    applied before they are inserted, the facts of cases already there, and the counts
    those bring (a replayed submission adds one, for its case's facts). A fact is
    counted at the month and level of the event that brought it once its case's area is
    known (then, or when the area becomes known)."""
    policies = load_policies() if policies is None else policies
    repo = ReportRepository(uow.connection)
    new_cases: dict[str, dict[str, Any]] = {}
    first_unit: dict[str, str] = {}
    facts: dict[str, dict[str, tuple[str, str]]] = {name: {} for name, _, _ in _FACTS}
    accepted, closed, succeeded = facts["accepted"], facts["mediated"], facts["succeeded"]
    # Dispatch on the type's name: isinstance on pydantic models (ABCMeta) is the
    # slowest part of the fold at rebuild rates.
    submitted_type, assigned_type = CaseSubmittedV1.event_type, CaseAssignedV1.event_type
    accepted_type, closed_type = DisputeAcceptedV1.event_type, CaseWorkClosedV1.event_type
    for event in events:
        kind = event.event_type
        if kind == submitted_type:
            sub = cast(CaseSubmittedV1, event)
            if sub.kind == "dispute" and sub.case_id not in new_cases:
                new_cases[sub.case_id] = _case_row(sub, policies)
        elif kind == assigned_type:
            first_unit.setdefault(event.case_id, cast(CaseAssignedV1, event).unit_code)
        elif kind == accepted_type:
            accepted.setdefault(event.case_id, _step_at(cast(CaseWorkStepV1, event), policies))
        elif kind == closed_type:
            close = cast(CaseWorkClosedV1, event)
            if close.kind != "dispute":
                continue
            at = _step_at(close, policies)
            closed.setdefault(close.case_id, at)
            if close.result == "success":
                succeeded.setdefault(close.case_id, at)
    # New cases: the batch's assignment and facts applied in memory (what the update of
    # an existing case would do), so they need no second statement.
    for case_id, case in new_cases.items():
        if not case["area_code"] and case["screening_task_id"] is None and case_id in first_unit:
            case["area_code"] = first_unit[case_id]
        for name, month, level in _FACT_FIELDS:
            if case_id in facts[name]:
                case[month], case[level] = facts[name][case_id]
    # Cases already there (earlier batches), and the counts, in the same round trip.
    kept = await repo.fold_cases(
        list(new_cases.values()), _facts_of(first_unit, facts, skip=new_cases)
    )
    if kept:  # a replayed submission: the case is there, its batch's facts go to it
        kept_ids = set(kept)
        replayed = _facts_of(
            _only(first_unit, kept_ids), {n: _only(f, kept_ids) for n, f in facts.items()}, skip=()
        )
        await repo.fold_cases([], replayed)


def _only(by_case: Mapping[str, T], cases: Container[str]) -> dict[str, T]:
    return {k: v for k, v in by_case.items() if k in cases}


def _facts_of(
    first_unit: Mapping[str, str],
    facts: Mapping[str, Mapping[str, tuple[str, str]]],
    skip: Container[str],
) -> list[dict[str, Any]]:
    """Per case not in ``skip``: the unit of its first assignment and its facts (the
    month and level each counts at), as the repository records them on an existing
    case."""
    out: dict[str, dict[str, Any]] = {
        case_id: {"case_id": case_id, "unit": unit}
        for case_id, unit in first_unit.items()
        if case_id not in skip
    }
    for name, month, level in _FACT_FIELDS:
        for case_id, (at_month, at_level) in facts[name].items():
            if case_id not in skip:
                fact = out.setdefault(case_id, {"case_id": case_id})
                fact[month], fact[level] = at_month, at_level
    return list(out.values())


def _case_row(event: CaseSubmittedV1, policies: Mapping[str, ReportPolicy]) -> dict[str, Any]:
    area = event.grid_code or ""
    policy = policy_for(area or "default", policies)
    return {
        "case_id": event.case_id,
        "area_code": area,
        "category": event.category,
        "band": band_of(event.people_involved),
        "major": policy.is_major(event.people_involved, event.risk_signals),
        "screened": event.screening_task_id is not None,
        "found_month": month_of(event.submitted_at, policy.zone),
        "screening_task_id": event.screening_task_id,
    }


def _step_at(event: CaseWorkStepV1, policies: Mapping[str, ReportPolicy]) -> tuple[str, str]:
    """The month a step happened in and the level of the unit that took it."""
    unit = event.unit_code or ""
    policy = policy_for(unit or "default", policies)
    return month_of(event.occurred_at, policy.zone), level_of(unit) or "unknown"


async def apply_return_filed(
    uow: UnitOfWork,
    filed: ScreeningReturnFiledV1,
    policies: Mapping[str, ReportPolicy] | None = None,
) -> None:
    """A return counts in its period's month (else the month it was filed in); it gives
    its grid to the disputes it found (a case found in screening carries its task)."""
    policies = load_policies() if policies is None else policies
    month = month_of_period_key(filed.period_key) or month_of(
        filed.filed_at, policy_for(filed.grid_code, policies).zone
    )
    repo = ReportRepository(uow.connection)
    await repo.add_return(
        {
            "task_id": filed.task_id,
            "grid_code": filed.grid_code,
            "month": month,
            "nil_report": filed.nil_report,
        }
    )
    # The disputes it found that arrived before it take its grid now.
    counts = _Counts()
    for row in await repo.place_by_task(filed.task_id, filed.grid_code):
        counts.placed(row)
    await counts.write(repo)


def report_events(events: Iterable[object]) -> list[ReportEvent]:
    """The events of a case batch the report reads."""
    return [e for e in events if isinstance(e, CaseSubmittedV1 | CaseAssignedV1 | CaseWorkStepV1)]
