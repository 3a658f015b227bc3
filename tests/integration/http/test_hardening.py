"""HTML pages carry strict security headers; API documentation is off in production.

The apps are built but not started: these answers need no database.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from gridcase.services import BY_NAME, SERVICES
from shared.runtime import ServiceRuntime
from shared.settings import Environment, GridcaseSettings

REAL_SECRET = "a-production-secret-of-more-than-32-characters"
REAL_PII_KEYS = "k1:" + base64.b64encode(b"p" * 32).decode()


def settings(**overrides: object) -> GridcaseSettings:
    values: dict[str, object] = {
        "database_url": "postgresql://nobody@127.0.0.1:1/none",
        "kafka_bootstrap_servers": "127.0.0.1:1",
        "routing_port": 8102,
        **overrides,
    }
    return GridcaseSettings(**values)  # type: ignore[arg-type]


def client(service: str, config: GridcaseSettings) -> httpx.AsyncClient:
    runtime: ServiceRuntime[Any] = BY_NAME[service].build_runtime(config)
    app = BY_NAME[service].build_app(runtime, manage_lifecycle=False)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_dashboard_runs_no_inline_script_and_cannot_be_framed() -> None:
    async with client("mediation", settings()) as http:
        page = await http.get("/login")
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        html = page.text
        # Nothing the policy would block: no inline script, style or handler.
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
        assert "<style" not in html and " style=" not in html
        assert re.search(r"\son[a-z]+=", html) is None
        sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/static/") for s in sources), sources
        for source in sources:
            asset = await http.get(source)
            assert asset.status_code == 200, source
            assert asset.headers["x-content-type-options"] == "nosniff"


async def test_api_answers_are_never_sniffed_or_framed() -> None:
    async with client("mediation", settings()) as http:
        answer = await http.get("/healthz")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "content-security-policy" not in answer.headers  # not a page


@pytest.fixture(autouse=True)
def real_open311_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Intake refuses to start in production with the development Open311 key."""
    monkeypatch.setenv("GRIDCASE_INTAKE_OPEN311_API_KEYS", "a-real-open311-key-for-a-partner")


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
async def test_api_documentation_is_off_in_production(service: str) -> None:
    production = settings(
        environment=Environment.PRODUCTION, secret_key=REAL_SECRET, pii_keys=REAL_PII_KEYS
    )
    async with client(service, production) as http:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await http.get(path)).status_code == 404, path


async def test_api_documentation_can_be_enabled_in_production() -> None:
    production = settings(
        environment=Environment.PRODUCTION,
        secret_key=REAL_SECRET,
        pii_keys=REAL_PII_KEYS,
        api_docs=True,
    )
    async with client("intake", production) as http:
        assert (await http.get("/openapi.json")).status_code == 200
        docs = await http.get("/docs")
        assert docs.status_code == 200
        # Swagger UI comes from its CDN with inline script: a policy for exactly that.
        assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
        assert docs.headers["x-frame-options"] == "DENY"


async def test_api_documentation_is_on_in_development_and_can_be_turned_off() -> None:
    async with client("routing", settings()) as http:
        assert (await http.get("/docs")).status_code == 200
    async with client("routing", settings(api_docs=False)) as http:
        assert (await http.get("/openapi.json")).status_code == 404
