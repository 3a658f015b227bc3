"""Which case-work steps stop which time-limit clocks, as the escalation service applies
them (its ``domain/stages.py``), by the case's kind and the step's name: the stream
carries the cards a clock fired but not the moment it stopped, so the centre reads the
stop from the step itself. ``tests/unit/centre`` checks this table against
escalation's own, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stops:
    stage: str
    earliest_only: bool = False  # the earliest open clock of the stage only (follow-ups)
    when: str | None = None  # a field of the step that must be set for it to count


_CLOSING = (Stops("accept"), Stops("mediate"), Stops("handle"), Stops("verify"))
_ALL = (*_CLOSING, Stops("confirm"), Stops("follow_up"))

STOPS: dict[str, dict[str, tuple[Stops, ...]]] = {
    "dispute": {
        "accepted": (Stops("accept"),),  # 受理 (MoJ 2002 art. 33: the month starts)
        "declined": (Stops("accept"),),
        "agreement-signed": (Stops("mediate", when="effective_at"),),  # art. 29
        "oral-agreement-recorded": (Stops("mediate"),),  # art. 30
        "terminated": (Stops("mediate"),),  # art. 26
        "confirmation-applied": (Stops("confirm"),),  # art. 33
        "follow-up-recorded": (Stops("follow_up", earliest_only=True),),  # art. 31
        "closed": _CLOSING,
        "archived": _ALL,
    },
    "report": {
        "report-accepted": (Stops("accept"),),
        "report-feedback-given": (Stops("handle"),),
        "report-returned": (Stops("verify"),),
        "report-verified": (Stops("verify"),),
        "report-handed-over": (Stops("handle"), Stops("verify")),
        "report-closed": _ALL,
    },
}


# ``case.assigned`` triggers that move a case to another level of the tree, and the
# stages whose clocks then start again at the new unit (escalation's ``stages.py``).
MOVES_LEVEL = frozenset({"escalation", "handed_down"})
RESTART_ON_MOVE = ("accept", "handle", "verify")


def stops_of(kind: str, step: str) -> tuple[Stops, ...]:
    return STOPS.get(kind, {}).get(step, ())
