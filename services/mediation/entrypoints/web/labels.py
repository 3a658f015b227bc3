"""Names the pages show for codes (statuses, roles, kinds, unit levels), as messages of
the gettext catalogues: translated where they are shown.

A new case status needs its message here (and in the catalogues) before it shows; a
code without one is shown as the code itself.
"""

from __future__ import annotations

from services.mediation.entrypoints.web.i18n import N_

STATUSES = {
    "submitted": N_("Awaiting assignment"),
    "assigned": N_("Assigned"),
}
# Statuses after which a case no longer counts as open on the overview and grid map.
FINISHED_STATUSES = frozenset({"closed", "archived", "terminated", "declined"})

ROLES = {
    "grid_officer": N_("Grid officer"),
    "mediator": N_("People's mediator"),
    "community_police": N_("Community police officer"),
    "legal_adviser": N_("Legal adviser"),
    "community_operator": N_("Community centre operator"),
    "street_operator": N_("Street centre operator"),
    "district_operator": N_("District centre operator"),
    "admin": N_("Administrator"),
    # The timeline's actor for what escalation's time-limit clocks did.
    "system": N_("Time-limit clock"),
}

KINDS = {"report": N_("Situation report"), "dispute": N_("Dispute")}

LEVELS = {
    "district": N_("District"),
    "street": N_("Street"),
    "community": N_("Community"),
    "grid": N_("Grid"),
}

SORTS = {
    "-submitted": N_("Newest first"),
    "submitted": N_("Oldest first"),
    "-assigned": N_("Recently assigned"),
    "number": N_("Case number"),
    "status": N_("Status"),
}

# A case file's state, disputes then reports (the domain's LABELS_ZH are the Chinese).
DISPUTE_STATES = {
    "new": N_("Awaiting acceptance"),
    "declined": N_("Declined"),
    "in_mediation": N_("In mediation"),
    "awaiting_signatures": N_("Agreement awaiting signatures"),
    "agreement_effective": N_("Agreement in effect"),
    "terminated": N_("Mediation terminated"),
    "closed": N_("Closed"),
    "archived": N_("Archived"),
}
REPORT_STATES = {
    "new": N_("Awaiting acceptance"),
    "handling": N_("Being handled"),
    "awaiting_verification": N_("Awaiting verification"),
    "verified": N_("Verified, awaiting closing"),
    "closed": N_("Closed"),
}

# The timeline's step types; decisions stand out, records are folded under them.
STEPS = {
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "mediator-refused": N_("Mediator refused or recused"),
    "mediator-chosen": N_("Mediator chosen"),
    "session-scheduled": N_("Session scheduled"),
    "session-recorded": N_("Mediation session"),
    "investigation-recorded": N_("Investigation"),
    "agreement-drafted": N_("Agreement drafted"),
    "agreement-reviewed": N_("Legal review"),
    "agreement-signed": N_("Signature"),
    "oral-agreement-recorded": N_("Oral agreement"),
    "confirmation-applied": N_("Judicial confirmation applied for"),
    "confirmation-decided": N_("Judicial confirmation ruling"),
    "follow-up-scheduled": N_("Follow-up scheduled"),
    "performance-recorded": N_("Performance"),
    "follow-up-recorded": N_("Follow-up visit"),
    "terminated": N_("Terminated"),
    "referred-to-police": N_("Reported to the police"),
    "time-limit-extended": N_("Time limit extended"),
    "closed": N_("Closed"),
    "archived": N_("Archived"),
    "report-accepted": N_("Accepted"),
    "report-action-recorded": N_("Action"),
    "report-feedback-given": N_("Feedback"),
    "report-verified": N_("Verified"),
    "report-returned": N_("Sent back"),
    "report-handed-over": N_("Handed over"),
    "report-closed": N_("Closed"),
    "clock-warned": N_("Time limit near"),
    "yellow-card": N_("Yellow card"),
    "red-card": N_("Red card"),
    "extension-requested": N_("Extension requested"),
    "extension-decided": N_("Extension decided"),
    "supervision-issued": N_("Supervision issued"),
    "supervision-answered": N_("Supervision answered"),
    "supervision-cancelled": N_("Supervision withdrawn"),
    "supervision-answer-overdue": N_("Supervision answer overdue"),
    "case-escalated": N_("Escalated up the tree"),
    "note-added": N_("Note"),
    "handed-to-colleague": N_("Handed over within the committee"),
}
DECISIONS = frozenset(
    {
        "accepted",
        "declined",
        "agreement-signed",
        "oral-agreement-recorded",
        "confirmation-decided",
        "terminated",
        "referred-to-police",
        "time-limit-extended",
        "closed",
        "archived",
        "report-accepted",
        "report-verified",
        "report-returned",
        "report-handed-over",
        "report-closed",
        # Cards stand out like decisions: someone is late.
        "yellow-card",
        "red-card",
        "extension-decided",
        "supervision-issued",
        "supervision-answer-overdue",
        "case-escalated",
    }
)

