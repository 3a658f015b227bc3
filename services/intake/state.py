"""What intake's routes and consumers share in one process, built by ``bootstrap``."""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.adapters.storage import BlobStore
from services.intake.config import IntakeConfig
from services.intake.service_layer.batching import SubmissionBatcher
from services.intake.service_layer.reference import ReferenceCache
from shared.http.ratelimit import SharedRateLimiter
from shared.privacy.crypto import KeyRing
from shared.runtime import ServiceRuntime


@dataclass
class IntakeState:
    config: IntakeConfig
    # The registry mirror and category dictionary, cached; consumers invalidate it.
    reference: ReferenceCache
    # Residents' submissions per client address, counted across processes.
    rate_limiter: SharedRateLimiter
    blobs: BlobStore
    # Parties' and reporters' personal data is encrypted with these before storage.
    pii_keys: KeyRing
    # The group-commit writer; None when ``group_commit_max`` is 0 (each alone).
    submission_batcher: SubmissionBatcher | None = None


IntakeRuntime = ServiceRuntime[IntakeState]
