"""What mediation's routes and tasks share in one process, built by ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.mediation.adapters.assignment_notices import AssignmentListener
from services.mediation.adapters.documents.printer import Printer
from services.mediation.adapters.escalation_client import EscalationClient
from services.mediation.adapters.routing_client import RefreshExchanges, RoutingClient
from shared.privacy.crypto import KeyRing
from shared.runtime import ServiceRuntime


@dataclass
class MediationState:
    # Parties' details in case files are sealed with the same key ring as intake's.
    pii_keys: KeyRing
    # The dashboard signs in and reads routing's explanations through one pooled client.
    routing_client: RoutingClient
    # The reports page fetches escalation's exports server side, as the user.
    escalation_client: EscalationClient
    # One LISTEN connection per process for the live list (opened on first subscriber).
    assignment_listener: AssignmentListener
    # Refresh tokens exchanged recently, so parallel requests share one refresh.
    refresh_exchanges: RefreshExchanges = field(default_factory=RefreshExchanges)
    # Printed documents render off the event loop, one typst compilation at a time.
    printer: Printer = field(default_factory=Printer)


MediationRuntime = ServiceRuntime[MediationState]
