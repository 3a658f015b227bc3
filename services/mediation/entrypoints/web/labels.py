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
