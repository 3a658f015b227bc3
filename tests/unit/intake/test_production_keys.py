"""Intake refuses to start outside development with the development Open311 key, as the
shared settings refuse the placeholder secret and personal-data keys."""

from __future__ import annotations

import base64

import pytest

from services.intake.bootstrap import build_runtime
from services.intake.config import DEVELOPMENT_OPEN311_KEY, IntakeConfig
from shared.settings import Environment, GridcaseSettings

REAL_PII_KEYS = "k1:" + base64.b64encode(b"r" * 32).decode()


def _settings(environment: Environment) -> GridcaseSettings:
    return GridcaseSettings(environment=environment, secret_key="s" * 40, pii_keys=REAL_PII_KEYS)


@pytest.mark.parametrize("environment", [Environment.PRODUCTION, Environment.STAGING])
def test_the_development_open311_key_is_refused_at_start_outside_development(
    environment: Environment,
) -> None:
    with pytest.raises(ValueError, match="GRIDCASE_INTAKE_OPEN311_API_KEYS"):
        build_runtime(_settings(environment), IntakeConfig())
    # Also when listed beside a real key: it would still be accepted.
    with pytest.raises(ValueError, match="GRIDCASE_INTAKE_OPEN311_API_KEYS"):
        build_runtime(
            _settings(environment),
            IntakeConfig(open311_api_keys=f"centre-{'x' * 24},{DEVELOPMENT_OPEN311_KEY}"),
        )


def test_production_starts_with_real_open311_keys() -> None:
    runtime = build_runtime(
        _settings(Environment.PRODUCTION), IntakeConfig(open311_api_keys="centre-" + "x" * 24)
    )
    assert runtime.name == "intake"


def test_development_keeps_the_development_open311_key() -> None:
    runtime = build_runtime(GridcaseSettings(environment=Environment.DEVELOPMENT), IntakeConfig())
    assert runtime.name == "intake"
