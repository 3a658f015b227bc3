"""Which steps a person may take on a case file now: the forms the case page offers.

The rules themselves stay in ``dispute.Dispute`` and ``situation_report.SituationReport``
(a step offered here may still be refused there, with the reason); this menu only
reads the state and the role the same way the rules do, so the page does not offer a
form its rules would refuse out of hand (``tests/unit/mediation/test_step_menu.py``
checks each offer against the state machines).
"""

from __future__ import annotations

from services.mediation.domain import commands as c
from services.mediation.domain import report_commands as rc
from services.mediation.domain.commands import Actor
from services.mediation.domain.dispute import MEDIATOR, WORKERS, Dispute, State
from services.mediation.domain.situation_report import (
    OPERATORS,
    ReportState,
    SituationReport,
)

LEGAL_ADVISER = "legal_adviser"
ONLY_MEDIATOR = frozenset({MEDIATOR})

# Step → (states it may be taken in, roles that may take it): People's Mediation Law
# articles as the methods of ``Dispute`` name them.
DISPUTE_STEPS: dict[type, tuple[frozenset[State], frozenset[str]]] = {
    c.Accept: (frozenset({State.NEW}), ONLY_MEDIATOR),  # arts. 17, 18
    c.Decline: (frozenset({State.NEW}), ONLY_MEDIATOR),  # art. 17; MoJ 2002 art. 22
    c.ReferToPolice: (  # art. 25
        frozenset({State.NEW, State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        ONLY_MEDIATOR,
    ),
    c.RecordInvestigation: (
        frozenset({State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        WORKERS,
    ),
    c.ScheduleSession: (frozenset({State.IN_MEDIATION}), WORKERS),  # MoJ 2002 art. 33
    c.RecordSession: (frozenset({State.IN_MEDIATION}), WORKERS),  # arts. 20, 23
    c.ChooseMediator: (  # art. 19
        frozenset({State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        ONLY_MEDIATOR,
    ),
    c.DraftWrittenAgreement: (  # arts. 28, 29
        frozenset({State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        ONLY_MEDIATOR,
    ),
    c.RecordOralAgreement: (frozenset({State.IN_MEDIATION}), WORKERS),  # arts. 28, 30
    c.ReviewAgreement: (frozenset({State.AWAITING_SIGNATURES}), frozenset({LEGAL_ADVISER})),
    c.SignAsParty: (frozenset({State.AWAITING_SIGNATURES}), ONLY_MEDIATOR),  # art. 29
    c.SignAsMediator: (frozenset({State.AWAITING_SIGNATURES}), ONLY_MEDIATOR),
    c.SealAgreement: (frozenset({State.AWAITING_SIGNATURES}), ONLY_MEDIATOR),
    c.ApplyForConfirmation: (frozenset({State.AGREEMENT_EFFECTIVE}), WORKERS),  # art. 33
    c.RecordConfirmation: (frozenset({State.AGREEMENT_EFFECTIVE}), WORKERS),
    c.ScheduleFollowUp: (frozenset({State.AGREEMENT_EFFECTIVE}), WORKERS),  # art. 31
    c.RecordPerformance: (frozenset({State.AGREEMENT_EFFECTIVE}), WORKERS),
    c.RecordFollowUp: (frozenset({State.AGREEMENT_EFFECTIVE}), WORKERS),  # arts. 31, 32
    c.ExtendTimeLimit: (  # MoJ 2002 art. 33
        frozenset({State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        ONLY_MEDIATOR,
    ),
    c.Terminate: (frozenset({State.IN_MEDIATION, State.AWAITING_SIGNATURES}), WORKERS),  # art. 26
    c.RefuseMediator: (  # arts. 19, 23
        frozenset({State.NEW, State.IN_MEDIATION, State.AWAITING_SIGNATURES}),
        WORKERS | {LEGAL_ADVISER},
    ),
    c.Close: (frozenset({State.AGREEMENT_EFFECTIVE, State.TERMINATED}), ONLY_MEDIATOR),
    c.Archive: (frozenset({State.CLOSED}), ONLY_MEDIATOR),  # art. 27
}


def dispute_steps(dispute: Dispute, actor: Actor) -> list[type]:
    """The steps ``actor`` may try on ``dispute`` now, in the order the page shows them."""
    if dispute.state == State.ARCHIVED or actor.staff_id in dispute.excluded:
        return []
    offered = [
        step
        for step, (states, roles) in DISPUTE_STEPS.items()
        if dispute.state in states and actor.role in roles
    ]
    agreement = dispute.written_agreement
    drop: set[type] = set()
    if agreement is not None:
        if agreement.signatures or agreement.mediator_signature or agreement.seal:
            drop.add(c.DraftWrittenAgreement)
        if not agreement.unsigned_parties():
            drop.add(c.SignAsParty)
        if agreement.mediator_signature is not None:
            drop.add(c.SignAsMediator)
        if agreement.seal is not None:
            drop.add(c.SealAgreement)
    if agreement is None or agreement.effective_at is None or dispute.confirmation_application:
        drop.add(c.ApplyForConfirmation)
    if dispute.confirmation_application is None or dispute.confirmation_decision is not None:
        drop.add(c.RecordConfirmation)
    return [step for step in offered if step not in drop]


# Grid management practice (DOMAIN.md "Case work"): the handler (or a centre operator
# over the unit) works the report; the reporter or a supervisor verifies it.
_HANDLER_STEPS: dict[type, frozenset[ReportState]] = {
    rc.AcceptReport: frozenset({ReportState.NEW}),
    rc.RecordAction: frozenset({ReportState.HANDLING}),
    rc.GiveFeedback: frozenset({ReportState.HANDLING}),
    rc.HandOver: frozenset({ReportState.NEW, ReportState.HANDLING}),
    rc.CloseReport: frozenset({ReportState.VERIFIED}),
}
_VERIFIER_STEPS = (rc.Verify, rc.SendBack)


def report_steps(report: SituationReport, actor: Actor) -> list[type]:
    """The steps ``actor`` may try on ``report`` now (处置与核查分离: whoever gave the
    last feedback is not offered verification)."""
    operator = actor.role in OPERATORS
    offered: list[type] = []
    if actor.staff_id == report.handler_id or operator:
        offered += [s for s, states in _HANDLER_STEPS.items() if report.state in states]
        if not report.actions and rc.GiveFeedback in offered:
            offered.remove(rc.GiveFeedback)
    verifier = actor.staff_id == report.reporter_id or operator
    gave_feedback = bool(report.feedback) and report.feedback[-1].by == actor.staff_id
    if report.state == ReportState.AWAITING_VERIFICATION and verifier and not gave_feedback:
        offered += list(_VERIFIER_STEPS)
    return offered


__all__ = ["DISPUTE_STEPS", "dispute_steps", "report_steps"]
