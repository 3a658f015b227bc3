"""Sign-in, token checks, jurisdiction by guessed ids, the audit chain, and logs."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest
import structlog

from gridcase.services import verify_audit
from services.routing.service_layer import identity
from shared.auth.tokens import mint_token
from shared.db.rate_limits import RateLimitCounters
from shared.http.ratelimit import SharedRateLimiter
from shared.logging import configure_logging, get_logger
from shared.settings import Environment, GridcaseSettings
from tests.harness import Stack, demo_point

PASSWORD = "correct horse battery"


async def _account(stack: Stack, username: str, staff_id: str | None) -> None:
    async with stack.runtime("routing").uow() as uow:
        await identity.create_account(
            uow, username, PASSWORD, staff_id=staff_id, is_admin=staff_id is None
        )


async def test_login_rotation_reuse_and_logout(stack: Stack) -> None:
    await stack.start("routing", "mediation", consumers=False, relay=False)
    await _account(stack, "wangfang", "go-002")
    routing, mediation = stack.client("routing"), stack.client("mediation")

    signed_in = await routing.post(
        "/auth/login", json={"username": "wangfang", "password": PASSWORD}
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    assert tokens["role"] == "grid_officer" and tokens["unit_codes"] == ["451102001001002"]
    assert tokens["expires_in"] == 15 * 60
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await mediation.get("/cases", headers=bearer)).status_code == 200

    rotated = await routing.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    # The old refresh token is used up; presenting it again revokes the whole family,
    # so the token it was rotated into stops working too.
    reused = await routing.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401
    newest = rotated.json()["refresh_token"]
    assert (await routing.post("/auth/refresh", json={"refresh_token": newest})).status_code == 401

    again = (
        await routing.post("/auth/login", json={"username": "wangfang", "password": PASSWORD})
    ).json()
    assert (
        await routing.post("/auth/logout", json={"refresh_token": again["refresh_token"]})
    ).status_code == 204
    revoked = await routing.post("/auth/refresh", json={"refresh_token": again["refresh_token"]})
    assert revoked.status_code == 401


async def test_expired_and_forged_tokens_are_refused(stack: Stack) -> None:
    await stack.start("mediation", consumers=False, relay=False)
    mediation = stack.client("mediation")
    secret = stack.settings.secret_key
    expired = mint_token(
        secret, "go-002", "grid_officer", ["451102001001002"], ttl=timedelta(seconds=-5)
    )
    forged = mint_token("not-the-secret-" * 3, "admin", "admin")
    good = mint_token(secret, "go-002", "grid_officer", ["451102001001002"])
    for token, status in ((expired, 401), (forged, 401), (good, 200)):
        answer = await mediation.get("/cases", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == status, token


async def test_lockout_after_repeated_failures_and_login_rate_limit(stack: Stack) -> None:
    await stack.start("routing", consumers=False, relay=False)
    await _account(stack, "chenjing", "op-street")
    routing = stack.client("routing")
    for _ in range(stack.settings.login_max_failures):
        bad = await routing.post("/auth/login", json={"username": "chenjing", "password": "wrong"})
        assert bad.status_code == 401
    locked = await routing.post("/auth/login", json={"username": "chenjing", "password": PASSWORD})
    assert locked.status_code == 423  # even the right password, until the lock expires
    # A fresh throttle of 2 a minute (the attempts above were counted under "login").
    routing_runtime = stack.runtime("routing")
    routing_runtime.state.login_limiter = SharedRateLimiter(
        RateLimitCounters(lambda: routing_runtime.engine, "routing"),
        2,
        name="login-2",
        clock=lambda: 1_000_000.0,  # one window throughout, wherever the minute is
    )
    statuses = [
        (await routing.post("/auth/login", json={"username": "x", "password": "y"})).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 429]


async def test_api_key_gives_a_scoped_client_token_until_revoked(stack: Stack) -> None:
    await stack.start("routing", "intake", consumers=False, relay=False)
    async with stack.runtime("routing").uow() as uow:
        key = await identity.create_api_key(uow, "12345热线", ["open311:submit"], [])
    routing = stack.client("routing")
    issued = await routing.post("/auth/token", json={"api_key": key})
    assert issued.status_code == 200 and issued.json()["role"] == "client"
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    # The scope is Open311 submission: reading cases is refused.
    assert (await stack.client("intake").get("/reports/x", headers=bearer)).status_code == 403
    async with stack.runtime("routing").uow() as uow:
        assert await identity.revoke_api_key(uow, key.split(".")[0].removeprefix("gck_"))
    assert (await routing.post("/auth/token", json={"api_key": key})).status_code == 401


async def test_guessing_ids_outside_the_jurisdiction_finds_nothing(stack: Stack) -> None:
    await stack.start("intake", "mediation", "escalation", consumers=False, relay=False)
    case_id = str(uuid.uuid4())
    grid2 = "451102001001002"
    await stack.sql(
        "INSERT INTO mediation.cases (case_id, status, unit_code, assignee_id) "
        "VALUES ($1, 'assigned', $2, 'go-002')",
        case_id,
        grid2,
    )
    await stack.sql(
        "INSERT INTO escalation.clocks (clock_id, case_id, stage, category, unit_code, status,"
        " started_at, due_at, yellow_at, red_at) VALUES ($1, $2, 'accept', '市容环境', $3,"
        " 'running', now(), now(), now(), now())",
        str(uuid.uuid4()),
        case_id,
        grid2,
    )
    filed = await stack.client("intake", "grid_officer").post(
        "/mobile/v1/reports",
        json={
            "category": "市容环境",
            "title": "垃圾堆放",
            "description": "小区门口垃圾三天未清运",
            "location": demo_point(7),
            "grid_code": grid2,
        },
    )
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["case_id"]

    inside = {
        "grid_officer": stack.headers("grid_officer"),
        "community_operator": stack.headers("community_operator"),
        "street_operator": stack.headers("street_operator"),
        "admin": stack.headers("admin"),
    }
    outside = {
        "officer of another grid": stack.headers("grid_officer", "go-001", ("451102001001001",)),
        "operator of another street": stack.headers("street_operator", "op-x", ("451102002",)),
        "mediator of another committee": stack.headers("mediator", "med-x", ("451102001002",)),
        # A grid officer's case is not the community committee's.
        "mediator of the community": stack.headers("mediator"),
        "police of another community": stack.headers(
            "community_police", "pol-x", ("451102001002",)
        ),
    }
    probes = [
        ("mediation", f"/cases/{case_id}"),
        ("escalation", f"/cases/{case_id}/clocks"),
    ]
    for who, headers in inside.items():
        for service, path in probes:
            assert (await stack.client(service).get(path, headers=headers)).status_code == 200, (
                who,
                path,
            )
        listed = await stack.client("mediation").get("/cases", headers=headers)
        assert case_id in [c["case_id"] for c in listed.json()], who
    for who, headers in outside.items():
        for service, path in [*probes, ("intake", f"/reports/{report_id}")]:
            answer = await stack.client(service).get(path, headers=headers)
            assert answer.status_code == 404, (who, path, answer.status_code)
        listed = await stack.client("mediation").get("/cases", headers=headers)
        assert case_id not in [c["case_id"] for c in listed.json()], who
    # The officer who filed the report sees it.
    mine = await stack.client("intake", "grid_officer").get(f"/reports/{report_id}")
    assert mine.status_code == 200


async def test_audit_chain_catches_an_edited_and_a_deleted_row(stack: Stack) -> None:
    await stack.start("mediation", consumers=False, relay=False)
    mediation = stack.client("mediation", "street_operator")
    for _ in range(4):
        assert (await mediation.get("/cases")).status_code == 200
    writer = stack.runtime("mediation").audit_writer
    assert writer is not None
    await writer.flush()  # routine access records are written in batches
    rows = await stack.sql(
        "SELECT actor, role, action, result FROM mediation.audit_log ORDER BY seq"
    )
    assert [tuple(r) for r in rows] == [("op-street", "street_operator", "GET /cases", "200")] * 4
    assert all(r.intact for r in await verify_audit(stack.settings))

    with pytest.raises(Exception, match="append-only"):
        await stack.sql("UPDATE mediation.audit_log SET actor = 'nobody' WHERE seq = 2")
    # A superuser can go around the trigger; the chain still tells.
    await _as_superuser(stack, "UPDATE mediation.audit_log SET actor = 'nobody' WHERE seq = 2")
    [report] = [r for r in await verify_audit(stack.settings) if r.schema == "mediation"]
    assert report.problems == ["row 2: content does not match its hash (edited)"]
    await _as_superuser(stack, "DELETE FROM mediation.audit_log WHERE seq = 3")
    [report] = [r for r in await verify_audit(stack.settings) if r.schema == "mediation"]
    assert "rows 3..3 are missing (deleted)" in report.problems
    assert "row 4: does not follow the previous row" in report.problems


async def _as_superuser(stack: Stack, statement: str) -> None:
    """Run ``statement`` with triggers off, as someone tampering with the table would."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(statement)
    finally:
        await conn.close()


def test_audit_retention_under_six_months_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 183"):
        GridcaseSettings(audit_retention_days=90)


def test_placeholder_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        GridcaseSettings(environment=Environment.STAGING)


def test_personal_data_never_reaches_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json=True)  # writes to the stderr pytest captures here
    try:
        log = get_logger("test")
        log.info("party_recorded", phone="13812345678", id_number="11010519491231002X")
        log.warning("validation failed for 申请人 11010519491231002X, 电话 +86 138 1234 5678")
        out = capsys.readouterr().err
    finally:
        structlog.reset_defaults()  # later tests must not write to the closed capture
    assert "party_recorded" in out and "[redacted]" in out
    for secret in ("13812345678", "11010519491231002X", "138 1234 5678"):
        assert secret not in out
