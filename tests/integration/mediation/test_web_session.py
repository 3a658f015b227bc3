"""The web app's session and live notices on real PostgreSQL (no browser): writes
from another site are refused, parallel requests with an expired session refresh it
once (a refresh token used twice would revoke the whole family), and an assignment
notice reaches listeners only when its transaction commits."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest

from gridcase.demo import DEMO_PASSWORD
from gridcase.services import BY_NAME
from services.mediation.adapters.assignment_notices import (
    AssignmentListener,
    AssignmentNotice,
    notify_assigned,
)
from services.mediation.adapters.routing_client import RoutingClient
from services.routing.service_layer.identity import create_demo_accounts
from shared.auth.tokens import mint_token
from tests.harness import Stack

pytestmark = pytest.mark.integration


async def _web(stack: Stack) -> tuple[httpx.AsyncClient, RoutingClient]:
    """Mediation's app, with its routing client talking to routing's app in-process."""
    await stack.start("routing", "mediation", consumers=False, relay=False)
    async with stack.runtime("routing").uow() as uow:
        await create_demo_accounts(uow, DEMO_PASSWORD)
    routing_app = BY_NAME["routing"].build_app(stack.runtime("routing"), manage_lifecycle=False)
    routing = RoutingClient("http://routing", transport=httpx.ASGITransport(app=routing_app))
    stack.runtime("mediation").state.routing_client = routing
    return stack.client("mediation"), routing


async def test_a_form_posted_from_another_site_is_refused(stack: Stack) -> None:
    web, routing = await _web(stack)
    try:
        forged = await web.post(
            "/logout",
            headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert forged.status_code == 403
        assert forged.json()["type"].endswith("cross-site-request")
        own = await web.post(
            "/logout", headers={"Origin": "http://mediation", "Sec-Fetch-Site": "same-origin"}
        )
        assert own.status_code == 303
    finally:
        await routing.aclose()


async def test_parallel_requests_with_an_expired_session_refresh_it_once(stack: Stack) -> None:
    web, routing = await _web(stack)
    try:
        signed_in = await routing.login("op-district", DEMO_PASSWORD)
        expired = mint_token(
            stack.settings.secret_key,
            "op-district",
            "district_operator",
            ["451102"],
            ttl=timedelta(seconds=-5),
        )
        cookie = {"Cookie": f"gc_access={expired}; gc_refresh={signed_in.refresh_token}"}
        answers = await asyncio.gather(
            *(web.get("/", headers=cookie) for _ in range(4)),
            web.get("/overview", headers=cookie),
        )
        assert [a.status_code for a in answers] == [200] * 5
        renewed = {a.cookies.get("gc_refresh") for a in answers}
        assert len(renewed) == 1 and None not in renewed
        # The family is intact: the new refresh token still works at routing.
        again = await routing.refresh(renewed.pop() or "")
        assert again.role == "district_operator"
    finally:
        await routing.aclose()


async def test_without_a_session_pages_send_the_browser_to_sign_in(stack: Stack) -> None:
    web, routing = await _web(stack)
    try:
        page = await web.get("/?status=assigned")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2F%3Fstatus%3Dassigned"
        partial = await web.get(
            "/",
            headers={
                "Cookie": "gc_refresh=unknown",
                "HX-Request": "true",
                "HX-Current-URL": "http://mediation/?q=x",
            },
        )
        assert partial.status_code == 200
        assert partial.headers["HX-Redirect"] == "/login?next=%2F%3Fq%3Dx&expired=1"
        assert (await web.get("/live")).status_code == 204
    finally:
        await routing.aclose()


async def test_routing_throttles_and_audits_sign_ins_by_the_browsers_address(
    stack: Stack,
) -> None:
    """Every sign-in now reaches routing from the mediation service: it names the
    browser's address, which routing's server (uvicorn, trusting the loopback proxy)
    takes as the client's, so one busy office does not lock out the whole site."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    await _web(stack)
    routing_app = BY_NAME["routing"].build_app(stack.runtime("routing"), manage_lifecycle=False)
    # uvicorn's and Starlette's ASGI type aliases differ; the app is the same.
    behind_proxy: Any = ProxyHeadersMiddleware(cast(Any, routing_app), trusted_hosts="127.0.0.1")
    routing = RoutingClient("http://routing", transport=httpx.ASGITransport(app=behind_proxy))
    stack.runtime("mediation").state.routing_client = routing
    mediation_app = BY_NAME["mediation"].build_app(
        stack.runtime("mediation"), manage_lifecycle=False
    )
    browser = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=mediation_app, client=("203.0.113.7", 40000)),
        base_url="http://mediation",
    )
    try:
        answer = await browser.post(
            "/login", data={"username": "op-district", "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 303
        rows = await stack.sql(
            "SELECT source FROM routing.audit_log WHERE action LIKE '%login%' ORDER BY seq"
        )
        assert [r["source"] for r in rows][-1] == "203.0.113.7"
    finally:
        await browser.aclose()
        await routing.aclose()


async def test_an_assignment_notice_is_delivered_at_commit_not_before(stack: Stack) -> None:
    await stack.start("mediation", consumers=False, relay=False)
    runtime = stack.runtime("mediation")
    listener = AssignmentListener(lambda: runtime.database_url)
    try:
        async with listener.subscribe() as queue:
            await asyncio.wait_for(listener.listening.wait(), 10)
            async with runtime.uow() as uow:
                await notify_assigned(
                    uow.connection, [AssignmentNotice("case-1", "go-002", "451102001001002")]
                )
                await asyncio.sleep(0.3)
                assert queue.empty()
                await uow.commit()
            notice = await asyncio.wait_for(queue.get(), 5)
            assert notice == AssignmentNotice("case-1", "go-002", "451102001001002")
            async with runtime.uow() as uow:
                await notify_assigned(
                    uow.connection, [AssignmentNotice("case-2", "go-002", "451102001001002")]
                )
                # Rolled back: never delivered.
            await asyncio.sleep(0.3)
            assert queue.empty()
    finally:
        await listener.close()
