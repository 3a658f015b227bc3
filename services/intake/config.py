"""Intake's own settings (prefix ``GRIDCASE_INTAKE_``), beside the shared ones."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import Environment

# Accepted in development and tests so that demos work; refused anywhere else.
DEVELOPMENT_OPEN311_KEY = "dev-open311-key"


class IntakeConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDCASE_INTAKE_", extra="ignore")

    # Where attachments are stored (content-addressed); default: <state_dir>/attachments.
    attachments_dir: str = ""
    # A report of the same category this close to an open case, this soon after it,
    # is linked to that case instead of opening a new one. Practice: configurable.
    duplicate_radius_m: float = Field(default=100.0, ge=0)
    duplicate_window_h: float = Field(default=24.0, ge=0)
    # Resident intake: requests per client address per minute, counted across every
    # intake process (shared.http.ratelimit).
    resident_rate_per_minute: int = Field(default=20, ge=1)
    # Keys are kept at least this long (the issue asks for 72 h).
    idempotency_ttl_h: int = Field(default=96, ge=72)
    # Comma-separated Open311 api_keys accepted for POST requests.
    open311_api_keys: str = DEVELOPMENT_OPEN311_KEY
    # Limits on request bodies: JSON, and attachment uploads.
    max_json_bytes: int = 256 * 1024
    max_upload_bytes: int = 21 * 1024 * 1024
    max_json_depth: int = 32
    # How long a process trusts its cached serving area before re-reading the mirror.
    area_cache_s: float = 5.0
    # Submissions that arrive together are written in one transaction (group commit,
    # ``service_layer/batching.py``), at most this many at once; 0 writes each alone.
    group_commit_max: int = Field(default=64, ge=0)

    def api_keys(self) -> set[str]:
        return {k.strip() for k in self.open311_api_keys.split(",") if k.strip()}

    def refuse_development_keys(self, environment: Environment) -> None:
        """Outside development and tests, the development Open311 key is refused at start,
        as ``shared.settings`` refuses the placeholder secret and personal-data keys."""
        if environment in (Environment.DEVELOPMENT, Environment.TEST):
            return
        if DEVELOPMENT_OPEN311_KEY in self.api_keys():
            raise ValueError(
                "GRIDCASE_INTAKE_OPEN311_API_KEYS holds the development key; set real keys "
                f"for GRIDCASE_ENVIRONMENT={environment}"
            )
