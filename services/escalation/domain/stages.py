"""Which case-work step opens, stops, moves or pauses which clock: data, keyed by the
case's kind and the step's name (the ``step`` of mediation's case-work events).

A step's facts are named by the event's field names (``start``, ``due``, ``per``,
``when``), so a new kind of case plugs in by adding its steps here; the service layer
reads those fields off the event.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Open:
    stage: str
    start: str = "occurred_at"  # the field with the instant the clock starts
    due: str | None = None  # a field naming the due time (a datetime, or a date)
    cap: bool = False  # the named due time is an outer bound, not the due time
    per: str | None = None  # a field telling several clocks of the stage apart
    when: str | None = None  # a field that must be set for the step to count


@dataclass(frozen=True)
class Stop:
    stage: str
    earliest_only: bool = False  # stop the earliest open clock of the stage only
    when: str | None = None


@dataclass(frozen=True)
class Extend:
    """The due time moved to the step's ``due`` field."""

    stage: str
    due: str = "due_at"
    when: str | None = None


@dataclass(frozen=True)
class Pause:
    stage: str
    when: str | None = None


@dataclass(frozen=True)
class Resume:
    stage: str
    when: str | None = None


Effect = Open | Stop | Extend | Pause | Resume

# Everything but follow-ups ends with the file closed; everything ends with it archived.
_CLOSING = (Stop("accept"), Stop("mediate"), Stop("handle"), Stop("verify"))
_ALL = (*_CLOSING, Stop("confirm"), Stop("follow_up"))

DISPUTE_STEPS: dict[str, tuple[Effect, ...]] = {
    # 受理 stops the accept clock and starts the one-month limit (MoJ 2002 art. 33):
    # mediation names that month in ``due_at``; a district's shorter row applies first.
    "accepted": (Stop("accept"), Open("mediate", start="accepted_at", due="due_at", cap=True)),
    "declined": (Stop("accept"),),
    # An agreement takes effect when the last signature completes it (art. 29): the
    # month stops, the 30 calendar days to apply for judicial confirmation start (art. 33).
    "agreement-signed": (
        Stop("mediate", when="effective_at"),
        Open("confirm", start="effective_at", due="confirmation_window_ends", when="effective_at"),
    ),
    # An oral agreement (art. 30) is effective when reached; there is no signed
    # agreement to take to a court, so no confirmation window opens.
    "oral-agreement-recorded": (Stop("mediate"),),
    "terminated": (Stop("mediate"),),
    "time-limit-extended": (Extend("mediate"),),
    "confirmation-applied": (Stop("confirm"),),
    "follow-up-scheduled": (Open("follow_up", due="due_on", per="due_on"),),
    "follow-up-recorded": (Stop("follow_up", earliest_only=True),),
    "closed": _CLOSING,
    "archived": _ALL,
}

# Situation reports (受理 → 办理 → 反馈 → 验证 → 结案; DOMAIN.md "Case work"), by the step
# names of mediation's report events: a return (回退) opens a new handling clock, a
# handover (转办) a new accept clock for the unit routing assigns next.
REPORT_STEPS: dict[str, tuple[Effect, ...]] = {
    "report-accepted": (Stop("accept"), Open("handle", per="occurred_at")),
    "report-feedback-given": (Stop("handle"), Open("verify", per="occurred_at")),
    "report-returned": (Stop("verify"), Open("handle", per="occurred_at")),
    "report-verified": (Stop("verify"),),
    "report-handed-over": (Stop("handle"), Stop("verify"), Open("accept", per="occurred_at")),
    "report-closed": _ALL,
}

STEPS: dict[str, dict[str, tuple[Effect, ...]]] = {
    "dispute": DISPUTE_STEPS,
    "report": REPORT_STEPS,
}


def effects_of(kind: str, step: str) -> tuple[Effect, ...]:
    return STEPS.get(kind, {}).get(step, ())


# The stages a unit works itself (受理, 办理, 验证): when the case moves up or down the
# tree (上报, 交办; DOMAIN.md "Time limits and supervision"), their open clocks stop and
# start again at the receiving unit, with its level's limits, from the moment it
# receives the case. The mediation month (MoJ 2002 art. 33) and the windows the case
# names (judicial confirmation, follow-ups) keep running: a new level does not buy time.
RESTART_ON_MOVE = frozenset({"accept", "handle", "verify"})
# ``case.assigned`` triggers that move a case to another level of the tree.
MOVES_LEVEL = frozenset({"escalation", "handed_down"})
