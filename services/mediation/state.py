"""What mediation's routes and tasks share in one process, built by ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from shared.privacy.crypto import KeyRing
from shared.runtime import ServiceRuntime


@dataclass
class MediationState:
    # Parties' details in case files are sealed with the same key ring as intake's.
    pii_keys: KeyRing


MediationRuntime = ServiceRuntime[MediationState]
