"""The roles a token can carry, and the groups routes allow.

Residents carry no token (they use tracking tokens on ``/public``); machine clients
(Open311 systems, the governance centre) carry role ``client`` and scopes.
"""

from __future__ import annotations

GRID_OFFICER = "grid_officer"
MEDIATOR = "mediator"
COMMUNITY_POLICE = "community_police"
LEGAL_ADVISER = "legal_adviser"
COMMUNITY_OPERATOR = "community_operator"
STREET_OPERATOR = "street_operator"
DISTRICT_OPERATOR = "district_operator"
ADMIN = "admin"
CLIENT = "client"

# Staff who handle cases assigned to them or to their committee's unit.
HANDLERS = frozenset({MEDIATOR, COMMUNITY_POLICE, LEGAL_ADVISER})
# Centre operators: everything under their unit (code prefix).
OPERATORS = frozenset({COMMUNITY_OPERATOR, STREET_OPERATOR, DISTRICT_OPERATOR})
STAFF = frozenset({GRID_OFFICER, ADMIN}) | HANDLERS | OPERATORS
ALL_TOKEN_ROLES = STAFF | {CLIENT}

# Who may see parties' full ID numbers, phones and addresses (each view is audited):
# the people who contact and mediate between the parties.
SEES_FULL_PERSONAL_DATA = HANDLERS

# Scopes a machine client may hold.
SCOPE_OPEN311 = "open311:submit"
SCOPE_REPORTS = "reports:submit"
SCOPE_CASES_READ = "cases:read"
SCOPES = frozenset({SCOPE_OPEN311, SCOPE_REPORTS, SCOPE_CASES_READ})


def operator_role_for(unit_code: str) -> str:
    """A centre operator's role follows the level of the unit they sit in."""
    return {6: DISTRICT_OPERATOR, 9: STREET_OPERATOR}.get(len(unit_code), COMMUNITY_OPERATOR)