# What a case waits for on "my work" (``domain/agenda.py``).
ACTIONS = {
    "accept": N_("To accept"),
    "mediate": N_("Mediate within the time limit"),
    "signatures": N_("Agreement awaiting signatures"),
    "confirmation-window": N_("Judicial confirmation window closing"),
    "follow-up": N_("Follow-up visit due"),
    "session": N_("Session"),
    "record-session": N_("Record the session"),
    "close": N_("To close"),
    "archive": N_("To archive"),
    "handle": N_("To handle"),
    "verify": N_("To verify"),
    "answer-supervision": N_("Supervision to answer"),
    "review-agreement": N_("Agreement to review"),
}
BUCKETS = {
    "overdue": N_("Overdue"),
    "today": N_("Due today"),
    "tomorrow": N_("Due next working day"),
    "this-week": N_("Due this week"),
    "later": N_("Due later"),
    "no-deadline": N_("No deadline set"),
}
# The case list's deadline filter: the buckets above that narrow a list.
DEADLINE_FILTERS = {
    code: BUCKETS[code] for code in ("overdue", "today", "tomorrow", "this-week", "later")
}

# Escalation's clocks (``domain/clocks.py``): the card a case carries, and each clock's
# stage.
CARDS = {"yellow": N_("Yellow card"), "red": N_("Red card")}
CLOCK_STAGES = {
    "accept": N_("Acceptance"),
    "mediate": N_("Mediation"),
    "confirm": N_("Judicial confirmation application"),
    "follow_up": N_("Follow-up visit"),
    "handle": N_("Handling"),
    "verify": N_("Verification"),
    "answer": N_("Answer to supervision"),
}
NOTICES = {
    "warned": N_("Warning: due soon"),
    "yellow-card": N_("Yellow card issued"),
    "red-card": N_("Red card issued"),
}
SUPERVISION_LEVELS = {
    "normal": N_("Supervision"),
    "yellow_card": N_("Yellow-card supervision"),
    "red_card": N_("Red-card supervision"),
}

# The monthly report's states on the reports page (``domain/report_states.py``):
# 未报, 已报, 退回, 已接收, 逾期.
MONTHLY_REPORT_STATES = {
    "not_submitted": N_("Report not submitted"),
    "submitted": N_("Report submitted"),
    "returned": N_("Report returned"),
    "accepted": N_("Report accepted"),
    "missing": N_("Report overdue"),
}
# The report's figures and the time-limit rates it carries (escalation's
# ``domain/monthly_report.py`` and ``domain/rates.py``).
REPORT_FIGURES = {
    "screened": N_("Screened"),
    "mediated": N_("Mediated"),
    "succeeded": N_("Succeeded"),
}
REPORT_RATES = {
    "response": N_("Response rate"),
    "resolution": N_("Resolution rate"),
    "satisfaction": N_("Satisfaction rate"),
    "on_time_closure": N_("On-time closure rate"),
    "mediation_success": N_("Mediation success rate"),
}
